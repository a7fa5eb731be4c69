"""The ledger frame that every ledger reader (CSV, SIE 4) produces, and the dispatch by content.

A :class:`Ledger` holds the transaction lines of a general ledger (huvudbok) as one
DataFrame with exactly :data:`LEDGER_COLUMNS`:

================  ================  ==========================================================
column            dtype             meaning
================  ================  ==========================================================
``date``          datetime64[ns]    the line's date (SIE: its voucher's date)
``account``       string (str)      account number as text, e.g. ``"4010"``
``cost_centre``   string (str)      kostnadsställe code as text; ``""`` for lines without one
``amount_ore``    int64             amount in öre, SIE sign: debit positive, credit negative
================  ================  ==========================================================

Report value of result accounts (classes 3–8) = −amount, so costs come out negative and
income positive (SIE 4B, #TRANS: debit positive; README "Definitions").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from finsam.errors import Problem

LEDGER_COLUMNS = ["date", "account", "cost_centre", "amount_ore"]

#: First digit of result accounts in the BAS chart (classes 3–8, finansnetto included).
RESULT_ACCOUNT_CLASSES = ("3", "4", "5", "6", "7", "8")


@dataclass
class Ledger:
    """A general ledger read from one file.

    Attributes:
        lines: DataFrame with :data:`LEDGER_COLUMNS` (see module docstring).
        source: the file it was read from.
        fiscal_year_start / fiscal_year_end: from SIE ``#RAR 0``; ``None`` when the file does
            not say (CSV): then the calendar year of the period is used.
        cost_centre_names: code → name from SIE ``#OBJEKT`` of the cost-centre dimension.
        opening_balances_ore: account → ``#IB 0`` balance in öre (SIE sign), when given.
        budget_ore: DataFrame (``cost_centre`` str, ``account`` str, ``amount_ore`` int64) of
            the year's ``#PBUDGET`` records summed per cost centre and account, or ``None``.
        budget_months: the same ``#PBUDGET`` records month by month (:data:`LEDGER_COLUMNS`,
            ``date`` = the month's last day; SIE 4B: each record is one month's change), or
            ``None``: the periodised budget sums them to the period.
        kind: ``"csv"`` or ``"sie"``.
        problems: data problems found while reading (warnings; errors raise instead).
        sheet: the sheet read when the ledger came from an xlsx file, else ``None``.
    """

    lines: pd.DataFrame
    source: Path
    kind: str = "csv"
    fiscal_year_start: date | None = None
    fiscal_year_end: date | None = None
    cost_centre_names: dict[str, str] = field(default_factory=dict)
    opening_balances_ore: dict[str, int] = field(default_factory=dict)
    budget_ore: pd.DataFrame | None = None
    budget_months: pd.DataFrame | None = None
    problems: list[Problem] = field(default_factory=list)
    sheet: str | None = None


def empty_lines() -> pd.DataFrame:
    """An empty frame of the ledger shape (for files with no transactions)."""
    return pd.DataFrame(
        {
            "date": pd.Series([], dtype="datetime64[ns]"),
            "account": pd.Series([], dtype="str"),
            "cost_centre": pd.Series([], dtype="str"),
            "amount_ore": pd.Series([], dtype="int64"),
        }
    )


def is_sie(path: Path) -> bool:
    """True when ``path`` is a SIE file: by extension (.se, .si, .sie) or by content
    (the file starts with ``#FLAGGA``, SIE 4B §5.1, possibly after a UTF-8 BOM)."""
    if path.suffix.lower() in {".se", ".si", ".sie"}:
        return True
    with open(path, "rb") as fh:
        head = fh.read(64).lstrip(b"\xef\xbb\xbf").lstrip()
    return head.upper().startswith(b"#FLAGGA")


def read_ledger(path: Path, *, cost_centre_dimension: int = 1) -> Ledger:
    """Read a general ledger, CSV or SIE 4, chosen by content (:func:`is_sie`).

    Raises:
        SourceError: the file cannot be read or lacks a required column.
    """
    path = Path(path)
    if is_sie(path):
        from finsam.sources.sie import read_sie

        return read_sie(path, cost_centre_dimension=cost_centre_dimension)
    from finsam.sources.ledger_csv import read_ledger_csv

    return read_ledger_csv(path)


def result_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """The lines on result accounts (classes 3–8), same shape as the input."""
    return lines[lines["account"].str[:1].isin(RESULT_ACCOUNT_CLASSES)]
