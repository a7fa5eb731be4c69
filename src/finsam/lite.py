"""The Excel button in xlwings Lite: Python inside Excel, no local Python, no VBA.

xlwings Lite is an Office add-in (free from Microsoft's add-in store, or deployed by IT)
that runs Python with Pyodide (WebAssembly) inside Excel. The person pastes two files into
its editor, both written by ``finsam lite DIR`` (:func:`write_lite`):

* ``main.py`` (``finsam/addin_files/lite_main.py``): two ``@script`` functions, **Fyll i**
  and **Kontrollera**, that call :func:`fyll_i` and :func:`kontrollera` here;
* ``requirements.txt`` (:func:`requirements_text`): finsam (its wheel's web address or its
  package name) and xlwings pinned; the packages Pyodide builds itself (pandas, numpy,
  pyarrow) unpinned, as Lite requires ("If the package is provided by Pyodide … don't pin
  it", lite.xlwings.org, *Python Dependencies*).

A script receives the workbook like an xlwings Server script does (``xw.Book`` of the
remote engine): :func:`fyll_i` calls the same :func:`finsam.excel.populate_book` and
:func:`finsam.excel.validate_book` as the desktop button and the server.

What Lite allows, and how finsam keeps to it (lite.xlwings.org, *Limitations* and *Files*):

* no threads or processes: the ledger is read after the register (:mod:`finsam.runtime`);
* no python-calamine (no WebAssembly build): the xlsx reader's openpyxl path;
* files: what the person imported under *Filer → Import/Export* is under ``/data``
  (:data:`DATA_ROOT`; an imported folder keeps its name, ``/data/källor``); a folder mounted
  under *Lokala mappar* (desktop Excel on Windows only) is used by the full path the person
  writes at *Källmapp*. finsam writes no file in Lite, only the workbook's cells;
* no message box on every platform: the result goes to the sheet :data:`STATUS_SHEET`
  (created on the first run), and progress lines to Lite's output pane (``print``).
"""

from __future__ import annotations

import datetime as dt
import traceback
from pathlib import Path

from finsam import __version__, excel
from finsam.addin_build import XLWINGS_VERSION
from finsam.errors import FinsamError, SourceError, os_error_text
from finsam.personnummer import redact
from finsam.sources.folder import _same_name_on_disk

DATA_ROOT = "/data"
"""Where xlwings Lite puts the files imported under *Import/Export*."""

STATUS_SHEET = "Status"
STATUS_TITLE = "finsam – senaste körning"
"""A1 of the status sheet: how finsam knows a sheet called Status is its own."""
OWN_STATUS_SHEET = "Status (finsam)"
"""Used instead when the workbook has a sheet "Status" of the person's own."""
STATUS_ROWS = 40
"""Rows the status block covers: each run rewrites all of them, so nothing old is left."""

PYODIDE_PACKAGES = ("pandas", "numpy", "pyarrow", "ssl")
"""What Pyodide provides itself, never pinned in requirements.txt: finsam's dependencies
pandas, numpy and pyarrow, and the standard library's ``ssl``, which Pyodide ships as a
separate package and python-stdnum imports (``stdnum.util``)."""

NO_SOURCES = (
    "Källmappen {folder} finns inte i xlwings Lite. Importera mappen '{name}' med källfilerna "
    "under Filer → Import/Export i xlwings Lite (den hamnar då i {root}), eller montera mappen "
    "under Filer → Lokala mappar och skriv dess fullständiga sökväg vid 'Källmapp' på bladet "
    "Inställningar. Kör sedan Fyll i igen."
)
UNEXPECTED = (
    "Något oväntat gick fel ({kind}). Detaljerna står i xlwings Lites utdatafönster (Output) "
    "under koden. Kopiera dem och skicka till den som sköter finsam. Inget i arbetsboken "
    "ändrades utom det här bladet."
)
OTHER_XLWINGS = (
    "xlwings {found} används, men finsam är provat med xlwings {pinned}. Skriv "
    "xlwings=={pinned} i requirements.txt i xlwings Lite och starta om xlwings Lite."
)

STATE_OK, STATE_WARNING, STATE_ERROR = "OK", "VARNING", "FEL"


def fyll_i(book, *, root: str | Path = DATA_ROOT, today: dt.date | None = None) -> str:
    """Script *Fyll i*: fill ``book`` from the sources, check it, report on the status sheet.

    Args:
        book: the ``xw.Book`` xlwings Lite passes to the script.
        root: what a relative *Källmapp* is relative to (Lite's ``/data``).
        today: for tests; the default period is the last complete one before it.

    Returns:
        The state written to the status sheet: ``"OK"``, ``"VARNING"`` or ``"FEL"``.
        Nothing is raised: every error ends on the status sheet (and the output pane).
    """
    def work() -> tuple[str, str]:
        _progress("läser inställningarna")
        io = excel.XlwingsBook(book)
        folder = _same_name_on_disk(excel.sources_folder(io, Path(root)))
        if not folder.is_dir():
            raise SourceError(NO_SOURCES.format(folder=folder, name=folder.name, root=root))
        _progress(f"läser källfilerna i {folder}")
        result = excel.populate_book(book, sources=folder, alert=False, today=today)
        _progress("kontrollerar")
        problems = excel.validate_book(book, result=result, alert=False)
        text = excel.populate_message(result) + "\n\n" + excel.checks_message(problems)
        return _state(problems), text

    return _run(book, "Fyll i", work)


