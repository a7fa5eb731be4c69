"""Money and number rules, each in one place: how a number is read, how it is rounded, which
sign a result account is reported with, and how kronor become öre.

- **Reading** (:func:`parse_number`, :func:`parse_number_texts`): every source file and
  every workbook cell is read by these, so ``"−260"`` is −260 everywhere. Swedish writing
  (Skatteverket's and SCB's style, SS 03 01 02): decimal comma, thousands grouped by a space,
  no-break space (U+00A0), narrow no-break space (U+202F) or an apostrophe; the minus sign
  U+2212 and the en dash as minus. A dot is a decimal point (``12.5``, as Excel writes a
  number in a CSV on an English system) unless it is followed by exactly three digits
  (``-1.500``): a Swedish or German thousands dot and an English decimal point read the
  same there, so it is refused (:data:`AMBIGUOUS`). Dot groups with a decimal comma
  (``1.234,50``) or several dot groups (``1.234.567``) are thousands dots, unambiguously.
  ``1,234.50`` (English thousands comma) is refused: a comma is always a decimal comma.
- **Rounding** (:func:`round_half_away`): half away from zero, as Swedish public accounts
  print (12.5 → 13, −12.5 → −13); Python's ``round`` rounds half to even (12.5 → 12) and is
  not used for money. Amounts are integer öre (1 kr = 100 öre) from the moment a source is
  read, so sums are exact; the only conversion to tkr (thousand kronor) is
  :func:`ore_to_tkr`, once per printed row. A table's total is then the sum of its rounded
  rows (seed: "Totalt" rows of the cost-centre tables), which the workbook computes.
- **Sign** (:func:`report_tkr`): the ledger keeps SIE's sign (SIE 4B §11 ``#TRANS``: debit
  positive, credit negative); the report shows a result account's balance negated, so
  costs are negative and income positive (seed "Nettokostnad och finansnetto", README
  "Definitions"). The same rule gives the opening equity from ``#IB`` on 20xx.
- **Kronor → öre** (:func:`kr_to_ore`, :func:`tkr_to_ore`).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

ORE_PER_TKR = 100_000

#: Why a text is no number (:func:`parse_number_texts`): not a number at all; a dot that may
#: be a thousands dot; more decimals than the caller allows.
INVALID, AMBIGUOUS, TOO_FINE = "ogiltigt", "tusenpunkt", "decimaler"

_BLANKS = "\u0020\u00a0\u202f\u2009'"
_MINUS = "\u2212\u2013"
#: Blanks inside a number are thousands separators only between groups of three digits
#: ("1 234 567,50"); "940530 3422" is no number (it is a personnummer).
_GROUPED_BLANKS = re.compile(rf"^[-+]?\d{{1,3}}(?:[{_BLANKS}]\d{{3}})+(?:[.,]\d*)?$")
_PLAIN = re.compile(r"^[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$")
_DOT_GROUPS_COMMA = re.compile(r"^[-+]?\d{1,3}(?:\.\d{3})+,\d*$")  # 1.234,50
_DOT_GROUPS = re.compile(r"^[-+]?\d{1,3}(?:\.\d{3}){2,}$")  # 1.234.567
_ONE_DOT_THREE = re.compile(r"^[-+]?[1-9]\d{0,2}\.\d{3}$")  # -1.500: thousands dot or decimal point?
_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.S)


def excel_text(value: str) -> str:
    """A cell written with Excel's text idiom ``="…"`` (so Excel keeps leading zeros) → the
    text inside; anything else unchanged."""
    m = _EXCEL_TEXT.match(value.strip())
    return m.group(1) if m else value


def _classify(text: str, decimals: int | None) -> tuple[str | None, str | None]:
    """``(canonical "-1234.5" form or None, reason or None)`` for one stripped text."""
    t = excel_text(text).strip()
    if not t:
        return None, None
    for ch in _MINUS:
        t = t.replace(ch, "-")
    t = re.sub(r"^([-+])\s+", r"\1", t)  # "- 260"
    if any(b in t for b in _BLANKS):
        if not _GROUPED_BLANKS.match(t):
            return None, INVALID
        t = re.sub(f"[{_BLANKS}]", "", t)
    if _DOT_GROUPS_COMMA.match(t) or _DOT_GROUPS.match(t):
        t = t.replace(".", "")
    elif _ONE_DOT_THREE.match(t):
        return None, AMBIGUOUS if decimals is None or decimals >= 3 else TOO_FINE
    if not _PLAIN.match(t):
        return None, INVALID
    t = t.replace(",", ".")
    if decimals is not None and "." in t and len(t.split(".")[1]) > decimals:
        return None, TOO_FINE
    return t, None


def parse_number(value: object, *, decimals: int | None = None) -> float | None:
    """One number as a source file or a workbook cell holds it, or ``None`` when it is none.

    Numbers (int, float, not bool) are returned as floats; text is read by the rules in the
    module docstring (``"−1 234,5"`` → −1234.5, ``"1\u00a0200"`` → 1200, ``"12.5"`` → 12.5,
    ``"-1.500"`` → ``None``, ``"940530 3422"`` → ``None``). Empty text is ``None`` too; use
    :func:`parse_number_texts` to tell why a text was refused.

    >>> parse_number("\u2212260"), parse_number("1.234,50"), parse_number("-1.500")
    (-260.0, 1234.5, None)
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if value == value else None
    canon, _ = _classify(str(value), decimals)
    return float(canon) if canon is not None else None


