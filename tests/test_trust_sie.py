"""Issue 9, SIE: exports that used to give every figure 0, the wrong line or a refusal of the
whole file. Each case has its own small file under tests/data/sie/; the expected figures are
written out by hand from those files."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from finsam.errors import SourceError
from finsam.sources.sie import read_sie
from finsam.workbook import new_workbook, populate_workbook
from finsam.settings import load_settings

from conftest import DATA, SETTINGS

SIE = DATA / "sie"


def _lines(ledger) -> list[tuple]:
    df = ledger.lines
    return [(d.date(), a, c, int(o)) for d, a, c, o in zip(df["date"], df["account"], df["cost_centre"], df["amount_ore"])]


def test_a_type_1_file_without_transactions_is_refused_naming_its_type():
    with pytest.raises(SourceError) as err:
        read_sie(SIE / "type1_no_transactions.se")
    msg = str(err.value)
    assert "type1_no_transactions.se" in msg
    assert "#SIETYP 1" in msg and "årssaldon" in msg
    assert "SIE 4" in msg and "verifikationer" in msg


def test_a_type_1_file_stops_populate_and_leaves_the_workbook_unchanged(tmp_path, sie_sources):
    shutil.copy(SIE / "type1_no_transactions.se", sie_sources / "huvudbok.se")
    path = new_workbook(tmp_path / "u.xlsx", load_settings(SETTINGS))
    before = path.read_bytes()
    with pytest.raises(SourceError, match="#SIETYP 1"):
        populate_workbook(path, sources=sie_sources, period="2013-Q1")
    assert path.read_bytes() == before


def test_a_file_with_cr_only_line_ends_is_read_line_by_line():
    ledger = read_sie(SIE / "cr_only.se")
    assert b"\n" not in (SIE / "cr_only.se").read_bytes()
    assert _lines(ledger) == [
        (date(2024, 1, 15), "4010", "3001", 120050),
        (date(2024, 1, 15), "1930", "", -120050),
        (date(2024, 2, 20), "4010", "3001", 30000),
        (date(2024, 2, 20), "5410", "", 9950),
        (date(2024, 2, 20), "1930", "", -39950),
    ]
    assert (ledger.fiscal_year_start, ledger.fiscal_year_end) == (date(2024, 1, 1), date(2024, 12, 31))
    assert ledger.cost_centre_names == {"3001": "A"}


def test_an_account_that_is_no_number_names_its_own_line_and_how_many():
    # "ABC" also stands in the texts of lines 9 and 14; the accounts are on lines 11 and 17
    with pytest.raises(SourceError) as err:
        read_sie(SIE / "bad_accounts.se")
    msg = str(err.value)
    assert msg.startswith("bad_accounts.se, rad 11: kontot 'ABC' är inget kontonummer")
    assert "2 rader" in msg


def test_vouchers_without_braces_are_read_with_a_warning_naming_the_line():
    ledger = read_sie(SIE / "economic_no_braces.se")
    assert _lines(ledger) == [
        (date(2024, 1, 15), "4010", "3001", 25000),
        (date(2024, 1, 15), "1930", "", -25000),
        (date(2024, 2, 10), "5410", "", 4000),
        (date(2024, 2, 10), "1930", "", -4000),
        (date(2024, 3, 5), "4010", "3001", 1000),
        (date(2024, 3, 5), "1930", "", -1000),
    ]
    warnings = [(p.code, p.row) for p in ledger.problems if p.severity == "warning"]
    assert warnings == [("sie-verifikation-utan-klammer", 10)]
    assert "2 verifikationer på rad 10" in ledger.problems[0].message


def test_a_trans_after_a_closed_voucher_is_still_refused():
    with pytest.raises(SourceError, match="rad 14"):
        read_sie(SIE / "trans_outside_ver.se")


def test_res_that_the_vouchers_do_not_add_up_to_is_an_incomplete_export():
    ledger = read_sie(SIE / "res_incomplete.se")
    got = [p for p in ledger.problems if p.code == "sie-res-avviker"]
    assert len(got) == 1
    p = got[0]
    assert p.severity == "warning" and p.row == 10  # #RES 0 4010, the first that differs
    assert "Exporten verkar ofullständig" in p.message
    # 4010: #RES 1500, vouchers 1000; 5410: #RES 200, none; 6250: no #RES, vouchers 30; 3010 agrees
    assert "3 konton" in p.message
    assert "konto 4010: #RES 1500,00 kr, #TRANS 1000,00 kr" in p.message
    assert "konto 5410: #RES 200,00 kr, #TRANS 0,00 kr" in p.message
    assert "konto 6250: #RES 0,00 kr, #TRANS 30,00 kr" in p.message
    assert "3010" not in p.message


def test_res_that_agrees_with_the_vouchers_gives_no_warning():
    ledger = read_sie(SIE / "res_complete.se")
    assert [p.code for p in ledger.problems if p.severity != "info"] == []


def test_the_real_bl_export_agrees_with_its_own_res():
    ledger = read_sie(DATA / "sie-real" / "BL0001_typ4.SE")
    assert "sie-res-avviker" not in [p.code for p in ledger.problems]
