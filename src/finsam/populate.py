"""Populate: from the source files to the workbook's input blocks, engine-neutral.

The same function body serves the command line (an openpyxl file, :mod:`finsam.workbook`)
and the Excel button (an ``xlwings.Book``, :mod:`finsam.excel`): both implement
:class:`finsam.book.BookIO` and call :func:`populate_io`. The sources folder is read by
:func:`finsam.sources.folder.read_sources`, the period chosen by
:func:`finsam.period.resolve_period`. Nothing is written until every source has been read
and every block computed, so a failing run changes nothing; the workbook is read once, before
anything is computed (:func:`compute_blocks`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from finsam import __version__, layout, participant_sheet, source_checks, tables
from finsam.blocks import ECONOMY, PARTICIPANTS, SUMMARY
from finsam.book import (
    Block, BookIO, Held, check_shape, is_blank, is_masked, mask_person_value, masker, read_held, read_settings,
    source_text,
)
from finsam.coverage import ledger_last_date, ledger_stale_problem
from finsam.errors import FinsamError, Problem, ProblemError, WorkbookError
from finsam.money import report_tkr
from finsam.participant_tables import ParticipantTables
from finsam.period import Period, resolve_period
from finsam.personnummer import redact
from finsam.settings import Settings
from finsam.sources.folder import Sources, read_sources
from finsam.sources.ledger import Ledger
from finsam.suppression import is_hidden, suppress


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
    participants: ParticipantTables | None = None


def _summary_forecast(value, why: str, budget: int) -> int:
    """A row's forecast as the summary counts it (tkr): the number written. A formula the
    person typed, or something that is no forecast (text, a date, a pasted personnummer), is
    left to the workbook (its formula, or SUM's own rules for text and dates), so the row's
    summary lines are flagged (``prognos_i_arbetsboken``) and shown without a figure; this
    stand-in (the budget) is never printed."""
    return int(budget) if why in ("formel", "text") else int(value)


def _in_sheet_order(held: Held, name: str, part: pd.DataFrame, title: str) -> pd.DataFrame:
    """The rows of one cost-centre table in the order the workbook shows them (a person may
    have sorted the table in Excel): by the codes in column A (defined name ``name``).
    Workbooks made before that name existed keep the settings' order.

    Raises:
        WorkbookError: the table's codes are not the settings' cost centres of that group.
    """
    if name not in held.names or not len(part):
        return part
    sheet = [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v or "").strip() for (v, *_) in held.read(name)]
    want = list(part["code"])
    if sorted(sheet) != sorted(want):
        missing = sorted(set(want) - set(sheet)) or sorted(set(sheet) - set(want))
        raise WorkbookError(
            f"{held.label}: tabellen {title} på bladet {layout.SHEET_ECONOMY} har inte inställningarnas kostnadsställen "
            f"(skillnad: {', '.join(missing)}). Ändra inte koderna i kolumn {ECONOMY.letter('kod')}. Har kostnadsställena ändrats i bladet "
            f"Inställningar: kör 'finsam populate {held.label}' en gång från kommandoraden; den bygger om bladen "
            "Ekonomi, Sammanställning och Kontroller och flyttar med prognoser och kommentarer."
        )
    return part.set_index("code").loc[sheet].reset_index()


def _masked(sheet: str, column: str, where: str) -> Problem:
    """``personnummer-maskerat`` (info): a personnummer a person typed into ``where`` on
    ``sheet`` was masked (:func:`finsam.book.mask_person_value`), so the output says so."""
    return Problem("personnummer-maskerat", "info", sheet, None, column,
                   f"Ett personnummer i {where} maskerades (bara antal får lämna finsam). "
                   "Skriv inga personnummer i arbetsboken.")


def _opening_equity_tkr(settings: Settings, ledger: Ledger) -> int | None:
    """Opening equity, tkr: the settings' figure (annual report), else the ledger's ``#IB 0``
    on the equity accounts (BAS 20xx, credit = positive equity)."""
    if settings.opening_equity_tkr is not None:
        return settings.opening_equity_tkr
    ib = [v for k, v in ledger.opening_balances_ore.items() if str(k).startswith("20")]
    return report_tkr(sum(ib)) if ib else None


def compute_blocks(
    io: BookIO, settings: Settings, sources: Sources, period: Period, *, mask_below: int | None = None
) -> PopulateResult:
    """Read the workbook once (:func:`finsam.book.read_held` of :func:`finsam.layout.read_names`), then
    :func:`compute` the blocks from the sources and what it held."""
    return compute(read_held(io, layout.read_names(settings)), settings, sources, period, mask_below=mask_below)


def compute(
    held: Held, settings: Settings, sources: Sources, period: Period, *, mask_below: int | None = None
) -> PopulateResult:
    """Every input block to write, computed from the sources and ``held`` (the workbook's cells,
    read before: :func:`compute_blocks`) alone, keeping the person's forecasts and comments
    (:func:`finsam.tables.resolve_forecast` per row).

    ``mask_below`` (publication copies, Swedish official statistics practice): counts
    1..N-1 in the municipality table are written as the text ``"<N"``, and more as ``".."``
    until none can be computed back from the Summa row (:func:`finsam.suppression.suppress`);
    the Summa row is written as values (exact, or hidden by the same rules) because a SUM
    over masked cells would be wrong. Without it, a workbook that already holds masked counts is a
    publication copy and is not populated (problem ``publiceringskopia``).

    Raises:
        WorkbookError: a table's codes are not the settings' cost centres, or a block's shape is not its name's.
    """
    problems = list(sources.problems)
    muni = tables.participants_by_municipality(sources.participants, period, settings)
    sie_budget = sources.ledger.budget_months if sources.files.get("budget") is None else None
    econ = tables.economy(settings, sources.ledger.lines, period, sources.budget, sources.financing_budget, sources.forecast,
                          sie_budget)
    blocks: dict[str, Block] = {}
    blocks["fs_period"] = [[period.start.isoformat()], [period.end.isoformat()], [period.label], [period.year_label],
                           [dt.datetime.now().strftime("%Y-%m-%d %H:%M")], [__version__]]
    P = PARTICIPANTS  # its columns are the municipality frame's columns, by key
    rows = muni.drop(index="Summa")[P.keys("")]
    mask = masker(mask_below)
    totals = {key: mask(muni.at["Summa", key]) for key in P.total_keys()}
    if mask_below:  # the Summa row is published: suppression protects against it too
        pub = suppress(rows.to_numpy().tolist(), mask_below, column_totals=True)
        blocks[P.name("")] = pub.cells
        for key, shown in zip(P.keys(""), pub.column_totals):
            if is_hidden(shown) or key not in P.total_keys(["input"]):
                totals[key] = shown  # Summa unika, a distinct count, is shown as counted unless hidden
        blocks[P.name("summa")] = [[totals[key] for key in P.total_keys()]]
    else:
        blocks[P.name("")] = [[int(v) for v in r] for r in rows.to_numpy()]
    for key in P.total_keys(["input"]):  # Summa unika: a distinct count, not a sum
        blocks[P[key].total_name] = [[totals[key]]]
    if not mask_below and is_masked(held.read(P.name(""))):
        problems.append(Problem("publiceringskopia", "error", held.label, None, layout.SHEET_PARTICIPANTS,
                                "Arbetsboken är en publiceringskopia (antal under gränsen visas som '<N'). "
                                "Fyll i originalarbetsboken i stället, eller ange --mask-below igen."))

    participants = participant_sheet.populate_blocks(held, settings, sources, period, blocks, problems, mask_below)

    notes: list[str] = []
    cc = econ.cost_centres.copy()
    prognos_all: list[int] = []
    in_book: list[bool] = []  # rows whose forecast only the workbook computes (a formula, text)
    ordered: list[pd.DataFrame] = []  # the tables' rows in the workbook's order
    for gi, group in enumerate(settings.groups, start=1):
        part = _in_sheet_order(held, ECONOMY.name("koder", gi), cc[cc["group"] == group.name], group.title)
        before = ECONOMY.rows_of(held.read, gi, ["utfall", "prognos", "kommentar"])  # the person's cells
        out: list[dict] = []
        for i, row in enumerate(part.itertuples(index=False)):
            was = before[i] if i < len(before) else {}
            override = None if pd.isna(row.prognos_override) else int(row.prognos_override)
            old = mask_person_value(was.get("prognos"), text_cell=False)
            if old is not was.get("prognos"):
                problems.append(_masked(layout.SHEET_ECONOMY, "Prognos", f"prognoscellen för {row.code} {row.name}"))
            value, why = tables.resolve_forecast(row.budget, override, old, was.get("budget"))
            if why == "prognos.csv" and not is_blank(old) and old != value:
                notes.append(f"{row.code} {row.name}: prognosen {old} ersattes med {value} från prognos.csv.")
            elif why == "arbetsboken" and value != row.budget:
                notes.append(f"{row.code} {row.name}: prognosen {value} i arbetsboken behölls.")
            elif why == "formel":
                notes.append(f"{row.code} {row.name}: prognosens formel {value} i arbetsboken behölls.")
            prognos_all.append(_summary_forecast(value, why, row.budget))
            in_book.append(why in ("formel", "text"))
            comment = mask_person_value(was.get("kommentar"))  # only counts leave finsam, even from a typed comment
            if comment is not was.get("kommentar"):
                problems.append(_masked(layout.SHEET_ECONOMY, "Kommentar", f"kommentaren till {row.code} {row.name}"))
            if isinstance(row.comment, str) and row.comment.strip():  # NaN is truthy: test for text
                if not is_blank(comment) and str(comment).strip() != source_text(row.comment).strip():
                    notes.append(f"{row.code} {row.name}: kommentaren i arbetsboken ersattes med den från prognos.csv.")
                comment = source_text(row.comment)
            out.append({
                "namn": source_text(row.name or sources.ledger.cost_centre_names.get(row.code, "")) or None,
                "budget": int(row.budget), "budget_perioden": int(row.budget_perioden),
                "ackumulerat": int(row.ackumulerat), "prognos": value,
                "kommentar": None if is_blank(comment) else comment,
            })
        if not out:  # a group without cost centres has one empty row
            out = [{"namn": "(inga kostnadsställen)"}]
        # workbooks made before names were an input keep theirs
        write = [b for b in ECONOMY.input_blocks() if b != "namn" or ECONOMY.name(b, gi) in held.names]
        blocks.update(ECONOMY.blocks_of(out, gi, write))
        ordered.append(part)
    cc = pd.concat(ordered, ignore_index=True) if ordered else cc
    cc["prognos"] = prognos_all if len(prognos_all) == len(cc) else cc["budget"]
    cc["prognos_i_arbetsboken"] = in_book if len(in_book) == len(cc) else False
    blocks["fs_ej_fordelat"] = [[int(econ.unallocated_tkr)]]
    for code, tkr in econ.unallocated_codes.items():
        what = f"kostnadsställe {code}" if code else "rader utan kostnadsställe"
        problems.append(Problem("kostnadsstalle-okant", "warning", sources.ledger.source.name, None, "Kostnadsställe",
                                f"Resultat på {what} ({tkr} tkr) finns inte bland inställningarnas kostnadsställen "
                                "och redovisas som 'Ej fördelat'. Lägg till kostnadsstället i bladet Inställningar "
                                "eller rätta konteringen."))

    fin = econ.financing.copy()
    if settings.financing:
        before = SUMMARY.rows_of(held.read, None, SUMMARY.input_blocks())  # the person's forecasts
        out = []
        whys: list[tuple] = []
        for i, row in enumerate(fin.itertuples(index=False)):
            was = before[i] if i < len(before) else {}
            old = mask_person_value(was.get("prognos"), text_cell=False)
            if old is not was.get("prognos"):
                problems.append(_masked(layout.SHEET_SUMMARY, "Prognos", f"prognoscellen för {row.name}"))
            value, why = tables.resolve_forecast(row.budget, None, old, was.get("budget"))
            out.append({"budget": int(row.budget), "prognos": value,
                        "ackumulerat": None if pd.isna(row.ackumulerat) else int(row.ackumulerat)})
            whys.append((value, why))
        blocks.update(SUMMARY.blocks_of(out))
        fin["prognos"] = [_summary_forecast(v, why, b) for (v, why), b in zip(whys, fin["budget"])]
        fin["prognos_i_arbetsboken"] = [why in ("formel", "text") for _, why in whys]
    else:
        fin["prognos"] = pd.Series(dtype="Int64")
    for name, sheet in layout.NOTES.items():  # the notes cells: written only to mask a personnummer
        if name in held.names:
            old_notes = held.read(name)
            masked = [[mask_person_value(v) for v in r] for r in old_notes]
            if any(m is not v for mr, r in zip(masked, old_notes) for m, v in zip(mr, r)):
                blocks[name] = masked
                problems.append(_masked(sheet, "Noteringar", "noteringarna"))
    blocks["fs_eget_kapital"] = [[_opening_equity_tkr(settings, sources.ledger)]]
    blocks["fs_huvudbok_resultat"] = [[int(econ.ledger_result_tkr)]]
    last = ledger_last_date(sources.ledger)
    if "fs_huvudbok_sista_datum" in held.names:  # the Kontroller sheet checks it (coverage.ledger_stale)
        blocks["fs_huvudbok_sista_datum"] = [[last.isoformat() if last else None]]
    else:  # a workbook made before that check: say it here instead
        stale = ledger_stale_problem(last, period.end, sources.ledger.source.name)
        problems += [stale] if stale else []

    for name, block in blocks.items():
        check_shape(held, name, block)
    summ = tables.summary(settings, cc, fin, econ.unallocated_tkr)
    econ.cost_centres = cc
    econ.financing = fin
    return PopulateResult(period, settings, sources, blocks, muni, econ, summ, [redact(n) for n in notes], problems,
                          participants)


def populate_io(
    io: BookIO,
    *,
    sources: Path | None = None,
    period: str | None = None,
    today: dt.date | None = None,
    mask_below: int | None = None,
    settings: Settings | None = None,
) -> PopulateResult:
    """Populate an open workbook: settings from its sheet (or ``settings``, when the caller
    has already read them from this workbook: the sheet is read once per run), sources from ``sources`` (or the
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
    settings = settings or read_settings(io)
    if sources is None:
        if io.folder is None:
            raise FinsamError("Ange källmappen (--sources); arbetsbokens mapp är okänd.")
        sources = io.folder / settings.sources_folder
    period = period or settings.period or None
    src = read_sources(settings, Path(sources), period=period, today=today)
    per = resolve_period(period, settings, src.ledger, today)
    src.problems += source_checks.check_sources(settings, src, per)
    if any(p.severity == "error" for p in src.problems):
        raise ProblemError(src.problems)
    result = compute_blocks(io, settings, src, per, mask_below=mask_below)
    if any(p.severity == "error" for p in result.problems):
        raise ProblemError(result.problems)
    io.write(result.blocks)
    return result


__all__ = ["PopulateResult", "compute", "compute_blocks", "populate_io"]
