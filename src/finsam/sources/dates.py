"""Dates as Swedish exports write them: Excel dates, ISO or Swedish text, serial numbers.

One reader, :func:`parse_dates`, for every date column of every source. Rules:

- Excel date cells, ISO text (``2013-01-05``, with or without a time), ``2013.01.05``,
  ``2013/01/05``, ``20130105``, ``05.01.2013``, the Swedish ``5/1 2013`` (day first).
- Serial numbers count from the workbook's day 0: 1899-12-30, or 1904-01-01 in a 1904
  workbook (:func:`finsam.sources.xlsx.date_epoch`); a CSV has no date system, so 1900.
- ``d/m/yyyy`` versus the US ``m/d/yyyy``: the order is taken from the file, when one of its
  values has a first part above 12 (day first) or a second part above 12 (month first)
  (:func:`slash_order`). When no value decides, or the values contradict each other, every
  slash date whose parts could be swapped (``3/4/2013``) is refused (``datum-tvetydigt``,
  one problem per column, counted), never guessed.
- Times of day are dropped (a registration ended 2013-03-31 12:00 ended in March); years
  outside 1900–2200 are errors, except 9999 (the usual "open-ended" placeholder = empty).
"""

from __future__ import annotations

import pandas as pd

from finsam.errors import Problem
from finsam.personnummer import redact
from finsam.sources.xlsx import EPOCH_1900

_FIRST_YEAR, _LAST_YEAR = 1900, 2200
_SLASH = r"^(\d{1,2})/(\d{1,2})/(\d{4})$"

DAY_FIRST, MONTH_FIRST, UNDECIDED = "dmy", "mdy", "undecided"


def _row(index: pd.Index, label) -> int:
    from finsam.sources.tabular import spreadsheet_row

    return spreadsheet_row(index, label)


def _to_ns(values: pd.Series) -> pd.Series:
    """Date/datetime objects → datetime64[ns]; years outside 1900–2200 (and non-dates) → NaT."""
    parsed = pd.to_datetime(values.astype(object), errors="coerce")
    parsed = parsed.where(parsed.dt.year.between(_FIRST_YEAR, _LAST_YEAR))
    return parsed.astype("datetime64[ns]")


def _from_number(numbers: pd.Series, epoch: pd.Timestamp) -> pd.Series:
    """Numbers as dates: a serial number (from ``epoch``, up to year 2200), or ``20130210``
    typed as a number (YYYYMMDD). Anything else → NaT."""
    out = pd.Series(pd.NaT, index=numbers.index, dtype="datetime64[ns]")
    last = (pd.Timestamp(f"{_LAST_YEAR}-12-31") - epoch).days
    serial = numbers.between(1, last)
    out[serial] = epoch + pd.to_timedelta(numbers[serial].round(), unit="D")
    ymd = numbers.between(_FIRST_YEAR * 10_000 + 101, _LAST_YEAR * 10_000 + 1231) & (numbers % 1 == 0)
    if ymd.any():
        out[ymd] = pd.to_datetime(numbers[ymd].astype("int64").astype(str), format="%Y%m%d", errors="coerce")
    return out


def _out_of_range(raw: pd.Series, parsed: pd.Series, file: str, column: str, index=None) -> list[Problem]:
    """Problems for real dates that fell out of range (NaT from a non-empty cell). Year 9999
    is the usual "open-ended" placeholder and reads as empty, without a problem."""
    lost = parsed.isna() & raw.notna()
    out = []
    for idx in raw.index[lost]:
        v = raw[idx]
        if getattr(v, "year", None) == 9999:
            continue
        out.append(Problem("datum-ogiltigt", "error", file, _row(raw.index if index is None else index, idx),
                           column, f"Datumet {v!s} ligger utanför {_FIRST_YEAR}–{_LAST_YEAR}. Rätta datumet."))
    return out


def _only_dates(values: pd.Series) -> bool:
    """Whether a column holds real dates (or nothing) only: the usual xlsx date column, one
    C-level type scan instead of a Python look at each cell."""
    return pd.api.types.infer_dtype(values, skipna=True) in ("date", "datetime", "datetime64", "empty")


def slash_order(*columns: pd.Series) -> str | None:
    """How the file's ``a/b/yyyy`` dates are written: :data:`DAY_FIRST` when some ``a`` is
    above 12 and no ``b`` is, :data:`MONTH_FIRST` (US) the other way round, :data:`UNDECIDED`
    when no value decides or they contradict each other, ``None`` when no value could be
    read both ways."""
    parts = [c[c.map(lambda v: isinstance(v, str))].str.strip().str.extract(_SLASH).dropna().astype(int)
             for c in columns if not _only_dates(c)]
    p = pd.concat(parts) if parts else pd.DataFrame()
    if not len(p):
        return None
    first_big, second_big = bool((p[0] > 12).any()), bool((p[1] > 12).any())
    if first_big != second_big:
        return DAY_FIRST if first_big else MONTH_FIRST
    swappable = (p[0] != p[1]) & (p[0] <= 12) & (p[1] <= 12)
    return UNDECIDED if swappable.any() or (first_big and second_big) else None


