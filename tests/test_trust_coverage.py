"""Issue 9, stale and missing sources: an old ledger used for a later period, two ledgers of
different kinds in one folder, the files used with their last dates, a missing optional
source. Ledgers: tests/data/coverage/ (huvudbok-q2.* ends 27 June 2013, huvudbok-q3.csv on
20 September, huvudbok-q2-annan.csv is the Q2 ledger with one amount changed); the other
sources are the sample's. Expected dates and figures are read off those files by hand."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from finsam.checks import check_blocks
from finsam.cli import app
from finsam.coverage import ledger_stale, month_before
from finsam.errors import SourceError
from finsam.excel import populate_message
from finsam.settings import load_settings
from finsam.validate import validate_workbook
from finsam.workbook import new_workbook, populate_workbook

from conftest import DATA, SETTINGS

COVERAGE = DATA / "coverage"
runner = CliRunner()


def _sources(folder, **ledgers):
    """The sample sources with the ledgers replaced: ``se="huvudbok-q2.se"`` → huvudbok.se."""
    for old in ("huvudbok.se", "huvudbok.csv"):
        (folder / old).unlink()
    for ext, name in ledgers.items():
        shutil.copy(COVERAGE / name, folder / f"huvudbok.{ext}")
    return folder


def _book(tmp_path, name="u.xlsx"):
    return new_workbook(tmp_path / name, load_settings(SETTINGS))


def _codes(problems):
    return {p.code: p for p in problems}


@pytest.mark.parametrize(
    "day, want",
    [(date(2013, 9, 30), date(2013, 8, 30)), (date(2013, 3, 31), date(2013, 2, 28)),
     (date(2012, 3, 31), date(2012, 2, 29)), (date(2013, 1, 15), date(2012, 12, 15))],
)
def test_a_month_before_is_edate_minus_one(day, want):
    assert month_before(day) == want


def test_stale_means_more_than_a_month_before_the_end():
    end = date(2013, 9, 30)
    assert not ledger_stale(date(2013, 8, 30), end)
    assert ledger_stale(date(2013, 8, 29), end)
    assert not ledger_stale(None, end)


@pytest.fixture(scope="module")
def stale_and_fresh(tmp_path_factory):
    """The Q2 ledger populated for Q3 (stale) and for Q2 (fresh), recalculated by LibreOffice
    in one run; plus the Q3 populate's result and the validate report of that workbook."""
    from recalc import recalc_many

    from conftest import SAMPLE

    tmp = tmp_path_factory.mktemp("coverage")
    src = tmp / "källor"
    shutil.copytree(SAMPLE, src)
    _sources(src, csv="huvudbok-q2.csv")
    stale, fresh = _book(tmp, "q3.xlsx"), _book(tmp, "q2.xlsx")
    result = populate_workbook(stale, sources=src, period="2013-Q3")
    populate_workbook(fresh, sources=src, period="2013-Q2")
    report = validate_workbook(stale, sources=src)
    books = [load_workbook(p, data_only=True) for p in recalc_many([stale, fresh], tmp / "out")]
    return result, report, books


def _ledger_row(wb):
    ws = wb["Kontroller"]
    return next(r for r in ws.iter_rows(values_only=True) if isinstance(r[0], str) and "sista verifikation" in r[0])


def test_an_old_ledger_for_a_later_period_warns_after_populate(stale_and_fresh):
    result, _, _ = stale_and_fresh
    assert result.blocks["fs_huvudbok_sista_datum"] == [["2013-06-27"]]  # the last line of huvudbok-q2.csv
    shown = _codes(result.problems + check_blocks(result.settings, result.blocks))  # what the CLI prints
    stale = shown["huvudbok-inaktuell"]
    assert stale.severity == "warning"
    assert "2013-06-27" in stale.message and "2013-09-30" in stale.message
    # the sample register's last date is 13 April 2013, also more than a month before 30 Sept
    assert "2013-04-13" in shown["deltagare-inaktuell"].message


def test_the_kontroller_sheet_shows_varning_with_the_date(stale_and_fresh):
    _, _, (q3, q2) = stale_and_fresh
    label, days, status = _ledger_row(q3)[:3]
    assert "2013-06-27" in label and "2013-09-30" in label
    assert status == "VARNING"
    assert days == (date(2013, 8, 30) - date(2013, 6, 27)).days  # EDATE(30 Sept, -1) − 27 June
    assert q3["Kontroller"]["C4"].value == "OK"  # a warning, not an error: the ledger still reconciles
    label, days, status = _ledger_row(q2)[:3]
    assert (days, status) == (0, "OK")


