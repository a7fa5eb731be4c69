"""The workbook as an open ``xlwings.Book``: what the Excel button runs.

:func:`populate_book` and :func:`validate_book` take the book the button was pressed in,
on any xlwings engine: the desktop add-in (``xw.Book.caller()`` over COM/AppleScript) and
xlwings Server / xlwings Lite (``xw.Book(json=…)``, the "remote" engine, which does not
touch Excel but returns a list of *actions* that the client in Excel then applies). The same
body serves both because it only

* reads values: the settings sheet and the input blocks, through their defined names;
* writes values: each input block with **one** ``.value =`` of a 2D list into its defined
  name (one ``setValues`` action per name in remote mode, however many source rows there
  are), never a formula, a format, a column width or a recalculation — the workbook's own
  formulas compute every total, and Excel recalculates on its own;
* talks to the person through ``book.app.alert`` (one alert per run: Office.js can show only
  one dialog at a time).

Fixable problems raise a :class:`~finsam.errors.FinsamError` subclass with a Swedish
message; the caller (``finsam/addin_files/finsam_addin.py`` on the desktop, :mod:`finsam.excel_scripts`
on a server) shows it as an alert and logs anything unexpected. Nothing is written unless
every source was read and no error was found (:func:`finsam.populate.populate_io`).

Text and the leading apostrophe
-------------------------------
Excel parses a string written to ``Range.Value`` (COM, AppleScript, the VBA client's
``setValues``) or to ``Range.values`` (Office.js) as if a person typed it: ``=…``, ``+…``,
``-…`` and ``@…`` become formulas, ``2013-01-01`` a date, ``0012`` the number 12. A leading
apostrophe switches that off: Excel stores the rest as text, sets the cell's
``quotePrefix`` flag, and returns the text *without* the apostrophe when the cell is read
(COM ``.Value``, Office.js ``values``, the payloads both xlwings clients send). So
:func:`cell_value` prefixes **every** non-empty string with one ``'``: text from a source
(an insats name, a comment), the period dates that the sheets' ``LEFT(fs_period,4)`` needs
as text, and a comment that itself starts with ``'`` (``''x`` arrives as ``'x``). The VBA
client passes such a string through unchanged (its ``ParseIso`` fails on it); Office.js
turns strings longer than 18 characters that contain ``T`` into dates *only* when
``Date.parse`` accepts them, which a leading ``'`` does not prevent for every text —
see ``addin/README.md`` ("Vad testerna inte bevisar").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from finsam import layout
from finsam.book import NO_NAME, Block, read_settings
from finsam.checks import check_blocks
from finsam.coverage import source_files
from finsam.errors import Problem, ProblemError, WorkbookError, count_text
from finsam.populate import PopulateResult, populate_io
from finsam.settings import Settings

TITLE = "finsam"

#: Actions that both public xlwings Server clients apply, i.e. the only ``func`` values a
#: remote book may return. The intersection of
#:
#: * the VBA client: the ``Sub <func>(wb As Workbook, action As Dictionary)`` procedures that
#:   ``RunServerPython`` calls with ``Application.Run action("func")`` — xlwings/xlwings
#:   ``xlwings/addin/Remote.bas`` (shipped in the xlwings 0.37.8 wheel; a test re-reads it);
#: * the Office.js client: the ``funcs`` map in xlwings/xlwings ``xlwingsjs/src/xlwings.ts``
#:   (commit 64926cf2, ``let funcs = { setValues: setValues, … }``), which has every VBA
#:   action except ``rangeSelect``.
#:
#: Not in either, so never emitted: ``setFormula``/``setFormulaArray``, ``setColumnWidth``,
#: ``setRowHeight``, ``rangeMerge``, ``calculate``, ``setCalculation`` … (the Python side of
#: ``xlwings/pro/_xlremote.py`` can queue them; the clients would fail on them). finsam
#: itself emits only ``setValues`` and ``alert``.
CLIENT_ACTIONS = frozenset({
    "setValues", "rangeClearContents", "rangeClearFormats", "rangeClear", "addSheet",
    "setSheetName", "setAutofit", "setRangeColor", "activateSheet", "addHyperlink",
    "setNumberFormat", "setPictureName", "setPictureHeight", "setPictureWidth",
    "deletePicture", "addPicture", "updatePicture", "alert", "setRangeName", "namesAdd",
    "nameDelete", "runMacro", "rangeDelete", "rangeInsert", "addTable", "setTableName",
    "resizeTable", "showAutofilterTable", "showHeadersTable", "showTotalsTable",
    "setTableStyle", "copyRange", "sheetDelete", "sheetClear", "sheetClearContents",
    "sheetClearFormats",
})

#: Excel's MsgBox (the VBA client's and the desktop add-in's alert) shows at most about
#: 1024 characters of its prompt; messages are kept below that.
MAX_MESSAGE = 1000
#: How many warnings/errors an alert lists before "… och N till".
MAX_LISTED = 3

NO_FOLDER = (
    "{label} har ingen mapp på den här datorn (arbetsboken är inte sparad, eller öppnad från "
    "SharePoint/OneDrive eller i Excel på webben), så finsam hittar inte källmappen "
    "'{folder}'. Spara arbetsboken i en mapp på datorn bredvid källmappen, eller öppna den från "
    "den synkroniserade OneDrive-/SharePoint-mappen i Utforskaren (grön bock), eller skriv "
    "källmappens fullständiga sökväg vid 'Källmapp' i bladet {sheet}."
)

NO_SETTINGS_SHEET = "{label} saknar bladet {sheet}. Skapa arbetsboken med 'finsam new'."
SOURCE_ERRORS = "Arbetsboken fylldes inte i: källfilerna har {count}. Rätta och försök igen."
"""The messages of the button path that name no source file (addin/README.md explains each)."""


def cell_value(value: Any) -> Any:
    """A block value as it must be written through xlwings: text gets one leading ``'``
    so every Excel client stores it as text (see the module docstring); numbers and
    ``None`` (an empty cell) pass unchanged."""
    if isinstance(value, str) and value != "":
        return "'" + value
    return value


def book_folder(book) -> Path | None:
    """The workbook's local folder, or ``None``: an unsaved book (``Bok1``), a URL
    (SharePoint/OneDrive), or a remote book, whose ``fullname`` is only its name.

    A workbook in a OneDrive/SharePoint folder synced to the computer has a URL as Excel's
    ``FullName``; desktop xlwings turns it into the local path itself
    (``xlwings.utils.fullname_url_to_local_path``: the OneDrive environment variables, the
    registry's sync mount points) or raises ``XlwingsError`` when it finds none — then there
    is no folder here either, and :data:`NO_FOLDER` says what to do."""
    try:
        fullname = book.fullname
    except Exception:  # noqa: BLE001 - some engines raise for unsaved books
        return None
    if not fullname or "://" in fullname:
        return None
    path = Path(fullname)
    return path.parent if path.is_absolute() and path.parent.is_dir() else None


class XlwingsBook:
    """:class:`finsam.book.BookIO` over an ``xlwings.Book`` (any engine).

    Reads go through ``book.names[name].refers_to_range`` and the settings sheet; each
    :meth:`write` block is one ``.value =`` assignment. In remote mode reads return the
    values the client sent before the run: never read after writing.
    """

    def __init__(self, book):
        self.book = book
        self.label = book.name
        self.folder = book_folder(book)
        self._names: set[str] | None = None

    def names(self) -> set[str]:
        """The workbook's defined names (read once)."""
        if self._names is None:
            self._names = {n.name for n in self.book.names}
        return self._names

    def settings_rows(self) -> list[list]:
        """The settings sheet's first three columns, 2D (:meth:`finsam.book.BookIO.settings_rows`)."""
        if layout.SHEET_SETTINGS not in [s.name for s in self.book.sheets]:
            raise WorkbookError(NO_SETTINGS_SHEET.format(label=self.label, sheet=layout.SHEET_SETTINGS))
        sheet = self.book.sheets[layout.SHEET_SETTINGS]
        last = sheet.used_range.last_cell.row
        return sheet.range((1, 1), (last, 3)).options(ndim=2).value

    def _range(self, name: str):
        if name not in self.names():
            raise WorkbookError(NO_NAME.format(label=self.label, name=name))
        return self.book.names[name].refers_to_range

    def read(self, name: str) -> Block:
        """The values of defined name ``name``, always 2D."""
        return self._range(name).options(ndim=2).value

    def write(self, blocks: dict[str, Block]) -> None:
        """One ``.value =`` per block; text written as text (:func:`cell_value`)."""
        for name, block in blocks.items():
            self._range(name).value = [[cell_value(v) for v in row] for row in block]


def sources_folder(io: XlwingsBook, base: Path | None, settings: Settings | None = None) -> Path:
    """The sources folder the settings sheet names (*Källmapp*): as it is when absolute,
    else relative to ``base`` (the workbook's folder on the desktop, the server's or xlwings
    Lite's data folder). ``settings``: the workbook's, when already read.

    Raises:
        WorkbookError: *Källmapp* is relative and there is no ``base`` (an unsaved workbook,
            or one opened from a web address): :data:`NO_FOLDER`.
    """
    settings = settings or read_settings(io)
    relative = Path(settings.sources_folder).expanduser()
    if relative.is_absolute():
        return relative
    if base is None:
        raise WorkbookError(NO_FOLDER.format(label=io.label, folder=settings.sources_folder,
                                             sheet=layout.SHEET_SETTINGS))
    return base / relative


def populate_book(
    book,
    *,
    sources: Path | str | None = None,
    period: str | None = None,
    folder: Path | str | None = None,
    alert: bool = True,
    today: dt.date | None = None,
) -> PopulateResult:
    """Fill ``book``'s input blocks from the source files.

    Args:
        book: an ``xlwings.Book`` made by ``finsam new`` (desktop or ``xw.Book(json=…)``).
        sources: the folder of source files. Default: the settings sheet's *Källmapp*,
            relative to ``folder``.
        period: e.g. ``"2013-Q1"``. Default: the settings sheet's, else the last complete
            period before today.
        folder: what a relative *Källmapp* is relative to. Default: the workbook's folder
            (``book.fullname``); a remote book has none, so pass ``sources`` or ``folder``
            or write an absolute *Källmapp*.
        alert: show the Swedish summary (``book.app.alert``). ``main()`` passes ``False``
            and lets :func:`validate_book` report fill and checks in one alert.

    Returns:
        The :class:`~finsam.populate.PopulateResult`; its ``blocks`` are what was written.

    Raises:
        FinsamError (a subclass): settings, sources or workbook as its message says;
            nothing written.
    """
    io = XlwingsBook(book)
    settings = read_settings(io)  # once per run: the settings sheet is the largest read
    if sources is None:
        sources = sources_folder(io, Path(folder) if folder is not None else io.folder, settings)
    try:
        result = populate_io(io, sources=Path(sources), period=period, today=today, settings=settings)
    except ProblemError as err:
        raise BookProblemError(err.problems) from None
    if alert:
        book.app.alert(_fit(populate_message(result)), title=TITLE, mode="info")
    return result


def validate_book(book, *, result: PopulateResult | None = None, alert: bool = True) -> list[Problem]:
    """Check ``book``'s input values (:func:`finsam.checks.check_blocks`) and alert a summary.

    Args:
        book: an ``xlwings.Book`` made by ``finsam new``.
        result: what :func:`populate_book` returned earlier in the same run. Its blocks are
            checked instead of the book's values (in remote mode the book still holds the
            values the client sent before the run), and the alert reports the fill too.
        alert: show the summary (``book.app.alert``), critical when a check fails.

    Returns:
        Every problem found (errors and warnings); none is raised.
    """
    io = XlwingsBook(book)
    settings = result.settings if result is not None else read_settings(io)
    if result is not None:
        blocks = result.blocks
    else:
        blocks = {name: io.read(name) for name in layout.input_names(settings) if name in io.names()}
    problems = check_blocks(settings, blocks)
    if alert:
        parts = [populate_message(result)] if result is not None else []
        parts.append(checks_message(problems))
        errors = any(p.severity == "error" for p in problems)
        book.app.alert(_fit("\n\n".join(parts)), title=TITLE, mode="critical" if errors else "info")
    return problems


class BookProblemError(ProblemError):
    """The sources hold errors; the message lists the first few for an alert."""

    def __str__(self) -> str:
        errors = [p for p in self.problems if p.severity == "error"]
        head = SOURCE_ERRORS.format(count=count_text(sum(p.count for p in errors), "fel", "fel"))
        return _fit(head + "\n" + _listing(errors))


def populate_message(result: PopulateResult) -> str:
    """The Swedish summary of a fill: period, files and rows read, participants, forecast
    decisions, warnings."""
    per = result.period
    lines = [f"Arbetsboken är ifylld för {per.label} {per.end.year} ({per})."]
    src = result.sources
    read = ", ".join(
        f"{f.path.name} ({', '.join(filter(None, [src.sheet_text(f.kind), count_text(f.rows or 0, 'rad', 'rader')]))}"
        + (f", sista datum {f.last_text})" if f.last_date else ")")
        for f in source_files(src)
    )
    lines.append(f"Lästa källfiler: {read}.")
    for f, why in result.sources.ignored.items():
        lines.append(f"{f.name} {why}.")
    m = result.municipalities
    lines.append(
        f"Deltagare: inflöde {int(m.at['Summa', 'inflode_antal'])} ({int(m.at['Summa', 'inflode_unika'])} unika), "
        f"utflöde {int(m.at['Summa', 'utflode_antal'])} ({int(m.at['Summa', 'utflode_unika'])} unika)."
    )
    for note in result.forecast_notes[:MAX_LISTED]:
        lines.append(f"Prognos: {note}")
    if len(result.forecast_notes) > MAX_LISTED:
        lines.append(f"… och {len(result.forecast_notes) - MAX_LISTED} prognosändringar till.")
    warnings = [p for p in result.problems if p.severity != "error"]
    if warnings:
        lines.append(f"{count_text(sum(p.count for p in warnings), 'varning', 'varningar')}:")
        lines.append(_listing(warnings))
    return "\n".join(lines)


def checks_message(problems: list[Problem]) -> str:
    """The Swedish summary of the checks: counts, then the first few messages."""
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    if not problems:
        return "Kontroller: alla kontroller är OK."
    head = (f"Kontroller: {count_text(sum(p.count for p in errors), 'fel', 'fel')}, "
            f"{count_text(sum(p.count for p in warnings), 'varning', 'varningar')}.")
    return head + "\n" + _listing(errors + warnings)


def _listing(problems: list[Problem]) -> str:
    lines = []
    for p in problems[:MAX_LISTED]:
        where = p.source + (f", rad {p.row}" if p.row else "")
        lines.append(f"• {where}: {p.message}")
    rest = sum(p.count for p in problems[MAX_LISTED:])  # a summed-up problem counts as many as it stands for
    if rest:
        lines.append(f"… och {rest} till.")
    return "\n".join(lines)


def _fit(text: str) -> str:
    """``text`` cut to :data:`MAX_MESSAGE` characters (MsgBox shows no more)."""
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1].rstrip() + "…"


__all__ = [
    "TITLE", "CLIENT_ACTIONS", "XlwingsBook", "populate_book", "validate_book", "cell_value",
    "book_folder", "sources_folder", "populate_message", "checks_message", "BookProblemError",
]
