"""``finsam validate``: check a workbook file, and its sources, without writing anything.

:func:`validate_workbook` returns a :class:`Report` (never raises for data problems; as in
frictionless, the report *is* the result). The CLI prints it as a table, or with ``--json``
exactly ``report.to_dict()``.

What is checked:

1. the workbook's input values (:func:`finsam.checks.check_blocks`, the Python twin of the
   ``Kontroller`` sheet);
2. that every total cell is still a formula (``summa-ej-formel``: a person typed a number
   over a total, so it no longer follows the rows) — skipped for the participants' Summa
   row of a publication copy, which holds values by design;
3. that no cell a person types in (notes, comments, forecasts) holds a personnummer
   (``personnummer-i-arbetsboken``, :func:`check_person_cells`);
4. the source files (every reader's row checks and :func:`finsam.source_checks.check_sources`),
   when a sources folder is given or the settings' folder exists beside the workbook. The
   period is the one the workbook was populated for (``fs_period``), else the settings'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from finsam import layout, source_checks
from finsam.checks import check_blocks
from finsam.blocks import ANONYMOUS, AVSLUTADE, ECONOMY, INSATSER, PARTICIPANTS, STRUKTUR, SUMMARY, Table
from finsam.book import is_masked, mask_person_value, read_settings
from finsam.errors import Problem, aggregate
from finsam.period import Period, resolve_period
from finsam.settings import Settings
from finsam.participant_tables import tables_of
from finsam.sources.folder import read_sources
from finsam.workbook import OpenpyxlBook


@dataclass
class Report:
    """The outcome of :func:`validate_workbook`.

    Attributes:
        workbook: the workbook's file name (no folder).
        sources: the sources folder checked, or ``None`` when the sources were not checked.
        period: the period the sources were checked for, or ``None``.
        problems: every problem found, workbook first, then sources.
    """

    workbook: str
    sources: str | None = None
    period: Period | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """How many errors, a summed-up problem counting as many as it stands for."""
        return sum(p.count for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> int:
        """How many warnings, counted as :attr:`errors`."""
        return sum(p.count for p in self.problems if p.severity == "warning")

    def counts(self) -> dict[str, int]:
        """How many of each problem code, in the order first found."""
        out: dict[str, int] = {}
        for p in self.problems:
            out[p.code] = out.get(p.code, 0) + p.count
        return out

    @property
    def valid(self) -> bool:
        """True when no problem is an error (warnings allowed)."""
        return self.errors == 0

    def to_dict(self) -> dict:
        """JSON-ready::

            {"workbook": "bok.xlsx", "sources": "/…/källor" | None,
             "period": {"from": "2013-01-01", "to": "2013-03-31", "label": "Jan-Mars"} | None,
             "valid": true, "errors": 0, "warnings": 1, "counts": {"dubblettrad": 1},
             "problems": [{"code", "severity", "source", "row", "column", "message", "count"}, …]}

        ``problems`` lists at most :data:`~finsam.errors.FIRST_ROWS` of each kind; one more
        (row ``null``) sums up the rest, its ``count`` saying how many it stands for.
        ``errors``, ``warnings`` and ``counts`` count every case.
        """
        return {
            "workbook": self.workbook,
            "sources": self.sources,
            "period": None if self.period is None else {
                "from": self.period.start.isoformat(), "to": self.period.end.isoformat(), "label": self.period.label
            },
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
            "counts": self.counts(),
            "problems": [p.to_dict() for p in self.problems],
        }


def _masked_summa() -> set[str]:
    """Total rows a publication copy writes as values (a SUM over masked counts would be wrong)."""
    from finsam.participant_sheet import MASKED_TABLES

    return {PARTICIPANTS.name("summa"), *(t.name("totalt") for t in MASKED_TABLES)}


def _sums(t: Table) -> list[int]:
    """Positions of the SUM cells in table ``t``'s named total row."""
    return [t.column_of(k) - t.total_span()[0] for k in t.total_keys(["sum"])]


def _total_cells(settings: Settings) -> list[tuple[str, list[int]]]:
    """(defined name, positions in its first row) of the cells that must hold formulas."""
    out = [(layout.group_names(i)["total"], _sums(ECONOMY)) for i in range(1, len(settings.groups) + 1)]
    equity = [SUMMARY.column_of(k) - SUMMARY.column_of(layout.EQUITY_KEYS[0]) for k in layout.EQUITY_KEYS]
    out += [(PARTICIPANTS.name("summa"), _sums(PARTICIPANTS)), (ANONYMOUS.name("summa"), [0]),  # the antal cell
            ("fs_arets_finansiering_ek", equity)]
    out += [(t.name("totalt"), _sums(t)) for t in (INSATSER, AVSLUTADE, STRUKTUR)]  # participant_sheet.py
    return out


