"""The Excel button without local Python: xlwings Server scripts around :mod:`finsam.excel`.

xlwings Server (and xlwings Lite) run a function decorated with ``@script`` whose parameter
annotated ``xw.Book`` receives the workbook the client sent (``xw.Book(json=…)``); what the
function writes comes back to Excel as actions. This module is the only one that imports
``xlwings.server`` (an xlwings PRO module: see ``addin/README.md`` for its licence). To
serve these scripts, import them into a module of the server's ``app/custom_scripts``
package, e.g. ``app/custom_scripts/finsam.py``::

    from finsam.excel_scripts import kontrollera, uppdatera  # noqa: F401

Where the sources are: the server has no "folder of the workbook". The settings sheet's
*Källmapp* is taken as it is when absolute, else relative to the folder in the environment
variable :data:`SOURCES_ROOT` on the server (e.g. a share with one folder per association).

Errors: a :class:`~finsam.errors.FinsamError` is shown as its Swedish message; anything else
as a short Swedish message, with the traceback in the server's log (logger ``finsam``) —
a server has no folder next to the workbook for ``finsam-fel.log``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import xlwings as xw
from xlwings.server import script

from finsam import excel
from finsam.errors import FinsamError

SOURCES_ROOT = "FINSAM_KALLOR"
"""Environment variable: the server folder that a relative *Källmapp* is relative to."""

UNEXPECTED = "Något oväntat gick fel. Den som sköter servern hittar detaljerna i serverns logg (finsam)."

logger = logging.getLogger("finsam")


def _report(book: xw.Book, work: Callable[[], object]) -> None:
    try:
        work()
    except FinsamError as err:
        book.app.alert(str(err), title=excel.TITLE, mode="critical")
    except Exception:
        logger.exception("finsam failed on %s", getattr(book, "name", "?"))
        book.app.alert(UNEXPECTED, title=excel.TITLE, mode="critical")


def _root() -> Path | None:
    root = os.environ.get(SOURCES_ROOT, "").strip()
    return Path(root) if root else None


@script(name="Uppdatera")
def uppdatera(book: xw.Book) -> None:
    """Fill the workbook's inputs from the sources, then check it (one alert)."""

    def work():
        result = excel.populate_book(book, folder=_root(), alert=False)
        excel.validate_book(book, result=result)

    _report(book, work)


@script(name="Kontrollera")
def kontrollera(book: xw.Book) -> None:
    """Check the workbook's current input values and show the summary."""
    _report(book, lambda: excel.validate_book(book))
