"""Populate: from the source files to the workbook's input blocks, engine-neutral.

The same function body serves the command line (an openpyxl file, :mod:`finsam.workbook`)
and the Excel button (an ``xlwings.Book``, :mod:`finsam.excel`): both implement
:class:`BookIO` — read the settings sheet, read a defined name's values, write a set of
whole blocks — and call :func:`populate_io`. Nothing is written until every source has been
read and every block computed, so a failing run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

from finsam import __version__, layout, source_checks, tables
from finsam.errors import FinsamError, PeriodError, Problem, ProblemError, SourceError, WorkbookError
from finsam.money import ore_to_tkr
from finsam.personnummer import redact
from finsam.period import Period, current_period, parse_period
from finsam.settings import Settings, settings_from_rows
from finsam.sources.anonymous import read_anonymous
from finsam.sources.budget import read_budget
from finsam.sources.forecast import read_forecast
from finsam.sources.ledger import Ledger, empty_lines, is_sie, read_ledger
from finsam.sources.participants import read_participants

Block = list[list]

#: Text that a spreadsheet would take for a formula; writers store such values as text.
FORMULA_PREFIXES = ("=", "+", "-", "@")


class BookIO(Protocol):
    """What populate needs from a workbook, whatever engine holds it."""

    label: str  #: how messages name the workbook (file name)
    folder: Path | None  #: the workbook's folder (sources folder is relative to it)

    def settings_rows(self) -> list[list]:
        """The settings sheet's values as a 2D list (first three columns suffice)."""

    def names(self) -> set[str]:
        """The workbook's defined names."""

    def read(self, name: str) -> Block:
        """The values of a defined name's range, always 2D (rows × columns)."""

    def write(self, blocks: dict[str, Block]) -> None:
        """Write each block into its defined name, one write per block."""


@dataclass
class Sources:
    """The source files of one populate, read. Frames as their readers document them."""

    folder: Path
    files: dict[str, Path]
    participants: pd.DataFrame
    anonymous: pd.DataFrame | None
    ledger: Ledger
    budget: pd.DataFrame
    financing_budget: pd.DataFrame
    forecast: pd.DataFrame | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def rows_read(self) -> dict[str, int]:
        out = {"deltagare": len(self.participants), "huvudbok": len(self.ledger.lines), "budget": len(self.budget)}
        if self.anonymous is not None:
            out["anonyma"] = len(self.anonymous)
        if self.forecast is not None:
            out["prognos"] = len(self.forecast)
        return out


@dataclass
class PopulateResult:
    """What a populate did: the period, files and rows read, the blocks written, the tables,
    the forecast decisions (Swedish lines for the person) and every problem found."""

    period: Period
    settings: Settings
    sources: Sources
    blocks: dict[str, Block]
    municipalities: pd.DataFrame
    economy: tables.Economy
    summary: pd.DataFrame
    forecast_notes: list[str]
    problems: list[Problem]


_PREFERENCE = {".se": 0, ".si": 0, ".sie": 0, ".xlsx": 1, ".xlsm": 1, ".csv": 2, ".txt": 3, ".xls": 4}


def find_source(folder: Path, pattern: str) -> Path | None:
    """The file in ``folder`` matching ``pattern`` (e.g. ``huvudbok.*``); office lock files
    (``~$…``), hidden files and backups are ignored.

    A file named exactly like the pattern (``budget.xlsx`` for ``budget.*``) wins over others
    that match it (``budget.old.xlsx``); between such files the accounting system's own
    export wins: SIE before xlsx before CSV (``huvudbok.se`` before ``huvudbok.csv``).

    Raises:
        SourceError: two files are equally good candidates, so which one is meant is a guess.
    """
    hits = [
        p for p in folder.glob(pattern)
        if p.is_file() and not p.name.startswith(("~$", ".")) and not p.name.endswith(("~", ".bak"))
    ]
    if not hits:
        return None
    stem = pattern.split(".")[0]
    exact = [p for p in hits if p.stem == stem and "*" not in stem]
    pool = exact or hits
    rank = lambda p: _PREFERENCE.get(p.suffix.lower(), 9)  # noqa: E731
    best = min(rank(p) for p in pool)
    tied = sorted(p.name for p in pool if rank(p) == best)
    if len(tied) > 1:
        raise SourceError(
            f"Flera filer i {folder} passar mönstret {pattern!r}: {', '.join(tied)}. Flytta bort de som inte ska "
            "användas, eller ange det exakta filnamnet i bladet Inställningar."
        )
    return next(p for p in pool if rank(p) == best)


