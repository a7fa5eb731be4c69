"""The ledger CSV reader's fast path (Arrow's CSV reader, four columns) gives exactly the frame of
the tolerant path, or declines and leaves the file to it.

Each file under tests/data/ledger-csv-fast/ is read with the fast path on and off; ``FAST``
names the files the fast path must take, every other file must be declined (and then read,
or rejected, by the tolerant path exactly as before).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from finsam.errors import ProblemError
from finsam.sources import ledger_csv
from finsam.sources.ledger import LEDGER_COLUMNS

TESTS = Path(__file__).parent
DATA = TESTS / "data" / "ledger-csv-fast"
SAMPLE = TESTS.parent / "src" / "finsam" / "sample" / "huvudbok.csv"
FILES = sorted(DATA.glob("*.csv")) + [SAMPLE]
FAST = {"plain_crlf_quoted.csv", "tabs_aliases_reordered.csv", "huvudbok.csv"}


def _read(path: Path):
    try:
        return ledger_csv.read_ledger_csv(path).lines
    except ProblemError as exc:
        return sorted((p.code, p.row, p.column) for p in exc.problems)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_fast_path_equals_tolerant_path_or_declines(path, monkeypatch):
    fast = ledger_csv._fast(path)
    assert (fast is not None) == (path.name in FAST)
    with_fast = _read(path)
    monkeypatch.setattr(ledger_csv, "_fast", lambda p: None)
    tolerant = _read(path)
    if isinstance(tolerant, list):
        assert with_fast == tolerant
        assert tolerant  # an error file names its problems
    else:
        pd.testing.assert_frame_equal(with_fast, tolerant)
        assert list(with_fast.columns) == LEDGER_COLUMNS


def test_fast_path_reads_trimmed_codes_and_exact_ore():
    lines = ledger_csv._fast(DATA / "tabs_aliases_reordered.csv")
    assert lines["account"].tolist() == ["5010", "1930"]
    assert lines["cost_centre"].tolist() == ["3002", ""]
    assert lines["amount_ore"].tolist() == [-1250, 1250]
    assert lines["date"].dt.strftime("%Y-%m-%d").tolist() == ["2013-03-31", "2013-03-31"]


def test_quoted_separator_stays_in_its_field():
    lines = ledger_csv._fast(DATA / "plain_crlf_quoted.csv")
    assert lines["amount_ore"].tolist() == [150050, -150050]
    assert lines["cost_centre"].tolist() == ["3001", ""]
