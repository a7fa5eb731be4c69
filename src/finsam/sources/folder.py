"""The sources folder: which file of a folder is which source, and reading them all.

A populate reads one folder (``källor`` beside the workbook, or ``--sources``); the settings
sheet names a glob pattern per kind of source (``huvudbok.*``). :func:`find_source` picks the
file for a pattern, :func:`read_sources` reads every source with its reader in
:mod:`finsam.sources` and collects their problems.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from finsam.coverage import choose_ledger
from finsam.errors import FinsamError, Problem, ProblemError, SourceError
from finsam.money import ORE_PER_TKR, report_sign
from finsam.runtime import beside
from finsam.settings import Settings
from finsam.sources.anonymous import read_anonymous
from finsam.sources.budget import read_budget
from finsam.sources.forecast import read_forecast
from finsam.sources.ledger import Ledger, empty_lines, read_ledger
from finsam.sources.participants import read_participants
from finsam.sources.structure import read_structure
from finsam.sources.tabular import sheet_of


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
    structure: pd.DataFrame | None = None  #: struktur.csv (optional), :mod:`finsam.sources.structure`
    #: files that matched a pattern but were not used → why, in Swedish (two ledgers)
    ignored: dict[Path, str] = field(default_factory=dict)

    @property
    def sheets(self) -> dict[str, str]:
        """Kind → the xlsx sheet(s) read (``"Budget, Finansiering 2013"``), for xlsx sources only."""
        frames = {"deltagare": [self.participants], "anonyma": [self.anonymous], "budget": [self.budget, self.financing_budget],
                  "prognos": [self.forecast], "struktur": [self.structure]}
        out = {k: ", ".join(dict.fromkeys(s for f in fs if f is not None and (s := sheet_of(f)))) for k, fs in frames.items()}
        if self.ledger.sheet:
            out["huvudbok"] = self.ledger.sheet
        return {k: v for k, v in out.items() if v}

    def sheet_text(self, kind: str) -> str:
        """``"blad Deltagare"`` / ``"bladen Budget, Finansiering"`` for an xlsx source, else ``""``."""
        sheet = self.sheets.get(kind)
        return f"{'bladen' if ', ' in sheet else 'blad'} {sheet}" if sheet else ""

    def label(self, kind: str) -> str:
        """How output names a source file: ``deltagare.xlsx (blad Deltagare)``, ``budget.xlsx
        (bladen Budget, Finansiering)``, ``huvudbok.se``."""
        sheet = self.sheet_text(kind)
        return f"{self.files[kind].name} ({sheet})" if sheet else self.files[kind].name

    @property
    def rows_read(self) -> dict[str, int]:
        """Rows read per kind of source (``{"deltagare": 356, "huvudbok": 1200, …}``)."""
        out = {"deltagare": len(self.participants), "huvudbok": len(self.ledger.lines), "budget": len(self.budget)}
        if self.anonymous is not None:
            out["anonyma"] = len(self.anonymous)
        if self.forecast is not None:
            out["prognos"] = len(self.forecast)
        if self.structure is not None:
            out["struktur"] = len(self.structure)
        return out


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
    ranked = _ranked(folder, pattern, every_kind=False)
    return ranked[0] if ranked else None


def find_ledgers(folder: Path, pattern: str) -> list[Path]:
    """The ledger files in ``folder`` matching ``pattern``, one per kind (SIE, xlsx, CSV…) in
    the order of :func:`find_source`'s preference, so that a stale ``huvudbok.se`` beside a
    new ``huvudbok.csv`` is not chosen by its kind alone (:func:`finsam.coverage.choose_ledger`).

    Raises:
        SourceError: two files of one kind are equally good candidates.
    """
    return _ranked(folder, pattern, every_kind=True)


def _ranked(folder: Path, pattern: str, *, every_kind: bool) -> list[Path]:
    """The best file of each kind matching ``pattern``, best kind first (see :func:`find_source`);
    only the best kind's unless ``every_kind``."""
    hits = [
        p for p in folder.glob(pattern)
        if p.is_file() and not p.name.startswith(("~$", ".")) and not p.name.endswith(("~", ".bak"))
    ]
    stem = pattern.split(".")[0]
    exact = [p for p in hits if p.stem == stem and "*" not in stem]
    pool = exact or hits
    rank = lambda p: _PREFERENCE.get(p.suffix.lower(), 9)  # noqa: E731
    out = []
    kinds = sorted({rank(p) for p in pool})
    for best in kinds if every_kind else kinds[:1]:
        tied = sorted(p.name for p in pool if rank(p) == best)
        if len(tied) > 1:
            raise SourceError(
                f"Flera filer i {folder} passar mönstret {pattern!r}: {', '.join(tied)}. Flytta bort de som inte ska "
                "användas, eller ange det exakta filnamnet i bladet Inställningar."
            )
        out.append(next(p for p in pool if rank(p) == best))
    return out


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


#: What a populate does without an optional source (the ``kalla-saknas`` note).
_WITHOUT = {
    "anonyma": "tabellen Anonymt registrerade deltagare lämnas tom",
    "prognos": "prognoserna som står i arbetsboken behålls, och där ingen står gäller budgeten",
}