def _same_name_on_disk(path: Path) -> Path:
    """``path``, or the entry beside it whose name is the same text in another Unicode form
    (macOS writes "källor" decomposed, a settings sheet composed: they look identical)."""
    if path.exists() or not path.parent.is_dir():
        return path
    want = unicodedata.normalize("NFC", path.name)
    for entry in path.parent.iterdir():
        if unicodedata.normalize("NFC", entry.name) == want:
            return entry
    return path


def read_sources(settings: Settings, folder: Path) -> Sources:
    """Read every source file of ``folder`` named by the settings' patterns.

    Required: deltagare, huvudbok and budget (the budget may instead come from the SIE
    file's ``#PBUDGET``). Optional: anonyma, prognos.

    Data problems of every file (a bad personnummer, an amount that is no number…) are
    collected in ``Sources.problems``, so one run reports them all; a ledger with bad rows is
    then read as empty (the errors stop any populate).

    Raises:
        SourceError: the folder or a required file is missing, or a file cannot be read.
    """
    folder = _same_name_on_disk(Path(folder))
    if not folder.is_dir():
        raise SourceError(f"Källmappen {folder} finns inte. Ange rätt mapp med --sources eller i bladet Inställningar.")
    files = {kind: find_source(folder, pat) for kind, pat in settings.source_patterns.items()}
    for kind in ("deltagare", "huvudbok"):
        if files[kind] is None:
            raise SourceError(
                f"Ingen fil som matchar {settings.source_patterns[kind]!r} i {folder}. "
                f"Lägg exporten där eller ändra 'Källfil: {kind}' i bladet Inställningar."
            )
    problems: list[Problem] = []
    # The two large files are read side by side: the register's xlsx parser and the ledger's
    # Arrow CSV reader both work outside the GIL, so the ledger costs almost nothing extra.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(read_ledger, files["huvudbok"], cost_centre_dimension=settings.cost_centre_dimension)
        participants, p = read_participants(files["deltagare"], settings.year)
        problems += p
        anonymous = None
        if files["anonyma"] is not None:
            anonymous, p = read_anonymous(files["anonyma"])
            problems += p
        try:
            ledger = pending.result()
        except ProblemError as exc:  # bad rows: report them with the other files' problems
            problems += exc.problems
            ledger = Ledger(lines=empty_lines(), source=files["huvudbok"])
    problems += ledger.problems
    if files["budget"] is not None:
        budget, fin_budget, p = read_budget(files["budget"])
        problems += p
    elif ledger.budget_ore is not None:
        b = ledger.budget_ore
        budget = pd.DataFrame(
            {"cost_centre": b["cost_centre"], "budget_tkr": -b["amount_ore"] / 100_000}
        ).groupby("cost_centre", as_index=False)["budget_tkr"].sum()
        fin_budget = pd.DataFrame({"name": pd.Series([], dtype=str), "budget_tkr": pd.Series([], dtype="float64")})
    else:
        raise SourceError(
            f"Ingen budgetfil som matchar {settings.source_patterns['budget']!r} i {folder}, och huvudboken "
            "har ingen budget (#PBUDGET). Lägg budget.xlsx i källmappen."
        )
    forecast = None
    if files["prognos"] is not None:
        forecast, p = read_forecast(files["prognos"])
        problems += p
    return Sources(folder, {k: v for k, v in files.items() if v is not None}, participants, anonymous,
                   ledger, budget, fin_budget, forecast, problems)


