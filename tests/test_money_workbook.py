"""The money follow-up in the workbook (issue 12), after a LibreOffice recalculation: the
periodised budget on Ekonomi, Kategorier on Sammanställning, the sheets Finansiering per
medlem and Uppföljning Finsam, and their Kontroller rows — from the CLI and from the Excel
button (xlwings' remote engine).

Every expected figure is computed here from the sample sources (budget.xlsx read with
openpyxl, the published report's figures in expected.json, the settings file read as TOML)
with this file's own arithmetic — never read back from finsam.
"""

from __future__ import annotations

import tomllib
from fractions import Fraction
from pathlib import Path

import pytest
import xlwings as xw
from openpyxl import load_workbook
from typer.testing import CliRunner

from finsam import excel
from finsam.cli import app
from finsam.settings import load_settings
from finsam.workbook import new_workbook
from recalc import values
from xlwings_payload import apply_actions, payload_from_xlsx, recalculate, sample_sources

from money_oracle import half_away, sample_budget, split
from conftest import DATA, SAMPLE, SETTINGS, edited_settings

runner = CliRunner()
ADMINISTRATION = ("1001", "1003", "1010", "2000")  # the issue's sample categories
MONEY = DATA / "money"








def columns(ws, first: str) -> tuple[dict[str, int], dict[str, tuple]]:
    """A sheet's table whose header row starts with ``first``: heading → 0-based column,
    and its rows by the first cell's text."""
    rows = list(ws.iter_rows(values_only=True))
    head = next(r for r in rows if r[0] == first)
    return {h: i for i, h in enumerate(head) if h is not None}, {str(r[0]): r for r in rows if r[0] is not None}


def populate(tmp_path: Path, sources: Path, settings: Path = SETTINGS) -> Path:
    book = tmp_path / "u.xlsx"
    assert runner.invoke(app, ["new", str(book), "--settings", str(settings)]).exit_code == 0
    r = runner.invoke(app, ["populate", str(book), "--sources", str(sources), "--period", "2013-Q1"])
    assert r.exit_code == 0, r.output
    return book


@pytest.fixture(scope="module")
def q1(tmp_path_factory):
    """The sample's Q1 workbook (CLI), and the same recalculated (values)."""
    tmp = tmp_path_factory.mktemp("q1")
    book = populate(tmp, sample_sources(tmp / "källor"))
    return book, values(book)


def test_ekonomi_has_the_periodised_budget_after_budget(q1, expected):
    _, wb = q1
    col, rows = columns(wb["Ekonomi"], "Kostnadsställe")
    names = list(col)
    assert names[names.index("Budget") + 1] == "Budget t.o.m. perioden"
    budget = sample_budget()
    for cc in expected["kostnadsstallen"]:
        r = rows[cc["kostnadsstalle"]]
        want = half_away(budget[cc["kostnadsstalle"]][1] * 3 / 12)  # Q1: 3 of 12 months, lag 0
        assert (r[col["Budget"]], r[col["Budget t.o.m. perioden"]], r[col["Ackumulerat"]]) == (
            cc["budget"], want, cc["ackumulerat"])
        assert r[col["Avvikelse mot periodiserad budget"]] == cc["ackumulerat"] - want
    assert [rows["1001"][col[h]] for h in ("Budget", "Budget t.o.m. perioden", "Ackumulerat")] == [-280, -70, -58]
    totals = [r for r in wb["Ekonomi"].iter_rows(values_only=True) if r[0] == "Totalt"]
    got = [(t[col["Budget"]], t[col["Budget t.o.m. perioden"]], t[col["Ackumulerat"]]) for t in totals]
    assert got == [(-15060, -3767, -807), (-9777, -2445, -551)]  # the issue's figures
    for group, t in zip(("Förbundsmedel", "Projekt Krut"), got):  # totals = the sum of the printed rows
        assert t[1] == sum(half_away(b * 3 / 12) for g, b in budget.values() if g == group)


def test_the_deviation_from_the_periodised_budget_is_informational(q1):
    book, wb = q1
    labels = [r[0] for r in wb["Kontroller"].iter_rows(values_only=True) if r[0]]
    assert not any("Avvikelse mot periodiserad" in str(x) for x in labels)
    assert any("budget t.o.m. perioden = summan av raderna" in str(x) for x in labels)  # its total is checked
    assert wb["Kontroller"]["C4"].value == "OK"


