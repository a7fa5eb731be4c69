"""Tabular sources as real exports come (issue 9, "Tabular sources"; issue 10, one number rule).

Each case is its own small file under tests/data/trust/ (the xlsx ones are made by
tests/data/trust/make_files.py). Every test asserts either the refusal (code, row, column,
the words of the message that say what to do) or the figure a person computes from the file.
"""

from __future__ import annotations

import re
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from finsam import money
from finsam.errors import ProblemError, SourceError
from finsam.sources.anonymous import read_anonymous
from finsam.sources.budget import read_budget
from finsam.sources.forecast import read_forecast
from finsam.sources.ledger_csv import read_ledger_csv
from finsam.sources.participants import read_participants
from finsam.sources.tabular import ROW_PROBLEM_LIMIT, parse_numbers, sheet_of

DATA = Path(__file__).parent / "data" / "trust"


def codes(problems):
    return [(p.code, p.row, p.column) for p in problems]


# --- a trailing separator on the data rows (pandas' implicit index) ------------------------

def test_ledger_with_a_trailing_semicolon_on_every_data_row():
    ledger = read_ledger_csv(DATA / "huvudbok-semikolon-sist.csv")
    lines = ledger.lines
    assert lines["account"].tolist() == ["4010", "1930", "4010"]
    assert lines["cost_centre"].tolist() == ["3008", "", "1001"]
    assert lines["amount_ore"].tolist() == [126450, -126450, -20025]


def test_register_with_a_trailing_semicolon_on_every_data_row():
    frame, problems = read_participants(DATA / "deltagare-semikolon-sist.csv", 2013)
    assert problems == []
    assert frame["municipality"].tolist() == ["Borås", "Mark"]
    assert frame["end_reason"].isna().tolist() == [True, False] and frame["end_reason"].iloc[1] == "Arbete"
    assert [d.date().isoformat() for d in frame["start"]] == ["2013-01-05", "2013-02-05"]


def test_anonymous_counts_with_a_trailing_semicolon_on_every_data_row():
    frame, problems = read_anonymous(DATA / "anonyma-semikolon-sist.csv")
    assert problems == []
    assert dict(zip(frame["insats"], frame["count"])) == {"Aktiv hälsa Borås": 26, "Aktiv hälsa Mark": 15}


def test_forecast_with_a_trailing_semicolon_keeps_its_columns():
    frame, problems = read_forecast(DATA / "prognos-semikolon-sist.csv")
    assert problems == []
    assert dict(zip(frame["cost_centre"], frame["forecast_tkr"])) == {"3005": -687.0, "1001": -300.0}
    assert frame["comment"].tolist() == ["Nya insatser", "Högre hyra"]


def test_a_value_after_the_last_column_is_refused_with_its_row():
    with pytest.raises(SourceError, match=r"huvudbok-extra-varde\.csv, rad 3: .*fler fält än rubrikraden"):
        read_ledger_csv(DATA / "huvudbok-extra-varde.csv")


# --- Excel's sep=; line ------------------------------------------------------------------

def test_excel_sep_line_is_read_not_taken_for_the_header():
    lines = read_ledger_csv(DATA / "huvudbok-sep-rad.csv").lines
    assert lines["amount_ore"].tolist() == [126450, -20025]
    frame, problems = read_anonymous(DATA / "anonyma-sep-rad.csv")
    assert problems == [] and frame["count"].sum() == 26 + 15


# --- total rows are never data ------------------------------------------------------------

def test_a_total_row_in_the_anonymous_counts_is_not_one_more_insats():
    frame, problems = read_anonymous(DATA / "anonyma-summarad.csv")
    assert frame["count"].sum() == 26 + 15  # not 82
    assert codes(problems) == [("summarad", 4, None)]
    assert problems[0].severity == "warning"


def test_a_total_row_in_the_register_and_the_ledger_is_skipped():
    frame, problems = read_participants(DATA / "deltagare-summarad.csv", 2013)
    assert len(frame) == 2 and codes(problems) == [("summarad", 4, None)]
    ledger = read_ledger_csv(DATA / "huvudbok-summarad.csv")
    assert ledger.lines["amount_ore"].sum() == 126450 - 20025
    assert codes(ledger.problems) == [("summarad", 4, None)]


def test_total_rows_in_both_budget_sheets_are_skipped():
    cc, fin, problems = read_budget(DATA / "budget-summarad.xlsx")
    assert cc["budget_tkr"].sum() == -280 - 250 - 775
    assert fin["budget_tkr"].sum() == 15060 + 9375
    assert {(p.code, p.source, p.row) for p in problems} == {
        ("summarad", "budget-summarad.xlsx (Budget)", 5), ("summarad", "budget-summarad.xlsx (Finansiering)", 4)}