def resolve_period(text: str | None, settings: Settings, ledger: Ledger | None = None, today: dt.date | None = None) -> Period:
    """The period to populate.

    ``text`` (CLI option or the settings sheet) when given; else the last complete
    quarter/tertial before ``today`` within the workbook's year (the whole year once it is
    over). Quarters run from the fiscal year's first month: the SIE file's ``#RAR 0`` when
    it has one, else the settings.

    Raises:
        PeriodError: the text is not a period; the period lies outside the SIE file's fiscal
            year (``#RAR 0``); or it lies in another fiscal year than the workbook's (``År`` on
            the settings sheet): a 2013 workbook is never filled with 2014 figures.
    """
    month = settings.fiscal_start_month
    if ledger is not None and ledger.fiscal_year_start is not None:
        month = ledger.fiscal_year_start.month
    if text:
        period = parse_period(text, fiscal_start_month=month)
    else:
        last = "T3" if settings.period_kind == "tertial" else "Q4"
        full_year = parse_period(f"{settings.year}-{last}", fiscal_start_month=month)
        today = today or dt.date.today()
        period = full_year if today > full_year.end else current_period(today, kind=settings.period_kind, fiscal_start_month=month)
    start, end = (ledger.fiscal_year_start, ledger.fiscal_year_end) if ledger is not None else (None, None)
    if start and end and not (start <= period.start and period.end <= end):
        raise PeriodError(
            f"Perioden {period.start}–{period.end} ligger utanför huvudbokens räkenskapsår {start}–{end} "
            f"({ledger.source.name}, #RAR 0). Exportera SIE-filen för rätt år eller ange en period inom det."
        )
    if period.start.year != settings.year:
        raise PeriodError(
            f"Perioden {period.start}–{period.end} hör till räkenskapsåret {period.start.year}, men arbetsboken "
            f"gäller år {settings.year}. Ange en period inom {settings.year} (t.ex. --period {settings.year}-Q1) "
            f"eller skapa en ny arbetsbok för {period.start.year}: finsam new … --year {period.start.year}."
        )
    return period


def _in_sheet_order(io: BookIO, name: str, part: pd.DataFrame, title: str) -> pd.DataFrame:
    """The rows of one cost-centre table in the order the workbook shows them (a person may
    have sorted the table in Excel): by the codes in column A (defined name ``name``).
    Workbooks made before that name existed keep the settings' order.

    Raises:
        WorkbookError: the table's codes are not the settings' cost centres of that group.
    """
    if name not in io.names() or not len(part):
        return part
    sheet = [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v or "").strip() for (v, *_) in io.read(name)]
    want = list(part["code"])
    if sorted(sheet) != sorted(want):
        missing = sorted(set(want) - set(sheet)) or sorted(set(sheet) - set(want))
        raise WorkbookError(
            f"{io.label}: tabellen {title} på bladet {layout.SHEET_ECONOMY} har inte inställningarnas kostnadsställen "
            f"(skillnad: {', '.join(missing)}). Ändra inte koderna i kolumn A. Har kostnadsställena ändrats i bladet "
            f"Inställningar: skapa en ny arbetsbok med dem, 'finsam new NY.xlsx --settings {io.label}', och för över "
            "prognoser och kommentarer."
        )
    return part.set_index("code").loc[sheet].reset_index()


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _value(block: Block, r: int, c: int = 0):
    try:
        return block[r][c]
    except (IndexError, TypeError):
        return None


def _shape_check(io: BookIO, name: str, block: Block) -> None:
    current = io.read(name)
    if len(current) != len(block) or (current and len(current[0]) != len(block[0])):
        raise WorkbookError(
            f"{io.label}: området {name} har {len(current)}×{len(current[0]) if current else 0} celler men "
            f"inställningarna ger {len(block)}×{len(block[0])}. Kostnadsställen eller kommuner har ändrats "
            f"sedan arbetsboken skapades: skapa en ny med 'finsam new NY.xlsx --settings {io.label}' "
            "(inställningarna följer med) och för över prognoser och kommentarer."
        )


