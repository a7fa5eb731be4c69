"""--mask-below on Deltagare per insats (issue 11): no hidden count of the Kvinnor | Män | Totalt
grid can be computed back from what the sheet shows.

The sheet shows, per insats, Kvinnor, Män and Totalt, and their Summa row; Totalt also counts
the persons whose kön the register does not give, which the sheet does not show. The oracle is
the exhaustive solver of tests/test_suppression.py, given exactly that: Kvinnor, Män and an
unknown-kön cell per row (never shown: '..', anything from 0 to the grand total), Totalt as the
row total, the Summa row as column totals (the unknown-kön column's total unknown too). A
hidden count is disclosed when every table that shows the same takes one value there; a
person-count of unknown kön that is small (1..N−1) must not be disclosed either.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from finsam.participant_sheet import _publish  # the one suppression call of the sheet's by-kön tables
from test_suppression import _Pub, other_completion_exists, published_grid

DATA = Path(__file__).parent / "data" / "suppression"


def _tables(name: str) -> list[list[list[int]]]:
    blocks = (DATA / name).read_text(encoding="utf-8").strip().split("\n\n")
    return [[[int(x) for x in line.split()] for line in b.splitlines() if line and not line.startswith("#")]
            for b in blocks]


def leaks(rows: list[list[int]], below: int) -> list:
    """The hidden counts of the published grid that can be computed back (empty: none)."""
    cells, totals = _publish(rows, below, by_sex=True)
    table = [[k, m, t - k - m] for k, m, t in rows]  # Kvinnor, Män, kön not given
    shown_rows = [[c[0], c[1], ".."] for c in cells]
    pub = _Pub(shown_rows, row_totals=[c[2] for c in cells], column_totals=[totals[0], totals[1], ".."],
               grand_total=totals[2])
    shown, true, lines = published_grid(table, pub, True, True)
    unknown_kon = {(i, 2) for i in range(len(rows) + 1)}  # never on the sheet
    for p, v in shown.items():
        if p in unknown_kon:
            continue
        if isinstance(v, str):
            assert v == ".." or (v == f"<{below}" and 0 < true[p] < below), (p, v, true[p])
        else:
            assert v == true[p] and not 0 < v < below, (p, v, true[p])  # as counted, never small
    hidden = [p for p, v in shown.items() if isinstance(v, str) and (p not in unknown_kon or 0 < true[p] < below)]
    return sorted(p for p in hidden if not other_completion_exists(table, shown, lines, below, p))


@pytest.mark.parametrize("rows", _tables("insatser-kon.txt"))
def test_no_hidden_count_of_the_kon_grid_is_computable(rows):
    assert all(t >= k + m for k, m, t in rows)  # the data: Totalt counts everyone
    assert leaks(rows, 3) == []


def test_small_counts_are_hidden_at_all():
    """The check is not vacuous: a table with small counts publishes marks, and an unprotected
    publication of it (every count shown but the small ones) is found out."""
    rows = _tables("insatser-kon.txt")[0]
    cells, _ = _publish(rows, 3, by_sex=True)
    assert any(isinstance(v, str) for r in cells for v in r)
    table = [[k, m, t - k - m] for k, m, t in rows]
    naive = _Pub([[("<3" if 0 < v < 3 else v) for v in r[:2]] + [".."] for r in rows],
                 row_totals=[r[2] for r in rows], column_totals=[sum(r[0] for r in rows), sum(r[1] for r in rows), ".."],
                 grand_total=sum(r[2] for r in rows))
    shown, _, lines = published_grid(table, naive, True, True)
    assert not other_completion_exists(table, shown, lines, 3, (1, 0))  # Kvinnor 1 = Totalt 7 − Män 6 − 0


def test_random_small_registers():
    rng = random.Random(11)
    for _ in range(12):
        rows = []
        for _ in range(rng.choice([2, 3])):
            k, m = rng.choice([0, 1, 2, 3, 5]), rng.choice([0, 1, 2, 4, 6])
            rows.append([k, m, k + m + rng.choice([0, 0, 0, 1, 2])])
        assert leaks(rows, 3) == [], rows
