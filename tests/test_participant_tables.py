"""The participant tables of issue 11 as pure functions.

The sample's expected figures are computed here from the register with openpyxl and plain
loops (an independent reading of the definitions in the README), and compared with the
issue's published figures; the small hand-made register tests/data/deltagare/per-insats.csv
has its expected figures worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from datetime import date

import openpyxl
import pytest

from finsam import participant_tables as pt
from finsam.errors import SettingsError
from finsam.period import Period
from finsam.settings import load_settings, settings_from_rows, settings_to_rows
from finsam.sources.anonymous import read_anonymous
from finsam.sources.participants import read_participants
from finsam.sources.structure import read_structure

from conftest import DATA, PNR, SAMPLE, edited_settings

Q1 = Period(date(2013, 1, 1), date(2013, 3, 31))
RESULTS = {"arbete": "Arbete", "studier": "Studier", "arbetssökande": "Arbetssökande"}


def _oracle(period_start: dt.datetime, period_end: dt.datetime) -> dict:
    """The sample's participant tables by loops over the xlsx rows (no pandas, no finsam)."""
    rows = list(openpyxl.load_workbook(SAMPLE / "deltagare.xlsx").active.iter_rows(min_row=2, values_only=True))
    by_insats: dict = defaultdict(lambda: {"K": set(), "M": set(), "T": set(), "in": 0, "ut": 0, "pag": 0})
    everyone = {"K": set(), "M": set(), "T": set()}
    result: dict = defaultdict(lambda: [0, 0, 0])
    ages: dict = defaultdict(lambda: {"K": set(), "M": set(), "T": set()})
    inflow = {"K": set(), "M": set(), "T": set()}
    for pnr, kon, _kommun, insats, start, end, reason in rows:
        if reason and reason.strip().casefold() == "felregistrering":
            continue
        sex = {"Kvinna": "K", "Man": "M"}.get(kon)
        d = by_insats[insats]
        if start <= period_end and (end is None or end >= period_start):
            for bucket in (d, everyone):
                bucket["T"].add(pnr)
                if sex:
                    bucket[sex].add(pnr)
        if period_start <= start <= period_end:
            d["in"] += 1
            y, m, day = int(pnr[:4]), int(pnr[4:6]), int(pnr[6:8])
            born = dt.date(y, m, day - 60 if day > 60 else day)
            age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
            band = next((f"{a}\u2013{b}" for a, b in ((16, 19), (20, 24), (25, 29), (30, 39), (40, 49), (50, 64))
                         if a <= age <= b), "Övriga åldrar")
            for bucket in (ages[band], inflow):
                bucket["T"].add(pnr)
                if sex:
                    bucket[sex].add(pnr)
        if end is not None and period_start <= end <= period_end:
            d["ut"] += 1
            cat = RESULTS.get((reason or "").strip().casefold(), "Övrigt")
            result[cat][0 if sex == "K" else 1 if sex == "M" else 2] += 1
        if start <= period_end and (end is None or end > period_end):
            d["pag"] += 1
    table = {k: [len(v["K"]), len(v["M"]), len(v["T"]), v["in"], v["ut"], v["pag"]]
             for k, v in by_insats.items() if v["T"]}
    table["Summa"] = [len(everyone["K"]), len(everyone["M"]), len(everyone["T"])] + [
        sum(v[i] for v in table.values()) for i in (3, 4, 5)]
    return {
        "insats": table,
        "results": {k: [v[0], v[1], sum(v)] for k, v in result.items()},
        "ages": {k: [len(v["K"]), len(v["M"]), len(v["T"])] for k, v in ages.items()},
        "ages_summa": [len(inflow["K"]), len(inflow["M"]), len(inflow["T"])],
    }


@pytest.fixture(scope="module")
def sample(settings):
    people, _ = read_participants(SAMPLE / "deltagare.xlsx", 2013)
    anonymous, _ = read_anonymous(SAMPLE / "anonyma.csv")
    return pt.participant_tables(people, Q1, settings, file="deltagare.xlsx", anonymous=anonymous)


