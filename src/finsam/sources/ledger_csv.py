"""General ledger (huvudbok) as a CSV export, Swedish format.

Input columns: Verifikation; Datum; Konto; Kontonamn; Kostnadsställe; Text; Belopp — ``;``
(or ``,``/tab) separated, decimal comma, SIE sign (debit positive). Kostnadsställe is empty
on balance-sheet lines. Output: a :class:`~finsam.sources.ledger.Ledger` (its frame shape is
documented in :mod:`finsam.sources.ledger`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from finsam.errors import Problem, ProblemError, SourceError
from finsam.money import kr_to_ore
from finsam.runtime import threads_available
from finsam.sources.ledger import LEDGER_COLUMNS, Ledger
from finsam.sources.tabular import (
    LARGEST,
    normalise_header,
    parse_dates,
    parse_numbers,
    read_table,
    row_problems,
    split_header,
    spreadsheet_row,
)

COLUMNS = {
    "date": ("Datum", "Bokföringsdatum", "Verifikationsdatum", "Date"),
    "account": ("Konto", "Kontonr", "Account"),
    "cost_centre": ("Kostnadsställe", "Kostnadsstalle", "Kst", "Ansvar", "Kostnadsställe (dim 1)"),
    "amount": ("Belopp", "Belopp (kr)", "Summa", "Amount"),
}
#: Exports that split the amount in two columns (Fortnox, Visma): Belopp = Debet − Kredit.
DEBIT_CREDIT = {"debit": ("Debet", "Debit"), "credit": ("Kredit", "Credit")}


def _fast(path: Path) -> pd.DataFrame | None:
    """The common case read by Arrow's multithreaded CSV reader: UTF-8 without BOM, ISO dates
    (``ÅÅÅÅ-MM-DD``, nothing else), plain decimal-comma amounts, an account on every line.
    Only the four needed columns are converted. Returns ``None`` when the file needs the
    tolerant path (which also names the row of any error)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"\xef\xbb\xbf"):
        return None
    cut = head.rfind(b"\n")
    try:
        text = (head[:cut] if cut > 0 else head).decode("utf-8")
    except UnicodeDecodeError:
        return None
    sep, header, rest = split_header(text)
    skip = 1 if len(rest) == len(text) else 2  # Excel's "sep=;" line before the header
    names = [normalise_header(h) for h in header.split(sep)]
    pick = {}
    for key, aliases in COLUMNS.items():
        for a in aliases:
            if normalise_header(a) in names:
                pick[key] = str(names.index(normalise_header(a)))
                break
        else:
            return None
    types = {"date": pa.date32(), "account": pa.string(), "cost_centre": pa.string(), "amount": pa.float64()}
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=[str(i) for i in range(len(names))], skip_rows=skip,
                                          use_threads=threads_available()),
            parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(pick.values()),
                column_types={pick[k]: t for k, t in types.items()},
                decimal_point=",",
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not UTF-8, a date or amount it cannot read, ragged rows
        return None
    dates, amount = table[pick["date"]], table[pick["amount"]]
    account = pc.utf8_trim_whitespace(table[pick["account"]])
    if dates.null_count or amount.null_count or pc.any(pc.equal(account, "")).as_py():
        return None
    if len(amount) and not (pc.max(pc.abs(amount)).as_py() <= LARGEST):  # inf, nan or a broken cell
        return None
    cents = pc.multiply(amount, 100.0)
    if len(amount) and pc.max(pc.abs(pc.subtract(cents, pc.round(cents)))).as_py() > 1e-6:
        return None  # more than two decimals: the tolerant path names the row
    if len(account) and not pc.all(pc.match_substring_regex(account, r"^\d+$")).as_py():
        return None
    return pd.DataFrame(
        {
            "date": pd.Series(dates.to_numpy(), dtype="datetime64[ns]"),
            "account": pd.Series(account.to_pandas(), dtype="str"),
            "cost_centre": pd.Series(pc.utf8_trim_whitespace(table[pick["cost_centre"]]).to_pandas(), dtype="str"),
            "amount_ore": kr_to_ore(pd.Series(amount.to_numpy(), dtype="float64")),
        }
    )[LEDGER_COLUMNS]


def _empty(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype(str).str.strip() == "")


