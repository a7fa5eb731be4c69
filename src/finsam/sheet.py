"""How finsam draws a sheet: the house styles, defined names, and a declared table laid out.

The building blocks of :mod:`finsam.layout`: :func:`put` writes one cell with the house
styles, :class:`Names` collects defined names, and :func:`table` lays out a table of
:mod:`finsam.blocks` from its declaration alone (headers, rows, formulas, names, total row).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from finsam.blocks import Table

if TYPE_CHECKING:
    from finsam.settings import Settings

#: Number format: whole tkr, Swedish thousands separator (a space), minus sign for costs.
#: The locale tag [$-41D] (sv-SE) makes LibreOffice print the space whatever its own locale;
#: Excel takes the separator from the system, which is a space on Swedish installations. A
#: literal space ("# ##0") would print "- 280" for numbers under a thousand.
NUMBER_FORMAT = "[$-41D]#,##0;-#,##0;0"

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # the person's cells (forecast, comments)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
FONT = "Calibri"  # the workbook's default font; a Font() without a name prints in a fallback serif
BOLD = Font(name=FONT, bold=True)
TITLE = Font(name=FONT, bold=True, size=14)
SMALL = Font(name=FONT, italic=True, size=9)
#: A note on a table sheet (legend, explanation): the body's size, italic, so it prints at 9 pt or more
#: wherever the table does (issue 13).
NOTE = Font(name=FONT, italic=True, size=11)
THIN_TOP = Border(top=Side(style="thin"))

def ref(sheet: str, top: int, left: int, bottom: int | None = None, right: int | None = None) -> str:
    """The absolute reference of a cell or range, with its sheet (``'Ekonomi'!$C$9:$D$12``)."""
    a = f"${get_column_letter(left)}${top}"
    if bottom is None or (bottom == top and right == left):
        return f"{quote_sheetname(sheet)}!{a}"
    return f"{quote_sheetname(sheet)}!{a}:${get_column_letter(right)}${bottom}"


@dataclass
class Names:
    """The defined names of a workbook being built, as they are added (``refs``: name → reference)."""

    wb: Workbook
    refs: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, sheet: str, top: int, left: int, bottom: int | None = None, right: int | None = None) -> None:
        """Define ``name`` as the cell or range (1-based rows and columns) on ``sheet``."""
        where = ref(sheet, top, left, bottom, right)
        self.refs[name] = where
        self.wb.defined_names[name] = DefinedName(name, attr_text=where)


RIGHT = Alignment(horizontal="right")


def put(ws: Worksheet, row: int, col: int, value=None, *, bold=False, fmt=None, fill=None, wrap=False, right=False):
    """Write ``value`` into the cell at ``row``, ``col`` (1-based) with the house styles; returns the cell."""
    c = ws.cell(row=row, column=col, value=value)
    if right:
        c.alignment = RIGHT
    if bold:
        c.font = BOLD
    if fmt:
        c.number_format = fmt
    if fill:
        c.fill = fill
    if wrap:
        c.alignment = Alignment(wrap_text=True, vertical="top")
    return c


def notes(ws: Worksheet, names: Names, row: int, last_col: int, name: str, sheet: str) -> None:
    """A "Noteringar" heading and a merged free-text cell under it: the person's, never written."""
    put(ws, row, 1, "Noteringar", bold=True)
    put(ws, row + 1, 1, fill=INPUT_FILL, wrap=True)
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 4, end_column=last_col)
    names.add(name, sheet, row + 1, 1)


#: Print height (points) of one line of the house's 11 pt text.
LINE_PT = 15.0
#: Characters of 11 pt note text per unit of column width, on the safe side: LibreOffice
#: without Calibri (or Carlito) prints in DejaVu Sans, wider than Calibri; 1 unit = 7 pt there.
NOTE_CHARS_PER_UNIT = 1.0
#: Width Excel gives a column without one (units).
DEFAULT_WIDTH = 8.43
#: What one unit of column width prints as at 100 %, points: 7 pt in LibreOffice without
#: Calibri (measured: a 50-unit column is 350 pt), about 5.5 pt in Excel with Calibri.
PT_PER_UNIT = 7.0
#: The printable width of A4 landscape between openpyxl's default margins (0.75 inch), points.
A4_LANDSCAPE_WIDTH_PT = 841.9 - 2 * 0.75 * 72


