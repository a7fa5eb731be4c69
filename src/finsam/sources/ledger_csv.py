"""General ledger (huvudbok) as a CSV export, Swedish format.

Input columns: Verifikation; Datum; Konto; Kontonamn; Kostnadsställe; Text; Belopp — ``;``
(or ``,``/tab) separated, decimal comma, SIE sign (debit positive). Kostnadsställe is empty
on balance-sheet lines. Output: a :class:`~finsam.sources.ledger.Ledger` (its frame shape is
documented in :mod:`finsam.sources.ledger`).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from finsam.errors import Problem, ProblemError, SourceError
from finsam.sources.ledger import LEDGER_COLUMNS, Ledger
from finsam.sources.tabular import (
    normalise_header,
    parse_dates,
    parse_numbers,
    read_table,
    sniff_separator,
    spreadsheet_row,
    to_ore,
)

COLUMNS = {
    "date": ("Datum", "Bokföringsdatum", "Verifikationsdatum", "Date"),
    "account": ("Konto", "Kontonr", "Account"),
    "cost_centre": ("Kostnadsställe", "Kostnadsstalle", "Kst", "Ansvar", "Kostnadsställe (dim 1)"),
    "amount": ("Belopp", "Belopp (kr)", "Summa", "Amount"),
}


def _fast(path: Path) -> pd.DataFrame | None:
    """The common case read at pandas' C-parser speed: UTF-8, ISO dates, plain decimal-comma
    amounts. Returns ``None`` when the file needs the tolerant path."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        header = head.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    sep = sniff_separator(header)
    names = [normalise_header(h) for h in header.split(sep)]
    pick = {}
    for key, aliases in COLUMNS.items():
        for a in aliases:
            if normalise_header(a) in names:
                pick[key] = names.index(normalise_header(a))
                break
        else:
            return None
    try:
        df = pd.read_csv(
            path,
            sep=sep,
            decimal=",",
            usecols=list(pick.values()),
            dtype={pick["account"]: str, pick["cost_centre"]: str},
            header=0,
            names=list(range(len(names))),
            encoding="utf-8",
            engine="c",
        )
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError):
        return None
    amount = df[pick["amount"]]
    if amount.dtype.kind not in "if":
        return None
    dates = pd.to_datetime(df[pick["date"]], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any() or amount.isna().any() or df[pick["account"]].isna().any():
        return None
    return pd.DataFrame(
        {
            "date": dates.astype("datetime64[ns]"),
            "account": df[pick["account"]].str.strip().astype(str),
            "cost_centre": df[pick["cost_centre"]].fillna("").str.strip().astype(str),
            "amount_ore": to_ore(amount.astype("float64")),
        }
    )[LEDGER_COLUMNS]


def read_ledger_csv(path: Path) -> Ledger:
    """Read a ledger CSV into a :class:`Ledger` (kind ``"csv"``, no fiscal year).

    Raises:
        SourceError: file missing/unreadable, or a required column (Datum, Konto,
            Kostnadsställe, Belopp) missing.
        ProblemError: an amount that is no number, a date that is no date, or an empty
            account (each error names the 1-based row and the column).
    """
    path = Path(path)
    if not path.exists():
        raise SourceError(f"Filen {path} finns inte. Kontrollera källmappen och filnamnet.")
    lines = _fast(path)
    if lines is None:
        df = read_table(path, COLUMNS, text_columns=("account", "cost_centre"))
        amount, problems = parse_numbers(df["amount"], file=path.name, column="Belopp")
        dates, p2 = parse_dates(df["date"], file=path.name, column="Datum")
        problems += p2
        for idx in df.index[df["account"].isna()]:
            problems.append(Problem("konto-saknas", "error", path.name, spreadsheet_row(df.index, idx), "Konto",
                                    "Raden saknar konto. Rätta exporten."))
        if problems:
            raise ProblemError(problems)
        lines = pd.DataFrame(
            {
                "date": dates.astype("datetime64[ns]"),
                "account": df["account"].astype(str),
                "cost_centre": df["cost_centre"].fillna("").astype(str),
                "amount_ore": to_ore(amount),
            }
        ).reset_index(drop=True)
    return Ledger(lines=lines, source=path, kind="csv")