@pytest.fixture(scope="module")
def oracle():
    return _oracle(dt.datetime(2013, 1, 1), dt.datetime(2013, 3, 31))


def test_sample_per_insats_equals_the_independent_count_and_the_issue(sample, oracle):
    got = sample.by_insats
    assert list(got.index) == sorted(k for k in oracle["insats"] if k != "Summa") + ["Summa"]
    for name, figures in oracle["insats"].items():
        assert list(got.loc[name]) == figures, name
    # the figures the issue publishes for Q1 2013
    assert list(got.loc["Lotsen i Borås"]) == [24, 13, 37, 20, 19, 18]
    assert list(got.loc["Krut Borås"]) == [19, 22, 41, 26, 20, 21]
    assert list(got.loc["Summa"]) == [149, 144, 293, 152, 98, 216]
    assert sample.problems == []


def test_sample_results_equal_the_independent_count_and_the_issue(sample, oracle):
    got = sample.results
    assert list(got.index) == ["Arbete", "Studier", "Arbetssökande", "Övrigt"]
    for cat in got.index:
        assert list(got.loc[cat]) == oracle["results"].get(cat, [0, 0, 0]), cat
    assert list(got.loc["Arbete"]) == [9, 7, 16]
    assert list(got.loc["Studier"]) == [4, 10, 14]
    assert list(got.sum()) == [55, 43, 98]  # Summa avslutade = Summa utflöde
    assert got["totalt"].sum() == sample.by_insats.at["Summa", "utflode"]


def test_sample_ages_equal_the_independent_count(sample, oracle):
    got = sample.ages
    for band in got.index[:-1]:
        assert list(got.loc[band]) == oracle["ages"].get(band, [0, 0, 0]), band
    assert list(got.loc["Summa"]) == oracle["ages_summa"]
    assert got.at["Summa", "totalt"] == 133  # = inflöde unika of the municipality table (seed)


def test_sample_anonymous_has_no_sex_split(sample):
    assert sample.anonymous_by_sex is False
    assert sample.anonymous["totalt"].sum() == 26 + 8 + 26 + sum(  # independently from the CSV
        int(line.split(";")[3]) for line in (SAMPLE / "anonyma.csv").read_text("utf-8").splitlines()[4:]
        if line.split(";")[2].startswith("2013-0") and line.split(";")[2] <= "2013-03")


@pytest.fixture(scope="module")
def small(settings):
    people, problems = read_participants(DATA / "deltagare" / "per-insats.csv", 2013)
    assert problems == []
    return pt.participant_tables(people, Q1, settings, file="per-insats.csv")


def test_small_register_per_insats(small):
    # Krut: A (K), D (kön differs between rows), G (M) active; inflöde A, D, G; utflöde D's
    # first row; pågående A, D, G. Lotsen: A (K), B (M, ends on the period's first day),
    # C (no kön), G (M); inflöde A, C, G (E's felregistrering and I after the period are
    # out); utflöde A (on the last day: not pågående) and B. Unga: F. No insats: H.
    got = small.by_insats
    assert list(got.index) == ["Krut", "Lotsen", "Unga", pt.NO_INSATS, "Summa"]
    assert list(got.loc["Krut"]) == [1, 1, 3, 3, 1, 3]
    assert list(got.loc["Lotsen"]) == [1, 2, 4, 3, 2, 3]
    assert list(got.loc["Unga"]) == [1, 0, 1, 1, 0, 1]
    assert list(got.loc[pt.NO_INSATS]) == [1, 0, 1, 1, 0, 1]
    # distinct persons A..H without E: K = A, F, H; M = B, G; A and G count once each
    assert list(got.loc["Summa"]) == [3, 2, 7, 8, 3, 8]


def test_small_register_results_map_case_blind_and_unknown_to_ovrigt(small):
    got = small.results
    assert list(got.loc["Arbete"]) == [1, 0, 1]     # A
    assert list(got.loc["Studier"]) == [0, 1, 1]    # B: "studier"
    assert list(got.loc["Övrigt"]) == [0, 0, 1]     # D: "Okänd orsak", kön unknown
    warning = next(p for p in small.problems if p.code == "avslutsorsak-okand")
    assert "'Okänd orsak'" in warning.message and warning.severity == "warning"


