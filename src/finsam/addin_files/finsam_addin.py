"""Entry points of the finsam Excel add-in (ribbon tab "Uppföljning", buttons "Uppdatera"
and "Skapa rapport").

The buttons' VBA (``RibbonFinsam.RunMain`` and ``RibbonFinsam.RunReport`` in
``finsam_addin.xlam``, the xlwings ribbon add-in template's ribbon module renamed, RunReport
made from RunMain by ``finsam addin``) runs ``import finsam_addin; finsam_addin.main()``,
respectively ``…; finsam_addin.report()``: the module name is the add-in's file name without
``.xlam``. This file must therefore keep its name and lie
next to the .xlam (``finsam addin DIR`` copies it there; xlwings puts the add-in's folder on
``sys.path``). The VBA module is made for one xlwings version; :func:`run` refuses another.

Keep this module thin: it only finds the workbook, calls the library and turns errors into
messages, as in the xlwings quickstart and xlwings Server examples:

* a :class:`finsam.errors.FinsamError` is something the user can fix; its Swedish text is
  shown as it is, in an alert titled "finsam";
* anything else is shown as a short Swedish message, and the traceback is appended to
  ``finsam-fel.log`` next to the workbook (in the home folder when the workbook has no
  local folder, e.g. unsaved or opened from SharePoint).

An exception that escapes ``main()`` (only if even the alert fails) ends Python with an
error, and the xlwings VBA then shows Python's stderr in its own message box.

This is the only copy: ``finsam addin DIR`` copies it from the installed package.
"""

from __future__ import annotations

import datetime
import traceback
from pathlib import Path

import xlwings as xw

TITLE = "finsam"
LOG_NAME = "finsam-fel.log"
UNEXPECTED = "Något oväntat gick fel. Detaljer finns i {log} bredvid arbetsboken."
UNEXPECTED_ELSEWHERE = "Något oväntat gick fel. Detaljer finns i {log}."
NOT_INSTALLED = (
    "Python-tolken som tillägget använder har inte finsam installerat ({detail}). "
    "Installera finsam för den tolken (pip install och finsams hjulfil), eller skriv rätt tolk "
    "vid Interpreter_Win/Interpreter_Mac i filen finsam.conf, se installationsguiden."
)
OTHER_XLWINGS = (
    "Tillägget är byggt för xlwings {pinned}, men Python har xlwings {found}. Installera rätt "
    "version (pip install xlwings=={pinned}) eller bygg om tillägget med finsam addin, och "
    "försök igen."
)


def main() -> None:
    """Ribbon button "Uppdatera": fill the calling workbook's inputs, then check it."""
    run(xw.Book.caller())


def report() -> None:
    """Ribbon button "Skapa rapport": the quarterly report of the calling workbook's saved file."""
    run_report(xw.Book.caller())


def run(book: xw.Book) -> None:
    """Populate and validate ``book``; report any error to the user instead of raising."""

    def work():
        from finsam import excel

        # One alert for both steps (Office.js shows one dialog at a time), and the checks run
        # on the blocks just written: in remote mode the book's values predate this run.
        result = excel.populate_book(book, alert=False)
        excel.validate_book(book, result=result)

    _guarded(book, work)


def run_report(book: xw.Book) -> None:
    """Write the report of ``book`` (``finsam report`` on its saved file) and say where;
    report any error to the user instead of raising."""

    def work():
        from finsam.excel_report import report_book

        report_book(book)

    _guarded(book, work)


def _guarded(book: xw.Book, work) -> None:
    """Run ``work()`` once finsam and the right xlwings are there; show any error as an alert."""
    try:
        from finsam.addin_build import XLWINGS_VERSION
        from finsam.errors import FinsamError
    except ImportError as err:
        book.app.alert(NOT_INSTALLED.format(detail=err), title=TITLE)
        return

    if xw.__version__ != XLWINGS_VERSION:  # the VBA module is made for exactly this version
        book.app.alert(OTHER_XLWINGS.format(pinned=XLWINGS_VERSION, found=xw.__version__), title=TITLE)
        return

    try:
        work()
    except FinsamError as err:
        book.app.alert(str(err), title=TITLE)
    except Exception:
        log = write_log(book, _redacted(traceback.format_exc()))
        if log.parent == _book_folder(book):
            message = UNEXPECTED.format(log=log.name)
        else:
            message = UNEXPECTED_ELSEWHERE.format(log=log)
        book.app.alert(message, title=TITLE)


def _redacted(text: str) -> str:
    """The traceback with personnummer masked: an exception may quote a cell."""
    try:
        from finsam.personnummer import redact
    except ImportError:  # finsam itself is missing: nothing of it to quote
        return text
    return redact(text)


def write_log(book: xw.Book, text: str) -> Path:
    """Append a dated entry with ``text`` to the log file; return the file's path.

    The log lies next to the workbook, or in the home folder when the workbook has no local
    folder or that folder cannot be written to.
    """
    entry = f"--- {datetime.datetime.now():%Y-%m-%d %H:%M:%S} {_book_name(book)}\n{text}\n"
    folders = [f for f in (_book_folder(book), Path.home()) if f is not None]
    for folder in folders:
        path = folder / LOG_NAME
        try:
            with path.open("a", encoding="utf-8") as f:
                f.write(entry)
        except OSError:
            continue
        return path
    raise OSError(f"could not write {LOG_NAME} in any of {folders}")


def _book_folder(book: xw.Book) -> Path | None:
    """The workbook's local folder, or ``None`` (unsaved book, or a URL such as SharePoint)."""
    try:
        fullname = book.fullname
    except Exception:
        return None
    if not fullname or "://" in fullname:
        return None
    path = Path(fullname)
    return path.parent if path.is_absolute() and path.parent.is_dir() else None


def _book_name(book: xw.Book) -> str:
    try:
        return book.name
    except Exception:
        return "?"
