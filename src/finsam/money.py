"""Money rules: exact amounts in öre, rounded to whole tkr once, here.

Amounts are carried as integer öre (1 kr = 100 öre) from the moment a source is read,
so sums are exact. The only conversion to tkr (thousand kronor) is :func:`ore_to_tkr`,
which rounds half away from zero, as Swedish public accounts print. A table's total is
then the sum of its rounded rows (seed: "Totalt" rows of the cost-centre tables), which the
workbook computes with formulas.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

ORE_PER_TKR = 100_000


def ore_to_tkr(ore: int) -> int:
    """Round an amount in öre to whole tkr, half away from zero.

    >>> ore_to_tkr(5_849_999), ore_to_tkr(5_850_000), ore_to_tkr(-5_850_000)
    (58, 59, -59)
    """
    return int((Decimal(int(ore)) / ORE_PER_TKR).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def tkr_to_ore(tkr: int | float | Decimal) -> int:
    """Whole or fractional tkr (e.g. a budget figure) to integer öre, exactly."""
    return int((Decimal(str(tkr)) * ORE_PER_TKR).to_integral_value(rounding=ROUND_HALF_UP))


def kr_to_ore(kronor: "pd.Series") -> "np.ndarray":
    """Kronor read as floats (at most 2 decimals, checked by the readers) → int64 öre, rounded
    to the nearest öre, vectorised. Missing values count as 0."""
    import numpy as np

    return np.round(kronor.fillna(0.0).to_numpy() * 100).astype("int64")
