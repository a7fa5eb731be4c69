"""Inputs found by trying to break finsam: each is refused with a position, or read as a
person would mean it — never a traceback, never a silently wrong figure."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from finsam.sources.tabular import parse_dates


@pytest.mark.parametrize(
    "value, want",
    [
        (dt.datetime(2013, 1, 5), "2013-01-05"),
        (20130210, "2013-02-10"),          # YYYYMMDD typed as a number
        (41275, "2013-01-01"),             # an Excel serial number
        ("31/12/2013", "2013-12-31"),      # day first
        ("5/1 2013", "2013-01-05"),
        ("2013-02-10 12:30", "2013-02-10"),
        (dt.datetime(9999, 12, 31), None),  # the usual "open-ended" placeholder: empty, no problem
    ],
)
def test_dates_as_people_write_them(value, want):
    got, problems = parse_dates(pd.Series([value], dtype=object), file="f.csv", column="Datum")
    assert problems == []
    assert (None if pd.isna(got[0]) else got[0].date().isoformat()) == want


@pytest.mark.parametrize("value", [99999999, "999999", "2013-02-10 banan", dt.datetime(3000, 1, 1), "2013-02-30"])
def test_impossible_dates_are_an_error_with_their_row(value):
    got, problems = parse_dates(pd.Series([dt.datetime(2013, 1, 1), value], dtype=object), file="f.csv", column="Datum")
    assert pd.isna(got[1])
    assert [(p.code, p.row, p.column) for p in problems] == [("datum-ogiltigt", 3, "Datum")]