def print_scale(ws: Worksheet, last_col: int) -> int:
    """The print scale (per cent, at most 100) at which columns A to ``last_col`` fill the
    width of an A4 landscape page, taking the wider unit (:data:`PT_PER_UNIT`)."""
    width = sum(ws.column_dimensions[get_column_letter(c)].width or DEFAULT_WIDTH for c in range(1, last_col + 1))
    return min(100, math.floor(100 * A4_LANDSCAPE_WIDTH_PT / (width * PT_PER_UNIT)))


def print_setup(ws: Worksheet, settings: Settings, title_rows: str | None, *, one_page: bool = False,
                title_columns: str | None = None, break_after: str | None = None) -> None:
    """A4 landscape, ``title_rows`` repeated, the association and sheet name in the header.

    By default fitted to the page width (``one_page``: to one page). A table too wide for
    that at a readable size (issue 13: 9 pt at least) is instead split into a new page after
    column ``break_after`` (set the widths first), its title columns ``title_columns``
    repeated on each page, pages read across then down, at the scale that fits the columns up
    to ``break_after`` on the page (:func:`print_scale`)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if break_after is None:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 1 if one_page else 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:  # Excel and LibreOffice ignore manual page breaks under "fit to"
        last = ws[f"{break_after}1"].column
        ws.page_setup.scale = print_scale(ws, last)
        ws.page_setup.pageOrder = "overThenDown"
        ws.col_breaks.append(Break(id=last))
    if title_columns:
        ws.print_title_cols = title_columns
    if title_rows:
        ws.print_title_rows = title_rows
    # The period stands in rows 1–2 of every report sheet, which print on every page.
    ws.oddHeader.left.text = settings.association
    ws.oddHeader.right.text = "&A"
    ws.oddFooter.right.text = "Sida &P av &N"


def legend(ws: Worksheet, row: int, text: str, last_col: int):
    """An explanatory ``text`` (:data:`NOTE`) on ``row`` over columns A to ``last_col`` (set
    their widths first): merged, wrapped, and as high as its lines need — LibreOffice does not
    grow a row for wrapped text, and unwrapped it would run past the table and shrink the printout."""
    cell = put(ws, row, 1, text, wrap=True)
    cell.font = NOTE
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
    width = sum(ws.column_dimensions[get_column_letter(c)].width or DEFAULT_WIDTH for c in range(1, last_col + 1))
    ws.row_dimensions[row].height = math.ceil(len(text) / (width * NOTE_CHARS_PER_UNIT)) * LINE_PT + 2
    return cell


def wrap_headings(ws: Worksheet, t: Table, top: int, lines: tuple[int, ...]) -> None:
    """Wrap the header rows of table ``t`` from row ``top`` on (heading, sub: narrow number
    columns under long headings), one per item of ``lines``, each that many lines high
    (explicit: LibreOffice does not grow rows)."""
    for r, n in enumerate(lines, start=top):
        for c in range(t.first_column, t.first_column + len(t.columns)):
            cell = ws.cell(row=r, column=c)
            cell.alignment = Alignment(wrap_text=True, vertical="bottom", horizontal=cell.alignment.horizontal)
        ws.row_dimensions[r].height = n * LINE_PT


def widths(ws: Worksheet, widths: dict[str, float]) -> None:
    """Set column widths (``{"A": 44, …}``)."""
    for col, w in widths.items():
        ws.column_dimensions[col].width = w


def same_heading(t: Table, c: int):
    """The columns from sheet column ``c`` on that share its heading (a merged heading)."""
    cols = t.columns[c - t.first_column:]
    for col in cols:
        if col.heading != cols[0].heading:
            return
        yield col


def column_widths(t: Table) -> dict[str, float]:
    """The declared widths of ``t``'s columns, by sheet letter."""
    return {t.letter(c.key): c.width for c in t.columns if c.width is not None}


