"""The workbook as the board sees it: finsam's own charts (drawn anew on every populate, and
surviving a LibreOffice round trip), traffic lights on Avvikelse and on the checks, the
report sheets' print setup."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from typer.testing import CliRunner

from finsam.cli import app
from recalc import recalc, values

runner = CliRunner()


def _charts(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n)}


def _populate(wb, sources):
    r = runner.invoke(app, ["populate", str(wb), "--sources", str(sources), "--period", "2013-Q1"])
    assert r.exit_code == 0, r.output


@pytest.fixture
def demo(tmp_path):
    wb = tmp_path / "q1.xlsx"
    assert runner.invoke(app, ["demo", str(wb)]).exit_code == 0
    return wb


def test_the_charts_point_at_the_tables_and_their_table_holds_the_seed_totals(demo, expected):
    charts = _charts(demo)
    assert len(charts) == 2
    xml = " ".join(charts.values())
    # participants: inflöde (B) and utflöde (D) antal over the municipality rows of Deltagare
    rows = [k for k in expected["kommuner"] if k != "Summa"]
    first, last = 6, 6 + len(rows) - 1  # the published table's rows, header on rows 4-5
    for col in "ABD":
        assert f"'Deltagare'!${col}${first}:${col}${last}" in xml, col
    d = values(demo)["Diagram"]
    rows = {r[0]: r[1:4] for r in d.iter_rows(min_row=5, max_row=6, values_only=True)}
    for group, fig in expected["totaler"].items():  # costs shown as positive tkr
        assert rows[group] == tuple(-fig[k] for k in ("budget", "ackumulerat", "prognos")), group


def test_populate_redraws_the_charts_and_keeps_a_persons_chart(demo, sample_sources):
    book = openpyxl.load_workbook(demo)
    ws = book["Ekonomi"]
    mine = BarChart()
    mine.title = "Min egen"
    mine.add_data(Reference(ws, min_col=3, min_row=7, max_row=10))
    ws.add_chart(mine, "J5")
    book.save(demo)
    _populate(demo, sample_sources)
    _populate(demo, sample_sources)  # twice: never more charts than before
    charts = _charts(demo)
    assert len(charts) == 3
    assert sum("Min egen" in x for x in charts.values()) == 1
    assert sum("Nettokostnad per område" in x for x in charts.values()) == 1


def test_the_charts_survive_a_libreoffice_round_trip(demo, sample_sources, tmp_path):
    saved = recalc(demo, tmp_path / "lo")  # as a person saving the file in LibreOffice
    assert len(_charts(saved)) == 2
    _populate(saved, sample_sources)
    charts = _charts(saved)
    assert len(charts) == 2
    assert any("Deltagare per kommun" in x for x in charts.values())


def test_traffic_lights_on_avvikelse_and_the_checks(demo, tmp_path):
    book = openpyxl.load_workbook(demo)
    eko = book["Ekonomi"]
    rules = {str(cf.sqref): [(r.operator, r.formula) for r in cf.rules] for cf in eko.conditional_formatting}
    # the Avvikelse column of each group (H: after issue 12's two columns), down to its Totalt row
    head = next(r for r in eko.iter_rows() if r[0].value == "Kostnadsställe")
    col = next(c.column_letter for c in head if c.value == "Avvikelse")
    assert any(ref.startswith(col) and ("greaterThan", ["0"]) in r and ("lessThan", ["0"]) in r
               for ref, r in rules.items())
    assert "grön = lägre kostnad än budget" in eko["A3"].value
    kon = book["Kontroller"]
    texts = sorted(f for cf in kon.conditional_formatting for r in cf.rules for f in r.formula)
    assert texts == ['"FEL"', '"OK"', '"VARNING"']
    # and after a LibreOffice round trip the rules are still there (classic formats, kept)
    again = openpyxl.load_workbook(recalc(demo, tmp_path / "again"))
    assert len(list(again["Kontroller"].conditional_formatting)) >= 1
    assert len(list(again["Ekonomi"].conditional_formatting)) >= 1


def test_report_sheets_print_a4_landscape(demo):
    book = openpyxl.load_workbook(demo)
    for name in ("Deltagare", "Deltagare per insats", "Ekonomi", "Sammanställning", "Diagram"):
        ws = book[name]
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9, name  # 9 = A4
    for name in ("Deltagare", "Sammanställning", "Diagram"):
        assert book[name].page_setup.fitToWidth == 1, name
    # Ekonomi: at a fixed scale, a page break after Avvikelse, code and name repeated
    # (fit-to-width printed it at 5.5 pt; tests/test_print.py measures the print)
    eko = book["Ekonomi"]
    assert not eko.sheet_properties.pageSetUpPr.fitToPage and 80 <= eko.page_setup.scale <= 100
    assert [b.id for b in eko.col_breaks.brk] == [8] and eko.print_title_cols == "$A:$B"
