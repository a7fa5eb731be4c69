"""What a SIE file can supply beyond the transactions, through populate: the opening equity
(#IB 0 on the equity account), the budget (#PBUDGET) and cost-centre names (#OBJEKT)."""

from __future__ import annotations

from finsam.settings import load_settings
from finsam.workbook import new_workbook, populate_workbook

from conftest import SETTINGS, edited_settings


def _settings(tmp_path, *edits):
    return load_settings(edited_settings(tmp_path, *edits))


def test_opening_equity_comes_from_ib_when_the_settings_leave_it_out(tmp_path, sie_sources, expected):
    s = _settings(tmp_path, ("eget_kapital_ingaende_tkr = 6655\n", ""))
    assert s.opening_equity_tkr is None
    book = new_workbook(tmp_path / "u.xlsx", s)
    result = populate_workbook(book, sources=sie_sources, period="2013-Q1")
    assert result.blocks["fs_eget_kapital"] == [[expected["eget_kapital_ingaende_tkr"]]]


def test_the_budget_comes_from_pbudget_when_there_is_no_budget_file(tmp_path, sie_sources):
    (sie_sources / "budget.xlsx").unlink()
    se = sie_sources / "huvudbok.se"
    text = se.read_bytes().decode("cp437")
    # a year's budget for 3001 in twelve monthly records (SIE sign: a cost is a debit, positive)
    records = "".join(f'#PBUDGET 0 2013{m:02d} 4010 {{1 "3001"}} 254000.00\r\n' for m in range(1, 13))
    se.write_bytes(text.replace("#IB 0 2010", records + "#IB 0 2010", 1).encode("cp437"))
    book = new_workbook(tmp_path / "u.xlsx", load_settings(SETTINGS))
    result = populate_workbook(book, sources=sie_sources, period="2013-Q1")
    cc = result.economy.cost_centres.set_index("code")
    assert cc.loc["3001", "budget"] == -3048  # 12 × 254 000 kr
    assert cc.loc["1001", "budget"] == 0


def test_a_cost_centre_without_a_name_in_the_settings_takes_the_objekt_name(tmp_path, sie_sources):
    s = _settings(tmp_path, ('namn = "Lotsen i Borås"\n', ""))
    book = new_workbook(tmp_path / "u.xlsx", s)
    result = populate_workbook(book, sources=sie_sources, period="2013-Q1")
    names = [r[0] for r in result.blocks["fs_g1_namn"]]
    codes = [c.code for c in s.cost_centres_of("Förbundsmedel")]
    assert names[codes.index("3001")] == "Lotsen i Borås"  # from #OBJEKT 1 "3001" "Lotsen i Borås"
    assert names[codes.index("1001")] == "Styrelse (arvoden, konferenser, bilers etc)"
