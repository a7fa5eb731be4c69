"""Participant register checks: personnummer forms, dates, row checks, municipalities.

Each case is a row of a tiny file under tests/data/deltagare/; tests assert the problem's
code, row (header = row 1) and column, and the figures the tables count.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from finsam import personnummer
from finsam.period import parse_period
from finsam.settings import load_settings
from finsam.source_checks import check_moves, check_municipalities, swedish_municipalities
from finsam.errors import SourceError
from finsam.sources.participants import read_participants
from finsam.tables import participants_by_municipality

DATA = Path(__file__).parent / "data" / "deltagare"
Q1 = parse_period("2013-Q1")


@pytest.fixture(scope="module")
def settings():
    with resources.as_file(resources.files("finsam") / "sample" / "sjuharad.toml") as f:
        return load_settings(f)


def codes(problems):
    return {(p.code, p.row, p.column) for p in problems}

from conftest import PNR


# --- personnummer --------------------------------------------------------------------

@pytest.mark.parametrize(
    "case", PNR["parse"], ids=[f"{c.get('value')!r} {c.get('note', '')}".strip() for c in PNR["parse"]]
)
def test_parse(case):
    parsed = personnummer.parse(case.get("value"), 2013)
    assert (parsed.number, parsed.code) == (case.get("number"), case.get("code"))
    digits = "".join(ch for ch in str(case.get("value") or "") if ch.isdigit())
    assert len(digits) < 5 or digits[-4:] not in parsed.masked  # the last four never shown


def test_samordningsnummer_is_flagged():
    case = next(c for c in PNR["parse"] if c.get("note", "").startswith("samordningsnummer (day"))
    assert personnummer.parse(case["value"], 2013).coordination


@pytest.mark.parametrize("case", PNR["mask"])
def test_mask_hides_last_four(case):
    assert personnummer.mask(case["value"]) == case["masked"]


def test_redact_masks_numbers_in_text_but_not_dates_or_amounts():
    assert personnummer.redact(PNR["redact"]["text"]) == PNR["redact"]["redacted"]


@pytest.mark.parametrize(
    "code, row",
    [
        ("personnummer-ogiltigt", 8),
        ("personnummer-nolla-saknas", 9),
        ("personnummer-ogiltigt", 10),
        ("personnummer-saknas", 11),
    ],
)
def test_personnummer_problems_in_csv(code, row):
    _, problems = read_participants(DATA / "personnummer.csv", 2013)
    assert (code, row, "Personnummer") in codes(problems)


def test_personnummer_csv_counts_every_valid_form_once():
    frame, problems = read_participants(DATA / "personnummer.csv", 2013)
    assert len(problems) == 4
    valid = frame["person"].dropna()
    # rows 2-5 are one person in four forms; + the 100-year-old, the samordningsnummer, the 2001-born
    assert valid.nunique() == 4
    assert (valid == "198501011236").sum() == 4
    assert set(valid) >= {"191201011234", "198501611233", "200101011237"}


def test_messages_show_personnummer_masked():
    _, problems = read_participants(DATA / "personnummer.csv", 2013)
    text = " ".join(p.message for p in problems)
    assert "1985****-****" in text and "19850101" not in text and "1235" not in text and "1237" not in text


@pytest.mark.parametrize("code, row", [("personnummer-nolla-saknas", 2), ("personnummer-nolla-saknas", 5)])
def test_personnummer_stored_as_number_in_xlsx(code, row):
    frame, problems = read_participants(DATA / "personnummer-tal.xlsx", 2013)
    assert (code, row, "Personnummer") in codes(problems)
    assert len([p for p in problems if p.severity == "error"]) == 2
    assert frame.loc[[1, 2], "person"].tolist() == ["198501011236", "198501011236"]


# --- dates ---------------------------------------------------------------------------

def test_dates_in_every_form():
    frame, problems = read_participants(DATA / "datum.csv", 2013)
    assert problems == []
    assert (frame["start"] == pd.Timestamp("2013-01-05")).all()
    assert (frame["end"] == pd.Timestamp("2013-03-31")).all()


def test_dates_as_excel_serials_and_dates_in_xlsx():
    frame, _ = read_participants(DATA / "personnummer-tal.xlsx", 2013)
    assert (frame["start"].iloc[[0, 3, 4]] == pd.Timestamp("2013-01-05")).all()
    assert frame["end"].iloc[4] == pd.Timestamp("2013-03-31")


# --- row checks ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "code, severity, row, column",
    [
        ("slut-fore-start", "error", 3, "Utskrivningsdatum"),
        ("startdatum-saknas", "error", 4, "Inskrivningsdatum"),
        ("datum-ogiltigt", "error", 5, "Inskrivningsdatum"),
        ("dubblettrad", "warning", 6, None),
    ],
)
def test_row_checks(code, severity, row, column):
    _, problems = read_participants(DATA / "rader.csv", 2013)
    hits = [p for p in problems if (p.code, p.row, p.column) == (code, row, column)]
    assert len(hits) == 1 and hits[0].severity == severity


def test_invalid_date_is_not_also_missing_start():
    _, problems = read_participants(DATA / "rader.csv", 2013)
    assert len(problems) == 4


def test_duplicate_row_counted_once(settings):
    frame, _ = read_participants(DATA / "rader.csv", 2013)
    table = participants_by_municipality(frame, Q1, settings)
    assert table.at["Borås", "inflode_antal"] == 1
    assert table.at["Borås", "utflode_antal"] == 1


# --- municipalities ------------------------------------------------------------------

def test_municipality_list_has_290_distinct_names():
    names = swedish_municipalities()
    assert len(names) == 290 and len(set(names)) == 290
    assert {"Borås", "Malung-Sälen", "Upplands Väsby", "Gotland"} <= set(names)


@pytest.mark.parametrize(
    "code, row, closest",
    [("kommun-okand", 4, "Ulricehamn"), ("kommun-saknas", 7, None), ("kommun-okand", 8, "Borås")],
)
def test_municipality_warnings(settings, code, row, closest):
    frame, _ = read_participants(DATA / "kommuner.csv", 2013)
    problems = check_municipalities(settings, frame, "kommuner.csv")
    assert len(problems) == 3 and all(p.severity == "warning" for p in problems)
    hit = [p for p in problems if (p.code, p.row) == (code, row)]
    assert len(hit) == 1 and hit[0].column == "Folkbokföringskommun"
    if closest:
        assert repr(closest) in hit[0].message


def test_person_in_two_municipalities_warned_and_counted_once(settings):
    frame, _ = read_participants(DATA / "kommuner.csv", 2013)
    problems = check_moves(settings, frame, Q1, "kommuner.csv")
    assert [(p.code, p.row, p.severity) for p in problems] == [("flera-kommuner", 3, "warning")]
    assert "19930303" not in problems[0].message
    table = participants_by_municipality(frame, Q1, settings)
    assert table.at["Borås", "inflode_unika"] == 1 and table.at["Mark", "inflode_unika"] == 1
    # the movers count once in Summa unika: 6 registrations in the period, 5 persons
    assert table.at["Summa", "inflode_antal"] == 6
    assert table.at["Summa", "inflode_unika"] == 5


@pytest.mark.parametrize("value", PNR["separators"]["values"])
def test_redact_masks_every_separator(value):
    assert "1236" not in personnummer.redact(f"Ring {value} i morgon")


# --- felregistrering ------------------------------------------------------------------

def test_a_felregistrering_is_neither_inflow_nor_outflow_nor_a_unique_person(settings):
    """A registration closed as felregistrering never happened (README "Definitions"): it is
    left out of inflöde, utflöde and both unika, whatever the case and blanks of the reason."""
    import csv

    path = DATA / "felregistrering.csv"
    with path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f, delimiter=";")]
    real = [r for r in rows if r["Avslutsorsak"].strip().casefold() != "felregistrering"]
    assert len(rows) - len(real) == 4  # spelt three ways; one of a person also in Mark

    def expected(flow_column):
        want = {}
        for r in real:
            if "2013-01-01" <= r[flow_column] <= "2013-03-31":
                want.setdefault(r["Folkbokföringskommun"], []).append(r["Personnummer"])
        return want

    frame, _ = read_participants(path, 2013)
    got = participants_by_municipality(frame, Q1, settings)
    for flow, column in (("inflode", "Inskrivningsdatum"), ("utflode", "Utskrivningsdatum")):
        want = expected(column)
        for muni in ("Borås", "Mark", "Tranemo"):
            people = want.get(muni, [])
            assert got.at[muni, f"{flow}_antal"] == len(people), (flow, muni)
            assert got.at[muni, f"{flow}_unika"] == len(set(people)), (flow, muni)
        everyone = [p for ps in want.values() for p in ps]
        assert got.at["Summa", f"{flow}_antal"] == len(everyone)
        assert got.at["Summa", f"{flow}_unika"] == len(set(everyone))
    assert got.at["Tranemo", "inflode_antal"] == 0 and got.at["Summa", "utflode_antal"] == 1


def test_a_felregistrering_in_another_municipality_is_no_move(settings):
    frame, _ = read_participants(DATA / "felregistrering.csv", 2013)
    assert check_moves(settings, frame, Q1, "felregistrering.csv") == []


def test_a_duplicate_with_empty_cells_names_its_first_row():
    # rows 2 and 4 are identical and have no Utskrivningsdatum or Avslutsorsak (empty cells)
    _, problems = read_participants(DATA / "dubblett-utan-slut.csv", 2013)
    (dup,) = [p for p in problems if p.code == "dubblettrad"]
    assert dup.row == 4 and "kopia av rad 2 " in dup.message


def test_a_register_without_its_end_date_column_is_refused_naming_its_columns():
    """Without Utskrivningsdatum every registration would count as ongoing and none as utflöde."""
    with pytest.raises(SourceError) as err:
        read_participants(DATA / "utan-utskrivningsdatum.csv", 2013)
    msg = str(err.value)
    assert "kolumnen 'Utskrivningsdatum' saknas" in msg and "Avslutningsdag" in msg


def test_an_optional_column_under_an_unknown_header_is_a_warning_naming_the_unread_columns():
    frame, problems = read_participants(DATA / "okanda-rubriker.csv", 2013)
    missing = {p.column: p for p in problems if p.code == "kolumn-saknas"}
    assert set(missing) == {"Kön", "Avslutsorsak"} and all(p.severity == "warning" for p in missing.values())
    assert "Kolumner i filen som finsam inte läser: Kön (1=kvinna, 2=man), Orsak till avslut, Handläggare" in \
        missing["Avslutsorsak"].message
    assert "inga felregistreringar kan tas bort" in missing["Avslutsorsak"].message
    assert frame["end_reason"].isna().all() and frame["sex"].isna().all()


def test_an_avslutsorsak_without_an_end_date_is_a_warning_naming_the_row():
    """Row 2 says it ended (Arbete) but has no Utskrivningsdatum: it counts as ongoing, and the
    person is told so; rows 3 (ended) and 4 (ongoing, no reason) are as they should be."""
    _, problems = read_participants(DATA / "orsak-utan-slutdatum.csv", 2013)
    got = [(p.code, p.severity, p.row, p.column) for p in problems]
    assert got == [("avslutsorsak-utan-slutdatum", "warning", 2, "Utskrivningsdatum")]
    assert "'Arbete'" in problems[0].message and "räknas som pågående" in problems[0].message