def _opening_equity_tkr(settings: Settings, ledger: Ledger) -> int | None:
    """Opening equity, tkr: the settings' figure (annual report), else the ledger's ``#IB 0``
    on the equity accounts (BAS 20xx, credit = positive equity)."""
    if settings.opening_equity_tkr is not None:
        return settings.opening_equity_tkr
    ib = [v for k, v in ledger.opening_balances_ore.items() if str(k).startswith("20")]
    return ore_to_tkr(-sum(ib)) if ib else None


def compute_blocks(
    io: BookIO, settings: Settings, sources: Sources, period: Period, *, mask_below: int | None = None
) -> PopulateResult:
    """Compute every input block from the sources, keeping the person's cells.

    Reads the workbook's current forecast, comment and budget blocks (the person's), applies
    :func:`finsam.tables.resolve_forecast` per row, and returns the blocks to write. Pure
    apart from those reads.

    ``mask_below`` (publication copies, Swedish official statistics practice): counts
    1..N-1 in the municipality table are written as the text ``"<N"`` (and one more as ``".."``
    where a single masked count could be computed back, :func:`finsam.tables.mask_small_counts`), and the Summa row is
    written as values (exact, or ``"<N"`` when itself below N) because a SUM over masked
    cells would be wrong. Without it, a workbook that already holds masked counts is a
    publication copy and is not populated (problem ``publiceringskopia``).
    """
    problems = list(sources.problems)
    muni = tables.participants_by_municipality(sources.participants, period, settings)
    econ = tables.economy(settings, sources.ledger.lines, period, sources.budget, sources.financing_budget, sources.forecast)
    blocks: dict[str, Block] = {}
    blocks["fs_period"] = [[period.start.isoformat()], [period.end.isoformat()], [period.label], [period.year_label],
                           [dt.datetime.now().strftime("%Y-%m-%d %H:%M")], [__version__]]
    rows = muni.drop(index="Summa")
    mask = _masker(mask_below)
    if mask_below:
        blocks["fs_deltagare"] = tables.mask_small_counts(rows[tables.MUNICIPALITY_COLUMNS], mask_below)
    else:
        blocks["fs_deltagare"] = [[int(v) for v in r] for r in rows[tables.MUNICIPALITY_COLUMNS].to_numpy()]
    blocks["fs_deltagare_summa_unika_in"] = [[mask(muni.at["Summa", "inflode_unika"])]]
    blocks["fs_deltagare_summa_unika_ut"] = [[mask(muni.at["Summa", "utflode_unika"])]]
    if mask_below:
        blocks["fs_deltagare_summa"] = [[mask(v) for v in muni.loc["Summa", tables.MUNICIPALITY_COLUMNS]]]
    elif is_masked(io.read("fs_deltagare")):
        problems.append(Problem("publiceringskopia", "error", io.label, None, layout.SHEET_PARTICIPANTS,
                                "Arbetsboken är en publiceringskopia (antal under gränsen visas som '<N'). "
                                "Fyll i originalarbetsboken i stället, eller ange --mask-below igen."))

    anon: Block = [[None, None] for _ in range(layout.ANONYMOUS_ROWS)]
    if sources.anonymous is not None:
        at = tables.anonymous_by_insats(sources.anonymous, period)
        if len(at) > layout.ANONYMOUS_ROWS:
            problems.append(Problem("anonyma-for-manga", "error", sources.files["anonyma"].name, None, "Insats",
                                    f"{len(at)} insatser med anonyma deltagare, men arbetsboken har plats för "
                                    f"{layout.ANONYMOUS_ROWS}. Slå ihop insatser i filen."))
        for i, (name, count) in enumerate(at[["insats", "count"]].itertuples(index=False)):
            if i < layout.ANONYMOUS_ROWS:
                anon[i] = [source_text(name), int(count)]
    blocks["fs_anonyma"] = anon

    notes: list[str] = []
    cc = econ.cost_centres.copy()
    prognos_all: list[int] = []
    ordered: list[pd.DataFrame] = []  # the tables' rows in the workbook's order
    for gi, group in enumerate(settings.groups, start=1):
        gn = layout.group_names(gi)
        part = _in_sheet_order(io, gn["koder"], cc[cc["group"] == group.name], group.title)
        old_utfall = io.read(gn["utfall"])
        old_prognos = io.read(gn["prognos"])
        old_comment = io.read(gn["kommentar"])
        utfall, prognos, comments, names = [], [], [], []
        for i, row in enumerate(part.itertuples(index=False)):
            names.append([source_text(row.name or sources.ledger.cost_centre_names.get(row.code, "")) or None])
            utfall.append([int(row.budget), int(row.ackumulerat)])
            override = None if pd.isna(row.prognos_override) else int(row.prognos_override)
            old = _value(old_prognos, i)
            value, why = tables.resolve_forecast(row.budget, override, old, _value(old_utfall, i))
            if why == "prognos.csv" and not _blank(old) and old != value:
                notes.append(f"{row.code} {row.name}: prognosen {old} ersattes med {value} från prognos.csv.")
            elif why == "arbetsboken" and value != row.budget:
                notes.append(f"{row.code} {row.name}: prognosen {value} i arbetsboken behölls.")
            elif why == "formel":
                notes.append(f"{row.code} {row.name}: prognosens formel {value} i arbetsboken behölls.")
            kept = why in ("formel", "text")
            prognos.append([value])
            prognos_all.append(int(row.budget) if kept else value)
            comment = _value(old_comment, i)
            if isinstance(comment, str) and not isinstance(comment, layout.Formula) and redact(comment) != comment:
                comment = redact(comment)  # only counts leave finsam, even from a typed comment
                notes.append(f"{row.code} {row.name}: ett personnummer i kommentaren maskerades.")
            if isinstance(row.comment, str) and row.comment.strip():  # NaN is truthy: test for text
                if not _blank(comment) and str(comment).strip() != source_text(row.comment).strip():
                    notes.append(f"{row.code} {row.name}: kommentaren i arbetsboken ersattes med den från prognos.csv.")
                comment = source_text(row.comment)
            comments.append([None if _blank(comment) else comment])
        if not utfall:  # a group without cost centres has one empty row
            utfall, prognos, comments, names = [[None, None]], [[None]], [[None]], [["(inga kostnadsställen)"]]
        if gn["namn"] in io.names():  # workbooks made before names were an input keep theirs
            blocks[gn["namn"]] = names
        blocks[gn["utfall"]] = utfall
        blocks[gn["prognos"]] = prognos
        blocks[gn["kommentar"]] = comments
        ordered.append(part)
    cc = pd.concat(ordered, ignore_index=True) if ordered else cc
    cc["prognos"] = prognos_all if len(prognos_all) == len(cc) else cc["budget"]
    blocks["fs_ej_fordelat"] = [[int(econ.unallocated_tkr)]]
    for code, tkr in econ.unallocated_codes.items():
        what = f"kostnadsställe {code}" if code else "rader utan kostnadsställe"
        problems.append(Problem("kostnadsstalle-okant", "warning", sources.ledger.source.name, None, "Kostnadsställe",
                                f"Resultat på {what} ({tkr} tkr) finns inte bland inställningarnas kostnadsställen "
                                "och redovisas som 'Ej fördelat'. Lägg till kostnadsstället i bladet Inställningar "
                                "eller rätta konteringen."))

    fin = econ.financing.copy()
    if settings.financing:
        old_fu = io.read("fs_finansiering_utfall")
        old_fp = io.read("fs_finansiering_prognos")
        fin_prognos = []
        for i, row in enumerate(fin.itertuples(index=False)):
            value, why = tables.resolve_forecast(row.budget, None, _value(old_fp, i), _value(old_fu, i))
            fin_prognos.append(value)
        blocks["fs_finansiering_utfall"] = [
            [int(r.budget), None if pd.isna(r.ackumulerat) else int(r.ackumulerat)] for r in fin.itertuples(index=False)
        ]
        blocks["fs_finansiering_prognos"] = [[v] for v in fin_prognos]
        fin["prognos"] = [v if isinstance(v, int) else b for v, b in zip(fin_prognos, fin["budget"])]
    else:
        fin["prognos"] = pd.Series(dtype="Int64")
    blocks["fs_eget_kapital"] = [[_opening_equity_tkr(settings, sources.ledger)]]
    blocks["fs_huvudbok_resultat"] = [[int(econ.ledger_result_tkr)]]

    for name, block in blocks.items():
        _shape_check(io, name, block)
    summ = tables.summary(settings, cc, fin, econ.unallocated_tkr)
    econ.cost_centres = cc
    econ.financing = fin
    return PopulateResult(period, settings, sources, blocks, muni, econ, summ, [redact(n) for n in notes], problems)