def read_sources(settings: Settings, folder: Path, *, period: str | None = None, today: date | None = None) -> Sources:
    """Read every source file of ``folder`` named by the settings' patterns.

    Required: deltagare, huvudbok and budget (the budget may instead come from the SIE
    file's ``#PBUDGET``). Optional: anonyma, prognos, struktur; a missing anonyma or prognos is an
    info problem ``kalla-saknas`` saying what the workbook gets instead (a budget from
    ``#PBUDGET``: ``budget-fran-sie``).

    Several ledger files of different kinds (``huvudbok.se`` beside ``huvudbok.csv``) are all
    read and one is chosen for the period ``period`` (text as for
    :func:`finsam.period.resolve_period`; ``today`` likewise) by
    :func:`finsam.coverage.choose_ledger`, which also says which was ignored.

    Data problems of every file (a bad personnummer, an amount that is no number…) are
    collected in ``Sources.problems``, so one run reports them all; a ledger with bad rows is
    then read as empty (the errors stop any populate).

    Raises:
        SourceError: the folder or a required file is missing, or a file cannot be read;
            several ledgers of which none can be chosen.
    """
    folder = _same_name_on_disk(Path(folder))
    if not folder.is_dir():
        raise SourceError(f"Källmappen {folder} finns inte. Ange rätt mapp med --sources eller i bladet Inställningar.")
    files = {kind: find_source(folder, pat) for kind, pat in settings.source_patterns.items() if kind != "huvudbok"}
    files.setdefault("struktur", None)
    ledger_files = find_ledgers(folder, settings.source_patterns["huvudbok"])
    files["huvudbok"] = ledger_files[0] if ledger_files else None
    for kind in ("deltagare", "huvudbok"):
        if files[kind] is None:
            raise SourceError(
                f"Ingen fil som matchar {settings.source_patterns[kind]!r} i {folder}. "
                f"Lägg exporten där eller ändra 'Källfil: {kind}' i bladet Inställningar."
            )
    problems: list[Problem] = [
        Problem("kalla-saknas", "info", settings.source_patterns[kind], None, None,
                f"Ingen fil som matchar {settings.source_patterns[kind]!r} i källmappen: {without}.")
        for kind, without in _WITHOUT.items() if files.get(kind) is None
    ]
    ignored: dict[Path, str] = {}
    # The two large files are read side by side: the register's xlsx parser and the ledger's
    # Arrow CSV reader both work outside the GIL, so the ledger costs almost nothing extra.
    # Where no thread may start (xlwings Lite) they are read one after the other (runtime.py).
    with beside(read_ledger, files["huvudbok"], cost_centre_dimension=settings.cost_centre_dimension) as pending:
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
            if len(ledger_files) > 1:
                raise _unreadable_ledger(ledger_files, files["huvudbok"], exc) from None
    if len(ledger_files) > 1:
        ledgers = [ledger]
        for f in ledger_files[1:]:
            try:
                ledgers.append(read_ledger(f, cost_centre_dimension=settings.cost_centre_dimension))
            except FinsamError as exc:
                raise _unreadable_ledger(ledger_files, f, exc) from None
        ledger, chosen, ignored = choose_ledger(ledgers, settings, period, today)
        files["huvudbok"] = ledger.source
        problems += chosen
    problems += ledger.problems
    if files["budget"] is not None:
        budget, fin_budget, p = read_budget(files["budget"])
        problems += p
    elif ledger.budget_ore is not None:
        b = ledger.budget_ore
        budget = pd.DataFrame(
            {"cost_centre": b["cost_centre"], "budget_tkr": report_sign(b["amount_ore"]) / ORE_PER_TKR}
        ).groupby("cost_centre", as_index=False)["budget_tkr"].sum()
        fin_budget = pd.DataFrame({"name": pd.Series([], dtype=str), "budget_tkr": pd.Series([], dtype="float64")})
        problems.append(Problem("budget-fran-sie", "info", settings.source_patterns["budget"], None, None,
                                f"Ingen fil som matchar {settings.source_patterns['budget']!r} i källmappen: budgeten "
                                f"tas från huvudbokens #PBUDGET ({ledger.source.name}); finansieringens budget blir tom."))
    else:
        raise SourceError(
            f"Ingen budgetfil som matchar {settings.source_patterns['budget']!r} i {folder}, och huvudboken "
            "har ingen budget (#PBUDGET). Lägg budget.xlsx i källmappen."
        )
    forecast = None
    if files["prognos"] is not None:
        forecast, p = read_forecast(files["prognos"])
        problems += p
    structure = None
    if files["struktur"] is not None:
        structure, p = read_structure(files["struktur"])
        problems += p
    return Sources(folder, {k: v for k, v in files.items() if v is not None}, participants, anonymous,
                   ledger, budget, fin_budget, forecast, problems, structure, ignored)


def _unreadable_ledger(files: list[Path], bad: Path, exc: Exception) -> SourceError:
    names = " och ".join(f.name for f in files)
    return SourceError(
        f"Flera huvudböcker i källmappen ({names}), och {bad.name} kan inte läsas: {exc} "
        "Flytta bort den huvudbok som inte ska användas och kör igen."
    )


__all__ = ["Sources", "find_ledgers", "find_source", "read_sources"]
