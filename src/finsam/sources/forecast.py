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

    A cost centre on several rows with the same forecast gives a warning (``prognos-dubblett``),
    with different forecasts an error (``prognos-motstridig``): the caller refuses.

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
    # Two rows for one cost centre: the same figure twice is harmless (warning); two different
    # figures leave finsam guessing which one the activity leader meant, so they are refused
    # (house rule: wrong is worse than refused; found by the tester with a real export).
    for idx in df.index[df["cost_centre"].duplicated(keep="last")]:
        code = df.at[idx, "cost_centre"]
        same = df[df["cost_centre"] == code]
        rows = ", ".join(str(spreadsheet_row(df.index, i)) for i in same.index)
        if same["forecast_tkr"].nunique(dropna=False) > 1:
            if idx == same.index[0]:
                figures = ", ".join(f"{v:g}" for v in same["forecast_tkr"])
                problems.append(Problem("prognos-motstridig", "error", path.name, spreadsheet_row(df.index, idx),
                                        "Prognos (tkr)",
                                        f"Kostnadsställe {code} har olika prognoser på raderna {rows} ({figures} tkr). "
                                        "Behåll en rad per kostnadsställe med rätt prognos."))
        else:
            problems.append(Problem("prognos-dubblett", "warning", path.name, spreadsheet_row(df.index, idx), "Kostnadsställe",
                                    f"Kostnadsställe {code} står flera gånger (raderna {rows}) med samma prognos; "
                                    "den sista raden gäller. Ta bort de andra."))
    df.attrs["sheet"] = table.sheet
    return df, problems