def parse_dates(values: pd.Series, *, file: str, column: str, epoch: pd.Timestamp = EPOCH_1900,
                slash: str | None = "auto") -> tuple[pd.Series, list[Problem]]:
    """Parse a date column to datetime64[ns] by the rules of the module docstring.

    Args:
        values: the cells as read (datetime, numbers, text; None/NaN/"" empty).
        epoch: the workbook's day 0 for serial numbers.
        slash: the file's order of ``a/b/yyyy`` dates (:func:`slash_order` over all its date
            columns); ``"auto"`` decides from this column alone.

    Returns:
        ``(dates, problems)``: NaT for empty cells without a problem; a value that is no date
        → NaT and a ``datum-ogiltigt`` error with its 1-based spreadsheet row; undecidable
        slash dates → NaT and one ``datum-tvetydigt`` error for the column.
    """
    s = values.astype(object)
    problems: list[Problem] = []
    if _only_dates(s):
        # the usual xlsx column: real dates (or nothing) only, converted in one step
        out = _to_ns(s)
        return out.dt.normalize(), _out_of_range(s, out, file, column)
    if slash == "auto":
        slash = slash_order(s)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    is_dt = s.map(lambda v: hasattr(v, "year") and not isinstance(v, str))
    if is_dt.any():
        out[is_dt] = _to_ns(s[is_dt])
        problems += _out_of_range(s[is_dt], out[is_dt], file, column, index=s.index)
    is_num = s.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v == v)
    if is_num.any():
        out[is_num] = _from_number(s[is_num].astype("float64"), epoch)
        for idx in s[is_num].index[out[is_num].isna()]:
            problems.append(Problem("datum-ogiltigt", "error", file, _row(s.index, idx), column,
                                    redact(f"Talet {s[idx]!r} är inget datum. Skriv datumet som ÅÅÅÅ-MM-DD.")))
    rest = s[~is_dt & ~is_num].map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v).strip())
    rest = rest[rest != ""]
    if len(rest):
        parsed = pd.Series(pd.NaT, index=rest.index, dtype="datetime64[ns]")
        digits = rest.str.fullmatch(r"\d{4,6}(\.0)?")  # a serial number written as text
        if digits.any():
            parsed[digits] = _from_number(rest[digits].astype(float), epoch)
        slash_parts = (3, 1, 2) if slash == MONTH_FIRST else (3, 2, 1)
        patterns = [
            (r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$", (1, 2, 3)),
            (r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$", (1, 2, 3)),
            (r"^(\d{4})/(\d{1,2})/(\d{1,2})$", (1, 2, 3)),
            (r"^(\d{4})(\d{2})(\d{2})$", (1, 2, 3)),
            (_SLASH, slash_parts),
            (r"^(\d{1,2})/(\d{1,2})(?:\s+|\s*-\s*)(\d{4})$", (3, 2, 1)),  # 5/1 2013: Swedish, day first
            (r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", (3, 2, 1)),
        ]
        ambiguous = pd.Series(False, index=rest.index)
        if slash == UNDECIDED:
            p = rest.str.extract(_SLASH).dropna().astype(int)
            mixed = bool((p[0] > 12).any() and (p[1] > 12).any())  # both orders in one column
            ambiguous[p.index if mixed else p.index[(p[0] != p[1]) & (p[0] <= 12) & (p[1] <= 12)]] = True
        for pattern, (yi, mi, di) in patterns:
            todo = parsed.isna() & ~ambiguous
            if not todo.any():
                break
            parts = rest[todo].str.extract(pattern)
            hit = parts[0].notna()
            if hit.any():
                p = parts[hit].astype(int)
                p = p[p[yi - 1].between(_FIRST_YEAR, _LAST_YEAR)]
                ymd = pd.DataFrame({"year": p[yi - 1], "month": p[mi - 1], "day": p[di - 1]})
                if len(ymd):
                    parsed[p.index] = pd.to_datetime(ymd, errors="coerce")
        out[parsed.index] = parsed
        if ambiguous.any():
            rows = [_row(s.index, i) for i in rest.index[ambiguous]]
            problems.append(Problem(
                "datum-tvetydigt", "error", file, rows[0], column,
                f"{len(rows)} datum skrivna som D/M/ÅÅÅÅ eller M/D/ÅÅÅÅ (t.ex. {rest[ambiguous].iloc[0]!r}, rad "
                f"{', '.join(map(str, rows[:5]))}{' …' if len(rows) > 5 else ''}) kan läsas på två sätt, och inget "
                "datum i filen avgör vilket. Exportera datumen som ÅÅÅÅ-MM-DD."))
        for idx in parsed.index[parsed.isna() & ~ambiguous]:
            problems.append(Problem("datum-ogiltigt", "error", file, _row(s.index, idx), column,
                                    redact(f"Datumet {rest[idx]!r} förstås inte. Skriv det som ÅÅÅÅ-MM-DD.")))
    return out.dt.normalize(), problems  # whole days: a time on the last day is still that day