def test_small_register_ages_from_the_personnummer(small):
    got = small.ages
    # F: samordningsnummer, born 1995-01-01 (day 61 − 60), 18 on 2013-01-01. G: born
    # 1993-02-15: 19 at the Krut start 02-14, 20 at the Lotsen start 02-15 (two bands).
    assert list(got.loc["16\u201319"]) == [1, 1, 2]
    assert list(got.loc["20\u201324"]) == [0, 1, 1]
    assert list(got.loc["30\u201339"]) == [1, 0, 2]   # A (32), C (39, no kön)
    assert list(got.loc["40\u201349"]) == [0, 0, 1]   # D (47)
    assert list(got.loc["Övriga åldrar"]) == [1, 0, 1]  # H (67)
    assert list(got.loc["Summa"]) == [3, 1, 6]       # A, C, D, F, G, H once each


def test_small_register_warnings(small):
    codes = {p.code: p for p in small.problems}
    assert set(codes) == {"kon-okant", "avslutsorsak-okand", "insats-saknas", "insats-utan-kostnadsstalle"}
    # the sample settings' cost centres name none of Krut, Lotsen, Unga: Uppföljning Finsam shows them nowhere
    assert "('Krut', 'Lotsen', 'Unga')" in codes["insats-utan-kostnadsstalle"].message
    assert codes["kon-okant"].message.startswith("2 deltagare")  # C (empty) and D (rows disagree)
    assert "1 med olika kön" in codes["kon-okant"].message
    assert codes["insats-saknas"].message.startswith("1 inskrivning under")
    # the rows, so the person finds them: C on row 6, D's two rows 7 and 8; H (no insats) on 14; D's end on 7
    assert "(rad 6, 7, 8)" in codes["kon-okant"].message and "(rad 14)" in codes["insats-saknas"].message
    assert "(rad 7)" in codes["avslutsorsak-okand"].message


def test_ages_at_birthdays_and_samordningsnummer():
    import pandas as pd

    person = pd.Series([s.replace("-", "") for s in PNR["ages"]["values"]] * 2)  # synthetic, cases.toml
    day = pd.to_datetime(pd.Series(["2013-02-14", "2013-01-01", "2013-02-15", "2012-12-31"]))
    assert list(pt.ages_at(person, day)) == [19, 18, 20, 17]


def test_anonymous_by_sex(settings):
    frame, problems = read_anonymous(DATA / "anonyma" / "kon.csv")
    assert problems == []
    got, by_sex = pt.counts_by_insats(frame, Q1, settings)
    assert by_sex is True
    assert list(got.loc["Aktiv hälsa"]) == [5, 3, 8]       # April's 7 is outside Q1
    assert list(got.loc["Aktiv hälsa Mark"]) == [2, 0, 6]  # the 4 without kön: Totalt only
    people, _ = read_participants(DATA / "deltagare" / "per-insats.csv", 2013)
    tables = pt.participant_tables(people, Q1, settings, file="x", anonymous=frame, files={"anonyma": "kon.csv"})
    warning = next(p for p in tables.problems if p.code == "kon-okant-antal")
    assert warning.source == "kon.csv" and warning.message.startswith("1 rad (4 deltagare)")


def test_structure_summed_per_insats_by_day(settings):
    frame, problems = read_structure(DATA / "struktur" / "struktur.csv")
    assert problems == []
    got, by_sex = pt.counts_by_insats(frame, Q1, settings)
    assert by_sex is False
    assert got["totalt"].to_dict() == {"Utbildningsdag": 25 + 30, "Nätverk": 12}
    mid_march, _ = pt.counts_by_insats(frame, Period(date(2013, 1, 1), date(2013, 3, 15)), settings)
    assert mid_march["totalt"].to_dict() == {"Utbildningsdag": 25}  # 03-20 and 03-31 are after the 15th