def parse_number_texts(texts: "pd.Series", *, decimals: int | None = None) -> tuple["pd.Series", "pd.Series"]:
    """The vectorised twin of :func:`parse_number` for a column of text.

    Args:
        texts: str values (``""`` = empty cell).
        decimals: the most decimals a value may have (2 for kronor), or ``None``.

    Returns:
        ``(numbers, reasons)``: float64 (NaN where empty or refused) and, per value, ``None``
        or :data:`INVALID` / :data:`AMBIGUOUS` / :data:`TOO_FINE`. Each distinct text is
        classified once.
    """
    import numpy as np
    import pandas as pd

    codes, distinct = pd.factorize(texts.to_numpy(dtype=object))
    canon = np.full(len(distinct) + 1, np.nan)
    reason = np.full(len(distinct) + 1, None, dtype=object)
    for i, text in enumerate(distinct):
        c, r = _classify(str(text), decimals)
        if c is not None:
            canon[i] = float(c)
        reason[i] = r
    return (pd.Series(canon[codes], index=texts.index, dtype="float64"),
            pd.Series(reason[codes], index=texts.index, dtype=object))


def round_half_away(value: "int | float | Decimal | str") -> int:
    """The whole number nearest ``value``, halves away from zero: 12.5 → 13, −12.5 → −13,
    12.49 → 12. Floats are taken by their shortest decimal form (``str``), so 2.675 is 2.675,
    not 2.67499…. Used for every rounding of money and counts (module docstring).

    Raises:
        ValueError: ``value`` is not a finite number.
    """
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
        return int(d.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError, OverflowError):
        raise ValueError(f"{value!r} is not a finite number") from None


def ore_to_tkr(ore: int) -> int:
    """Round an amount in öre to whole tkr, half away from zero.

    >>> ore_to_tkr(5_849_999), ore_to_tkr(5_850_000), ore_to_tkr(-5_850_000)
    (58, 59, -59)
    """
    return round_half_away(Decimal(int(ore)) / ORE_PER_TKR)


def report_sign(amount_sie_sign):
    """The sign rule alone, for a number or a whole column: a result (or equity) account's
    amount with SIE's sign (debit positive) as the report shows it, negated (costs negative,
    income positive). Source: SIE 4B §11; seed "Nettokostnad och finansnetto"."""
    return -amount_sie_sign


def report_tkr(ore_sie_sign: int) -> int:
    """A result (or equity) account's balance in öre with SIE's sign (debit positive) → the
    figure the report prints, whole tkr: negated (costs negative, income positive) and rounded
    once by :func:`ore_to_tkr`. Source: SIE 4B §11 (``#TRANS`` sign); seed "Nettokostnad och
    finansnetto".

    >>> report_tkr(26_413_527), report_tkr(-376_500_000)
    (-264, 3765)
    """
    return ore_to_tkr(report_sign(int(ore_sie_sign)))


def tkr_to_ore(tkr: int | float | Decimal) -> int:
    """Whole or fractional tkr (e.g. a budget figure) to integer öre, exactly."""
    return round_half_away(Decimal(str(tkr)) * ORE_PER_TKR)


def tkr(value: int | float | Decimal) -> int:
    """A figure already in tkr (a budget or forecast cell, ``12.5``) → whole tkr, rounded once
    half away from zero, exactly as :func:`ore_to_tkr` would round its öre."""
    return ore_to_tkr(tkr_to_ore(value))


def kr_to_ore(kronor: "pd.Series | np.ndarray") -> "np.ndarray":
    """Kronor read as floats (at most 2 decimals, checked by the readers) → int64 öre, rounded
    to the nearest öre, vectorised (a Series or a float array). Missing values count as 0.
    Exact: |100 × kr| < 2⁵³ for every amount the readers let through (``LARGEST``), so the
    float error is far below ½ öre and halves cannot occur."""
    import numpy as np

    values = np.asarray(kronor, dtype="float64")
    return np.round(np.nan_to_num(values, nan=0.0) * 100).astype("int64")


def format_int(value: int) -> str:
    """A whole number as a Swedish reader expects it printed: thousands grouped by a no-break
    space, a minus for a negative (``-24837`` → ``"-24 837"``; the workbook's own
    :data:`finsam.sheet.NUMBER_FORMAT` prints the same in Excel). Used by the command line
    and the report document."""
    return f"{int(value):,}".replace(",", "\u00a0")


def ore_part_to_tkr(ore: int, numerator: int, denominator: int) -> int:
    """``ore × numerator / denominator`` in whole tkr, rounded once, half away from zero, with
    no float on the way (a periodised budget: budget × months / 12).

    >>> ore_part_to_tkr(-253_000_000, 3, 12), ore_part_to_tkr(-28_000_000, 3, 12)
    (-633, -70)
    """
    return round_half_away(Decimal(int(ore) * int(numerator)) / (Decimal(int(denominator)) * ORE_PER_TKR))


def largest_remainder(total: int, weights: "list[Decimal]") -> list[int]:
    """Split whole ``total`` (tkr) in proportion to ``weights`` so that the whole parts add up to
    ``total`` exactly (the largest remainder, or Hamilton, method): each part gets the whole
    part of its exact share, and the units left over go one each to the parts with the
    largest fractions; equal fractions go to the earlier part. A negative total is split as
    its absolute value, then negated. The workbook's Finansiering per medlem formulas apply
    the same rule (:mod:`finsam.layout`).

    >>> largest_remainder(3765, [Decimal(50), Decimal(25), Decimal(25)])
    [1883, 941, 941]

    Raises:
        ValueError: the weights are empty, negative or sum to zero.
    """
    from fractions import Fraction

    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("weights must be non-negative and not all zero")
    sign, whole = (-1 if total < 0 else 1), abs(int(total))
    exact = [Fraction(whole) * Fraction(w) / Fraction(sum(weights)) for w in weights]
    parts = [int(x) for x in exact]  # floor: x ≥ 0
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: whole - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]
