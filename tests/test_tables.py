"""The follow-up tables as pure functions: against the seed report and on small hand-made cases."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from finsam import tables
from finsam.money import ore_to_tkr
from finsam.period import Period
from finsam.sources.anonymous import read_anonymous
from finsam.sources.budget import read_budget
from finsam.sources.forecast import read_forecast
from finsam.sources.ledger import read_ledger
from finsam.sources.participants import read_participants

from conftest import SAMPLE

Q1 = Period(date(2013, 1, 1), date(2013, 3, 31))


@pytest.fixture(scope="module")
def economy(settings):
    ledger = read_ledger(SAMPLE / "huvudbok.csv")
    budget, fin, _ = read_budget(SAMPLE / "budget.xlsx")
    forecast, _ = read_forecast(SAMPLE / "prognos.csv")
    return tables.economy(settings, ledger.lines, Q1, budget, fin, forecast)


def test_municipality_table_equals_the_seed(settings, expected):
    people, problems = read_participants(SAMPLE / "deltagare.xlsx", 2013)
    assert problems == []
    got = tables.participants_by_municipality(people, Q1, settings)
    assert list(got.index) == list(expected["kommuner"])
    for name, fig in expected["kommuner"].items():
        assert got.loc[name].to_dict() == fig


def test_cost_centre_rows_equal_the_seed(economy, expected):
    cc = economy.cost_centres.set_index("code")
    assert list(cc.index) == [c["kostnadsstalle"] for c in expected["kostnadsstallen"]]
    for c in expected["kostnadsstallen"]:
        row = cc.loc[c["kostnadsstalle"]]
        prognos = row["budget"] if pd.isna(row["prognos_override"]) else row["prognos_override"]
        assert (row["group"], row["budget"], row["ackumulerat"], prognos) == (
            c["grupp"], c["budget"], c["ackumulerat"], c["prognos"])
    assert cc.loc["3005", "comment"] == expected["fotnoter"]["3005"]


def test_summary_equals_the_seed(settings, economy, expected):
    cc = economy.cost_centres.assign(
        prognos=economy.cost_centres["prognos_override"].fillna(economy.cost_centres["budget"]))
    fin = economy.financing.assign(prognos=economy.financing["budget"])
    got = tables.summary(settings, cc, fin, economy.unallocated_tkr)
    for name, fig in expected["sammanstallning"].items():
        row = got.loc[name]
        assert [None if pd.isna(v) else int(v) for v in row] == [fig["budget"], fig["ackumulerat"], fig["prognos"]]
    for group, fig in expected["totaler"].items():
        part = cc[cc["group"] == group]
        assert part["budget"].sum() == fig["budget"]
        assert part["ackumulerat"].sum() == fig["ackumulerat"]
        assert part["prognos"].sum() == fig["prognos"]


def test_anonymous_participants_are_a_table_of_their_own(tmp_path):
    anon, _ = read_anonymous(SAMPLE / "anonyma.csv")
    got = tables.anonymous_by_insats(anon, Q1)
    assert got.set_index("insats")["count"].to_dict()["Aktiv hälsa Borås"] == 26 + 8 + 26
    assert got["count"].sum() == anon["count"].sum()  # all 18 rows lie in Q1
    feb = tables.anonymous_by_insats(anon, Period(date(2013, 1, 1), date(2013, 1, 31)))
    assert feb.set_index("insats")["count"].to_dict()["Aktiv hälsa Borås"] == 26


# --- definitions on small hand-made cases -------------------------------------------------

def _people(rows):
    return pd.DataFrame(
        [
            {"person": p, "municipality": m, "start": pd.Timestamp(s), "end": pd.Timestamp(e) if e else pd.NaT,
             "end_reason": reason}
            for p, m, s, e, reason in rows
        ]
    )


def test_a_registration_starting_and_ending_in_the_period_counts_in_both(settings):
    got = tables.participants_by_municipality(
        _people([("199001011239", "Mark", "2013-01-10", "2013-02-20", "Arbete")]), Q1, settings)
    assert got.loc["Mark"].tolist() == [1, 1, 1, 1]
    assert got.loc["Summa"].tolist() == [1, 1, 1, 1]


def test_a_person_in_two_municipalities_counts_once_in_summa_unika(settings):
    got = tables.participants_by_municipality(
        _people([
            ("199001011239", "Mark", "2013-01-10", None, None),
            ("199001011239", "Borås", "2013-03-01", None, None),
            ("198502023334", "Borås", "2013-02-01", None, None),
        ]), Q1, settings)
    assert got.loc["Mark", "inflode_unika"] == 1
    assert got.loc["Borås", "inflode_unika"] == 2
    assert got.loc["Summa", "inflode_antal"] == 3
    assert got.loc["Summa", "inflode_unika"] == 2  # not the column sum 3


def test_rows_outside_the_period_do_not_count(settings):
    got = tables.participants_by_municipality(
        _people([
            ("199001011239", "Mark", "2012-12-31", "2013-04-01", None),  # neither start nor end in Q1
            ("198502023334", "Mark", "2013-04-01", None, None),
        ]), Q1, settings)
    assert got.loc["Summa"].tolist() == [0, 0, 0, 0]


def test_non_members_go_to_annan_ort_and_felregistrering_counts_nowhere(settings):
    got = tables.participants_by_municipality(
        _people([
            ("199001011239", "Alingsås", "2013-01-10", "2013-01-20", "Felregistrering"),
            ("198502023334", "borås", "2012-01-10", "2013-01-20", "Arbete"),
            ("198502023334", "Gislaved", "2013-02-10", None, None),
        ]), Q1, settings)
    assert got.loc["Annan ort"].tolist() == [1, 1, 0, 0]  # Gislaved; the felregistrering in neither flow
    assert got.loc["Borås"].tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize("reason", ["felregistrerad", " Fel registrering ", "Fel-registrering", "Felregistrerat",
                                    "FELREG.", "Felaktig registrering"])
def test_felregistrering_however_spelled_counts_nowhere(settings, reason):
    got = tables.participants_by_municipality(
        _people([
            ("199001011239", "Mark", "2013-01-10", "2013-01-20", reason),
            ("198502023334", "Mark", "2013-02-10", "2013-04-05", reason),  # closed after the period: still a mistake
            ("198502023334", "Mark", "2013-03-01", "2013-03-20", "Felaktigt inskriven i fel insats? Nej: Arbete"),
        ]), Q1, settings)
    assert got.loc["Mark"].tolist() == [1, 1, 1, 1]  # only the third registration


def _ledger(rows):
    return pd.DataFrame(
        {"date": pd.to_datetime([r[0] for r in rows]), "account": [r[1] for r in rows],
         "cost_centre": [r[2] for r in rows], "amount_ore": pd.Series([r[3] for r in rows], dtype="int64")})


def test_each_row_is_rounded_once_and_totals_sum_the_rounded_rows(settings):
    # two cost centres of 1 400 kr and 1 400 kr: each prints -1 tkr, the total -2 (not -3 from 2 800 kr)
    lines = _ledger([
        ("2013-01-05", "4010", "1001", 140_000), ("2013-01-05", "4010", "1003", 140_000),
        ("2013-02-05", "4010", "1010", 150_000),  # 1 500 kr rounds half away from zero: -2
        ("2013-02-05", "1930", "", -430_000),
    ])
    budget = pd.DataFrame({"cost_centre": ["1001"], "budget_tkr": [-280.4]})
    fin = pd.DataFrame({"name": ["Parternas finansiering"], "budget_tkr": [15060.0]})
    e = tables.economy(settings, lines, Q1, budget, fin)
    cc = e.cost_centres.set_index("code")
    assert (cc.loc["1001", "ackumulerat"], cc.loc["1003", "ackumulerat"], cc.loc["1010", "ackumulerat"]) == (-1, -1, -2)
    assert cc["ackumulerat"].sum() == -4
    assert ore_to_tkr(-430_000) == -4
    assert cc.loc["1001", "budget"] == -280
    assert e.ledger_result_tkr == -4  # the balance line 1930 is no result account


def test_unknown_cost_centres_and_lines_without_one_are_never_dropped(settings):
    lines = _ledger([
        ("2013-01-05", "4010", "9999", 500_000),
        ("2013-01-06", "6110", "", 200_000),
        ("2013-01-07", "4010", "1001", 100_000),
        ("2012-12-07", "4010", "9999", 900_000),  # previous year: outside the period
    ])
    e = tables.economy(settings, lines, Q1, pd.DataFrame(columns=["cost_centre", "budget_tkr"]),
                       pd.DataFrame(columns=["name", "budget_tkr"]))
    assert e.unallocated_codes == {"": -2, "9999": -5}
    assert e.unallocated_tkr == -7
    assert e.ledger_result_tkr == -8


@pytest.mark.parametrize(
    "budget, override, existing, existing_budget, want",
    [
        (-300, None, None, None, (-300, "budget")),           # empty cell: the budget
        (-300, -350, -320, -300, (-350, "prognos.csv")),      # prognos.csv wins
        (-300, None, -320, -300, (-320, "arbetsboken")),      # the person's forecast is kept
        (-310, None, -300, -300, (-310, "budget")),           # still the old default: follows the budget
    ],
)
def test_resolve_forecast(budget, override, existing, existing_budget, want):
    assert tables.resolve_forecast(budget, override, existing, existing_budget) == want


def test_a_register_with_kommunkoder_counts_them_as_the_members(settings):
    got = tables.participants_by_municipality(
        _people([("199001011239", "1490", "2013-01-10", None, None), ("198502023334", "1441", "2013-01-11", None, None)]),
        Q1, settings)
    assert got.loc["Borås", "inflode_antal"] == 1  # 1490 = Borås
    assert got.loc["Annan ort", "inflode_antal"] == 1  # 1441 = Lerum, no member