def test_swedish_sort_order():
    names = ["Östra", "Ängen", "Åsen", "Zeta", "alfa"]
    assert sorted(names, key=pt.swedish_sort_key) == ["alfa", "Zeta", "Åsen", "Ängen", "Östra"]


def test_settings_roundtrip_and_defaults(settings):
    assert settings_from_rows(settings_to_rows(settings)) == settings
    assert ("Flytt", "Övrigt") in settings.result_mapping
    # a workbook made before the sections existed keeps the defaults
    rows, skipping = [], False
    for r in settings_to_rows(settings):
        if isinstance(r[0], str) and r[0].startswith("["):
            skipping = r[0] in ("[Avslutsorsaker]", "[Åldersgrupper]", "[Kön]")
        if not skipping:
            rows.append(r)
    assert len(rows) < len(settings_to_rows(settings)) - 20
    old = settings_from_rows(rows)
    assert old.result_mapping == (("Arbete", "Arbete"), ("Studier", "Studier"), ("Arbetssökande", "Arbetssökande"))
    assert [b.label for b in old.age_bands][0] == "16\u201319" and len(old.age_bands) == 6
    assert ("K", "Kvinna") in old.sex_values


@pytest.mark.parametrize("edit, words", [
    (('resultat = "Övrigt"', 'resultat = "Pension"'), "Pension"),
    (("fran = 20\ntill = 24", "fran = 19\ntill = 24"), "19\u201324 börjar inte efter 16\u201319"),
    (('varde = "K"\nkon = "Kvinna"', 'varde = "K"\nkon = "Annan"'), "Annan"),
    (('varde = "M"\nkon = "Man"', 'varde = "K"\nkon = "Man"'), "två gånger"),
])
def test_settings_refused(tmp_path, edit, words):
    with pytest.raises(SettingsError) as err:
        load_settings(edited_settings(tmp_path, edit))
    assert words in str(err.value)


def test_an_insats_written_several_ways_is_one_and_one_no_cost_centre_names_is_warned(settings):
    """'Lotsen i Borås', 'lotsen i  borås ' and 'LOTSEN I BORÅS' differ only in case and blanks:
    one insats, named as the settings' cost centre is (Uppföljning Finsam finds it by that
    name); 'Byggstenen Tranemo' is no cost centre's insats (the settings say 'Byggstenen i
    Tranemo')."""
    people, problems = read_participants(DATA / "deltagare" / "insats-stavningar.csv", 2013)
    assert problems == []
    got = pt.participant_tables(people, Q1, settings, file="insats-stavningar.csv")
    assert list(got.by_insats.index) == ["Byggstenen Tranemo", "Lotsen i Borås", "Summa"]
    assert list(got.by_insats.loc["Lotsen i Borås", ["kvinnor", "man", "totalt"]]) == [1, 2, 3]
    codes = {p.code: p.message for p in got.problems}
    assert set(codes) == {"insats-stavningar", "insats-utan-kostnadsstalle"}
    assert "på 3 sätt" in codes["insats-stavningar"] and "räknas som en: 'Lotsen i Borås'" in codes["insats-stavningar"]
    assert "('Byggstenen Tranemo')" in codes["insats-utan-kostnadsstalle"]


def test_a_total_written_in_the_kon_column_is_a_total_row_and_a_month_error_quotes_the_month():
    """K 20, M 6, Totalt 26: the Totalt row is no 26 more participants. 'jan 2013' is refused
    as the month the person wrote, not as the date finsam made of it."""
    frame, problems = read_anonymous(DATA / "anonyma" / "kon-totalrad.csv")
    total = [p for p in problems if p.code == "summarad"]
    assert [(p.row, p.column) for p in total] == [(4, "Kön")] and "'Totalt'" in total[0].message
    assert 26 not in frame["count"].tolist() and len(frame) == 3
    month = [p for p in problems if p.code == "datum-ogiltigt"]
    assert [(p.row, p.column, p.severity) for p in month] == [(5, "Månad", "error")]
    assert month[0].message.startswith("Månaden 'jan 2013' går inte att läsa. Skriv månaden som ÅÅÅÅ-MM")
