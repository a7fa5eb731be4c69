"""The ribbon button "Skapa rapport": ``finsam report`` on the workbook open in Excel.

The report (:func:`finsam.report.write_report`, the same function as ``finsam report``) is
written from the workbook's **saved file**: its figures are the values Excel cached when it
saved, its texts the saved sheet *Rapporttext*. So the button first makes sure the file is
what the person sees, and otherwise refuses with a Swedish message that says to save:

* the book must have a file on this computer (:func:`finsam.excel.book_folder`): an unsaved
  book (``Bok1``), one opened from a web address or Excel on the web has none
  (:data:`NOT_SAVED`);
* the book must have no unsaved changes (:data:`UNSAVED_CHANGES`) — e.g. right after
  *Uppdatera*, which writes into the open book, not the file. Excel keeps that fact as the
  workbook's ``Saved`` property (VBA/COM ``Workbook.Saved``; AppleScript ``saved`` of a
  workbook): read where the engine offers it (:func:`saved_flag`). An engine without it
  (the remote engine: ``xw.Book(json=…)``) has the values the client sent; then the book's
  values are compared with the file's, cell by cell, every cell the file holds without a
  formula (:func:`differs_from_file`; formula cells follow from those).

The PDF is written too when LibreOffice is on the computer (it converts the document), else
only the Word document, and the message says so.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from finsam.errors import WorkbookError
from finsam.excel import TITLE, _fit, book_folder
from finsam.report import Report, write_report

NOT_SAVED = (
    "{label} är inte sparad som en fil på datorn (ny och osparad, eller öppnad från "
    "SharePoint/OneDrive i webbläsaren), och rapporten skrivs från den sparade filen. Spara "
    "arbetsboken i en mapp på datorn och klicka på Skapa rapport igen."
)
UNSAVED_CHANGES = (
    "{label} har ändringar som inte är sparade, och rapporten skrivs från den sparade filen. "
    "Spara arbetsboken (Ctrl+S) och klicka på Skapa rapport igen."
)
REPORT_WRITTEN = "Rapporten är skriven: {files}."
NO_PDF = (
    "Ingen PDF skrevs: LibreOffice finns inte på datorn. Öppna rapporten i Word och spara "
    "den som PDF om du behöver en."
)
"""The messages of the report button (addin/README.md explains each)."""


def report_book(book, *, alert: bool = True) -> Report:
    """Write the quarterly report of ``book``'s saved file, as ``finsam report`` does
    (``<arbetsbok>-rapport.docx`` beside it, and the PDF when LibreOffice is installed).

    Args:
        book: an ``xlwings.Book`` made by ``finsam new`` and filled (any engine).
        alert: show where the report was written (``book.app.alert``).

    Returns:
        The :class:`~finsam.report.Report` (paths of the files, notes).

    Raises:
        WorkbookError: the book has no file on this computer (:data:`NOT_SAVED`), or has
            unsaved changes (:data:`UNSAVED_CHANGES`); nothing written.
        FinsamError: whatever :func:`finsam.report.write_report` refuses (not a filled
            finsam workbook, the document cannot be saved …).
    """
    from finsam.libreoffice import soffice

    label = book.name
    path = Path(book.fullname) if book_folder(book) is not None else None
    if path is None or not path.is_file():
        raise WorkbookError(NOT_SAVED.format(label=label))
    saved = saved_flag(book)
    if saved is False or (saved is None and differs_from_file(book, path)):
        raise WorkbookError(UNSAVED_CHANGES.format(label=label))
    made = write_report(path, pdf=soffice() is not None)
    if alert:
        book.app.alert(_fit(report_message(made)), title=TITLE, mode="info")
    return made


def report_message(made: Report) -> str:
    """The Swedish message after the report: its files (full paths), then its notes."""
    files = " och ".join(str(p) for p in (made.docx, made.pdf) if p is not None)
    lines = [REPORT_WRITTEN.format(files=files)]
    if made.pdf is None:
        lines.append(NO_PDF)
    lines += made.notes
    return "\n\n".join(lines)


def saved_flag(book) -> bool | None:
    """Excel's own "no unsaved changes" flag of ``book``: ``Workbook.Saved`` through COM
    (Windows), the workbook's ``saved`` property through AppleScript (macOS); ``None`` when
    the engine has no such flag (the remote engine) or it cannot be read."""
    try:
        api = book.api
        saved = getattr(api, "Saved", None)  # pywin32 Dispatch of Excel.Workbook
        if isinstance(saved, bool):
            return saved
        prop = getattr(api, "saved", None)  # appscript reference: workbook's "saved"
        value = prop.get() if prop is not None and hasattr(prop, "get") else None
        return value if isinstance(value, bool) else None
    except Exception:  # noqa: BLE001 - no flag to read is "unknown", never an error
        return None


def differs_from_file(book, path: Path) -> bool:
    """Whether ``book`` shows other values than the file ``path`` holds: other sheets, or a
    cell the file holds without a formula (a typed value) with another value in the book —
    numbers by value, text as text, an empty cell equal to empty text."""
    import openpyxl

    wb = openpyxl.load_workbook(path)  # formulas as formulas: those cells are skipped
    sheets = list(book.sheets)
    if [s.name for s in sheets] != wb.sheetnames:
        return True
    for sheet in sheets:
        ws = wb[sheet.name]
        used = sheet.used_range
        values = used.options(ndim=2).value
        top, left = used.row, used.column
        seen: set[tuple[int, int]] = set()
        for i, row in enumerate(values):
            for j, shown in enumerate(row):
                seen.add((top + i, left + j))
                if not _same(ws.cell(top + i, left + j).value, shown):
                    return True
        for row in ws.iter_rows():
            for c in row:
                if (c.row, c.column) not in seen and not _same(c.value, None):
                    return True
    return False


def _same(stored, shown) -> bool:
    """A file cell's content ``stored`` against the value the book shows."""
    if isinstance(stored, str) and stored.startswith("="):
        return True  # a formula: its value follows from the typed cells
    if stored is not None and not isinstance(stored, (str, int, float, dt.date, dt.datetime, bool)):
        return True  # an array formula or another object: a formula too
    empty = (None, "")
    if stored in empty or shown in empty:
        return stored in empty and shown in empty
    if isinstance(stored, bool) or isinstance(shown, bool):
        return stored == shown
    if isinstance(stored, (int, float)) and isinstance(shown, (int, float)):
        return float(stored) == float(shown)
    if isinstance(stored, dt.date) and isinstance(shown, dt.date):
        return _as_datetime(stored) == _as_datetime(shown)
    return str(stored) == str(shown)


def _as_datetime(d: dt.date) -> dt.datetime:
    return d if isinstance(d, dt.datetime) else dt.datetime(d.year, d.month, d.day)


__all__ = ["report_book", "report_message", "saved_flag", "differs_from_file",
           "NOT_SAVED", "UNSAVED_CHANGES", "REPORT_WRITTEN", "NO_PDF"]
