"""The main job end to end: `finsam new` + `finsam populate` (and `finsam demo`) give a
workbook whose recalculated figures equal the published Q1 2013 report, cell for cell."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from finsam.cli import app
from recalc import assert_report, values

from conftest import SETTINGS

runner = CliRunner()

#: Ekonomi's columns, 0-based: C Budget, D Budget t.o.m. perioden, E Ackumulerat, G Prognos, I Kommentar.
BUDGET, ACK, PROGNOS, COMMENT = 2, 4, 6, 8


@pytest.fixture
def q1_book(tmp_path, csv_sources):
    """A workbook made by `finsam new` and filled by `finsam populate` for Q1 2013."""
    wb = tmp_path / "u.xlsx"
    assert runner.invoke(app, ["new", str(wb), "--settings", str(SETTINGS)]).exit_code == 0
    r = runner.invoke(app, ["populate", str(wb), "--sources", str(csv_sources), "--period", "2013-Q1"])
    assert r.exit_code == 0, r.output
    return wb


FIGURES = 4 * 10 + 3 * 30 + 3 * 2 + 3 * 4 + 1 + 1


@pytest.mark.parametrize("ledger", ["csv_sources", "sie_sources"])
def test_new_and_populate_reproduce_the_report(tmp_path, expected, ledger, request):
    sources = request.getfixturevalue(ledger)
    wb = tmp_path / "uppfoljning.xlsx"
    r = runner.invoke(app, ["new", str(wb), "--settings", str(SETTINGS)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["populate", str(wb), "--sources", str(sources), "--period", "2013-Q1"])
    assert r.exit_code == 0, r.output
    assert "2013-01-01–2013-03-31" in r.output
    assert assert_report(values(wb), expected) == FIGURES


def test_demo_reproduces_the_report(tmp_path, expected, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["demo"])
    assert r.exit_code == 0, r.output
    wb = tmp_path / "kvartalsuppfoljning-2013Q1.xlsx"
    assert wb.exists()
    assert str(wb) in r.output.replace("\n", "")
    assert assert_report(values(wb), expected) == FIGURES


def test_editing_a_forecast_moves_every_total(q1_book):
    """Python writes inputs only: a forecast typed in the workbook flows through the formulas."""
    wb = q1_book
    book = load_workbook(wb)
    ws = book["Ekonomi"]
    row = next(r for r in ws.iter_rows() if r[0].value == "3001")
    row[PROGNOS].value = -3148  # 100 tkr more than budget
    row[COMMENT].value = "Utökat uppdrag"
    book.save(wb)
    v = values(wb)
    totals = [r for r in v["Ekonomi"].iter_rows(values_only=True) if r[0] == "Totalt"]
    assert totals[0][PROGNOS] == -15560
    summ = {r[0]: r for r in v["Sammanställning"].iter_rows(values_only=True) if r[0]}
    assert summ["Totala kostnader"][3] == -25337
    assert summ["Årets finansiering med eget kapital *"][3] == 902
    assert v["Kontroller"]["C4"].value == "OK"


def test_workbook_holds_formulas_for_totals_and_values_for_inputs(q1_book):
    wb = q1_book
    book = load_workbook(wb)
    ek = book["Ekonomi"]
    totals = [r for r in ek.iter_rows() if r[0].value == "Totalt"]
    assert len(totals) == 2
    for r in totals:
        assert all(str(c.value).startswith("=SUM(") for c in (r[BUDGET], r[ACK], r[PROGNOS]))
    summ = {r[0].value: r for r in book["Sammanställning"].iter_rows() if r[0].value}
    assert str(summ["Totala kostnader"][1].value).startswith("=")
    assert str(summ["Årets finansiering med eget kapital *"][1].value).startswith("=")
    assert summ["Parternas finansiering"][1].value == 15060  # an input
    d = {r[0].value: r for r in book["Deltagare"].iter_rows() if r[0].value}
    assert d["Summa"][1].value.startswith("=SUM(")
    assert d["Summa"][2].value == 133  # Summa unika is an input (distinct count), not a SUM


def test_period_label_follows_the_period(tmp_path, csv_sources):
    wb = tmp_path / "u.xlsx"
    runner.invoke(app, ["new", str(wb), "--settings", str(SETTINGS)])
    r = runner.invoke(app, ["populate", str(wb), "--sources", str(csv_sources), "--period", "2013-Q2"])
    assert r.exit_code == 0, r.output
    v = values(wb)
    heads = [r for r in v["Ekonomi"].iter_rows(values_only=True) if r[1] == "i tkr per område"]
    assert (heads[0][BUDGET], heads[0][ACK], heads[0][PROGNOS]) == ("Jan-Dec", "Jan-Juni", "Jan-Dec")
    # April's invoices now count: Q2 accumulated is larger in magnitude than Q1
    by_code = {r[0]: r for r in v["Ekonomi"].iter_rows(values_only=True) if r[0]}
    assert by_code["3012"][ACK] == -57  # 57 264,57 kr booked 2013-04-05


def test_prognos_csv_replacing_a_typed_forecast_and_comment_is_said(q1_book, csv_sources):
    from finsam.workbook import populate_workbook

    wb = q1_book
    book = load_workbook(wb)
    row = next(r for r in book["Ekonomi"].iter_rows() if r[0].value == "3005")
    row[PROGNOS].value, row[COMMENT].value = -999, "min egen kommentar"
    other = next(r for r in book["Ekonomi"].iter_rows() if r[0].value == "3006")
    other[PROGNOS].value, other[COMMENT].value = -1300, "egen"
    book.save(wb)
    result = populate_workbook(wb, sources=csv_sources, period="2013-Q1")
    notes = [n for n in result.forecast_notes if n.startswith("3005")]
    assert len(notes) == 2 and "-999" in notes[0] and "-687" in notes[0] and "kommentaren" in notes[1]
    row = next(r for r in load_workbook(wb)["Ekonomi"].iter_rows() if r[0].value == "3006")
    assert (row[PROGNOS].value, row[COMMENT].value) == (-1300, "egen")  # not in prognos.csv: the person's, kept


def _ekonomi_rows(path):
    return {r[0].value: r for r in load_workbook(path)["Ekonomi"].iter_rows() if r[0].value}


def test_a_table_sorted_in_excel_keeps_each_figure_on_its_cost_centre(q1_book, csv_sources):
    from finsam.workbook import populate_workbook

    wb = q1_book
    book = load_workbook(wb)
    ws = book["Ekonomi"]
    a = next(r for r in ws.iter_rows() if r[0].value == "1001")
    b = next(r for r in ws.iter_rows() if r[0].value == "1003")
    for x, y in zip(a[:COMMENT + 1], b[:COMMENT + 1]):  # swap the two rows as a sort would, values and all
        if not str(x.value).startswith("=") and not str(y.value).startswith("="):
            x.value, y.value = y.value, x.value
    a[PROGNOS].value = -400  # the person's forecast for 1003 (now on the first row)
    book.save(wb)
    populate_workbook(wb, sources=csv_sources, period="2013-Q1")
    rows = _ekonomi_rows(wb)
    assert (rows["1001"][BUDGET].value, rows["1001"][ACK].value, rows["1001"][PROGNOS].value) == (-280, -58, -280)
    assert (rows["1003"][BUDGET].value, rows["1003"][ACK].value, rows["1003"][PROGNOS].value) == (-250, -41, -400)
    assert rows["1003"][0].row < rows["1001"][0].row


def test_forecasts_typed_as_formulas_or_text_are_kept(q1_book, csv_sources):
    from finsam.workbook import populate_workbook

    wb = q1_book
    book = load_workbook(wb)
    ws = book["Ekonomi"]
    rows = {r[0].value: r for r in ws.iter_rows() if r[0].value}
    rows["1001"][PROGNOS].value = "=-280-20"
    rows["1001"][COMMENT].value = '="Höjd med "&20&" tkr"'
    rows["1003"][PROGNOS].value = "\u2212260"   # a number typed as text, with the minus sign
    rows["1010"][PROGNOS].value = "ca -800"      # no number: kept, and warned about
    book.save(wb)
    result = populate_workbook(wb, sources=csv_sources, period="2013-Q1")
    rows = _ekonomi_rows(wb)
    assert rows["1001"][PROGNOS].value == "=-280-20" and rows["1001"][PROGNOS].data_type == "f"
    assert rows["1001"][COMMENT].data_type == "f"
    assert rows["1003"][PROGNOS].value == -260
    assert rows["1010"][PROGNOS].value == "ca -800"
    from finsam.checks import check_blocks

    assert [p.column for p in check_blocks(result.settings, result.blocks) if p.code == "prognos-ej-tal"] == ["1010"]
    v = values(wb)
    total = [r for r in v["Ekonomi"].iter_rows(values_only=True) if r[0] == "Totalt"][0]
    # -15 460 with 1001 at -300 (formula), 1003 at -260, 1010's text counted as 0 instead of -775
    assert total[PROGNOS] == -15460 - 20 - 10 + 775


def test_text_starting_with_equals_stays_text_through_every_populate(q1_book, csv_sources):
    from finsam.workbook import populate_workbook

    (csv_sources / "prognos.csv").write_text(
        "Kostnadsställe;Prognos (tkr);Kommentar\n3005;-687;=Se bilaga - nya insatser\n", encoding="utf-8")
    populate_workbook(q1_book, sources=csv_sources, period="2013-Q1")
    (csv_sources / "prognos.csv").unlink()  # next quarter: no overrides, the comment is the workbook's now
    populate_workbook(q1_book, sources=csv_sources, period="2013-Q1")
    cell = _ekonomi_rows(q1_book)["3005"][COMMENT]
    assert (cell.value, cell.data_type) == ("=Se bilaga - nya insatser", "s")


@pytest.mark.parametrize("typed", ["19940530 3422", 198501011236, True, "2013-03-31"], ids=["pnr-text", "pnr-number", "bool", "date"])
def test_something_that_is_no_forecast_is_kept_warned_and_never_printed(q1_book, csv_sources, typed):
    import datetime as dt

    from finsam.workbook import populate_workbook

    book = load_workbook(q1_book)
    row = next(r for r in book["Ekonomi"].iter_rows() if r[0].value == "1001")
    row[PROGNOS].value = dt.datetime(2013, 3, 31) if typed == "2013-03-31" else typed
    book.save(q1_book)
    r = runner.invoke(app, ["populate", str(q1_book), "--sources", str(csv_sources), "--period", "2013-Q1"])
    assert r.exit_code == 0, r.output
    result = populate_workbook(q1_book, sources=csv_sources, period="2013-Q1")
    from finsam.checks import check_blocks

    assert [p.column for p in check_blocks(result.settings, result.blocks) if p.code == "prognos-ej-tal"] == ["1001"]
    assert pd.isna(result.summary.loc["Totala kostnader", "prognos"])  # no figure: the workbook decides
    assert "se bladet*" in r.output
    for text in (r.output, *(p.message for p in result.problems), *result.forecast_notes):
        assert "3422" not in text and "1236" not in text


def test_the_demo_workbook_remembers_its_period(tmp_path, monkeypatch, sample_sources):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["demo"]).exit_code == 0
    r = runner.invoke(app, ["populate", "kvartalsuppfoljning-2013Q1.xlsx", "--sources", str(sample_sources)])
    assert r.exit_code == 0, r.output
    assert "2013-01-01–2013-03-31" in r.output