# --- xlsx: visible sheets, which sheet, formulas, 1904, password ---------------------------

def test_a_hidden_older_export_in_the_first_sheet_is_not_read():
    frame, problems = read_participants(DATA / "dolt-forsta-blad.xlsx", 2013)
    assert problems == []
    assert frame["municipality"].tolist() == ["Borås", "Borås"]  # the hidden sheet has Mark
    assert sheet_of(frame) == "Deltagare"


def test_two_visible_sheets_with_the_columns_are_refused_by_name():
    with pytest.raises(SourceError, match=r"flera synliga blad.*'Gammal export', 'Deltagare'"):
        read_participants(DATA / "tva-synliga-blad.xlsx", 2013)


def test_a_renamed_financing_sheet_is_found_and_named():
    cc, fin, problems = read_budget(DATA / "budget-finansiering-2013.xlsx")
    assert problems == []
    assert dict(zip(fin["name"], fin["budget_tkr"])) == {"Parternas finansiering": 15060, "Erhållna intäkter/bidrag KRUT": 9375}
    assert (sheet_of(cc), sheet_of(fin)) == ("Budget", "Finansiering 2013")


def test_a_budget_without_a_financing_sheet_is_refused_naming_sheets_and_columns():
    with pytest.raises(SourceError) as err:
        read_budget(DATA / "budget-utan-finansiering.xlsx")
    msg = str(err.value)
    assert "'Finansiering'" in msg and "'Blad2' (Anteckningar)" in msg
    assert "'Budget' (Kostnadsställe, Benämning, Grupp, Budget (tkr))" in msg


def test_a_missing_column_is_refused_listing_every_column_of_the_sheet():
    with pytest.raises(SourceError) as err:
        read_budget(DATA / "budget-fel-kolumn.xlsx")
    msg = str(err.value)
    assert msg.startswith("budget-fel-kolumn.xlsx (blad Budget): kolumnen 'Budget (tkr)' saknas")
    assert "Kostnadsställe, Benämning, Grupp, Belopp, Not" in msg


@pytest.mark.parametrize("threads", ["1", "0"])  # the formula scan runs beside the parser, or after it
@pytest.mark.parametrize("name", ["budget-formel-utan-varde.xlsx", "budget-formel-varde-0.xlsx"])
def test_formula_cells_without_a_calculated_value_are_refused(name, threads, monkeypatch):
    monkeypatch.setenv("FINSAM_THREADS", threads)
    _, _, problems = read_budget(DATA / name)
    formula = [p for p in problems if p.code == "formel-utan-varde"]
    assert [(p.severity, p.source, p.row, p.column) for p in formula] == [
        ("error", f"{name} (Budget)", 3, "Budget (tkr)")]
    assert "D3, D4" in formula[0].message and "Öppna filen i Excel och spara" in formula[0].message


def test_serial_dates_in_a_1904_workbook_use_its_date_system():
    frame, problems = read_participants(DATA / "deltagare-1904.xlsx", 2013)
    assert problems == []
    assert frame["start"].iloc[0].date().isoformat() == "2013-01-05"  # not 2008-12-29
    assert frame["end"].iloc[0].date().isoformat() == "2013-03-01"


def test_a_password_protected_workbook_is_named_so():
    with pytest.raises(SourceError, match="lösenordsskyddad") as err:
        read_budget(DATA / "budget-losenord.xlsx")
    assert "trasig" not in str(err.value)


def test_xlsx_reads_the_same_without_python_calamine(monkeypatch):
    sample = Path(__file__).parents[1] / "src" / "finsam" / "sample"
    with_calamine = read_participants(sample / "deltagare.xlsx", 2013), read_budget(sample / "budget.xlsx")
    monkeypatch.setitem(sys.modules, "python_calamine", None)  # import fails: the openpyxl fallback
    with pytest.raises(ImportError):
        import python_calamine  # noqa: F401
    without = read_participants(sample / "deltagare.xlsx", 2013), read_budget(sample / "budget.xlsx")
    (p1, pr1), (cc1, fin1, bp1) = with_calamine
    (p2, pr2), (cc2, fin2, bp2) = without
    pd.testing.assert_frame_equal(p1, p2)
    pd.testing.assert_frame_equal(cc1, cc2)
    pd.testing.assert_frame_equal(fin1, fin2)
    assert (pr1, bp1) == (pr2, bp2)
    assert len(p2) > 100 and cc2["budget_tkr"].sum() == -24837


