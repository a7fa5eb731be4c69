"""The vectorised municipality lookup in tables.participants_by_municipality: every spelling of a
member (case, stray spaces), unknown names and missing values land where a row-by-row lookup
puts them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from finsam import tables
from finsam.period import Period

Q1 = Period(date(2013, 1, 1), date(2013, 3, 31))


def _row_by_row(participants: pd.DataFrame, settings) -> pd.Series:
    known = {m.name.casefold(): m.name for m in settings.municipalities}
    return participants["municipality"].map(
        lambda v: settings.other_label if v is None or v != v else known.get(str(v).strip().casefold(), settings.other_label)
    )


def test_spellings_unknowns_and_missing_are_counted_where_row_by_row_puts_them(settings):
    members = [m.name for m in settings.municipalities]
    spellings = [members[0], f"  {members[0].upper()} ", members[1].casefold(), "Göteborg", None, np.nan, ""]
    n = len(spellings)
    people = pd.DataFrame(
        {
            "person": [f"19800101{i:04d}" for i in range(n)],
            "municipality": pd.Series(spellings, dtype=object),
            "start": pd.Series([pd.Timestamp("2013-02-01")] * n, dtype="datetime64[ns]"),
            "end": pd.Series([pd.NaT] * n, dtype="datetime64[ns]"),
            "end_reason": [None] * n,
        }
    )
    got = tables.participants_by_municipality(people, Q1, settings)
    expected = _row_by_row(people, settings).value_counts()
    assert got.loc[members[0], "inflode_antal"] == 2 == expected[members[0]]
    assert got.loc[members[1], "inflode_antal"] == 1 == expected[members[1]]
    assert got.loc[settings.other_label, "inflode_antal"] == 4 == expected[settings.other_label]
    assert got.loc["Summa", "inflode_antal"] == n
    assert got["utflode_antal"].sum() == 0
