"""The workbook's own charts, on the sheet *Diagram*: drawn by ``finsam new`` and drawn anew by
every populate through openpyxl, so they always point at the tables as they are laid out.

* **Budget, ackumulerat och prognos per område** — a small table of formulas on the Diagram
  sheet (each group's *Totalt* row from Ekonomi, costs shown as positive tkr) and a clustered
  bar chart over it;
* **Deltagare per kommun** — inflöde and utflöde (antal) per municipality row of Deltagare.

They are native Excel charts over cell ranges: a forecast typed in Excel moves them at once.
Everything is found through the defined names (:mod:`finsam.blocks`), never by position.
Charts a person adds elsewhere are not finsam's: :mod:`finsam.parts` still stops a save that
would lose them. The Diagram sheet is finsam's own; what a person puts there is redrawn.
"""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.utils import quote_sheetname, range_boundaries
from openpyxl.workbook.workbook import Workbook

from finsam.blocks import ECONOMY, PARTICIPANTS, SHEET_CHARTS, SHEET_SUMMARY
from finsam.settings import Settings
from finsam.sheet import HEADER_FILL, NUMBER_FORMAT, SMALL, TITLE, print_setup, put, widths

#: Rows a chart takes (7.5 cm at the default 15 pt row height, and a gap).
CHART_ROWS = 17

#: Bar colours (Okabe–Ito, readable for colour-blind readers): budget, ackumulerat, prognos.
COLOURS = ("0072B2", "E69F00", "009E73")


def _area(wb: Workbook, name: str) -> tuple[str, int, int, int, int] | None:
    dn = wb.defined_names.get(name)
    if dn is None:
        return None
    sheet, ref = next(iter(dn.destinations))
    c0, r0, c1, r1 = range_boundaries(ref.replace("$", ""))
    return sheet, r0, c0, r1, c1


def draw(wb: Workbook, settings: Settings) -> None:
    """(Re)draw the Diagram sheet of ``wb``: its formula table and its two charts. Creates the
    sheet (after Sammanställning) when it is missing; clears what it held before."""
    if SHEET_CHARTS in wb.sheetnames:
        ws = wb[SHEET_CHARTS]
        ws._charts = []
        for row in ws.iter_rows():
            for c in row:
                c.value = None
    else:
        at = wb.sheetnames.index(SHEET_SUMMARY) + 1 if SHEET_SUMMARY in wb.sheetnames else len(wb.sheetnames)
        ws = wb.create_sheet(SHEET_CHARTS, at)
    put(ws, 1, 1, settings.association).font = TITLE
    put(ws, 2, 1, '="Diagram, "&fs_periodetikett&" "&LEFT(fs_period_till,4)', bold=True)

    # 1. Economy per group: a table of formulas (costs as positive tkr), then the chart.
    heads = ("Område", "Budget", "Ackumulerat", "Prognos")
    for c, h in enumerate(heads, start=1):
        put(ws, 4, c, h, bold=True, fill=HEADER_FILL, right=c > 1)
    r = 5
    for i, group in enumerate(settings.groups, start=1):
        where = _area(wb, ECONOMY.name("totalt", i))
        if where is None:
            continue
        sheet, row, *_ = where
        put(ws, r, 1, group.title)
        for c, key in enumerate(("budget", "ackumulerat", "prognos"), start=2):
            put(ws, r, c, f"=-{quote_sheetname(sheet)}!{ECONOMY.letter(key)}{row}", fmt=NUMBER_FORMAT)
        r += 1
    last = r - 1
    if last >= 5:
        chart = BarChart()
        chart.type = "col"
        chart.grouping = "clustered"
        chart.title = "Nettokostnad per område, tkr"
        chart.y_axis.title = "tkr"
        chart.y_axis.numFmt = NUMBER_FORMAT
        chart.add_data(Reference(ws, min_col=2, max_col=4, min_row=4, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=5, max_row=last))
        _style(chart)
        ws.add_chart(chart, f"A{last + 3}")
    widths(ws, {"A": 34, "B": 14, "C": 14, "D": 14})

    # 2. Participants per municipality, straight from the Deltagare table.
    where = _area(wb, PARTICIPANTS.name(""))
    if where is not None:
        sheet, r0, _, r1, _ = where
        src = wb[sheet]
        chart = BarChart()
        chart.type = "col"
        chart.grouping = "clustered"
        chart.title = "Deltagare per kommun (antal)"
        for key, label in (("inflode_antal", "Inflöde"), ("utflode_antal", "Utflöde")):
            col = PARTICIPANTS.column_of(key)
            chart.add_data(Reference(src, min_col=col, max_col=col, min_row=r0, max_row=r1), titles_from_data=False)
            chart.series[-1].tx = None
            from openpyxl.chart.series import SeriesLabel

            chart.series[-1].tx = SeriesLabel(v=label)
        col = PARTICIPANTS.column_of("kommun")
        chart.set_categories(Reference(src, min_col=col, max_col=col, min_row=r0, max_row=r1))
        _style(chart)
        ws.add_chart(chart, f"A{last + 3 + CHART_ROWS}")
    put(ws, 3, 1, "Diagrammen ritas om av finsam vid varje uppdatering; kostnader visas som positiva tkr.")
    ws.cell(row=3, column=1).font = SMALL
    print_setup(ws, settings, None, one_page=True)


def _style(chart: BarChart) -> None:
    chart.width, chart.height = 18, 7.5  # cm; CHART_ROWS rows of the default height
    chart.legend.position = "b"
    for s, colour in zip(chart.series, COLOURS):
        s.graphicalProperties.solidFill = colour
        s.graphicalProperties.line.solidFill = colour
