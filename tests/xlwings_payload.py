"""Stand in for Excel in tests: the JSON an xlwings client sends, and the actions applied.

:func:`payload_from_xlsx` builds the request body that an xlwings Server client posts for a
workbook, from an .xlsx whose formula cells hold cached values (a file LibreOffice has
recalculated; openpyxl ``data_only=True`` reads those values). The format is the one both
public clients send in xlwings 0.37.8:

* VBA: ``RunServerPython`` in ``xlwings/addin/Remote.bas`` (the xlwings wheel);
* Office.js: ``runPython`` in xlwings/xlwings ``xlwingsjs/src/xlwings.ts``;

and that ``xlwings/pro/_xlremote.py`` reads (``Book.__init__`` checks ``version``)::

    {"client": "VBA" | "Office.js", "version": "0.37.8",
     "book": {"name": "bok.xlsx", "active_sheet_index": 0, "selection": "A1"},
     "names": [{"name": "fs_period", "sheet_index": 4, "address": "F2:F7",
                "book_scope": true, "scope_sheet_name": null, "scope_sheet_index": null}],
     "sheets": [{"name": "Deltagare", "values": [[...], ...],   # A1 to the last used cell
                 "pictures": [], "tables": []}]}

The two clients differ in details the helper reproduces with ``client=``: VBA sends a
name's address without ``$`` (``Address(False, False)``) and empty cells as ``null``
(``Range.Value`` of an empty cell is Empty); Office.js sends ``$F$2:$F$7`` and ``""``.
Both send a date cell as an ISO string (``…T00:00:00.000Z``).

:func:`apply_actions` plays Excel's part: it writes the ``setValues`` actions into an
openpyxl workbook the way Excel stores typed input (``'text`` → the text, as text; ``""`` →
empty), and refuses any text Excel would turn into a formula, number or date.
:func:`recalculate` runs LibreOffice headless so the workbook's formulas compute.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from openpyxl import load_workbook

XLWINGS_VERSION = "0.37.8"


def _json_value(value, empty):
    if value is None:
        return empty
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00.000Z"
    return value


def payload_from_xlsx(path: Path, *, client: str = "Office.js", name: str | None = None,
                      edits: dict[tuple[str, str], object] | None = None) -> dict:
    """The request body an xlwings client sends for the workbook at ``path``.

    ``edits`` maps ``(sheet, "B12")`` to a value, as if a person had typed it before
    pressing the button (applied to the sent values only).
    """
    if client not in ("VBA", "Office.js"):
        raise ValueError(client)
    empty = None if client == "VBA" else ""
    wb = load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        rows = [[_json_value(c.value, empty) for c in row]
                for row in ws.iter_rows(min_row=1, max_row=ws.max_row, min_col=1, max_col=ws.max_column)]
        sheets.append({"name": ws.title, "values": rows or [[]], "pictures": [], "tables": []})
    for (sheet, ref), value in (edits or {}).items():
        cell = wb[sheet][ref]
        sheets[wb.sheetnames.index(sheet)]["values"][cell.row - 1][cell.column - 1] = _json_value(value, empty)
    names = []
    for defined in wb.defined_names.values():
        (sheet, ref), = list(defined.destinations)
        address = ref.replace("$", "") if client == "VBA" else ref  # Office.js: $F$2:$F$7
        names.append({"name": defined.name, "sheet_index": wb.sheetnames.index(sheet), "address": address,
                      "book_scope": True, "scope_sheet_name": None, "scope_sheet_index": None})
    return {
        "client": client,
        "version": XLWINGS_VERSION,
        "book": {"name": name or Path(path).name, "active_sheet_index": 0, "selection": "A1"},
        "names": names,
        "sheets": sheets,
    }


class NotAsExcelWouldStoreIt(AssertionError):
    """A setValues value that Excel would not store as the value finsam meant."""


def _as_excel_stores(value):
    """(value, is_text) for one setValues value, as Excel stores typed input."""
    if value is None or value == "":
        return None, False
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise NotAsExcelWouldStoreIt(f"unexpected value {value!r}")
    if isinstance(value, str):
        if value.startswith("'"):
            return value[1:], True
        raise NotAsExcelWouldStoreIt(
            f"text {value!r} without a leading apostrophe: Excel parses it (formula, number, date)")
    return value, False


def apply_actions(actions: list[dict], template: Path, out: Path) -> None:
    """Apply the ``setValues`` actions to a copy of ``template`` saved as ``out``; every
    other action must be an ``alert``, an ``activateSheet`` (nothing else changes cells) or
    an ``addSheet`` (xlwings Lite's status sheet: added, empty, at the index given)."""
    wb = load_workbook(template)
    for action in actions:
        if action["func"] in ("alert", "activateSheet"):
            continue
        if action["func"] == "addSheet":
            index, name = action["args"]
            wb.create_sheet(name, index)
            continue
        assert action["func"] == "setValues", action["func"]
        ws = wb.worksheets[action["sheet_position"]]
        values = action["values"]
        assert len(values) == action["row_count"] and all(len(r) == action["column_count"] for r in values)
        for i, row in enumerate(values):
            for j, raw in enumerate(row):
                value, text = _as_excel_stores(raw)
                cell = ws.cell(row=action["start_row"] + 1 + i, column=action["start_column"] + 1 + j)
                cell.value = value
                if text:
                    cell.data_type = "s"  # stored as text even when it starts with '='
    wb.save(out)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(path: Path, out_dir: Path) -> Path:
    """Open ``path`` in LibreOffice headless and save it as .xlsx in ``out_dir`` (formulas
    recalculated, results cached so openpyxl ``data_only=True`` reads them)."""
    from recalc import recalc

    return recalc(path, out_dir)


# --- source folders for the tests ---------------------------------------------------------

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "finsam" / "sample"


def sample_sources(folder: Path) -> Path:
    """A copy of the embedded sample sources (Sjuhärad, Q1 2013) in ``folder``."""
    shutil.copytree(SAMPLE, folder)
    return folder


def multiply_register(folder: Path, times: int) -> int:
    """Replace ``folder/deltagare.xlsx`` by its rows repeated ``times`` times, copy *k*
    with synthetic personnummer: the serial number NNN + 200·k (mod 1000, so the sex digit
    keeps its parity) and a new Luhn check digit, so each copy holds other people who
    start and end the same insatser. Returns the number of distinct personnummer."""
    from openpyxl import Workbook
    from stdnum import luhn

    src = load_workbook(folder / "deltagare.xlsx").active
    header, *rows = list(src.iter_rows(values_only=True))
    out = Workbook()
    ws = out.active
    ws.append(header)
    people = set()
    for k in range(times):
        for row in rows:
            pnr = str(row[0])
            birth, serial = pnr[:8], int(pnr[9:12])
            serial = f"{(serial + 200 * k) % 1000:03d}"
            new = f"{birth}-{serial}{luhn.calc_check_digit(birth[2:] + serial)}"
            people.add(new)
            ws.append([new, *row[1:]])
    for cells in ws.iter_rows(min_row=2, min_col=5, max_col=6):
        for c in cells:
            c.number_format = "yyyy-mm-dd"
    out.save(folder / "deltagare.xlsx")
    return len(people)