def test_finansiering_per_medlem_has_the_issues_figures(q1, expected):
    _, wb = q1
    col, rows = columns(wb["Finansiering per medlem"], "Medlem")
    fin = expected["sammanstallning"]["Parternas finansiering"]
    opening = expected["eget_kapital_ingaende_tkr"]
    year_end = opening - expected["sammanstallning"]["Årets finansiering med eget kapital"]["prognos"]
    weights = [Fraction(50), Fraction(25), Fraction(25)]  # lag 2003:1210 §5, no municipal split
    members = ["Försäkringskassan", "Västra Götalandsregionen", "Kommunerna"]
    heads = ["Bidrag budget", "Bidrag t.o.m. perioden", "Andel av ingående eget kapital",
             "Andel av eget kapital vid årets slut enligt prognos"]
    want = list(zip(*(split(t, weights) for t in (fin["budget"], fin["ackumulerat"], opening, year_end))))
    for name, w, figures in zip(members, weights, want):
        assert rows[name][col["Andel (%)"]] == w
        assert tuple(rows[name][col[h]] for h in heads) == figures
    assert want == [(7530, 1883, 3327, 2927), (3765, 941, 1664, 1463), (3765, 941, 1664, 1463)]  # the issue
    assert [rows["Summa"][col[h]] for h in heads] == [fin["budget"], fin["ackumulerat"], opening, year_end]


def test_kategorier_and_the_administration_share(q1, expected):
    _, wb = q1
    col, rows = columns(wb["Sammanställning"], "Kategorier (Uppföljning Finsam)")
    admin = [cc for cc in expected["kostnadsstallen"] if cc["kostnadsstalle"] in ADMINISTRATION]
    got = rows["Administration"]
    assert (got[col["Budget"]], got[col["Ackumulerat"]]) == (sum(c["budget"] for c in admin),
                                                             sum(c["ackumulerat"] for c in admin)) == (-1380, -118)
    total = expected["sammanstallning"]["Totala kostnader"]
    assert rows["Summa kostnader"][col["Budget"]] == total["budget"]
    share = rows["Administrationens andel av totala kostnader"]
    assert share[col["Budget"]] == pytest.approx(-1380 / total["budget"])
    assert share[col["Ackumulerat"]] == pytest.approx(-118 / total["ackumulerat"])


def test_uppfoljning_finsam_per_insats_and_the_association_lines(q1, expected):
    _, wb = q1
    col, rows = columns(wb["Uppföljning Finsam"], "Insats")
    lotsen = rows["Lotsen i Borås"]
    assert (lotsen[col["Kategori"]], lotsen[col["Budget"]], lotsen[col["Utfall t.o.m. perioden"]]) == (
        "individinriktad", -3048, 0)
    assert rows["Kartläggning/uppföljning/utvärdering"][col["Kategori"]] == "strukturövergripande"
    assert "Styrelse (arvoden, konferenser, bilers etc)" not in rows  # administration is its own line
    assert rows["Administrativa kostnader"][col["Budget"]] == -1380
    assert rows["Administrativa kostnader"][col["Utfall t.o.m. perioden"]] == -118
    fin = expected["sammanstallning"]
    assert rows["Tilldelade medel (parternas finansiering och andra bidrag)"][col["Budget"]] == (
        fin["Parternas finansiering"]["budget"] + fin["Erhållna intäkter/bidrag KRUT"]["budget"])
    assert rows["Eget kapital ingående"][col["Budget"]] == expected["eget_kapital_ingaende_tkr"]
    assert rows["Eget kapital vid årets slut enligt prognos"][col["Budget"]] == (
        expected["eget_kapital_ingaende_tkr"] - fin["Årets finansiering med eget kapital"]["prognos"])


def test_the_equity_guideline_row_says_ej_angiven_while_the_table_is_empty(q1):
    _, wb = q1
    row = next(r for r in wb["Kontroller"].iter_rows(values_only=True) if str(r[0]).startswith("Eget kapital vid"))
    assert row[2] == "ej angiven"