def table(ws: Worksheet, names: Names, t: Table, top: int, rows: list[dict], i: int | None = None, *,
          empty: tuple[str, str] | None = None, total: str | None = "Totalt") -> tuple[int, int, int]:
    """Lay out table ``t`` from its declaration, its header at row ``top``: three header rows
    (heading, sub, unit), one row per ``rows`` item (``label`` columns take the item's value
    by key, ``formula`` columns their formula, inputs stay empty with their format, the
    person's cells yellow), the defined name of each block, and a total row (``total`` in the
    first column; SUMs, formulas and named input cells as the columns declare; the sum and
    input cells named ``<prefix>_totalt``; ``total=None``: no total row). A table without rows gets one, holding
    ``empty = (key, text)``.

    Returns:
        (first row, last row, total row), 1-based sheet rows.
    """
    for c, col in enumerate(t.columns, start=t.first_column):
        put(ws, top, c, col.heading, bold=True, fill=HEADER_FILL, right=col.number)
        put(ws, top + 1, c, col.sub, bold=True, fill=HEADER_FILL, right=col.number)
        if col.unit:
            put(ws, top + 2, c, col.unit, bold=True, fill=HEADER_FILL, right=True)
        else:
            put(ws, top + 2, c, fill=HEADER_FILL)
    first = top + 3
    for n, values in enumerate(rows):
        row = first + n
        for c, col in enumerate(t.columns, start=t.first_column):
            value = t.formula(col.formula, row) if col.formula else values.get(col.key)
            cell = put(ws, row, c, value, fmt=NUMBER_FORMAT if col.number else None,
                         fill=INPUT_FILL if col.kind == "person" else None)
            if col.kind == "person" and not col.number:
                cell.alignment = Alignment(indent=1)  # text clear of the number to its left
    last = first + max(len(rows), 1) - 1
    if not rows and empty:
        put(ws, first, t.column_of(empty[0]), empty[1])
    for b in t.blocks():
        a, z = t.span(b)
        names.add(t.name(b, i), t.sheet, first, a, last, z)
    if total is None:  # a table without a total row
        return first, last, last
    tot = last + 1
    for c, col in enumerate(t.columns, start=t.first_column):
        if c == t.first_column:
            put(ws, tot, c, total, bold=True).border = THIN_TOP
        elif col.total == "sum":
            put(ws, tot, c, f"=SUM({t.range(col.key, first, last)})", bold=True, fmt=NUMBER_FORMAT).border = THIN_TOP
        elif col.total == "input":
            put(ws, tot, c, bold=True, fmt=NUMBER_FORMAT).border = THIN_TOP
            names.add(col.total_name, t.sheet, tot, c)
        elif col.total:
            put(ws, tot, c, t.formula(col.total, tot), bold=True, fmt=NUMBER_FORMAT).border = THIN_TOP
        else:
            put(ws, tot, c, None).border = THIN_TOP
    if t.total_keys():
        a, z = t.total_span()
        names.add(t.name("totalt", i), t.sheet, tot, a, tot, z)
    return first, last, tot


#: Traffic-light fills (classic conditional formats, which openpyxl keeps and every Excel shows).
GREEN = PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE")
AMBER = PatternFill("solid", fgColor="FFEB9C", bgColor="FFEB9C")
RED = PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE")

#: The legend printed with the Avvikelse column (Swedish).
DEVIATION_LEGEND = ("Avvikelse = prognos − budget: grön = lägre kostnad än budget, röd = högre kostnad än budget.")


def deviation_lights(ws: Worksheet, ref: str) -> None:
    """Traffic lights on an Avvikelse range (prognos − budget, costs negative): green when the
    forecast costs less than the budget (> 0), red when more (< 0); 0 and empty stay white."""
    from openpyxl.formatting.rule import CellIsRule

    ws.conditional_formatting.add(ref, CellIsRule(operator="greaterThan", formula=["0"], fill=GREEN))
    ws.conditional_formatting.add(ref, CellIsRule(operator="lessThan", formula=["0"], fill=RED))


def status_lights(ws: Worksheet, ref: str) -> None:
    """Traffic lights on check statuses: OK green, VARNING amber, FEL red."""
    from openpyxl.formatting.rule import CellIsRule

    for text, fill in (("OK", GREEN), ("VARNING", AMBER), ("FEL", RED)):
        ws.conditional_formatting.add(ref, CellIsRule(operator="equal", formula=[f'"{text}"'], fill=fill))
