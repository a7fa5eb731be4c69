"""Anonymously registered participants (anonyma deltagare): counts only, no personnummer.

Input columns: Insats; Kommun (optional, never used to split the municipality table);
Månad (``YYYY-MM``) or Datum; Antal deltagare; Kön (optional: then the anonymous table is
split by kön, :func:`finsam.participant_tables.anonymous_by_sex`).

Output frame (:func:`read_anonymous`): ``insats`` (str), ``month`` (datetime64[ns], first day of the
month), ``count`` (int64), ``sex`` (str / None: Kön as written; all ``None`` without the
column). Index = 0-based data row.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from finsam.errors import Problem
from finsam.sources.tabular import (
    TOTAL_ROW,
    parse_dates,
    parse_numbers,
    read_table,
    row_problems,
    spreadsheet_row,
    spreadsheet_rows,
)

COLUMNS = {
    "insats": ("Insats", "Verksamhet", "Aktivitet"),
    "month": ("Månad", "Manad", "Period", "Datum"),
    "count": ("Antal deltagare", "Antal", "Deltagare"),
}
OPTIONAL = {"sex": ("Kön", "Kon", "Genus")}


def _as_month(problem: Problem, written_on: dict[int, object]) -> Problem:
    """A date problem of the Månad column said of the month as written (the reader reads
    ``2013-01`` as ``2013-01-01``, which the person never wrote)."""
    if problem.code != "datum-ogiltigt" or problem.row is None:
        return problem
    written = written_on[problem.row]
    return replace(problem, message=f"Månaden {str(written).strip()!r} går inte att läsa. Skriv månaden som ÅÅÅÅ-MM "
                                    "(t.ex. 2013-01) eller ett datum ÅÅÅÅ-MM-DD.")


def read_anonymous(path: Path, *, keep_day: bool = False) -> tuple[pd.DataFrame, list[Problem]]:
    """Read the anonymous counts (csv or xlsx).

    Total rows (``Totalt``/``Summa``) are skipped with a ``summarad`` warning, never counted.
    ``keep_day``: keep a whole date as the row's day (``struktur.csv``'s Datum, where a
    period ending mid-month must not take a later day of that month); else every date
    counts as its month's first day.

    Raises:
        SourceError: file missing/unreadable or a required column missing.
    """
    path = Path(path)
    table = read_table(path, COLUMNS, OPTIONAL, text_columns=("insats", "sex"), what="anonyma deltagare")
    df = table.frame
    # a total written in the Kön column ("K 20, M 6, Totalt 26") is a total row too: never counted
    totals = df.index[df["sex"].fillna("").astype(str).str.strip().str.match(TOTAL_ROW)]
    table.problems += row_problems(totals, df.index, "summarad", "warning", path.name, "Kön",
                                   lambda i: f"Raden är en summarad (Kön {str(df.at[i, 'sex']).strip()!r}) och läses "
                                             "inte som data.")
    df = df.drop(index=totals)
    month_text = df["month"].map(lambda v: f"{v.strip()}-01" if isinstance(v, str) and len(v.strip()) == 7 else v)
    month, problems = parse_dates(month_text, file=path.name, column="Månad", epoch=table.epoch)
    written_on = dict(zip(spreadsheet_rows(df.index), df["month"]))  # spreadsheet row → Månad as written
    problems = table.problems + [_as_month(p, written_on) for p in problems]
    count, p2 = parse_numbers(df["count"], file=path.name, column="Antal deltagare")
    row = lambda idx: spreadsheet_row(df.index, idx)  # noqa: E731
    bad = {p.row for p in problems + p2}
    for idx in df.index:
        c, m = count[idx], df.at[idx, "month"]
        if row(idx) in bad:
            continue
        if m is None or (isinstance(m, str) and not m.strip()) or (isinstance(m, float) and m != m):
            p2.append(Problem("manad-saknas", "error", path.name, row(idx), "Månad",
                              "Raden saknar månad (ÅÅÅÅ-MM). Fyll i den."))
        if c != c:
            p2.append(Problem("antal-saknas", "error", path.name, row(idx), "Antal deltagare",
                              "Raden saknar antal. Fyll i antalet (0 om inga)."))
        elif c < 0 or c != int(c):
            p2.append(Problem("antal-ogiltigt", "error", path.name, row(idx), "Antal deltagare",
                              f"Antalet {c:g} är inget antal deltagare (ett heltal, 0 eller mer). Rätta raden."))
    out = pd.DataFrame(
        {
            "insats": df["insats"].fillna("").astype(str),
            "month": month if keep_day else month.dt.to_period("M").dt.to_timestamp(),
            "count": count.fillna(0).round().astype("int64"),
            "sex": df["sex"],
        },
        index=df.index,
    )
    out.attrs["sheet"] = table.sheet
    return out, problems + p2
