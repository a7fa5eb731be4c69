"""The tests' own money arithmetic for issue 12 (never finsam's): rounding half away from
zero, the largest remainder split, and the sample budget read straight from budget.xlsx."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import openpyxl

from conftest import SAMPLE


def half_away(x: Fraction) -> int:
    """Round half away from zero, written out here."""
    return int((Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split(total: int, weights: list[Fraction]) -> list[int]:
    """Largest remainder: floors, then the leftover units to the largest fractions (the
    earlier row on a tie); a negative total split as its absolute value."""
    whole = abs(total)
    exact = [whole * w / sum(weights) for w in weights]
    parts = [int(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))[: whole - sum(parts)]:
        parts[i] += 1
    return [p if total >= 0 else -p for p in parts]


def sample_budget() -> dict[str, tuple[str, Fraction]]:
    """code → (group, budget tkr) straight from the sample's budget.xlsx."""
    ws = openpyxl.load_workbook(SAMPLE / "budget.xlsx", read_only=True)["Budget"]
    rows = list(ws.iter_rows(values_only=True))
    head = [str(h) for h in rows[0]]
    c, g, b = head.index("Kostnadsställe"), head.index("Grupp"), head.index("Budget (tkr)")
    return {str(r[c]): (r[g], Fraction(str(r[b]))) for r in rows[1:] if r[c] is not None}