def test_validate_reports_the_same_warning(stale_and_fresh):
    _, report, _ = stale_and_fresh
    codes = _codes(report.problems)
    assert "2013-06-27" in codes["huvudbok-inaktuell"].message
    assert codes["huvudbok-inaktuell"].severity == "warning"


def test_an_old_sie_beside_a_new_csv_the_covering_one_is_used(tmp_path, sample_sources):
    src = _sources(sample_sources, se="huvudbok-q2.se", csv="huvudbok-q3.csv")
    result = populate_workbook(_book(tmp_path), sources=src, period="2013-Q3")
    assert result.sources.files["huvudbok"].name == "huvudbok.csv"
    ignored = _codes(result.problems)["huvudbok-ignorerad"]
    assert ignored.source == "huvudbok.se" and "2013-06-27" in ignored.message
    assert list(result.sources.ignored) == [src / "huvudbok.se"]
    cc = result.economy.cost_centres.set_index("code")
    assert cc.loc["3001", "ackumulerat"] == -234  # −(120 000 + 64 000 + 50 000) kr, Jan–Sept in huvudbok-q3.csv


def test_two_ledgers_that_cover_the_period_with_different_figures_are_refused(tmp_path, sample_sources):
    src = _sources(sample_sources, se="huvudbok-q2.se", csv="huvudbok-q2-annan.csv")
    book = _book(tmp_path)
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    with pytest.raises(SourceError) as err:
        populate_workbook(book, sources=src, period="2013-Q2")
    assert "huvudbok.se" in str(err.value) and "huvudbok.csv" in str(err.value)
    assert "olika siffror" in str(err.value)
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before


def test_two_ledgers_with_the_same_figures_use_the_sie_and_say_so(tmp_path, sample_sources):
    src = _sources(sample_sources, se="huvudbok-q2.se", csv="huvudbok-q2.csv")
    result = populate_workbook(_book(tmp_path), sources=src, period="2013-Q2")
    assert result.sources.files["huvudbok"].name == "huvudbok.se"
    assert "samma siffror" in result.sources.ignored[src / "huvudbok.csv"]
    assert "huvudbok-ignorerad" not in _codes(result.problems)


def test_every_file_used_is_printed_with_its_last_date(tmp_path, sample_sources):
    src = _sources(sample_sources, se="huvudbok-q2.se", csv="huvudbok-q3.csv")
    register = pd.read_excel(src / "deltagare.xlsx", engine="calamine")
    last_registration = max(pd.to_datetime(register["Inskrivningsdatum"]).max(),
                            pd.to_datetime(register["Utskrivningsdatum"]).max()).date().isoformat()
    book = _book(tmp_path)
    res = runner.invoke(app, ["populate", str(book), "--sources", str(src), "--period", "2013-Q3"])
    assert res.exit_code == 0, res.output
    table = res.output[res.output.index("Lästa källfiler"):]
    row = lambda name: next(line for line in table.splitlines() if name in line)  # noqa: E731
    assert "2013-09-20" in row("huvudbok.csv")  # the last line of huvudbok-q3.csv
    assert "används inte" in row("huvudbok.se ")
    assert last_registration in row("deltagare.xlsx")
    assert "2013-03" in row("anonyma.csv")  # the sample's last month
    for name in ("budget.xlsx", "prognos.csv"):
        assert name in table


def test_the_button_message_names_every_file_and_its_last_date(tmp_path, sample_sources):
    src = _sources(sample_sources, se="huvudbok-q2.se", csv="huvudbok-q3.csv")
    message = populate_message(populate_workbook(_book(tmp_path), sources=src, period="2013-Q3"))
    assert "huvudbok.csv (9 rader, sista datum 2013-09-20)" in message  # nine lines in huvudbok-q3.csv
    assert "huvudbok.se används inte" in message
    assert "budget.xlsx (" in message and "prognos.csv (" in message
    assert "budget.xlsx (bladen Budget, Finansiering, " in message  # the sample budget's two sheets


def test_a_missing_optional_source_is_said(tmp_path, sample_sources):
    book = _book(tmp_path)
    first = populate_workbook(book, sources=sample_sources, period="2013-Q1")
    assert any(v for row in first.blocks["fs_anonyma"] for v in row)
    (sample_sources / "anonyma.csv").unlink()
    (sample_sources / "prognos.csv").unlink()
    result = populate_workbook(book, sources=sample_sources, period="2013-Q1")
    missing = {p.source: p for p in result.problems if p.code == "kalla-saknas"}
    assert set(missing) == {"anonyma.*", "prognos.*"}
    assert "lämnas tom" in missing["anonyma.*"].message
    emptied = _codes(result.problems)["anonyma-tomda"]
    assert emptied.severity == "warning"
    assert all(v is None for row in result.blocks["fs_anonyma"] for v in row)
