"""--mask-below: no hidden count can be computed back from what a publication copy shows.

The oracle is an exhaustive solver written here, independent of finsam.suppression: it
enumerates every completion of the hidden cells ("<N" = 1..N−1, ".." = 0 up to the table's
grand total) that agrees with every published total, and collects the values each hidden cell
takes. A cell that takes one value only is disclosed.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from finsam.suppression import suppress

DATA = Path(__file__).parent / "data" / "suppression"


def published_grid(table: list[list[int]], pub, row_totals: bool, column_totals: bool):
    """(grid of published values, true values, lines) with totals placed as in a report:
    row totals in an extra column, column totals in an extra row, the grand total in the corner."""
    R, C = len(table), len(table[0])
    true = {(i, j): table[i][j] for i in range(R) for j in range(C)}
    shown = {(i, j): pub.cells[i][j] for i in range(R) for j in range(C)}
    lines = []
    if row_totals:
        for i in range(R):
            true[(i, C)] = sum(table[i])
            shown[(i, C)] = pub.row_totals[i]
            lines.append(([(i, j) for j in range(C)], (i, C)))
    if column_totals:
        for j in range(C):
            true[(R, j)] = sum(table[i][j] for i in range(R))
            shown[(R, j)] = pub.column_totals[j]
            lines.append(([(i, j) for i in range(R)], (R, j)))
    if row_totals and column_totals:
        true[(R, C)] = sum(map(sum, table))
        shown[(R, C)] = pub.grand_total
        lines.append(([(i, C) for i in range(R)], (R, C)))
        lines.append(([(R, j) for j in range(C)], (R, C)))
    return shown, true, lines


def other_completion_exists(table, shown: dict, lines, below: int, target) -> bool:
    """Complete search: is there a table of counts, other than the true one at ``target``,
    that shows exactly what is published? Every hidden cell ranges over what its mark allows
    ("<N": 1..N−1, "..": 0..grand total); totals follow from the cells and must match their
    published value or mark. Cells are tried in reading order, the true value first; a cell
    that is the last open one of a line with a shown total can only be what that total leaves."""
    R, C = len(table), len(table[0])
    top = sum(map(sum, table))
    cells = [(i, j) for i in range(R) for j in range(C)]
    open_cells = [p for p in cells if isinstance(shown[p], str)]
    cell_lines = [line for line in lines if all(q in cells for q in line[0])]  # totals of cells

    def allowed(p, v) -> bool:
        mark = shown[p]
        if not isinstance(mark, str):
            return v == mark
        return 1 <= v < below if mark == f"<{below}" else 0 <= v <= top

    def with_totals(values: dict) -> dict:
        known = dict(values)
        for _ in range(2):  # the grand total is a total of totals
            for parts, total in lines:
                if total not in known and all(q in known for q in parts):
                    known[total] = sum(known[q] for q in parts)
        return known

    def most(p) -> int:
        mark = shown[p]
        return mark if not isinstance(mark, str) else (below - 1 if mark == f"<{below}" else top)

    def consistent(values: dict) -> bool:
        known = with_totals(values)
        for parts, total in lines:
            if total in known:
                if not allowed(total, known[total]):
                    return False
                continue
            low = sum(known.get(q, 0) for q in parts)
            if low > most(total):  # the parts already exceed what the total may be
                return False
            if not isinstance(shown[total], str) and all(q in cells for q in parts):
                if low + sum(most(q) for q in parts if q not in known) < shown[total]:
                    return False  # the open parts cannot reach the shown total
        return True

    truth = with_totals({p: table[p[0]][p[1]] for p in cells})

    def candidates(p, values: dict) -> list[int]:
        for parts, total in cell_lines:
            if p in parts and not isinstance(shown[total], str) and all(q in values for q in parts if q != p):
                return [shown[total] - sum(values[q] for q in parts if q != p)]
        others = [v for v in range(0, top + 1) if v != truth[p]]
        return others + [truth[p]] if p == target else [truth[p]] + others

    def walk(k: int, values: dict) -> bool:
        if k == len(open_cells):
            return with_totals(values)[target] != truth[target]
        p = open_cells[k]
        for v in candidates(p, values):
            if not allowed(p, v):
                continue
            values[p] = v
            if consistent(values) and walk(k + 1, values):
                return True
            del values[p]
        return False

    return walk(0, {p: shown[p] for p in cells if not isinstance(shown[p], str)})


def disclosed(table, pub, below, row_totals, column_totals) -> list:
    shown, true, lines = published_grid(table, pub, row_totals, column_totals)
    hidden = [p for p, v in shown.items() if isinstance(v, str)]
    return sorted(p for p in hidden if not other_completion_exists(table, shown, lines, below, p))


def check_published(table, pub, below, row_totals, column_totals):
    shown, true, _ = published_grid(table, pub, row_totals, column_totals)
    for p, v in shown.items():
        if isinstance(v, str):
            assert v == ".." or 0 < true[p] < below, (p, v, true[p])  # "<N" only where the count is 1..N-1
        else:
            assert v == true[p] and not 0 < v < below, (p, v)  # shown as it is, never small
    assert disclosed(table, pub, below, row_totals, column_totals) == []


class _Pub:
    def __init__(self, cells, row_totals=None, column_totals=None, grand_total=None):
        self.cells, self.row_totals, self.column_totals, self.grand_total = cells, row_totals, column_totals, grand_total


def test_the_solver_finds_the_cells_the_old_masking_left_computable():
    # issue 9: with 4 + 4 shown, three cells <3 and a total of 11, each masked cell must be 1
    table = [[4], [4], [1], [1], [1]]
    old = _Pub([[4], [4], ["<3"], ["<3"], ["<3"]], column_totals=[11])
    assert disclosed(table, old, 3, False, True) == [(2, 0), (3, 0), (4, 0)]


def test_the_issue_column_is_protected():
    table = [[4], [4], [1], [1], [1]]
    pub = suppress(table, 3, column_totals=True)
    assert sum(1 for r in pub.cells if r[0] == "..") >= 1
    check_published(table, pub, 3, False, True)


def _tables_in(name: str) -> list[list[list[int]]]:
    """Tables of a data file: rows of space-separated counts, tables separated by blank lines."""
    blocks = (DATA / name).read_text(encoding="utf-8").strip().split("\n\n")
    return [[[int(x) for x in line.split()] for line in b.splitlines() if not line.startswith("#")] for b in blocks]


@pytest.mark.parametrize("table", _tables_in("sma-tabeller.txt"))
@pytest.mark.parametrize("below", [3, 5])
@pytest.mark.parametrize("totals", [(False, True), (True, False), (True, True)], ids=["summa-rad", "summa-kolumn", "bada"])
def test_small_tables_hide_every_small_count_and_none_is_computable(table, below, totals):
    pub = suppress(table, below, row_totals=totals[0], column_totals=totals[1])
    check_published(table, pub, below, *totals)


def test_random_small_tables_with_both_totals():
    rng = random.Random(2013)
    for _ in range(40):
        R, C = rng.choice([(2, 2), (2, 3), (3, 2), (3, 3)])
        table = [[rng.choice([0, 1, 1, 2, 3, 4, 6]) for _ in range(C)] for _ in range(R)]
        pub = suppress(table, 3, row_totals=True, column_totals=True)
        check_published(table, pub, 3, True, True)


def test_the_sample_publication_copy_gives_no_count_away(tmp_path):
    """The sample's municipality table (the published report's figures) as --mask-below 3
    writes it: every hidden count, in every column, has another possible value."""
    import json
    import shutil

    from conftest import SAMPLE
    from finsam.settings import load_settings
    from finsam.workbook import OpenpyxlBook, new_workbook, populate_workbook

    expected = json.loads((Path(__file__).parent / "data" / "sjuharad" / "expected.json").read_text(encoding="utf-8"))
    keys = ["inflode_antal", "inflode_unika", "utflode_antal", "utflode_unika"]
    members = [m for m in expected["kommuner"] if m != "Summa"]
    table = [[expected["kommuner"][m][k] for k in keys] for m in members]
    src = tmp_path / "källor"
    shutil.copytree(SAMPLE, src)
    book = new_workbook(tmp_path / "kopia.xlsx", load_settings(src / "sjuharad.toml"))
    populate_workbook(book, period="2013-Q1", mask_below=3)
    io = OpenpyxlBook(book)
    pub = _Pub(io.read("fs_deltagare"), column_totals=io.read("fs_deltagare_summa")[0])
    assert any(v == "<3" for r in pub.cells for v in r)
    check_published(table, pub, 3, False, True)
