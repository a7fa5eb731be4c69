"""Ledger CSV exports as Swedish systems really write them (tests/data/huvudbok/).

Every variant holds the same three lines and must give the same ledger frame; the plain
UTF-8 file takes the fast path, the others the tolerant one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from finsam.errors import ProblemError, SourceError
from finsam.sources import ledger_csv
from finsam.sources.ledger_csv import read_ledger_csv

DATA = Path(__file__).parent / "data" / "huvudbok"
EXPECTED = pd.DataFrame(
    {
        "date": pd.to_datetime(["2013-01-15", "2013-01-15", "2013-02-01"]).astype("datetime64[ns]"),
        "account": ["4010", "1930", "3590"],
        "cost_centre": ["3001", "", "1000"],
        "amount_ore": [123456750, -123456750, -50000000],
    }
)

VARIANTS = [
    "utf8.csv",
    "utf8-bom.csv",
    "cp1252.csv",
    "komma.csv",
    "tabb.csv",
    "tusental-mellanslag.csv",
    "tusental-nbsp.csv",
    "tusental-smalt-nbsp.csv",
    "minustecken.csv",
    "rubriker.csv",
]


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_reads_the_same(name):
    lines = read_ledger_csv(DATA / name).lines.reset_index(drop=True)
    assert lines["account"].tolist() == EXPECTED["account"].tolist()
    assert lines["cost_centre"].tolist() == EXPECTED["cost_centre"].tolist()
    assert lines["amount_ore"].tolist() == EXPECTED["amount_ore"].tolist()
    assert lines["date"].tolist() == EXPECTED["date"].tolist()


def test_plain_utf8_takes_the_fast_path_and_variants_do_not():
    assert ledger_csv._fast(DATA / "utf8.csv") is not None
    assert ledger_csv._fast(DATA / "utf8-bom.csv") is None
    assert ledger_csv._fast(DATA / "cp1252.csv") is None
    assert ledger_csv._fast(DATA / "tusental-nbsp.csv") is None


def test_missing_column_is_one_error_naming_it_and_the_columns_found():
    with pytest.raises(SourceError) as info:
        read_ledger_csv(DATA / "saknar-belopp.csv")
    text = str(info.value)
    assert "'Belopp'" in text
    for col in ("Verifikation", "Datum", "Konto", "Kontonamn", "Kostnadsställe", "Text"):
        assert col in text


def test_amount_that_is_no_number_is_an_error_with_its_row():
    with pytest.raises(ProblemError) as info:
        read_ledger_csv(DATA / "belopp-text.csv")
    assert [(p.code, p.severity, p.row, p.column) for p in info.value.problems] == [
        ("tal-ogiltigt", "error", 3, "Belopp")
    ]
    assert "tolv kronor" in info.value.problems[0].message


def test_missing_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError):
        read_ledger_csv(tmp_path / "huvudbok.csv")


def test_unreadable_file_is_one_source_error(tmp_path):
    bad = tmp_path / "huvudbok.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    from finsam.sources.ledger import read_ledger

    with pytest.raises(SourceError) as info:
        read_ledger(bad)
    assert "huvudbok.xlsx" in str(info.value)


def test_blank_lines_keep_row_numbers_as_the_file_counts_them():
    with pytest.raises(ProblemError) as info:
        read_ledger_csv(DATA / "tomma-rader.csv")
    assert sorted((p.code, p.row, p.column) for p in info.value.problems) == [
        ("konto-saknas", 6, "Konto"),
        ("tal-ogiltigt", 7, "Belopp"),
    ]