def check_formulas(book: OpenpyxlBook, settings: Settings) -> list[Problem]:
    """``summa-ej-formel``: a total cell that no longer holds a formula (error)."""
    problems: list[Problem] = []
    masked = is_masked(book.read(PARTICIPANTS.name("")))
    for name, positions in _total_cells(settings):
        if name not in book.names() or (masked and name in _masked_summa()):
            continue
        row = book.cells(name)[0]
        for i in positions:
            cell = row[i]
            if isinstance(cell.value, str) and cell.value.startswith("="):
                continue
            problems.append(Problem("summa-ej-formel", "error", cell.parent.title, cell.row, cell.coordinate,
                                    f"Cellen {cell.coordinate} ska vara en summaformel men innehåller "
                                    f"{cell.value!r}. Skapa arbetsboken på nytt med 'finsam new' eller "
                                    "kopiera formeln från cellen bredvid."))
    return problems


def check_person_cells(book: OpenpyxlBook, settings: Settings) -> list[Problem]:
    """``personnummer-i-arbetsboken`` (warning): a personnummer typed into a cell a person
    edits (:func:`finsam.layout.person_cells`: notes, comments, forecasts). Only counts may
    leave finsam; populate masks it (:func:`finsam.book.mask_person_value`)."""
    text, numbers = layout.person_cells(settings)
    names = book.names()
    problems: list[Problem] = []
    for name in text + numbers:
        if name not in names:
            continue
        for row in book.cells(name):
            for c in row:
                value = layout.Formula(c.value) if c.data_type == "f" and isinstance(c.value, str) else c.value
                if mask_person_value(value, text_cell=name in text) is not value:
                    problems.append(Problem("personnummer-i-arbetsboken", "warning", c.parent.title, c.row, c.coordinate,
                                            f"Cellen {c.coordinate} innehåller ett personnummer. Bara antal får lämna "
                                            "finsam: ta bort det (nästa uppdatering maskerar det)."))
    return problems


def _with_positions(book: OpenpyxlBook, settings: Settings, problems: list[Problem]) -> list[Problem]:
    """The value checks speak of a municipality or a cost centre; in a file the person wants
    the row and the cell. Found through the defined names (rows may have been moved)."""
    rows: dict[tuple[str, str], int] = {}
    names = book.names()
    muni = [m.name for m in settings.municipalities] + [settings.other_label]
    P = PARTICIPANTS
    if P.name("") in names:
        for name, cells in zip(muni, book.cells(P.name(""))):
            rows[(layout.SHEET_PARTICIPANTS, name)] = cells[0].row
    if P.name("summa") in names:
        rows[(layout.SHEET_PARTICIPANTS, "Summa")] = book.cells(P.name("summa"))[0][0].row
    first, last = (P.letter(P.keys("")[0]), P.letter(P.keys("")[-1]))
    for gi in range(1, len(settings.groups) + 1):
        koder = ECONOMY.name("koder", gi)
        if koder in names:
            for (cell,) in book.cells(koder):
                rows[(layout.SHEET_ECONOMY, str(cell.value).strip())] = cell.row
    out = []
    for p in problems:
        row = rows.get((p.source, p.column or ""))
        if row is None or p.row is not None:
            out.append(p)
            continue
        column = {"prognos-utan-kommentar": f"{ECONOMY.letter('kommentar')}{row}",
                  "unika-over-antal": f"{first}{row}:{last}{row}",
                  "summa-unika": ", ".join(f"{P.letter(u)}{row}" for u in P.total_keys(["input"]))}.get(p.code, p.column)
        out.append(Problem(p.code, p.severity, p.source, row, column, p.message))
    return out


def _workbook_period_text(book: OpenpyxlBook, settings: Settings) -> str | None:
    """The period end the workbook was last populated for, else the settings' period."""
    block = book.read("fs_period") if "fs_period" in book.names() else []
    end = block[1][0] if len(block) > 1 and block[1] else None
    return str(end)[:10] if end else (settings.period or None)


def validate_workbook(path: Path, sources: Path | None = None) -> Report:
    """Check a workbook file and (when found) its sources; write nothing.

    Args:
        path: a finsam workbook (``.xlsx``/``.xlsm``).
        sources: the sources folder; default: the settings' folder beside the workbook,
            checked only if it exists.

    Returns:
        A :class:`Report`; ``report.valid`` is False when any problem is an error.

    Raises:
        WorkbookError: the file is missing, unreadable or not a finsam workbook.
        SettingsError: its settings sheet is incomplete.
        SourceError: a source file cannot be read at all (missing required column…).
    """
    path = Path(path)
    book = OpenpyxlBook(path)
    settings = read_settings(book)
    names = book.names()
    blocks = {n: book.read(n) for n in layout.input_names(settings) if n in names}
    report = Report(workbook=path.name)
    report.problems += _with_positions(book, settings, check_blocks(settings, blocks))
    report.problems += check_formulas(book, settings)
    report.problems += check_person_cells(book, settings)
    folder = Path(sources) if sources is not None else book.folder / settings.sources_folder
    if sources is not None or folder.is_dir():
        text = _workbook_period_text(book, settings)
        src = read_sources(settings, folder, period=text)
        report.sources = str(folder)
        report.period = resolve_period(text, settings, src.ledger)
        report.problems += src.problems
        report.problems += source_checks.check_sources(settings, src, report.period)
        report.problems += tables_of(src, report.period, settings).problems  # kön, avslutsorsak, insats
    report.problems = aggregate(report.problems)
    return report
