"""The SIE reader's fast path (whole vouchers by one regex, #TRANS lines by Arrow's CSV reader)
gives exactly the frame of the exact, match-by-match path, or declines and leaves the file to it.

Each file is read both ways; ``FAST`` names the files the fast path must take (the plain shape
accounting programs write), every other file must be declined. Files under tests/data/sie-fast/
are shapes made to trip a careless fast path: "#TRANS" inside a text, braces inside a text,
quoted fields and tabs, an amount with three decimals, a #TRANS without object list, a #VER
without a block.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from finsam.errors import SourceError
from finsam.sources import sie
from finsam.sources.ledger import LEDGER_COLUMNS

TESTS = Path(__file__).parent
ROOT = TESTS.parent
FILES = (
    sorted((TESTS / "data" / "sie").glob("*.se"))
    + sorted((TESTS / "data" / "sie-real").glob("*.[sS][eE]"))
    + sorted((TESTS / "data" / "sie-fast").glob("*.se"))
    + [ROOT / "src" / "finsam" / "sample" / "huvudbok.se"]
)
FAST = {
    "broken_year.se", "cp1252.se", "cp437.se", "escaped_quotes.se", "ksumma_bad.se", "ksumma_ok.se",
    "objects_forms.se", "replacement_char.se", "rtrans.se", "unbalanced.se", "utf8_declared_pc8.se",
    "BL0001_typ4.SE", "typ4.se", "huvudbok.se", "quoted_tabs_blank_rtrans.se", "bad_accounts.se", "res_complete.se",
    "res_incomplete.se",
}


def _context(path: Path) -> sie._Context:
    text, _ = sie.decode_sie(path.read_bytes())
    return sie._Context(path, text.replace("\r\n", "\n"))


def _exact(ctx: sie._Context, dim: int):
    try:
        return sie._read_vouchers_exact(ctx, dim, [])
    except SourceError as exc:
        return exc


@pytest.mark.parametrize("dim", [1, 6])
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_fast_path_equals_exact_path_or_declines(path, dim):
    ctx = _context(path)
    fast = sie._read_vouchers_fast(ctx, dim)
    exact = _exact(ctx, dim)
    if path.name not in FAST:
        assert fast is None
        return
    assert fast is not None
    lines, sums = fast
    assert not isinstance(exact, SourceError)
    pd.testing.assert_frame_equal(lines, exact[0])
    assert len(sums) == exact[1]
    assert list(lines.columns) == LEDGER_COLUMNS


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_whole_reader_gives_the_exact_paths_problems(path, monkeypatch):
    """read_sie with the fast path and with it switched off: same lines, same problems."""
    def read():
        try:
            ledger = sie.read_sie(path)
        except SourceError as exc:
            return str(exc)
        return ledger.lines, [(p.code, p.row, p.message) for p in ledger.problems]

    with_fast = read()
    monkeypatch.setattr(sie, "_read_vouchers_fast", lambda ctx, dim: None)
    without = read()
    if isinstance(without, str):
        assert with_fast == without
    else:
        pd.testing.assert_frame_equal(with_fast[0], without[0])
        assert with_fast[1] == without[1]


def test_trans_in_text_is_left_to_the_exact_path_and_read_right():
    ledger = sie.read_sie(TESTS / "data" / "sie-fast" / "trans_in_text.se")
    assert ledger.lines["amount_ore"].tolist() == [10000, -10000]
    assert ledger.lines["cost_centre"].tolist() == ["3001", ""]


def _load_generate():
    spec = importlib.util.spec_from_file_location("benchmarks_generate_sie", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_generated_ledger_takes_the_fast_path_and_matches_the_csv(tmp_path):
    """A generated year (benchmarks/generate.py): SIE fast path = exact path = the same lines as CSV."""
    gen = _load_generate()
    gen.main([str(tmp_path), "--ledger-lines", "3000", "--registrations", "50", "--seed", "3"])
    ctx = _context(tmp_path / "huvudbok.se")
    fast = sie._read_vouchers_fast(ctx, 1)
    assert fast is not None
    exact = sie._read_vouchers_exact(ctx, 1, [])
    pd.testing.assert_frame_equal(fast[0], exact[0])
    assert not np.any(fast[1])  # generated vouchers balance

    from finsam.sources.ledger_csv import read_ledger_csv

    csv = read_ledger_csv(tmp_path / "huvudbok.csv").lines
    pd.testing.assert_frame_equal(fast[0], csv)
