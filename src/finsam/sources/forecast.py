"""Forecast overrides collected from activity leaders (prognos.csv).

Columns: Kostnadsställe; Prognos (tkr, costs negative); Kommentar. Every cost centre not
listed keeps its forecast (default = budget).

:func:`read_forecast` returns a frame ``cost_centre`` (str), ``forecast_tkr`` (float64),
``comment`` (str / None), index = 0-based data row.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from finsam.errors import Problem
from finsam.sources.tabular import parse_numbers, read_table, spreadsheet_row

COLUMNS = {
    "cost_centre": ("Kostnadsställe", "Kostnadsstalle", "Kst", "Post"),
    "forecast_tkr": ("Prognos (tkr)", "Prognos", "Prognos tkr"),
}
OPTIONAL = {"comment": ("Kommentar", "Kommentarer", "Anmärkning")}


def read_forecast(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Read the forecast overrides.

    Raises:
        SourceError: file unreadable or a required column missing.
    """
    path = Path(path)
    table = read_table(path, COLUMNS, OPTIONAL, text_columns=("cost_centre", "comment"), what="prognoser")
    df = table.frame
    value, problems = parse_numbers(df["forecast_tkr"], file=path.name, column="Prognos (tkr)")
    problems = table.problems + problems
    df = df.assign(forecast_tkr=value)
    for idx in df.index[df["cost_centre"].isna() & value.notna()]:
        problems.append(Problem("rad-utan-nyckel", "warning", path.name, spreadsheet_row(df.index, idx), "Kostnadsställe",
                                f"Raden har prognosen {value[idx]:g} men inget kostnadsställe; den används inte. "
                                "Fyll i kostnadsstället eller ta bort raden."))
    df = df[df["cost_centre"].notna()]
    for idx in df.index[df["cost_centre"].duplicated(keep="last")]:
        problems.append(Problem("prognos-dubblett", "warning", path.name, spreadsheet_row(df.index, idx), "Kostnadsställe",
                                f"Kostnadsställe {df.at[idx, 'cost_centre']} står flera gånger; den sista raden gäller. "
                                "Ta bort de andra."))
    df.attrs["sheet"] = table.sheet
    return df, problems