def _masker(mask_below: int | None):
    def mask(v):
        v = int(v)
        return f"<{mask_below}" if mask_below and 0 < v < mask_below else v

    return mask


def is_masked(block: Block) -> bool:
    """True when a block holds counts masked by ``mask_below`` (text like ``"<3"``)."""
    return any(isinstance(v, str) and (v.startswith("<") or v == "..") for row in block for v in row)


def populate_io(
    io: BookIO,
    *,
    sources: Path | None = None,
    period: str | None = None,
    today: dt.date | None = None,
    mask_below: int | None = None,
) -> PopulateResult:
    """Populate an open workbook: settings from its sheet, sources from ``sources`` (or the
    settings' folder relative to the workbook), period from ``period`` (or the settings, or
    the last complete period before today). The source checks
    (:func:`finsam.source_checks.check_sources`) run first; writes only when no error
    problem was found. ``mask_below``: see :func:`compute_blocks`.

    Raises:
        SettingsError: the settings sheet is missing or incomplete.
        SourceError: a source cannot be read.
        ProblemError: the sources hold errors (every problem is attached); nothing written.
        PeriodError, WorkbookError: as their messages say; nothing written.
    """
    if mask_below is not None and mask_below < 2:
        raise FinsamError("--mask-below måste vara minst 2 (t.ex. 3: antal 1–2 visas som '<3').")
    settings = read_settings(io)
    if sources is None:
        if io.folder is None:
            raise FinsamError("Ange källmappen (--sources); arbetsbokens mapp är okänd.")
        sources = io.folder / settings.sources_folder
    src = read_sources(settings, Path(sources))
    per = resolve_period(period or settings.period or None, settings, src.ledger, today)
    src.problems += source_checks.check_sources(settings, src, per)
    if any(p.severity == "error" for p in src.problems):
        raise ProblemError(src.problems)
    result = compute_blocks(io, settings, src, per, mask_below=mask_below)
    if any(p.severity == "error" for p in result.problems):
        raise ProblemError(result.problems)
    io.write(result.blocks)
    return result