# --- dates: US m/d/yyyy -------------------------------------------------------------------

def test_slash_dates_that_nothing_in_the_file_decides_are_refused():
    frame, problems = read_participants(DATA / "deltagare-us-tvetydigt.csv", 2013)
    got = [p for p in problems if p.code == "datum-tvetydigt"]
    assert codes(got) == [("datum-tvetydigt", 2, "Inskrivningsdatum"), ("datum-tvetydigt", 2, "Utskrivningsdatum")]
    assert "ÅÅÅÅ-MM-DD" in got[0].message and frame["start"].isna().all()


def test_one_unambiguous_us_date_decides_the_order_for_the_file():
    frame, problems = read_participants(DATA / "deltagare-us-avgjort.csv", 2013)
    assert problems == []
    assert [d.date().isoformat() for d in frame["start"]] == ["2013-01-05", "2013-02-04"]
    assert [d.date().isoformat() for d in frame["end"]] == ["2013-03-02", "2013-03-13"]


# --- personnummer as exports write them ---------------------------------------------------

def test_excel_text_idiom_personnummer_are_read():
    frame, problems = read_participants(DATA / "deltagare-excel-text.csv", 2013)
    assert problems == [] and frame["person"].notna().all() and frame["person"].nunique() == 2


def test_a_column_in_scientific_notation_is_one_message():
    frame, problems = read_participants(DATA / "deltagare-exponent.csv", 2013)
    assert codes(problems) == [("personnummer-exponent", 2, "Personnummer")]
    assert problems[0].severity == "error" and "30 personnummer" in problems[0].message
    assert "text" in problems[0].message


def test_reservnummer_are_counted_under_their_own_identity_with_one_warning():
    frame, problems = read_participants(DATA / "deltagare-reservnummer.csv", 2013)
    assert codes(problems) == [("personnummer-reservnummer", 3, "Personnummer")]
    assert problems[0].severity == "warning" and "3 registreringar" in problems[0].message
    assert len(frame) == 4 and frame["person"].nunique() == 3  # one personnummer, two reservnummer
    assert "T123" not in problems[0].message


# --- per-row problems of one kind are capped ------------------------------------------------

def test_many_problems_of_one_kind_give_the_first_rows_and_a_count(tmp_path):
    n = 5000
    values = pd.Series(["banan"] * n, dtype=object)
    _, problems = parse_numbers(values, file="f.csv", column="Belopp")
    assert len(problems) == ROW_PROBLEM_LIMIT + 1
    assert [p.row for p in problems[:3]] == [2, 3, 4]
    assert problems[-1].row is None and f"{n - ROW_PROBLEM_LIMIT} rader till" in problems[-1].message


# --- one number rule, one rounding ----------------------------------------------------------

@pytest.mark.parametrize("text, want", [
    ("\u2212260", -260.0), ("−1 234,5", -1234.5), ("1\u202f234", 1234.0), ("12.5", 12.5), ("1.234,50", 1234.5),
    ("1.234.567", 1234567.0), ('="-280"', -280.0), ("- 260", -260.0), ("0.500", 0.5),
    ("-1.500", None), ("1,234.50", None), ("940530 3422", None), ("1e5", None), ("", None),
])
def test_one_number_parser(text, want):
    assert money.parse_number(text) == want


def test_a_thousands_dot_in_a_tkr_file_is_refused_with_its_row():
    frame, problems = read_forecast(DATA / "prognos-tusenpunkt.csv")
    assert codes(problems) == [("tal-tusenpunkt", 2, "Prognos (tkr)")]
    assert frame["forecast_tkr"].isna().all()


@pytest.mark.parametrize("value, want", [(12.5, 13), (-12.5, -13), (12.49, 12), (2.5, 3), (0.5, 1), ("-300.5", -301),
                                         (Decimal("1.5"), 2)])
def test_rounding_is_half_away_from_zero(value, want):
    assert money.round_half_away(value) == want
    assert money.tkr(value) == want


def test_a_forecast_with_a_half_rounds_away_from_zero_in_the_table(settings):
    from finsam.period import parse_period
    from finsam.sources.ledger import empty_lines
    from finsam.tables import economy

    forecast, problems = read_forecast(DATA / "prognos-halv.csv")
    assert problems == []
    budget = pd.DataFrame({"cost_centre": ["3005", "1001"], "budget_tkr": [-287.0, -280.0]})
    fin = pd.DataFrame({"name": pd.Series([], dtype=str), "budget_tkr": pd.Series([], dtype="float64")})
    econ = economy(settings, empty_lines(), parse_period("2013-Q1"), budget, fin, forecast)
    got = econ.cost_centres.set_index("code")["prognos_override"]
    assert (got["3005"], got["1001"]) == (-13, -301)


