"""Strukturövergripande insatser (training days, networks): attendee counts, no personnummer.

Input columns (``struktur.csv`` or ``.xlsx``, optional source): Insats; Datum or Månad
(``YYYY-MM``); Antal deltagare; Kön (optional). The same shape as ``anonyma.csv``, so the
same reader and checks (:func:`finsam.sources.anonymous.read_anonymous`), except that a
whole date stays that day.

Output frame: ``insats`` (str), ``month`` (datetime64[ns]: the Datum, or the month's first
day for a Månad), ``count`` (int64), ``sex`` (str / None). Index = 0-based data row.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from finsam.errors import Problem
from finsam.sources.anonymous import read_anonymous


def read_structure(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Read ``struktur.csv``: rows and problems as :func:`~finsam.sources.anonymous.read_anonymous`.

    Raises:
        SourceError: file missing/unreadable or a required column missing.
    """
    return read_anonymous(path, keep_day=True)