def read_settings(io: BookIO) -> Settings:
    """The settings stored in the workbook's settings sheet."""
    missing = [n for n in ("fs_period", "fs_deltagare") if n not in io.names()]
    if missing:
        raise WorkbookError(
            f"{io.label} är ingen finsam-arbetsbok (namnen {', '.join(missing)} saknas). "
            "Skapa en med 'finsam new' och fyll den med 'finsam populate'."
        )
    return settings_from_rows(io.settings_rows(), source=f"{io.label}: {layout.SHEET_SETTINGS}")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def source_text(value) -> str:
    """Text from a source file as it may go into the workbook: control characters (which a
    worksheet cannot hold) removed, and any personnummer masked — only counts leave finsam,
    even when someone typed a personnummer into a comment."""
    return redact(_CONTROL.sub("", str(value)))


def is_formula_like(value) -> bool:
    """True for text a spreadsheet would parse as a formula, which writers store as text —
    except a :class:`~finsam.layout.Formula` read from the workbook, which goes back as it was."""
    return isinstance(value, str) and not isinstance(value, layout.Formula) and value.startswith(FORMULA_PREFIXES)


__all__ = [
    "BookIO", "Sources", "PopulateResult", "find_source", "read_sources", "resolve_period",
    "compute_blocks", "populate_io", "read_settings", "is_formula_like", "is_masked", "is_sie",
]
