"""The board's budget (budget.xlsx).

Sheet ``Budget``: Kostnadsställe, Benämning, Grupp, Budget (tkr, costs negative).
Sheet ``Finansiering``: Post, Budget (tkr, income positive).

:func:`read_budget` returns ``(cost_centres, financing, problems)``:

- ``cost_centres``: ``cost_centre`` (str), ``name`` (str / None), ``group`` (str / None),
  ``budget_tkr`` (float64, tkr as the board decided them); index = 0-based data row.
- ``financing``: ``name`` (str), ``budget_tkr`` (float64); index = 0-based data row.

Warnings: ``budget-tom`` (a cost centre without a figure, counted as 0), ``budget-dubblett``
(a cost centre on several rows, summed).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from finsam.errors import Problem
from finsam.sources.tabular import EXCEL_SUFFIXES, parse_numbers, read_table, spreadsheet_row

CC_COLUMNS = {
    "cost_centre": ("Kostnadsställe", "Kostnadsstalle", "Kst", "Kod"),
    "budget_tkr": ("Budget (tkr)", "Budget", "Budget tkr"),
}
CC_OPTIONAL = {"name": ("Benämning", "Namn"), "group": ("Grupp",)}
FIN_COLUMNS = {"name": ("Post", "Finansiering", "Benämning"), "budget_tkr": ("Budget (tkr)", "Budget", "Budget tkr")}


def _without_key(frame: pd.DataFrame, values: pd.Series, key: str, where: str, column: str) -> list[Problem]:
    """``rad-utan-nyckel``: a row with an amount but no code or name, which would be dropped."""
    lost = frame[key].isna() & values.notna() & (values != 0)
    return [Problem("rad-utan-nyckel", "warning", where, spreadsheet_row(frame.index, idx), column,
                    f"Raden har beloppet {values[idx]:g} men ingen {column.lower()}; den kommer inte med. "
                    "Fyll i koden eller ta bort raden.")
            for idx in frame.index[lost]]


def read_budget(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """Read the budget workbook (or, for a CSV, the cost-centre part only).

    Sheets (visible ones only, :mod:`finsam.sources.xlsx`): the cost-centre budget is the
    sheet ``Budget`` (or the one sheet whose name starts with it, or the one visible sheet
    with a Kostnadsställe and a Budget column); financing is the sheet ``Finansiering`` (or
    ``Finansiering 2013``…, or the one visible sheet with Post and Budget but no
    Kostnadsställe). The frames' ``attrs["sheet"]`` name the sheets read.

    Raises:
        SourceError: the file is missing or unreadable; no visible sheet (or several) holds
            the cost-centre budget, or an xlsx has no financing sheet (a financing budget of
            0 would silently change the year's equity): the message names the sheets and
            columns found.
    """
    path = Path(path)
    excel = path.suffix.lower() in EXCEL_SUFFIXES
    table = read_table(path, CC_COLUMNS, CC_OPTIONAL, sheet="Budget" if excel else None,
                       text_columns=("cost_centre", "name", "group"), what="budget per kostnadsställe")
    cc = table.frame
    where = f"{path.name} ({table.sheet})" if excel else f"{path.name} (Budget)"
    budget, problems = parse_numbers(cc["budget_tkr"], file=where, column="Budget (tkr)")
    problems = table.problems + problems
    problems += _without_key(cc, budget, "cost_centre", where, "Kostnadsställe")
    cc = cc[cc["cost_centre"].notna()]
    for idx in cc.index[budget[cc.index].isna()]:
        problems.append(Problem("budget-tom", "warning", where, spreadsheet_row(cc.index, idx), "Budget (tkr)",
                                f"Kostnadsställe {cc.at[idx, 'cost_centre']} har ingen budget; den räknas som 0. "
                                "Fyll i budgeten (0 om den är noll)."))
    dup = cc["cost_centre"].duplicated(keep="first")
    for idx in cc.index[dup]:
        problems.append(Problem("budget-dubblett", "warning", where, spreadsheet_row(cc.index, idx), "Kostnadsställe",
                                f"Kostnadsställe {cc.at[idx, 'cost_centre']} står på flera rader; raderna summeras. "
                                "Ta bort dubbletten om det inte är meningen."))
    cc = cc.assign(budget_tkr=budget[cc.index].fillna(0.0))
    cc.attrs["sheet"] = table.sheet
    fin = pd.DataFrame({"name": pd.Series([], dtype=str), "budget_tkr": pd.Series([], dtype="float64")})
    if excel:
        ft = read_table(path, FIN_COLUMNS, sheet="Finansiering", lacks=CC_COLUMNS["cost_centre"], text_columns=("name",),
                        what="finansiering (Post, Budget (tkr))")
        fin, fwhere = ft.frame, f"{path.name} ({ft.sheet})"
        fb, p2 = parse_numbers(fin["budget_tkr"], file=fwhere, column="Budget (tkr)")
        problems += ft.problems + p2 + _without_key(fin, fb, "name", fwhere, "Post")
        fin = fin.assign(budget_tkr=fb.fillna(0.0))
        fin = fin[fin["name"].notna()]
        fin.attrs["sheet"] = ft.sheet
    return cc, fin, problems