def test_a_typed_forecast_moves_the_members_equity_and_uppfoljning(q1, tmp_path, expected):
    book, _ = q1
    wb = load_workbook(book)
    col, _ = columns(wb["Ekonomi"], "Kostnadsställe")
    row = next(r for r in wb["Ekonomi"].iter_rows() if r[0].value == "3001")
    row[col["Prognos"]].value = -3148  # 100 tkr more than budget
    row[col["Kommentar"]].value = "Utökat uppdrag"
    edited = tmp_path / "prognos.xlsx"
    wb.save(edited)
    v = values(edited)
    year_end = expected["eget_kapital_ingaende_tkr"] - (
        expected["sammanstallning"]["Årets finansiering med eget kapital"]["prognos"] + 100)
    mcol, members = columns(v["Finansiering per medlem"], "Medlem")
    heading = "Andel av eget kapital vid årets slut enligt prognos"
    assert [members[m][mcol[heading]] for m in ("Försäkringskassan", "Västra Götalandsregionen", "Kommunerna")] == \
        split(year_end, [Fraction(50), Fraction(25), Fraction(25)])
    ucol, rows = columns(v["Uppföljning Finsam"], "Insats")
    assert rows["Eget kapital vid årets slut enligt prognos"][ucol["Budget"]] == year_end
    kcol, cats = columns(v["Sammanställning"], "Kategorier (Uppföljning Finsam)")
    assert cats["Individinriktade insatser"][kcol["Prognos"]] == -22670 - 100
    assert v["Kontroller"]["C4"].value == "OK"


@pytest.mark.parametrize("step, status", [("hogst_procent = 20", "VARNING"), ("hogst_tkr = 6000", "OK")])
def test_the_equity_guideline_warns_above_the_step(tmp_path, step, status):
    """20 % of 15 060 tkr of contributions is 3 012 tkr, below the forecast 5 853 (VARNING);
    a fixed 6 000 tkr is above it (OK). The steps are test data, not the national figures."""
    settings = edited_settings(tmp_path, ('riktlinje_eget_kapital_kalla = ""',
                                          'riktlinje_eget_kapital_kalla = "testdata"'))
    settings.write_text(settings.read_text("utf-8") + f"\n[[riktlinje_eget_kapital]]\nfran_tkr = 0\n{step}\n", "utf-8")
    book = populate(tmp_path, sample_sources(tmp_path / "källor"), settings)
    v = values(book)
    row = next(r for r in v["Kontroller"].iter_rows(values_only=True) if str(r[0]).startswith("Eget kapital vid"))
    limit = half_away(Fraction(15060) * 20 / 100) if "procent" in step else 6000
    assert (row[1], row[2]) == (5853 - limit, status)
    r = runner.invoke(app, ["validate", str(book), "--json"])
    assert ("eget-kapital-over-riktlinjen" in r.output) == (status == "VARNING")


def test_a_population_split_gives_each_municipality_its_line(tmp_path):
    """tests/data/money/kommunandelar.toml: synthetic populations for the eight members (test
    data, not SCB's figures); each municipality's share = 25 % × its population / the sum."""
    extra = (MONEY / "kommunandelar.toml").read_text("utf-8")
    settings = edited_settings(tmp_path, ("[kallor]", extra + "\n[kallor]"))
    pops = {m["kommun"]: m["invanare"] for m in tomllib.loads(extra)["kommunandelar"]}
    book = populate(tmp_path, sample_sources(tmp_path / "källor"), settings)
    v = values(book)
    col, rows = columns(v["Finansiering per medlem"], "Medlem")
    names = [m.name for m in load_settings(settings).municipalities]
    weights = [Fraction(50), Fraction(25)] + [Fraction(25) * pops[n] / sum(pops.values()) for n in names]
    for name, w in zip(names, weights[2:]):
        assert rows[name][col["Andel (%)"]] == pytest.approx(float(w))
    assert "Kommunerna" not in rows
    want = split(15060, weights)
    got = [rows[n][col["Bidrag budget"]] for n in ["Försäkringskassan", "Västra Götalandsregionen", *names]]
    assert got == want and sum(got) == 15060
    assert v["Kontroller"]["C4"].value == "OK"


