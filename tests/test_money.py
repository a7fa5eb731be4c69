"""Money the way members and the national follow-up ask (issue 12): settings, the periodised
budget, each member's share (largest remainder), the categories and the equity guideline.

Expected figures are computed here from the sources (budget.xlsx read with openpyxl, the
published report's figures in expected.json, the small files under tests/data/money), never
read back from finsam.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from finsam import tables
from finsam.errors import SettingsError
from finsam.money import largest_remainder
from finsam.period import parse_period
from finsam.settings import load_settings, settings_from_rows, settings_to_rows
from finsam.sources.folder import read_sources
from finsam.sources.sie import read_sie

from money_oracle import half_away, sample_budget
from conftest import DATA, SAMPLE

CASES = DATA / "money" / "settings"
ADMINISTRATION = {"1001", "1003", "1010", "2000"}  # issue 12: the sample's administration
STRUCTURAL = {"3004", "3005"}






# --- settings ---------------------------------------------------------------------------------


def test_the_sample_settings_give_the_issues_categories_and_the_default_shares(settings):
    cats = {c.code: c.category for c in settings.cost_centres}
    assert {k for k, v in cats.items() if v == "administration"} == ADMINISTRATION
    assert {k for k, v in cats.items() if v == "strukturövergripande"} == STRUCTURAL
    assert all(v == "individinriktad" for k, v in cats.items() if k not in ADMINISTRATION | STRUCTURAL)
    assert settings.invoice_lag_months == 0
    assert settings.equity_guideline == () and settings.equity_guideline_source == ""
    assert settings.member_shares() == [("Försäkringskassan", 50), ("Västra Götalandsregionen", 25), ("Kommunerna", 25)]
    lotsen = next(c for c in settings.cost_centres if c.code == "3001")
    assert lotsen.insats_names == ("Lotsen i Borås",)  # default: the cost centre's name


def test_defaults_when_the_settings_say_nothing_of_money():
    s = load_settings(CASES / "grund.toml")
    assert [(n, float(p)) for n, p in s.member_shares()] == [
        ("Försäkringskassan", 50.0), ("Region Testland", 25.0), ("Kommunerna", 25.0)]
    assert s.contributions == "Parternas finansiering"  # the first financing line
    by_code = {c.code: c for c in s.cost_centres}
    assert by_code["3001"].category == "individinriktad"  # written "Individinriktad"
    assert by_code["3001"].insats_names == ("Lotsen", "Lotsen ungdom")
    assert by_code["3004"].category == ""


def test_population_splits_the_municipalities_quarter():
    s = load_settings(CASES / "befolkning.toml")
    shares = dict(s.member_shares())
    # 25 % × 100 000 / 133 000 and 25 % × 33 000 / 133 000
    assert shares["Borås"] == Decimal(25) * 100000 / 133000
    assert shares["Mark"] == Decimal(25) * 33000 / 133000
    assert "Kommunerna" not in shares


def test_the_settings_round_trip_through_the_sheet_with_the_money_sections():
    for case in ("befolkning.toml", "riktlinje.toml", "grund.toml"):
        s = load_settings(CASES / case)
        assert settings_from_rows(settings_to_rows(s)) == s


@pytest.mark.parametrize(
    "case, named",
    [
        ("andelar-101.toml", "[medlemmar] andel_region"),
        ("okand-kategori.toml", "[[kostnadsstallen]] kod = 1010"),
        ("befolkning-ej-medlem.toml", "[[kommunandelar]] nr 2"),
        ("kommunandelar-summa.toml", "[medlemmar] andel_kommuner"),
        ("kommunandel-saknas.toml", "Mark"),
    ],
)
def test_settings_errors_are_refused_naming_the_row(case, named):
    with pytest.raises(SettingsError) as err:
        load_settings(CASES / case)
    assert named in str(err.value)


def _sheet_with(rows: list[list], label: str, value) -> list[list]:
    out = [list(r) for r in rows]
    i = next(i for i, r in enumerate(out) if r[0] == label)
    out[i][1] = value
    return out, i + 1


def test_on_the_settings_sheet_a_share_sum_off_100_names_the_rows(settings):
    rows, _ = _sheet_with(settings_to_rows(settings), "Andel regionen (%)", "24,5")
    with pytest.raises(SettingsError) as err:
        settings_from_rows(rows, source="bok.xlsx: Inställningar")
    assert "'Andel regionen (%)'" in str(err.value) and "99,5 %" in str(err.value)


def test_on_the_settings_sheet_an_unknown_category_names_its_row(settings):
    rows = [list(r) for r in settings_to_rows(settings)]
    start = rows.index(["[Kategorier]", None, None])
    i = next(i for i in range(start, len(rows)) if rows[i][0] == "3001")
    rows[i][1] = "individuell"
    with pytest.raises(SettingsError) as err:
        settings_from_rows(rows, source="bok.xlsx: Inställningar")
    assert f"rad {i + 1}" in str(err.value) and "individuell" in str(err.value)


def test_on_the_settings_sheet_a_population_for_a_non_member_names_its_row(settings):
    rows = [list(r) for r in settings_to_rows(settings)]
    start = rows.index(["[Kommunandelar]", None, None])
    rows.insert(start + 2, ["Göteborg", 520000, None])
    with pytest.raises(SettingsError) as err:
        settings_from_rows(rows, source="bok.xlsx: Inställningar")
    assert f"rad {start + 3}" in str(err.value) and "Göteborg" in str(err.value)


# --- the periodised budget ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    from finsam.settings import load_settings as load
    from conftest import SETTINGS

    s = load(SETTINGS)
    src = read_sources(s, SAMPLE)
    return s, src


@pytest.mark.parametrize("period, lag", [("2013-Q1", 0), ("2013-Q2", 0), ("2013-Q1", 1), ("2013-T1", 5)])
def test_periodised_budget_is_budget_times_months_less_lag_over_twelve(sample, period, lag):
    s, src = sample
    from dataclasses import replace

    s = replace(s, invoice_lag_months=lag)
    p = parse_period(period)
    got = tables.periodised_budget(s, src.budget, p)
    months = max(0, p.months - lag)
    budget = sample_budget()
    for code, (_, b) in budget.items():
        if code in got.index:
            assert got[code] == half_away(b * months / 12), code


def test_the_issues_sample_figures_for_the_periodised_budget(sample, expected):
    s, src = sample
    got = tables.periodised_budget(s, src.budget, parse_period("2013-Q1"))
    budget = sample_budget()
    totals = {}
    for code, (group, b) in budget.items():
        totals[group] = totals.get(group, 0) + half_away(b / 4)  # Q1 = 3 of 12 months
    assert got["1001"] == -70
    assert totals == {"Förbundsmedel": -3767, "Projekt Krut": -2445}  # the issue's figures
    groups = {c.code: c.group for c in s.cost_centres}
    assert sum(v for k, v in got.items() if groups[k] == "Förbundsmedel") == totals["Förbundsmedel"]
    assert sum(v for k, v in got.items() if groups[k] == "Projekt Krut") == totals["Projekt Krut"]
    # budget and ackumulerat beside them, from the published report
    assert expected["totaler"]["Förbundsmedel"]["budget"] == -15060
    assert expected["totaler"]["Förbundsmedel"]["ackumulerat"] == -807
    assert expected["totaler"]["Projekt Krut"]["ackumulerat"] == -551


@pytest.mark.parametrize("lag, want", [(0, {"3001": -351, "1010": -40}), (1, {"3001": -200, "1010": -20}),
                                       (3, {"3001": 0, "1010": 0})])
def test_with_a_sie_budget_the_months_pbudget_are_summed(lag, want):
    """tests/data/money/pbudget.se: 3001 has 100 000 + 100 000 + 150 500 kr in Jan–Mars (−350.5
    tkr, rounded away from zero), 1010 20 000 kr in Jan and in Mars; later months are not
    counted (SIE 4B #PBUDGET: each record is one month's change)."""
    from dataclasses import replace

    s = replace(load_settings(CASES / "grund.toml"), invoice_lag_months=lag)
    ledger = read_sie(DATA / "money" / "pbudget.se")
    got = tables.periodised_budget(s, None, parse_period("2013-Q1"), ledger.budget_months)
    assert {k: got[k] for k in want} == want
    assert got["3004"] == 0


# --- members' shares ----------------------------------------------------------------------------


def test_largest_remainder_rows_sum_to_the_total_and_follow_the_fractions():
    assert largest_remainder(3765, [Decimal(50), Decimal(25), Decimal(25)]) == [1883, 941, 941]
    assert largest_remainder(6655, [Decimal(50), Decimal(25), Decimal(25)]) == [3327, 1664, 1664]
    assert largest_remainder(-7, [Decimal(1)] * 3) == [-3, -2, -2]
    for total in (1, 99, 1000, -1234, 0):
        weights = [Decimal(50), Decimal(25), Decimal("7.3"), Decimal("9.1"), Decimal("8.6")]
        parts = largest_remainder(total, weights)
        assert sum(parts) == total
        assert all(abs(p - total * w / 100) < 1 for p, w in zip(parts, weights))


def test_the_issues_member_figures(expected):
    """Bidrag budget = 50/25/25 % of Parternas finansiering's budget, Bidrag t.o.m. perioden of
    its ackumulerat, equity at the start = the annual report's, at the year end = that less
    the forecast's Årets finansiering med eget kapital (the published report's figures)."""
    from conftest import SETTINGS

    s = load_settings(SETTINGS)
    fin = expected["sammanstallning"]["Parternas finansiering"]
    opening = expected["eget_kapital_ingaende_tkr"]
    year_end = opening - expected["sammanstallning"]["Årets finansiering med eget kapital"]["prognos"]
    t = tables.members(s, fin["budget"], fin["ackumulerat"], opening, year_end)
    cols = ["bidrag_budget", "bidrag_tom", "eget_kapital_ingaende", "eget_kapital_prognos"]
    assert [int(v) for v in t.loc["Försäkringskassan", cols]] == [7530, 1883, 3327, 2927]
    assert [int(v) for v in t.loc["Västra Götalandsregionen", cols]] == [3765, 941, 1664, 1463]
    assert [int(v) for v in t.loc["Kommunerna", cols]] == [3765, 941, 1664, 1463]
    assert [int(v) for v in t.loc["Summa", cols]] == [fin["budget"], fin["ackumulerat"], opening, year_end]


# --- categories and the equity guideline --------------------------------------------------------


def test_categories_sum_the_cost_centres_and_give_the_administration_share(settings, expected):
    import pandas as pd

    cc = pd.DataFrame([{"code": r["kostnadsstalle"], "budget": r["budget"], "ackumulerat": r["ackumulerat"],
                        "prognos": r["prognos"]} for r in expected["kostnadsstallen"]])
    cats = tables.categories(settings, cc)
    admin = [r for r in expected["kostnadsstallen"] if r["kostnadsstalle"] in ADMINISTRATION]
    assert (cats.at["administration", "budget"], cats.at["administration", "ackumulerat"]) == (
        sum(r["budget"] for r in admin), sum(r["ackumulerat"] for r in admin)) == (-1380, -118)
    total = expected["sammanstallning"]["Totala kostnader"]["budget"]
    assert int(cats["budget"].sum()) == total
    assert tables.administration_share(cats, "budget") == pytest.approx(-1380 / total)


def test_the_equity_guideline_is_the_settings_step_for_the_size():
    s = load_settings(CASES / "riktlinje.toml")
    assert tables.equity_guideline(s, 10_000) == 2000  # 20 % of 10 000
    assert tables.equity_guideline(s, 15_060) == 2500  # the fixed step from 15 000
    assert tables.equity_guideline(load_settings(CASES / "grund.toml"), 15_060) is None  # not given
