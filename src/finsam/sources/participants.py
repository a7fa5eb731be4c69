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

Personnummer are parsed by :mod:`finsam.personnummer`; the value as written never leaves
the reader (problems show it masked).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from finsam import personnummer
from finsam.errors import Problem
from finsam.sources.tabular import parse_dates, read_table, spreadsheet_row, spreadsheet_rows

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
    """Personnummer/samordningsnummer values → 12 digits without separator (``YYYYMMDDNNNC``).

    Every form :func:`finsam.personnummer.parse` accepts (12 or 10 digits, ``-``/``+`` or
    none, samordningsnummer); values that are not valid (wrong check digit, lost leading
    zero, no date) become ``None`` — :func:`read_participants` reports them.
    """
    return personnummer.numbers(raw, reference_year)


def _person_problems(raw: pd.Series, reference_year: int, file: str) -> tuple[pd.Series, list[Problem]]:
    """Numbers for the whole column at once (:func:`finsam.personnummer.numbers`); the few
    rows that fail are parsed one by one for their problem (code and masked value)."""
    numbers = personnummer.numbers(raw, reference_year)
    problems: list[Problem] = []
    for idx in numbers.index[numbers.isna()]:
        parsed = personnummer.parse(raw[idx], reference_year)
        if parsed.code is None:  # cannot happen while the two agree; never silently drop a row
            numbers[idx] = parsed.number
            continue
        row = spreadsheet_row(raw.index, idx)
        if parsed.code == "personnummer-saknas":
            text = "Personnummer saknas. Fyll i det, eller registrera deltagaren som anonym."
        elif parsed.code == "personnummer-nolla-saknas":
            text = (f"Personnumret {parsed.masked!r} har fel antal siffror: det har troligen lagrats som tal och "
                    "tappat sin inledande nolla. Formatera kolumnen som text och exportera registret igen.")
        else:
            text = (f"Personnumret {parsed.masked!r} är inte giltigt (fel form, datum eller kontrollsiffra). "
                    "Rätta det i registret (SUS) och exportera igen.")
        problems.append(Problem(parsed.code, "error", file, row, "Personnummer", text))
    return numbers, problems


def read_participants(path: Path, reference_year: int) -> tuple[pd.DataFrame, list[Problem]]:
    """Read the participant register (xlsx or csv) and check every row.

    Args:
        path: the register file.
        reference_year: the report year, to give 10-digit personnummer their century.

    Returns:
        ``(frame, problems)``: the frame described in the module docstring, with exact
        duplicate rows dropped (counted once), and the problems found, each with its
        1-based spreadsheet row (header = 1) and column:

        =============================  =======  ==========================================
        code                           level    when
        =============================  =======  ==========================================
        ``personnummer-ogiltigt``      error    wrong form, date or check digit (masked)
        ``personnummer-nolla-saknas``  error    9 or 11 digits: stored as a number
        ``personnummer-saknas``        error    empty
        ``datum-ogiltigt``             error    a date that is no date
        ``startdatum-saknas``          error    Inskrivningsdatum empty
        ``slut-fore-start``            error    Utskrivningsdatum before Inskrivningsdatum
        ``dubblettrad``                warning  the same row twice (counted once)
        =============================  =======  ==========================================

    Raises:
        SourceError: file missing/unreadable or a required column missing.
    """
    path = Path(path)
    file = path.name
    df = read_table(path, COLUMNS, OPTIONAL, text_columns=("municipality", "insats", "end_reason"))
    problems: list[Problem] = []
    persons, p0 = _person_problems(df["person"], reference_year, file)
    start, p1 = parse_dates(df["start"], file=file, column="Inskrivningsdatum")
    end, p2 = parse_dates(df["end"], file=file, column="Utskrivningsdatum")
    problems += p0 + p1 + p2
    bad_dates = {(p.row, p.column) for p in p1 + p2}
    rows = spreadsheet_rows(df.index)
    for idx in df.index[start.isna()]:
        if (rows[idx], "Inskrivningsdatum") not in bad_dates:
            problems.append(Problem("startdatum-saknas", "error", file, int(rows[idx]), "Inskrivningsdatum",
                                    "Inskrivningsdatum saknas. Fyll i datumet i registret och exportera igen."))
    for idx in df.index[end.notna() & start.notna() & (end < start)]:
        problems.append(Problem("slut-fore-start", "error", file, int(rows[idx]), "Utskrivningsdatum",
                                f"Utskrivningsdatum {end[idx]:%Y-%m-%d} ligger före inskrivningsdatum "
                                f"{start[idx]:%Y-%m-%d}. Rätta datumen i registret."))
    out = pd.DataFrame(
        {
            "person": persons,
            "municipality": df["municipality"].fillna("").astype(str).str.strip(),
            "insats": df["insats"],
            "start": start,
            "end": end,
            "end_reason": df["end_reason"],
        },
        index=df.index,
    )
    invalid = out["person"].isna()  # compare invalid numbers by what is written
    key = out.assign(person=out["person"].where(~invalid, df["person"][invalid].map(personnummer.as_text)))
    dup = key.duplicated(keep="first") & key["person"].ne("")
    if dup.any():
        group = key.astype(str).groupby(list(key.columns), sort=False).ngroup()
        first_row = rows.groupby(group).transform("first")
        for idx in key.index[dup]:
            problems.append(Problem("dubblettrad", "warning", file, int(rows[idx]), None,
                                    f"Raden är en exakt kopia av rad {first_row[idx]} och räknas en gång. "
                                    "Ta bort dubbletten i registret."))
        out = out[~dup]
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return out, problems