def kontrollera(book) -> str:
    """Script *Kontrollera*: check ``book``'s current input values; report on the status
    sheet. Returns the state written (see :func:`fyll_i`); raises nothing."""
    def work() -> tuple[str, str]:
        _progress("kontrollerar")
        problems = excel.validate_book(book, alert=False)
        return _state(problems), excel.checks_message(problems)

    return _run(book, "Kontrollera", work)


def _state(problems) -> str:
    if any(p.severity == "error" for p in problems):
        return STATE_ERROR
    return STATE_WARNING if problems else STATE_OK


def _run(book, script: str, work) -> str:
    try:
        state, text = work()
    except FinsamError as err:
        state, text = STATE_ERROR, str(err)
    except Exception as err:  # noqa: BLE001 - shown on the sheet, details in the output pane
        print(redact(traceback.format_exc()))
        state, text = STATE_ERROR, UNEXPECTED.format(kind=type(err).__name__)
    note = _xlwings_note()
    if note:
        text = f"{text}\n\n{note}"
        state = STATE_WARNING if state == STATE_OK else state
    write_status(book, script, state, text)
    print(f"finsam: {state}\n{text}")
    return state


def _xlwings_note() -> str | None:
    import xlwings

    if xlwings.__version__ != XLWINGS_VERSION:
        return OTHER_XLWINGS.format(found=xlwings.__version__, pinned=XLWINGS_VERSION)
    return None


def _progress(step: str) -> None:
    print(f"finsam: {step} …", flush=True)


def write_status(book, script: str, state: str, text: str) -> None:
    """Write the run's result to the sheet :data:`STATUS_SHEET` (added at the end when
    missing; :data:`OWN_STATUS_SHEET` when a sheet of that name is not finsam's) in one block of :data:`STATUS_ROWS` × 2 cells, and show that sheet.

    Rows: a title, the script, the time (UTC: Pyodide's clock), the state, a blank row, then
    ``text`` one line per row (cut to the rows there are). Text is written as text
    (:func:`finsam.excel.cell_value`).
    """
    names = [s.name for s in book.sheets]
    name = STATUS_SHEET
    if name in names and book.sheets[name]["A1"].value not in (None, "", STATUS_TITLE):
        name = OWN_STATUS_SHEET  # a sheet of the person's own that happens to be called Status
    if name in names:
        sheet = book.sheets[name]
    else:
        sheet = book.sheets.add(name, after=book.sheets[len(names) - 1])
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    rows: list[list] = [
        [STATUS_TITLE, None],
        ["Skript", script],
        ["Tid (UTC)", now],
        ["Resultat", state],
        [None, None],
    ]
    lines = text.splitlines()
    room = STATUS_ROWS - len(rows)
    if len(lines) > room:
        lines = lines[: room - 1] + ["… (fler rader i xlwings Lites utdatafönster)"]
    rows += [[line or None, None] for line in lines]
    rows += [[None, None]] * (STATUS_ROWS - len(rows))
    sheet.range((1, 1), (STATUS_ROWS, 2)).value = [[excel.cell_value(v) for v in row] for row in rows]
    sheet.activate()


def requirements_text(wheel: str | None = None) -> str:
    """``requirements.txt`` for xlwings Lite.

    Args:
        wheel: web address of finsam's wheel (``finsam-<version>-py3-none-any.whl``, made
            with ``pip wheel .``), served where Lite may fetch it; default: the package name
            pinned to this version, ``finsam==<version>``.
    """
    finsam_line = wheel.strip() if wheel else f"finsam=={__version__}"
    return "\n".join([f"xlwings=={XLWINGS_VERSION}", finsam_line, *PYODIDE_PACKAGES]) + "\n"


def write_lite(folder: Path, *, wheel: str | None = None) -> list[Path]:
    """Write ``main.py`` and ``requirements.txt`` for xlwings Lite into ``folder`` (created
    if missing; existing files are replaced). Returns the two paths.

    Raises:
        FinsamError: ``folder`` cannot be written.
    """
    from importlib import resources

    folder = Path(folder)
    main = (resources.files("finsam") / "addin_files" / "lite_main.py").read_text(encoding="utf-8")
    targets = {folder / "main.py": main, folder / "requirements.txt": requirements_text(wheel)}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, text in targets.items():
            path.write_text(text, encoding="utf-8", newline="\n")
    except OSError as err:
        raise FinsamError(
            f"Kunde inte skriva filerna för xlwings Lite i {folder} ({os_error_text(err)}). "
            "Välj en mapp du får skriva i."
        ) from err
    return list(targets)


__all__ = [
    "fyll_i", "kontrollera", "write_status", "requirements_text", "write_lite",
    "DATA_ROOT", "STATUS_SHEET", "NO_SOURCES", "UNEXPECTED", "OTHER_XLWINGS",
]
