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
``sex``             str / None       Kön as written (mapped by the settings' [Kön] table in
                                     :mod:`finsam.participant_tables`)
``pid``             int64            the person as an int (the same for the same
                                     ``person``; -1 where it is invalid): unika and
                                     deltagare count these (:func:`finsam.tables.person_codes`)
==================  ===============  ======================================================

Personnummer are parsed by :mod:`finsam.personnummer`; the value as written never leaves
the reader (problems show it masked).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from finsam import personnummer
from finsam.errors import Problem, count_text
from finsam.sources.tabular import (
    normalise_header,
    parse_dates,
    read_table,
    row_problems,
    slash_order,
    spreadsheet_row,
    spreadsheet_rows,
)

COLUMNS = {
    "person": ("Personnummer", "Personnr", "Person nr", "Pnr"),
    "municipality": ("Folkbokföringskommun", "Kommun", "Folkbokföringsort", "Hemkommun"),
    "start": ("Inskrivningsdatum", "Startdatum", "Inskriven", "Start"),
    # required: without it every registration would count as ongoing and none as utflöde
    "end": ("Utskrivningsdatum", "Slutdatum", "Utskriven", "Avslutsdatum", "Slut", "Utskrivningsdag", "Avslutsdag",
            "Avslutad", "Slutdag"),
}
OPTIONAL = {
    "insats": ("Insats", "Verksamhet", "Aktivitet", "Insatsnamn", "Insatsens namn"),
    "end_reason": ("Avslutsorsak", "Orsak", "Avslutningsorsak", "Avslutsanledning", "Utskrivningsorsak", "Anledning"),
    "sex": ("Kön", "Kon", "Genus", "Kön (K/M)", "Kön (kvinna/man)"),
}
#: What a register without one of the OPTIONAL columns gives (problem ``kolumn-saknas``).
WITHOUT = {
    "insats": "varje inskrivning redovisas som 'Insats saknas' i tabellerna per insats",
    "end_reason": "inga felregistreringar kan tas bort och varje avslut räknas som Övrigt",
    "sex": "varje deltagare räknas bara i Totalt (inte som kvinna eller man)",
}


def _person_problems(raw: pd.Series, reference_year: int, file: str) -> tuple[pd.Series, list[Problem]]:
    """Numbers for the whole column at once (:func:`finsam.personnummer.numbers`); the few
    rows that fail are looked at one by one for their problem (code and masked value).

    Two kinds are counted in one problem each instead of one per row: a column exported in
    scientific notation (``1,99405E+11``, ``personnummer-exponent``, error: the digits are
    gone), and reservnummer (``personnummer-reservnummer``, warning: counted, each under its
    own identity, :func:`finsam.personnummer.reserve_identity`)."""
    numbers = personnummer.numbers(raw, reference_year)
    problems: list[Problem] = []
    failed = raw[numbers.isna()]
    text = failed.map(personnummer.as_text).astype(str)
    sci = text.index[text.str.fullmatch(personnummer.SCIENTIFIC.pattern)]
    if len(sci):
        rows = [spreadsheet_row(raw.index, i) for i in sci]
        problems.append(Problem(
            "personnummer-exponent", "error", file, rows[0], "Personnummer",
            f"{count_text(len(sci), 'personnummer', 'personnummer')} står i exponentform (som 1,99405E+11, rad "
            f"{', '.join(map(str, rows[:5]))}{' …' if len(rows) > 5 else ''}): Excel har sparat kolumnen som tal och "
            "de sista siffrorna är borta. Formatera kolumnen Personnummer som text i exporten (eller i Excel före "
            "inklistringen) och exportera registret igen."))
    reserve = failed.drop(index=sci).map(personnummer.reserve_identity).dropna()
    if len(reserve):
        numbers[reserve.index] = reserve
        rows = [spreadsheet_row(raw.index, i) for i in reserve.index]
        problems.append(Problem(
            "personnummer-reservnummer", "warning", file, rows[0], "Personnummer",
            f"{count_text(len(reserve), 'registrering', 'registreringar')} har reservnummer i stället för personnummer "
            f"(rad {', '.join(map(str, rows[:5]))}{' …' if len(rows) > 5 else ''}). De räknas, varje reservnummer som "
            "en egen person. Byt till personnumret i registret när det finns, så räknas personen inte två gånger."))
    by_code: dict[str, list] = {}
    for idx in failed.index.drop(sci).drop(reserve.index):
        parsed = personnummer.parse(raw[idx], reference_year)
        if parsed.code is None:  # cannot happen while the two agree; never silently drop a row
            numbers[idx] = parsed.number
            continue
        by_code.setdefault(parsed.code, []).append(idx)
    texts = {
        "personnummer-saknas": lambda i: "Personnummer saknas. Fyll i det, eller registrera deltagaren som anonym.",
        "personnummer-nolla-saknas": lambda i: (
            f"Personnumret {personnummer.mask(raw[i])!r} har fel antal siffror: det har troligen lagrats som tal och "
            "tappat sin inledande nolla. Formatera kolumnen som text och exportera registret igen."),
        "personnummer-ogiltigt": lambda i: (
            f"Personnumret {personnummer.mask(raw[i])!r} är inte giltigt (fel form, datum eller kontrollsiffra). "
            "Rätta det i registret och exportera igen."),
    }
    for code, labels in by_code.items():
        problems += row_problems(labels, raw.index, code, "error", file, "Personnummer", texts[code])
    return numbers, problems


