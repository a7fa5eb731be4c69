"""The board's budget (budget.xlsx).

Sheet ``Budget``: Kostnadsställe, Benämning, Grupp, Budget (tkr, costs negative).
Sheet ``Finansiering``: Post, Budget (tkr, income positive).

:func:`read_budget` returns ``(cost_centres, financing, problems)``:

- ``cost_centres``: ``cost_centre`` (str), ``name`` (str / None), ``group`` (str / None),
  ``budget_tkr`` (float64, tkr as the board decided them).
- ``financing``: ``name`` (str), ``budget_tkr`` (float64).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from finsam.errors import Problem
from finsam.sources.tabular import EXCEL_SUFFIXES, parse_numbers, read_table

CC_COLUMNS = {
    "cost_centre": ("Kostnadsställe", "Kostnadsstalle", "Kst", "Kod"),
    "budget_tkr": ("Budget (tkr)", "Budget", "Budget tkr"),
}
CC_OPTIONAL = {"name": ("Benämning", "Namn"), "group": ("Grupp",)}
FIN_COLUMNS = {"name": ("Post", "Finansiering", "Benämning"), "budget_tkr": ("Budget (tkr)", "Budget", "Budget tkr")}


def read_budget(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """Read the budget workbook (or, for a CSV, the cost-centre part only).

    Raises:
        SourceError: the file or its sheet ``Budget`` is missing, or a required column is.
    """
    path = Path(path)
    excel = path.suffix.lower() in EXCEL_SUFFIXES
    cc = read_table(path, CC_COLUMNS, CC_OPTIONAL, sheet="Budget" if excel else 0, text_columns=("cost_centre", "name", "group"))
    budget, problems = parse_numbers(cc["budget_tkr"], file=f"{path.name} (Budget)", column="Budget (tkr)")
    cc = cc.assign(budget_tkr=budget.fillna(0.0))
    cc = cc[cc["cost_centre"].notna()]
    fin = pd.DataFrame({"name": pd.Series([], dtype=str), "budget_tkr": pd.Series([], dtype="float64")})
    if excel:
        import python_calamine

        sheets = python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names
        if "Finansiering" in sheets:
            fin = read_table(path, FIN_COLUMNS, sheet="Finansiering", text_columns=("name",))
            fb, p2 = parse_numbers(fin["budget_tkr"], file=f"{path.name} (Finansiering)", column="Budget (tkr)")
            problems += p2
            fin = fin.assign(budget_tkr=fb.fillna(0.0))
            fin = fin[fin["name"].notna()]
    return cc.reset_index(drop=True), fin.reset_index(drop=True), problems
