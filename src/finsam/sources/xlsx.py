"""Excel workbooks as sources: which sheet, which date system, which cells cannot be trusted.

What a spreadsheet user sees is not always what the file holds, and each of these once gave
a wrong figure without a word:

- **Hidden sheets.** A register whose first sheet is a hidden older export: only *visible*
  sheets are read (workbook.xml ``<sheet state="hidden|veryHidden">``, ECMA-376 §18.2.19).
- **Which sheet.** A sheet is chosen by name (``Budget``), else by its header row; when more
  than one visible sheet has the columns, the file is refused with their names
  (:func:`choose_sheet`). The reader reports the sheet it read.
- **Formulas without a value.** Tools that write xlsx without calculating (scripts, some
  exports) leave a formula with no cached value, or a cached 0; a reader sees 0. A formula
  cell in a column finsam reads whose cached value is empty or 0 is refused: open the file in
  Excel and save it (:func:`formula_problems`).
- **The 1904 date system** (``<workbookPr date1904="1">``, ECMA-376 §18.2.28; old Mac
  workbooks): serial number 0 is 1904-01-01, not 1899-12-30 (:func:`date_epoch`).
- **Password protection.** An encrypted xlsx is an OLE compound file holding an
  ``EncryptionInfo`` stream (MS-OFFCRYPTO §2.3.4): it is named as password-protected, not
  broken (:func:`check_not_encrypted`).

Cells are read by python-calamine when it is installed (fast, outside the GIL), else by
openpyxl (read-only, cached values): the figures are the same (a test reads the sample both
ways). The workbook's own structure (sheets, states, date system, formulas) is read from its
XML here, the same for both.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from finsam.errors import Problem, SourceError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
EPOCH_1900 = pd.Timestamp("1899-12-30")  # serial 1 = 1900-01-01 (Excel's leap-year bug included)
EPOCH_1904 = pd.Timestamp("1904-01-01")


@dataclass
class Structure:
    """The sheets of a workbook as stored: ``sheets`` (name → part path in the zip, in book
    order), ``hidden`` (names of hidden or very hidden sheets), ``date1904``."""

    sheets: dict[str, str] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    date1904: bool = False

    @property
    def visible(self) -> list[str]:
        """The sheets a person sees in Excel (hidden and very hidden ones left out)."""
        return [s for s in self.sheets if s not in self.hidden]


def check_not_encrypted(path: Path) -> None:
    """Raise a :class:`SourceError` naming password protection when ``path`` is an encrypted
    Office file (an OLE compound file with an ``EncryptionInfo`` stream), or saying that an
    OLE file named ``.xlsx`` is an old-format workbook."""
    with open(path, "rb") as fh:
        head = fh.read(8)
        if head != OLE_MAGIC:
            return
        data = head + fh.read()
    if _ENCRYPTION_INFO in data:
        raise SourceError(f"{path.name} är lösenordsskyddad (krypterad), så finsam kan inte läsa den. Öppna filen i "
                          "Excel, ta bort lösenordet (Arkiv > Info > Skydda arbetsbok > Kryptera med lösenord: töm "
                          "fältet) och spara, eller spara en kopia utan lösenord i källmappen.")
    if path.suffix.lower() != ".xls":
        raise SourceError(f"{path.name} är en Excel-fil i det gamla formatet (.xls) med fel filändelse. Öppna den i "
                          "Excel och spara den som Excel-arbetsbok (.xlsx).")


_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_DATE1904 = re.compile(rb"<(?:\w+:)?workbookPr\b[^>]*\bdate1904=\"(1|true)\"")


def _unescape(b: bytes) -> str:
    import html

    return html.unescape(b.decode("utf-8"))


def structure(path: Path) -> Structure | None:
    """The sheets, their visibility and the date system of an xlsx/xlsm file, from
    ``xl/workbook.xml`` and its relationships; ``None`` for other formats (.xls, .ods, .xlsb:
    then python-calamine's metadata is used and formulas cannot be checked)."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            wb_part = next((n for n in ("xl/workbook.xml",) if n in names), None)
            if wb_part is None:
                return None
            wb = z.read(wb_part)
            rels = z.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
    except zipfile.BadZipFile:
        return None
    targets = {}
    for m in _REL.finditer(rels):
        a = dict(_ATTR.findall(m.group(1)))
        target = _unescape(a.get(b"Target", b""))
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[_unescape(a.get(b"Id", b""))] = part
    out = Structure(date1904=bool(_DATE1904.search(wb)))
    for m in _SHEET.finditer(wb):
        a = {k.split(b":")[-1]: v for k, v in _ATTR.findall(m.group(1))}
        name = _unescape(a.get(b"name", b""))
        out.sheets[name] = targets.get(_unescape(a.get(b"id", b"")), "")
        if a.get(b"state", b"visible") != b"visible":
            out.hidden.add(name)
    return out


def date_epoch(path: Path) -> pd.Timestamp:
    """Day 0 of the workbook's serial dates: 1899-12-30, or 1904-01-01 in a 1904 workbook."""
    s = structure(path) if path.suffix.lower() in (".xlsx", ".xlsm") else None
    return EPOCH_1904 if s is not None and s.date1904 else EPOCH_1900


def sheet_names(path: Path) -> tuple[list[str], set[str]]:
    """``(names in book order, hidden names)`` of any workbook finsam reads."""
    s = structure(path)
    if s is not None:
        return list(s.sheets), s.hidden
    from python_calamine import CalamineWorkbook  # .xls / .ods / .xlsb: calamine only

    meta = CalamineWorkbook.from_path(str(path)).sheets_metadata
    return [m.name for m in meta], {m.name for m in meta if str(m.visible).split(".")[-1].lower() != "visible"}


def read_rows(path: Path, sheet: str) -> list[list]:
    """Every row of ``sheet`` as lists of cell values: ``""`` for empty cells, numbers as
    int/float, dates as ``datetime``/``date``, text as str (cached values of formulas).
    python-calamine when importable, else openpyxl.

    Raises:
        SourceError: neither can read this format (openpyxl reads only .xlsx/.xlsm).
    """
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        CalamineWorkbook = None
    if CalamineWorkbook is not None:
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise SourceError(f"{path.name}: det här formatet kräver paketet python-calamine. Spara filen som .xlsx.")
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = [["" if v is None else v for v in row] for row in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()
    width = max((len(r) for r in rows), default=0)
    while rows and all(v == "" for v in rows[-1]):
        rows.pop()
    return [r + [""] * (width - len(r)) for r in rows]


def choose_sheet(path: Path, headers: dict[str, list[str]], *, name: str | None, required: list[tuple[str, ...]],
                 lacks: tuple[str, ...] = (), what: str, key: Callable[[object], str]) -> str:
    """The sheet to read.

    Args:
        headers: visible sheet name → its header row as written, in book order.
        name: the sheet's usual name (``"Budget"``): a visible sheet of that name, or else
            the only visible sheet whose name starts with it (``"Finansiering 2013"``), wins.
        required: per needed column, its accepted header names; a sheet fits when it has
            one of each.
        lacks: header names a fitting sheet must not have (a budget's cost-centre sheet is
            no financing sheet).
        what: the sheet's contents in Swedish, for messages.
        key: how header names are compared (:func:`finsam.sources.tabular.normalise_header`).

    Raises:
        SourceError: no visible sheet fits (the message lists the visible sheets with their
            columns, and the hidden ones), or several do (named).
    """
    visible = list(headers)
    if name is not None:
        exact = [s for s in visible if s.strip().casefold() == name.casefold()]
        prefixed = [s for s in visible if s.strip().casefold().startswith(name.casefold())]
        if exact or len(prefixed) == 1:
            return (exact or prefixed)[0]
    keys = {s: {key(c) for c in h} for s, h in headers.items()}
    fits = [s for s, h in keys.items()
            if all(any(key(a) in h for a in aliases) for aliases in required) and not any(key(a) in h for a in lacks)]
    if len(fits) == 1:
        return fits[0]
    if len(fits) > 1:
        raise SourceError(f"{path.name}: flera synliga blad har kolumnerna för {what}: "
                          f"{', '.join(repr(s) for s in fits)}. Ta bort eller dölj de blad som inte ska läsas.")
    listed = "; ".join(f"{s!r} ({', '.join(h) or 'tomt'})" for s, h in headers.items()) or "(inga synliga)"
    _, hidden = sheet_names(path)
    hid = f" Dolda blad läses inte: {', '.join(repr(h) for h in sorted(hidden))}." if hidden else ""
    cols = ", ".join(a[0] for a in required)
    usual = f"bladet {name!r}, eller " if name else ""
    raise SourceError(f"{path.name}: inget synligt blad med {what}. finsam läser {usual}det blad som har kolumnerna "
                      f"{cols}. Blad i filen: {listed}.{hid} Byt namn på bladet eller rubrikerna.")


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_HAS_F = re.compile(rb"<(?:\w+:)?f[\s>/]")
_V = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_REF = re.compile(r"([A-Z]+)(\d+)")


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    out = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        out = chr(65 + r) + out
    return out


def sheets_with_formulas(path: Path, sheets: list[str]) -> set[str]:
    """Those of ``sheets`` whose XML holds a formula element (:func:`_has_formula`); empty for
    files that are no xlsx/xlsm. One decompression per sheet, outside the GIL (zlib), so the
    readers run it beside the cell parser (:func:`finsam.runtime.beside`)."""
    s = structure(path)
    if s is None:
        return set()
    found = set()
    with zipfile.ZipFile(path) as z:
        for sheet in sheets:
            try:
                if s.sheets.get(sheet) and _has_formula(z, s.sheets[sheet]):
                    found.add(sheet)
            except KeyError:
                continue
    return found


def formula_problems(path: Path, sheet: str, columns: dict[str, int], header_row: int = 1, *,
                     has_formula: bool | None = None) -> list[Problem]:
    """``formel-utan-varde`` errors for formula cells (below the header, in ``columns``:
    header name → 0-based index) whose cached value is missing or 0, one problem per column
    (count, first cells), so a generated file with thousands of them gives a few lines.

    Only xlsx/xlsm can be checked (the formula is in the sheet's XML); the sheet XML is
    searched for a formula element first, so a sheet without formulas costs one scan
    (``has_formula``: that scan's answer when the caller already has it,
    :func:`sheets_with_formulas`).
    """
    if has_formula is False:
        return []
    s = structure(path)
    if s is None or not s.sheets.get(sheet):
        return []
    with zipfile.ZipFile(path) as z:
        try:
            if has_formula is None and not _has_formula(z, s.sheets[sheet]):
                return []
            xml = z.read(s.sheets[sheet])
        except KeyError:
            return []
    letters = {column_letter(i): name for name, i in columns.items()}
    found: dict[str, list[str]] = {}
    for m in _CELL.finditer(xml):
        body = m.group(2) or b""
        if not _HAS_F.search(body):
            continue
        attrs = dict(_ATTR.findall(m.group(1)))
        ref = _REF.fullmatch(attrs.get(b"r", b"").decode())
        if not ref or ref.group(1) not in letters or int(ref.group(2)) <= header_row:
            continue
        v = _V.search(body)
        cached = v.group(1).decode().strip() if v else ""
        t = attrs.get(b"t", b"n")
        if cached == "" or (t == b"n" and _is_zero(cached)):
            found.setdefault(letters[ref.group(1)], []).append(ref.group(0))
    problems = []
    for name, cells in found.items():
        first = ", ".join(cells[:5]) + (f" (och {len(cells) - 5} till)" if len(cells) > 5 else "")
        problems.append(Problem(
            "formel-utan-varde", "error", f"{path.name} ({sheet})", int(_REF.fullmatch(cells[0]).group(2)), name,
            f"{len(cells)} celler i kolumnen är formler utan uträknat värde (eller med värdet 0 sparat utan att "
            f"räknas ut): {first}. Programmet som skrev filen räknade inte ut formlerna. Öppna filen i Excel och "
            "spara den, så sparas värdena; är 0 rätt, skriv in 0 som värde i stället för formeln."))
    return problems


def _has_formula(z: zipfile.ZipFile, part: str) -> bool:
    """Whether a sheet's XML holds a formula element (``<f>``, ``<f t="shared" …/>``, or a
    prefixed ``<x:f>``), read in chunks with plain substring searches: a register's sheet of
    70 MB without formulas costs one decompression, not a regular-expression pass."""
    tail = b""
    with z.open(part) as fh:
        while chunk := fh.read(1 << 22):
            buf = tail + chunk
            if b"<f>" in buf or b"<f " in buf or b":f>" in buf or b":f " in buf:
                return True
            tail = buf[-8:]
    return False


def _is_zero(text: str) -> bool:
    try:
        return float(text) == 0.0
    except ValueError:
        return False