def test_the_checks_read_a_text_number_as_populate_does():
    from finsam.checks import _num

    assert _num("\u2212260") == -260.0 and _num("1 200") == 1200.0 and _num("banan") == 0.0


# --- forecasts that cannot be tkr, and a sign against the budget ----------------------------

def _populate(tmp_path, csv_sources, forecast_file):
    from finsam.settings import load_settings
    from finsam.workbook import new_workbook, populate_workbook

    from conftest import SETTINGS

    shutil.copy(DATA / forecast_file, csv_sources / "prognos.csv")
    book = new_workbook(tmp_path / "u.xlsx", load_settings(SETTINGS))
    before = book.read_bytes()
    try:
        return populate_workbook(book, sources=csv_sources, period="2013-Q1"), before, book
    except ProblemError as exc:
        return exc, before, book


def test_a_forecast_in_kronor_is_refused_and_the_workbook_kept(tmp_path, csv_sources):
    budget_3005 = -287  # the sample budget.xlsx, Budget sheet
    err, before, book = _populate(tmp_path, csv_sources, "prognos-kronor.csv")
    assert isinstance(err, ProblemError)
    unit = [p for p in err.problems if p.code == "prognos-enhet"]
    assert [(p.source, p.row, p.column) for p in unit] == [("prognos.csv", 2, "Prognos (tkr)")]
    assert str(budget_3005) in unit[0].message and "-687" in unit[0].message and "kronor" in unit[0].message
    assert book.read_bytes() == before


def test_a_forecast_with_the_budgets_opposite_sign_is_a_warning(tmp_path, csv_sources):
    result, _, _ = _populate(tmp_path, csv_sources, "prognos-fel-tecken.csv")
    assert [(p.code, p.severity, p.row) for p in result.problems if p.source == "prognos.csv"] == [
        ("prognos-tecken", "warning", 2)]


# --- the sheet read reaches the output ------------------------------------------------------

def test_populate_prints_the_sheets_it_read(tmp_path, csv_sources):
    from typer.testing import CliRunner

    from finsam.cli import app
    from finsam.settings import load_settings
    from finsam.workbook import new_workbook

    from conftest import SETTINGS

    shutil.copy(DATA / "budget-finansiering-2013.xlsx", csv_sources / "budget.xlsx")
    book = new_workbook(tmp_path / "u.xlsx", load_settings(SETTINGS))
    res = CliRunner().invoke(app, ["populate", str(book), "--sources", str(csv_sources), "--period", "2013-Q1"])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "deltagare.xlsx (blad Deltagare)" in out
    assert "budget.xlsx (bladen Budget, Finansiering 2013)" in out


@pytest.mark.parametrize("name, where", [("deltagare-titelrader.csv", "deltagare-titelrader.csv"),
                                         ("deltagare-titelrader.xlsx", "deltagare-titelrader.xlsx (blad Deltagare)")])
def test_title_rows_above_the_header_are_refused_naming_the_header_row(name, where):
    with pytest.raises(SourceError, match=rf"^{re.escape(where)}: rubrikraden står på rad 3, inte på rad 1"):
        read_participants(DATA / name, 2013)


# --- a ledger with Debet and Kredit instead of Belopp -----------------------------------------

def test_a_ledger_with_debit_and_credit_columns_reads_debit_minus_credit():
    lines = read_ledger_csv(DATA / "huvudbok-debet-kredit.csv").lines
    assert lines["amount_ore"].tolist() == [126450, -126450, -20025, 20025]


def test_a_ledger_with_only_a_debit_column_is_refused_listing_its_columns():
    with pytest.raises(SourceError, match=r"kolumnen 'Belopp' \(eller kolumnerna 'Debet' och 'Kredit'\) saknas. "
                                          r"Kolumner i filen: Verifikation, Datum, Konto, Kontonamn, Kostnadsställe, Text, Debet"):
        read_ledger_csv(DATA / "huvudbok-bara-debet.csv")


def test_a_reservnummer_in_free_text_is_masked_like_a_personnummer():
    from finsam.personnummer import redact

    frame, _ = read_forecast(DATA / "prognos-reservnummer-i-kommentar.csv")
    text = redact(frame["comment"].iloc[0])
    assert "T123" not in text and "T124" not in text
    assert "1990****-****" in text and "1990**** ****" in text
    assert "20130105-ok12" in text and "XYZW1" in text  # lower case, or five characters: not a reservnummer