def test_a_sie_budget_is_periodised_from_its_months(tmp_path, sie_sources):
    """Without budget.xlsx the budget comes from #PBUDGET: 3001 gets 254 000 kr a month, so
    Jan–Mars is −762 tkr and the year −3 048 tkr (SIE 4B: each record is one month's change)."""
    (sie_sources / "budget.xlsx").unlink()
    se = sie_sources / "huvudbok.se"
    text = se.read_bytes().decode("cp437")
    records = "".join(f'#PBUDGET 0 2013{m:02d} 4010 {{1 "3001"}} 254000.00\r\n' for m in range(1, 13))
    se.write_bytes(text.replace("#IB 0 2010", records + "#IB 0 2010", 1).encode("cp437"))
    v = values(populate(tmp_path, sie_sources))
    col, rows = columns(v["Ekonomi"], "Kostnadsställe")
    assert (rows["3001"][col["Budget"]], rows["3001"][col["Budget t.o.m. perioden"]]) == (-3048, -762)
    assert rows["1001"][col["Budget t.o.m. perioden"]] == 0


def test_the_excel_button_fills_the_same_money_sheets(tmp_path):
    settings = load_settings(SAMPLE / "sjuharad.toml")
    path = new_workbook(tmp_path / "uppfoljning-2013.xlsx", settings)
    calculated = recalculate(path, tmp_path / "beräknad")
    book = xw.Book(json=payload_from_xlsx(calculated, client="Office.js"))
    excel.populate_book(book, sources=sample_sources(tmp_path / "källor"), period="2013-Q1", alert=False)
    actions = book.json()["actions"]
    assert {a["func"] for a in actions} <= {"setValues", "alert"}
    (tmp_path / "ut").mkdir()
    apply_actions(actions, path, tmp_path / "ut" / path.name)
    wb = load_workbook(recalculate(tmp_path / "ut" / path.name, tmp_path / "ut" / "beräknad"), data_only=True)
    col, rows = columns(wb["Finansiering per medlem"], "Medlem")
    assert [rows["Försäkringskassan"][col[h]] for h in ("Bidrag budget", "Bidrag t.o.m. perioden")] == [7530, 1883]
    ecol, erows = columns(wb["Ekonomi"], "Kostnadsställe")
    assert erows["1001"][ecol["Budget t.o.m. perioden"]] == -70
    ucol, urows = columns(wb["Uppföljning Finsam"], "Insats")
    assert urows["Lotsen i Borås"][ucol["Budget"]] == -3048
    assert wb["Kontroller"]["C4"].value == "OK"


def test_uppfoljning_finsam_takes_participants_from_the_register_and_structural_ones_from_struktur(tmp_path):
    """Deltagare kvinnor / män / totalt of an individinriktad insats are its row of Deltagare per
    insats (Lotsen i Borås 24 | 13 | 37, Krut Borås 19 | 22 | 41: issue 11's figures; 0 for
    an insats without participants); a strukturövergripande insats's are its struktur.csv
    counts in the period (Utbildning/Utveckling: 25 women, 5 men and 4 without kön in Q1; the
    9 of April are after it), summed here from the file, not from finsam."""
    import csv

    sources = sample_sources(tmp_path / "källor")
    struktur = DATA / "struktur" / "uppfoljning.csv"
    (sources / "struktur.csv").write_bytes(struktur.read_bytes())
    rows_ = [r for r in csv.DictReader(struktur.open(encoding="utf-8"), delimiter=";") if r["Datum"] <= "2013-03-31"]
    expected = [sum(int(r["Antal deltagare"]) for r in rows_ if r["Kön"] == k) for k in ("Kvinna", "Man")]
    expected.append(sum(int(r["Antal deltagare"]) for r in rows_))
    v = values(populate(tmp_path, sources))
    col, rows = columns(v["Uppföljning Finsam"], "Insats")
    people = ("Deltagare kvinnor", "Deltagare män", "Deltagare totalt")
    assert [rows["Lotsen i Borås"][col[h]] for h in people] == [24, 13, 37]
    assert [rows["Krut Borås"][col[h]] for h in people] == [19, 22, 41]
    assert [rows["Utbildning/Utveckling"][col[h]] for h in people] == expected == [25, 5, 34]
    assert [rows["Kartläggning/uppföljning/utvärdering"][col[h]] for h in people] == [0, 0, 0]