def _amounts(path: Path, table) -> tuple[pd.Series, list, pd.Series]:
    """``(kronor, problems, empty)``: the Belopp column, or Debet − Kredit when the export
    splits it (an empty side counts as 0; a row with both empty has no amount).

    Raises:
        SourceError: neither Belopp nor both Debet and Kredit are there (the columns found listed).
    """
    df = table.frame
    if "amount" in table.found:
        amount, problems = parse_numbers(df["amount"], file=path.name, column="Belopp", decimals=2)
        return amount, problems, _empty(df["amount"])
    if {"debit", "credit"} <= table.found:
        debit, p1 = parse_numbers(df["debit"], file=path.name, column="Debet", decimals=2)
        credit, p2 = parse_numbers(df["credit"], file=path.name, column="Kredit", decimals=2)
        empty = _empty(df["debit"]) & _empty(df["credit"])
        return (debit.fillna(0.0) - credit.fillna(0.0)).where(~empty), p1 + p2, empty
    listed = ", ".join(c for c in table.columns if not c.startswith("Unnamed: ")) or "(inga)"
    where = f"{path.name} (blad {table.sheet})" if table.sheet else path.name
    raise SourceError(f"{where}: kolumnen 'Belopp' (eller kolumnerna 'Debet' och 'Kredit') saknas. Kolumner i filen: "
                      f"{listed}. Exportera huvudboken med beloppen, eller byt namn på kolumnen.")


def read_ledger_csv(path: Path) -> Ledger:
    """Read a ledger CSV into a :class:`Ledger` (kind ``"csv"``, no fiscal year).

    Raises:
        SourceError: file missing/unreadable, or a required column (Datum, Konto,
            Kostnadsställe, and Belopp or both Debet and Kredit) missing.
        ProblemError: an amount that is no number, a date that is no date, or an empty
            account (each error names the 1-based row and the column).
    """
    path = Path(path)
    if not path.exists():
        raise SourceError(f"Filen {path} finns inte. Kontrollera källmappen och filnamnet.")
    lines = _fast(path)
    if lines is None:
        required = {k: v for k, v in COLUMNS.items() if k != "amount"}
        table = read_table(path, required, {"amount": COLUMNS["amount"], **DEBIT_CREDIT},
                           text_columns=("account", "cost_centre"), what="huvudbokens rader")
        df = table.frame
        amount, problems, raw_empty = _amounts(path, table)
        dates, p2 = parse_dates(df["date"], file=path.name, column="Datum", epoch=table.epoch)
        warnings = [p for p in table.problems if p.severity != "error"]
        problems += [p for p in table.problems if p.severity == "error"] + p2
        problems += row_problems(df.index[df["account"].isna()], df.index, "konto-saknas", "error", path.name, "Konto",
                                 lambda i: "Raden saknar konto. Rätta exporten.")
        bad_account = df["account"].notna() & ~df["account"].astype(str).str.fullmatch(r"\d+")
        problems += row_problems(df.index[bad_account], df.index, "konto-ogiltigt", "error", path.name, "Konto",
                                 lambda i: f"Kontot {df.at[i, 'account']!r} är inget kontonummer. Rätta exporten.")
        known = set(p.row for p in problems)
        problems += row_problems([i for i in df.index[raw_empty] if spreadsheet_row(df.index, i) not in known], df.index,
                                 "belopp-saknas", "error", path.name, "Belopp",
                                 lambda i: "Raden saknar belopp (eller har för få kolumner). Rätta exporten.")
        no_date = dates.isna() & (df["date"].isna() | (df["date"].astype(str).str.strip() == ""))
        problems += row_problems(df.index[no_date], df.index, "datum-saknas", "error", path.name, "Datum",
                                 lambda i: "Raden saknar datum. Rätta exporten.")
        if problems:
            raise ProblemError(problems + warnings)
        lines = pd.DataFrame(
            {
                "date": dates.astype("datetime64[ns]"),
                "account": df["account"].astype(str),
                "cost_centre": df["cost_centre"].fillna("").astype(str),
                "amount_ore": kr_to_ore(amount),
            }
        ).reset_index(drop=True)
        return Ledger(lines=lines, source=path, kind="csv", problems=warnings, sheet=table.sheet)
    return Ledger(lines=lines, source=path, kind="csv")