def _missing_columns(table, file: str) -> list[Problem]:
    """``kolumn-saknas`` (warning) for each OPTIONAL column the register lacks, saying what the
    tables get instead and naming the file's columns that finsam does not read (a renamed
    header is the usual cause)."""
    known = {normalise_header(a) for aliases in {**COLUMNS, **OPTIONAL}.values() for a in aliases}
    unread = [str(c).strip() for c in table.columns or [] if normalise_header(c) not in known
              and not str(c).startswith("Unnamed: ")]
    return [Problem("kolumn-saknas", "warning", f"{file} (blad {table.sheet})" if table.sheet else file, None,
                    OPTIONAL[name][0],
                    f"Kolumnen {OPTIONAL[name][0]!r} saknas (godtagna rubriker: {', '.join(OPTIONAL[name])}), så "
                    f"{WITHOUT[name]}. Kolumner i filen som finsam inte läser: {', '.join(unread) or '(inga)'}. "
                    "Byt rubrik på den kolumn som är rätt, eller ta med kolumnen i exporten.")
            for name in OPTIONAL if name not in table.found]


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
        ``personnummer-exponent``      error    1,99405E+11: digits lost (one problem)
        ``personnummer-reservnummer``  warning  counted under its own identity (one problem)
        ``datum-tvetydigt``            error    3/4/2013 and nothing in the file says D/M or M/D
        ``dubblettrad``                warning  the same row twice (counted once)
        ``summarad``                   warning  a total row (Totalt/Summa), not read
        ``formel-utan-varde``          error    xlsx formula cells without a calculated value
        =============================  =======  ==========================================

        More than :data:`~finsam.sources.tabular.ROW_PROBLEM_LIMIT` rows of one code give
        that many problems and one that counts the rest.

    Raises:
        SourceError: file missing/unreadable or a required column missing.
    """
    path = Path(path)
    file = path.name
    table = read_table(path, COLUMNS, OPTIONAL, text_columns=("municipality", "insats", "end_reason", "sex"),
                       what="deltagarregistret (Personnummer, Folkbokföringskommun, Inskrivningsdatum, Utskrivningsdatum)")
    df = table.frame
    problems: list[Problem] = list(table.problems) + _missing_columns(table, file)
    persons, p0 = _person_problems(df["person"], reference_year, file)
    order = slash_order(df["start"], df["end"])  # d/m or m/d: decided by the whole file
    start, p1 = parse_dates(df["start"], file=file, column="Inskrivningsdatum", epoch=table.epoch, slash=order)
    end, p2 = parse_dates(df["end"], file=file, column="Utskrivningsdatum", epoch=table.epoch, slash=order)
    problems += p0 + p1 + p2
    bad_dates = {(p.row, p.column) for p in p1 + p2}
    rows = spreadsheet_rows(df.index)
    missing = [idx for idx in df.index[start.isna()] if (rows[idx], "Inskrivningsdatum") not in bad_dates]
    problems += row_problems(missing, df.index, "startdatum-saknas", "error", file, "Inskrivningsdatum",
                             lambda i: "Inskrivningsdatum saknas. Fyll i datumet i registret och exportera igen.")
    reason = df["end_reason"].astype(object).fillna("").astype(str).str.strip()
    bad_end = rows.isin([r for r, column in bad_dates if column == "Utskrivningsdatum"])  # already an error
    problems += row_problems(df.index[end.isna() & (reason != "") & ~bad_end],
                             df.index, "avslutsorsak-utan-slutdatum", "warning", file, "Utskrivningsdatum",
                             lambda i: f"Raden har avslutsorsaken {reason[i]!r} men inget utskrivningsdatum, så den "
                                       "räknas som pågående. Fyll i utskrivningsdatumet i registret.")
    problems += row_problems(df.index[end.notna() & start.notna() & (end < start)], df.index, "slut-fore-start", "error",
                             file, "Utskrivningsdatum",
                             lambda i: f"Utskrivningsdatum {end[i]:%Y-%m-%d} ligger före inskrivningsdatum "
                                       f"{start[i]:%Y-%m-%d}. Rätta datumen i registret.")
    out = pd.DataFrame(
        {
            "person": persons,
            "municipality": df["municipality"].fillna("").astype(str).str.strip(),
            "insats": df["insats"],
            "start": start,
            "end": end,
            "end_reason": df["end_reason"],
            "sex": df["sex"],
        },
        index=df.index,
    )
    invalid = out["person"].isna()  # compare invalid numbers by what is written
    key = out.assign(person=out["person"].where(~invalid, df["person"][invalid].map(personnummer.as_text)))
    lost = pd.Series(False, index=key.index)  # 1,99405E+11 is not one person: its digits are gone
    lost[invalid] = key["person"][invalid].astype(str).str.fullmatch(personnummer.SCIENTIFIC.pattern).fillna(False)
    dup = key.duplicated(keep="first") & key["person"].ne("") & ~lost
    if dup.any():
        group = key.astype(str).groupby(list(key.columns), sort=False, dropna=False).ngroup()  # empty cells match too
        first_row = rows.groupby(group).transform("first")
        problems += row_problems(key.index[dup], df.index, "dubblettrad", "warning", file, None,
                                 lambda i: f"Raden är en exakt kopia av rad {first_row[i]} och räknas en gång. "
                                           "Ta bort dubbletten i registret.")
        out = out[~dup]
    out["pid"] = pd.factorize(out["person"])[0]  # one int per person, for every distinct count
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    out.attrs["sheet"] = table.sheet
    return out, problems
