"""Suppression of small counts in a publication copy (``--mask-below N``).

Swedish official statistics do not publish counts of 1..N−1 people: each is written as the
text ``"<N"`` (*primary* suppression). That alone is not enough: the table's totals are
published, so a masked count can often be computed back. Examples with N = 3:

* a column 4, 4, <3, total 9: the masked cell is 9 − 8 = 1;
* a column 4, 4, <3, <3, <3, total 11: the three masked cells sum to 3 and each is at
  least 1, so each is 1.

So more figures are hidden as ``".."`` (*secondary* suppression) until no hidden cell can be
pinned down: for every hidden cell, the published figures (shown cells, totals, and what the
marks say: ``"<N"`` is 1..N−1, ``".."`` is any count) allow at least two values. Zeros are
shown unless hiding one is the only way to protect a line: they reveal no one.

One function serves every table: :func:`suppress` takes any 2D table of counts and which
totals are published (a Summa row, a Summa column, both with the grand total). The
municipality table (:func:`finsam.populate.compute_blocks`) publishes column totals only.

Algorithm: every published figure of the table (cells and totals) is a cell of one grid; each
total gives an equation (its line's cells sum to it). The *audit* finds, for each hidden cell,
whether another value than the true one fits all equations and the marks' ranges — exact,
as a feasible circulation (a maximum flow) in the network rows → cells → columns that a
table with totals is. While some hidden cell is pinned, one more figure of an
equation it is in is hidden as ``".."``: the smallest shown count of at least N (the least
information lost), else a shown zero, else a ``"<N"`` becomes ``".."`` (a total below N
next to small counts: 1 + 1 = "<3" gives both away). Hiding more never pins anything, so
this ends. Unika columns whose Summa is a distinct count
(≤ the sum of the rows) are suppressed as if the Summa were the sum: the strongest case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from finsam.errors import FinsamError

#: The mark of a secondarily suppressed count (Statistics Sweden writes ".." for "not shown").
SECONDARY = ".."


def small_mark(below: int) -> str:
    """The text a primarily suppressed count is written as: ``"<3"`` for ``below`` = 3."""
    return f"<{below}"


@dataclass(frozen=True)
class Suppressed:
    """A table as published: counts as ``int``, hidden ones as ``"<N"`` or ``".."``.

    Attributes:
        cells: rows × columns, as the input.
        row_totals: one per row (the Summa column), or ``None`` when not published.
        column_totals: one per column (the Summa row), or ``None`` when not published.
        grand_total: the Summa of Summa when both totals are published, else ``None``.
    """

    cells: list[list[int | str]]
    row_totals: list[int | str] | None
    column_totals: list[int | str] | None
    grand_total: int | str | None


Pos = tuple[int, int]


def _grid(counts: Sequence[Sequence[int]], row_totals: bool, column_totals: bool):
    """The published figures as one grid, and the equations between them.

    Grid: the cells at (i, j); row totals at (i, C); column totals at (R, j); the grand total
    at (R, C). Each equation is (positions summed, position of their total)."""
    R, C = len(counts), len(counts[0]) if counts else 0
    values: dict[Pos, int] = {(i, j): int(counts[i][j]) for i in range(R) for j in range(C)}
    equations: list[tuple[list[Pos], Pos]] = []
    if row_totals:
        for i in range(R):
            values[(i, C)] = sum(values[(i, j)] for j in range(C))
            equations.append(([(i, j) for j in range(C)], (i, C)))
    if column_totals:
        for j in range(C):
            values[(R, j)] = sum(values[(i, j)] for i in range(R))
            equations.append(([(i, j) for i in range(R)], (R, j)))
    if row_totals and column_totals:
        values[(R, C)] = sum(values[(i, C)] for i in range(R))
        equations.append(([(i, C) for i in range(R)], (R, C)))
        equations.append(([(R, j) for j in range(C)], (R, C)))
    return values, equations


def _max_flow(n: int, arcs: list[tuple[int, int, int]], source: int, sink: int) -> int:
    """Maximum flow from ``source`` to ``sink`` over ``arcs`` (from, to, capacity) on nodes
    0..n−1 (Edmonds–Karp: shortest augmenting paths)."""
    graph: list[list[int]] = [[] for _ in range(n)]
    to, cap = [], []
    for a, b, c in arcs:
        graph[a].append(len(to)); to.append(b); cap.append(c)
        graph[b].append(len(to)); to.append(a); cap.append(0)
    flow = 0
    while True:
        via = [-1] * n
        via[source] = -2
        queue = [source]
        for node in queue:
            for e in graph[node]:
                if cap[e] > 0 and via[to[e]] == -1:
                    via[to[e]] = e
                    queue.append(to[e])
            if via[sink] != -1:
                break
        if via[sink] == -1:
            return flow
        push, node = None, sink
        while node != source:
            e = via[node]
            push = cap[e] if push is None else min(push, cap[e])
            node = to[e ^ 1]
        node = sink
        while node != source:
            e = via[node]
            cap[e] -= push
            cap[e ^ 1] += push
            node = to[e ^ 1]
        flow += push


def _feasible(R: int, C: int, ranges: dict[Pos, tuple[int, int]], row_totals: bool, column_totals: bool) -> bool:
    """Is there a table of integers within ``ranges`` (every published position: cells,
    totals) whose published totals are the sums of their lines?

    Exact: the table is a circulation — source → row i (its total) → column j (cell i, j)
    → sink (column j's total) → source (the grand total) — with each flow between its
    range's bounds; such a circulation exists iff a maximum flow saturates the bounds'
    demands (the standard reduction of lower bounds), and an integral one exists whenever a
    fractional one does."""
    free = (0, 10 ** 15)  # a total that is not published is any number
    S, T = 0, R + C + 1
    arcs = [(S, 1 + i, *(ranges[(i, C)] if row_totals else free)) for i in range(R)]
    arcs += [(1 + i, 1 + R + j, *ranges[(i, j)]) for i in range(R) for j in range(C)]
    arcs += [(1 + R + j, T, *(ranges[(R, j)] if column_totals else free)) for j in range(C)]
    arcs.append((T, S, *(ranges[(R, C)] if row_totals and column_totals else free)))
    n = R + C + 4
    SS, TT = n - 2, n - 1
    excess = [0] * n
    reduced = []
    for a, b, lo, hi in arcs:
        if lo > hi:
            return False
        reduced.append((a, b, hi - lo))
        excess[b] += lo
        excess[a] -= lo
    need = 0
    for node, e in enumerate(excess[: n - 2]):
        if e > 0:
            reduced.append((SS, node, e))
            need += e
        elif e < 0:
            reduced.append((node, TT, -e))
    return _max_flow(n, reduced, SS, TT) == need


def pinned(values: dict[Pos, int], hidden: dict[Pos, str], shape: tuple[int, int, bool, bool], below: int,
           *, first: bool = False) -> list[Pos]:
    """The hidden positions whose value the published figures determine (one value only;
    with ``first``, only the first one found).

    ``values``: every published position's true value (:func:`_grid`); ``hidden``: position
    → its mark; ``shape``: rows, columns, row totals published, column totals published.
    Ranges: a shown figure is itself, ``"<N"`` is 1..N−1, ``".."`` is 0 up to the largest
    figure of the table (no count exceeds the grand total)."""
    R, C, rows, cols = shape
    top = max([below, *values.values()])
    ranges = {p: (v, v) for p, v in values.items()}
    ranges.update({p: ((1, below - 1) if mark != SECONDARY else (0, top)) for p, mark in hidden.items()})
    out = []
    for p in hidden:
        lo, hi = ranges[p]
        v = values[p]
        other = (lo <= v - 1 and _feasible(R, C, {**ranges, p: (lo, v - 1)}, rows, cols)) or (
            v + 1 <= hi and _feasible(R, C, {**ranges, p: (v + 1, hi)}, rows, cols))
        if not other:
            out.append(p)
            if first:
                break
    return out


def suppress(counts: Sequence[Sequence[int]], below: int, *, row_totals: bool = False,
             column_totals: bool = True) -> Suppressed:
    """The table as a publication copy shows it: no count 1..``below``−1 shown, and none of
    the hidden ones computable from what is shown.

    Args:
        counts: rows × columns of counts (ints ≥ 0), e.g. municipalities × (inflöde antal,
            unika, utflöde antal, unika); totals are *not* part of it.
        below: N of ``--mask-below N`` (≥ 2).
        row_totals: whether a Summa column (each row's sum) is published.
        column_totals: whether a Summa row (each column's sum) is published; with both, the
            grand total is published too.

    Returns:
        :class:`Suppressed`: counts as ints, hidden ones as ``"<N"`` (a count or total of
        1..N−1) or ``".."`` (any count, hidden so that no hidden figure can be computed back).

    Raises:
        FinsamError: ``below`` < 2.

    Example (N = 3, a Summa row)::

        4  4  1  1  1  → Summa 11      ".."  4  <3  <3  <3  → Summa 11
    """
    if below < 2:
        raise FinsamError("--mask-below måste vara minst 2 (t.ex. 3: antal 1–2 visas som '<3').")
    values, equations = _grid(counts, row_totals, column_totals)
    R, C = len(counts), len(counts[0]) if counts else 0
    hidden: dict[Pos, str] = {p: small_mark(below) for p, v in values.items() if 0 < v < below}
    while True:
        bad = pinned(values, hidden, (R, C, row_totals, column_totals), below, first=True)
        if not bad:
            break
        p = bad[0]
        near = {q for parts, total in equations if p in parts or p == total for q in (*parts, total)}
        candidates = [q for q in (near or values) if hidden.get(q) != SECONDARY]
        if not candidates:  # every figure beside it is hidden already: widen to the whole table
            candidates = [q for q in values if hidden.get(q) != SECONDARY]
        if not candidates:
            raise FinsamError("Tabellen går inte att skydda med --mask-below. Publicera den utan uppdelning.")

        def loss(q: Pos):
            """Least information lost first: a shown count of N or more (smallest), a shown
            zero, then a "<N" made "..": then a cell before a total, then reading order."""
            kind = 2 if q in hidden else (1 if values[q] == 0 else 0)
            return (kind, values[q], q[0] >= R or q[1] >= C, q)

        hidden[min(candidates, key=loss)] = SECONDARY

    def shown(p: Pos) -> int | str:
        return hidden.get(p, values.get(p))

    return Suppressed(
        cells=[[shown((i, j)) for j in range(C)] for i in range(R)],
        row_totals=[shown((i, C)) for i in range(R)] if row_totals else None,
        column_totals=[shown((R, j)) for j in range(C)] if column_totals else None,
        grand_total=shown((R, C)) if row_totals and column_totals else None,
    )


def is_hidden(value) -> bool:
    """True for a count a publication copy hides (``"<N"`` or ``".."``)."""
    return isinstance(value, str) and (value.strip().startswith("<") or value.strip() == SECONDARY)
