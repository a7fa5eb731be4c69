"""Periods and settings."""

from __future__ import annotations

from datetime import date

import pytest

from finsam.errors import PeriodError, SettingsError
from finsam.period import current_period, parse_period
from finsam.settings import load_settings, settings_from_rows, settings_to_rows

from conftest import SAMPLE, SETTINGS, edited_settings


@pytest.mark.parametrize(
    "text, start, end, label",
    [
        ("2013-Q1", date(2013, 1, 1), date(2013, 3, 31), "Jan-Mars"),
        ("2013-Q2", date(2013, 1, 1), date(2013, 6, 30), "Jan-Juni"),
        ("2013-Q3", date(2013, 1, 1), date(2013, 9, 30), "Jan-Sept"),
        ("2013-q4", date(2013, 1, 1), date(2013, 12, 31), "Jan-Dec"),
        ("2013-T1", date(2013, 1, 1), date(2013, 4, 30), "Jan-April"),
        ("2013-T2", date(2013, 1, 1), date(2013, 8, 31), "Jan-Aug"),
        ("2013-03-31", date(2013, 1, 1), date(2013, 3, 31), "Jan-Mars"),
        ("2013-02-15", date(2013, 1, 1), date(2013, 2, 15), "Jan-15 Feb"),
        ("2013-05", date(2013, 1, 1), date(2013, 5, 31), "Jan-Maj"),
    ],
)
def test_periods_accumulate_from_the_first_of_january(text, start, end, label):
    p = parse_period(text)
    assert (p.start, p.end, p.label) == (start, end, label)


def test_a_july_june_fiscal_year_shifts_the_quarters():
    p = parse_period("2009-Q1", fiscal_start_month=7)
    assert (p.start, p.end, p.label, p.year_label) == (date(2009, 7, 1), date(2009, 9, 30), "Juli-Sept", "Juli-Juni")
    p = parse_period("2010-03-31", fiscal_start_month=7)
    assert p.start == date(2009, 7, 1)


@pytest.mark.parametrize("text", ["2013-Q5", "2013-T4", "Q1", "2013-13-01", "2013-02-30", "igår"])
def test_bad_periods_are_refused(text):
    with pytest.raises(PeriodError):
        parse_period(text)


def test_current_period_is_the_last_complete_quarter():
    assert current_period(date(2013, 4, 12)).end == date(2013, 3, 31)
    assert current_period(date(2013, 2, 1)).end == date(2012, 12, 31)
    assert current_period(date(2013, 9, 1), kind="tertial").end == date(2013, 8, 31)


def test_settings_round_trip_through_the_settings_sheet(settings):
    assert settings_from_rows(settings_to_rows(settings)) == settings
    assert len(settings.cost_centres) == 30
    assert [g.name for g in settings.groups] == ["Förbundsmedel", "Projekt Krut"]
    assert settings.financing[0].cost_centre == "1000"


def test_settings_sheet_tolerates_numbers_typed_as_numbers(settings):
    rows = settings_to_rows(settings)
    rows = [[1001.0 if r[0] == "1001" else r[0], *r[1:]] for r in rows]
    assert settings_from_rows(rows).cost_centres[0].code == "1001"


def test_a_cost_centre_in_an_unknown_group_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="Projekt Krutt"):
        load_settings(edited_settings(tmp_path, ('grupp = "Projekt Krut"', 'grupp = "Projekt Krutt"')))


def test_the_embedded_sample_settings_equal_the_shipped_ones():
    assert (SAMPLE / "sjuharad.toml").read_bytes() == SETTINGS.read_bytes()


@pytest.mark.parametrize(
    "old, new, word",
    [
        ("ar = 2013", 'ar = "tjugotretton"', "ar"),
        ("ar = 2013", "ar = true", "ar"),
        ("ar = 2013", "ar = 0", "1900"),
        ("rakenskapsar_startmanad = 1", 'rakenskapsar_startmanad = "jan"', "rakenskapsar_startmanad"),
        ("kostnadsstalle_dimension = 1", 'kostnadsstalle_dimension = "ett"', "kostnadsstalle_dimension"),
        ('namn = "Borås"', 'namn = "Bollebygd"', "Bollebygd"),
        ('annan_ort = "Annan ort"', 'annan_ort = "Mark"', "Mark"),
        ('namn = "Erhållna intäkter/bidrag KRUT"', 'namn = "Parternas finansiering"', "Parternas finansiering"),
        ('kostnadsstalle = "1000"', 'kostnadsstalle = "1001"', "1001"),
        ('deltagare = "deltagare.*"', 'deltagare = "/etc/passwd"', "deltagare"),
        ("[forbund]", "forbund = 'x'\n[forbundet]", "forbund"),
    ],
)
def test_settings_files_with_wrong_values_are_refused_by_name(tmp_path, old, new, word):
    with pytest.raises(SettingsError) as err:
        load_settings(edited_settings(tmp_path, (old, new)))
    assert word.casefold() in str(err.value).casefold()


def test_settings_values_in_other_types_that_mean_the_same_are_taken(tmp_path):
    s = load_settings(edited_settings(tmp_path, ('kod = "1003"', "kod = 1003.0")))
    assert "1003" in [c.code for c in s.cost_centres]
    s = load_settings(edited_settings(tmp_path, ("eget_kapital_ingaende_tkr = 6655", 'eget_kapital_ingaende_tkr = "6 655"')))
    assert s.opening_equity_tkr == 6655


def test_a_period_typed_as_a_date_on_the_settings_sheet(settings):
    import datetime

    rows = settings_to_rows(settings)
    rows = [[r[0], datetime.datetime(2013, 3, 31) if str(r[0]).startswith("Period att fylla i") else r[1], r[2]] if r[0] else r
            for r in rows]
    assert settings_from_rows(rows).period == "2013-03-31"
