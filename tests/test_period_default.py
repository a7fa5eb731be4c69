"""Which period a populate fills when none is given, and periods outside the workbook's year."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from finsam.errors import PeriodError, ProblemError
from finsam.settings import load_settings
from finsam.workbook import new_workbook, populate_workbook

from conftest import SETTINGS


@pytest.fixture
def book(tmp_path):
    return new_workbook(tmp_path / "u.xlsx", load_settings(SETTINGS))


@pytest.mark.parametrize(
    "today, end",
    [
        (date(2026, 11, 30), date(2013, 12, 31)),  # the workbook's year is over: the whole year
        (date(2013, 4, 12), date(2013, 3, 31)),    # during the year: the last complete quarter
        (date(2013, 8, 2), date(2013, 6, 30)),
    ],
)
def test_without_a_period_the_workbooks_year_is_filled(book, csv_sources, today, end):
    result = populate_workbook(book, sources=csv_sources, today=today)
    assert (result.period.start, result.period.end) == (date(2013, 1, 1), end)


@pytest.mark.parametrize("text", ["2014-Q1", "2012-12-31"])
def test_a_period_in_another_year_is_refused_and_nothing_written(book, csv_sources, text):
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    with pytest.raises(PeriodError, match="2013"):
        populate_workbook(book, sources=csv_sources, period=text)
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before


def test_early_in_the_year_without_a_complete_quarter_asks_for_a_period(book, csv_sources):
    with pytest.raises(PeriodError, match="--period"):
        populate_workbook(book, sources=csv_sources, today=date(2013, 2, 10))


def test_a_period_with_no_ledger_lines_is_refused(book, csv_sources):
    for f in ("huvudbok.csv", "deltagare.xlsx"):
        assert (csv_sources / f).exists()
    # keep only the 2012 lines of the ledger: nothing falls in 2013 (last year's export)
    lines = (csv_sources / "huvudbok.csv").read_text(encoding="utf-8").splitlines()
    kept = [l for l in lines[1:] if ";2012-" in l]
    last = max(l.split(";")[1] for l in kept)
    (csv_sources / "huvudbok.csv").write_text("\n".join([lines[0]] + kept) + "\n", encoding="utf-8")
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    with pytest.raises(ProblemError) as err:
        populate_workbook(book, sources=csv_sources, period="2013-Q1")
    got = {p.code: p for p in err.value.problems}
    assert got["huvudbok-tom-period"].severity == "error"
    assert last in got["huvudbok-tom-period"].message
    assert "deltagare-tom-period" not in got  # the register does have Q1 registrations
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before


def test_a_period_outside_the_sie_files_fiscal_year_is_refused(tmp_path, sie_sources):
    book = new_workbook(tmp_path / "u.xlsx", load_settings(SETTINGS))
    se = sie_sources / "huvudbok.se"
    se.write_bytes(se.read_bytes().replace(b"#RAR 0 20130101 20131231", b"#RAR 0 20120701 20130630"))
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    with pytest.raises(PeriodError, match="#RAR 0"):
        populate_workbook(book, sources=sie_sources, period="2013-Q1")  # July–September 2013 in that file's year
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before


def test_a_workbook_for_another_year_does_not_inherit_last_years_equity(tmp_path):
    import openpyxl

    book = new_workbook(tmp_path / "u.xlsx", load_settings(SETTINGS), year=2014)
    rows = {r[0].value: r[1].value for r in openpyxl.load_workbook(book)["Inställningar"].iter_rows(max_col=2)}
    assert (rows["År"], rows["Eget kapital ingående (tkr)"], rows["Eget kapital per datum"]) == (2014, None, "2013-12-31")


@pytest.mark.parametrize("year", [13, 0, 99999])
def test_a_year_that_is_no_year_is_refused(tmp_path, year):
    from finsam.errors import SettingsError

    with pytest.raises(SettingsError):
        new_workbook(tmp_path / "u.xlsx", load_settings(SETTINGS), year=year)
    assert not (tmp_path / "u.xlsx").exists()
