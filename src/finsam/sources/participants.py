"""Participant register (SUS-like export): one row per registration (deltagande).

Input columns (header names in any case; aliases accepted): Personnummer, Kön,
Folkbokföringskommun, Insats, Inskrivningsdatum, Utskrivningsdatum (empty = still active),
Avslutsorsak.

Output frame (:func:`read_participants`), index = 0-based data row (spreadsheet row = index + 2):

==================  ===============  ======================================================
column              dtype            meaning
==================  ===============  ======================================================
``person``          str              normalised 12-digit personnummer without separator;
                                     the identity ``unika`` counts. Never printed.
``municipality``    str              Folkbokföringskommun as written (stripped)
``insats``          str / None       the activity
``start``           datetime64[ns]   Inskrivningsdatum
``end``             datetime64[ns]   Utskrivningsdatum, NaT while active
``end_reason``      str / None       Avslutsorsak
==================  ===============  ======================================================
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from finsam.errors import Problem
from finsam.sources.tabular import parse_dates, read_table

COLUMNS = {
    "person": ("Personnummer", "Personnr", "Person nr", "Pnr"),
    "municipality": ("Folkbokföringskommun", "Kommun", "Folkbokföringsort", "Hemkommun"),
    "start": ("Inskrivningsdatum", "Startdatum", "Inskriven", "Start"),
}
OPTIONAL = {
    "end": ("Utskrivningsdatum", "Slutdatum", "Utskriven", "Avslutsdatum", "Slut"),
    "insats": ("Insats", "Verksamhet", "Aktivitet"),
    "end_reason": ("Avslutsorsak", "Orsak", "Avslutningsorsak"),
}


def normalise_personnummer(raw: pd.Series, reference_year: int) -> pd.Series:
    """Personnummer/samordningsnummer text → 12 digits without separator (``YYYYMMDDNNNC``).

    12-digit forms keep their century. 10-digit forms ``YYMMDD-NNNC`` get the century that
    makes the person at most 99 years old in ``reference_year``; ``YYMMDD+NNNC`` (the person
    has turned 100, Folkbokföringslagen / Skatteverket SKV 704) one century earlier. Values
    that are neither (wrong length) become ``None``; :mod:`finsam.checks` reports them.
    """
    text = raw.astype(object).where(raw.notna(), "").astype(str).str.strip()
    digits = text.str.replace(r"\D", "", regex=True)
    plus = text.str.contains("+", regex=False)
    out = pd.Series(None, index=raw.index, dtype=object)
    twelve = digits.str.len() == 12
    out[twelve] = digits[twelve]
    ten = digits.str.len() == 10
    if ten.any():
        yy = digits[ten].str[:2].astype(int).to_numpy()
        century = (reference_year // 100) * 100
        year = century + yy
        year = np.where(year > reference_year, year - 100, year)
        year = np.where(plus[ten].to_numpy(), year - 100, year)
        out[ten] = pd.Series(year.astype(str), index=digits[ten].index) + digits[ten].str[2:]
    return out


def read_participants(path: Path, reference_year: int) -> tuple[pd.DataFrame, list[Problem]]:
    """Read the participant register (xlsx or csv).

    Args:
        path: the register file.
        reference_year: the report year, to give 10-digit personnummer their century.

    Returns:
        ``(frame, problems)``: the frame described in the module docstring (plus a column
        ``raw_person`` with the value as written, for the checks; never printed), and the
        date problems found (errors with row and column).

    Raises:
        SourceError: file missing/unreadable or a required column missing.
    """
    path = Path(path)
    df = read_table(path, COLUMNS, OPTIONAL, text_columns=("person", "municipality", "insats", "end_reason"))
    problems: list[Problem] = []
    start, p1 = parse_dates(df["start"], file=path.name, column="Inskrivningsdatum")
    end, p2 = parse_dates(df["end"], file=path.name, column="Utskrivningsdatum")
    problems += p1 + p2
    out = pd.DataFrame(
        {
            "person": normalise_personnummer(df["person"], reference_year),
            "municipality": df["municipality"].fillna("").astype(str).str.strip(),
            "insats": df["insats"],
            "start": start,
            "end": end,
            "end_reason": df["end_reason"],
            "raw_person": df["person"],
        },
        index=df.index,
    )
    return out, problems
