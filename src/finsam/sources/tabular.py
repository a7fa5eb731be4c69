"""Reading tables (CSV or xlsx) as Swedish exports really come.

Shared by every tabular source reader: encoding (UTF-8, UTF-8 with BOM, cp1252), separator
(``;``, ``,`` or tab), header names in any case and with stray spaces, numbers with decimal
comma, space / no-break space (U+00A0) / narrow no-break space (U+202F) as thousands
separators and the minus sign U+2212, and dates as Excel dates, ISO or Swedish text, or
Excel serial numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from finsam.errors import Problem, SourceError
from finsam.personnummer import redact

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


def normalise_header(name: object) -> str:
    """Header as compared: stripped, inner white space folded, case-folded."""
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


def decode_text(path: Path) -> tuple[str, str]:
    """Decode a text file: UTF-8 (with or without BOM) when it decodes cleanly, else cp1252.

    Returns ``(text, encoding)``.
    """
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # "Unicode text" as Excel saves it
        return raw.decode("utf-16", errors="replace"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def sniff_separator(first_line: str) -> str:
    """The field separator of a CSV header line: the most frequent of ``;``, tab and ``,``."""
    counts = {sep: first_line.count(sep) for sep in (";", "\t", ",")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else ";"


def read_table(
    path: Path,
    required: dict[str, tuple[str, ...]],
    optional: dict[str, tuple[str, ...]] | None = None,
    *,
    sheet: str | int = 0,
    text_columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Read a CSV or xlsx file and rename its columns to finsam's names.

    Args:
        path: the file (``.csv``/``.txt`` or an Excel file, read with python-calamine).
        required: finsam name → accepted header names (compared by :func:`normalise_header`).
        optional: the same for columns that may be missing (then filled with ``None``).
        sheet: xlsx sheet name or index.
        text_columns: finsam names whose values are kept as text exactly as written
            (personnummer, codes): never parsed as numbers.

    Returns:
        DataFrame with the finsam column names, in the order of ``required`` then
        ``optional``, and the original index (0-based data rows: spreadsheet row = index + 2).

    Raises:
        SourceError: the file is missing or unreadable, or a required column is missing
            (the message names the column and lists the columns found).
    """
    optional = optional or {}
    path = Path(path)
    if not path.exists():
        raise SourceError(f"Filen {path} finns inte. Kontrollera källmappen och filnamnet.")
    if path.is_dir():
        raise SourceError(f"{path} är en mapp, inte en fil. Ange filen.")
    if path.stat().st_size == 0:
        raise SourceError(f"{path.name} är tom (0 byte). Exportera filen igen.")
    wanted = {**required, **optional}
    try:
        if path.suffix.lower() in EXCEL_SUFFIXES:
            df = _read_sheet(path, sheet, wanted)
        else:
            text, _ = decode_text(path)
            first = text.split("\n", 1)[0]
            df = pd.read_csv(
                io.StringIO(text),
                sep=sniff_separator(first),
                dtype=str,
                keep_default_na=False,
                quoting=csv.QUOTE_MINIMAL,
                skipinitialspace=False,
                skip_blank_lines=False,  # keep row numbers as the file's line numbers
            )
            blank = df.apply(lambda col: col.astype(str).str.strip().eq("")).all(axis=1)
            df = df[~blank]
    except SourceError:
        raise
    except pd.errors.EmptyDataError:
        raise SourceError(f"{path.name} har ingen rubrikrad eller inga data. Exportera filen igen.") from None
    except pd.errors.ParserError as exc:
        raise SourceError(redact(
            f"{path.name} går inte att läsa som CSV ({exc}). Kontrollera citattecken och avgränsare nära den raden."
        )) from None
    except ValueError as exc:
        if "Worksheet" in str(exc) or "sheet" in str(exc).lower():
            raise SourceError(f"{path.name}: bladet {sheet!r} finns inte i filen. Kontrollera exporten.") from None
        raise SourceError(redact(f"{path.name} går inte att läsa: {exc}. Spara om filen som .xlsx eller .csv.")) from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is one clear message
        if path.suffix.lower() in EXCEL_SUFFIXES:
            raise SourceError(f"{path.name} går inte att läsa som Excel-fil (trasig, eller inte en .xlsx-fil). "
                              "Öppna den i Excel och spara om den som .xlsx.") from None
        raise SourceError(redact(f"{path.name} går inte att läsa: {exc}. Spara om filen som .xlsx eller .csv.")) from None

    found = {normalise_header(c): c for c in df.columns}
    rename: dict[str, str] = {}
    for name, aliases in wanted.items():
        for alias in aliases:
            if normalise_header(alias) in found:
                rename[found[normalise_header(alias)]] = name
                break
        else:
            if name in required:
                listed = ", ".join(str(c).strip() for c in df.columns)
                raise SourceError(redact(
                    f"{path.name}: kolumnen {aliases[0]!r} saknas. Kolumner i filen: {listed}. "
                    f"Lägg till kolumnen eller byt namn på den som motsvarar {aliases[0]!r}."
                ))
    df = df.rename(columns=rename)
    for name in wanted:
        if name not in df.columns:
            df[name] = None
    df = df[list(wanted)]
    for name in text_columns:
        df[name] = _text_column(df[name])
    return df


def _read_sheet(path: Path, sheet: str | int, wanted: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """An xlsx sheet through python-calamine, with only the columns whose header is one of
    ``wanted``'s aliases: what ``pd.read_excel(engine="calamine", dtype=object)`` gives for
    them (first row = header, exact duplicates named ``.1``, ``.2`` …; empty cells NaN;
    whole-number floats ``int``; dates ``datetime``), without pandas' cell-by-cell conversion
    of every column. Index = 0-based data row (spreadsheet row = index + 2).
    """
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    try:
        ws = book.get_sheet_by_index(sheet) if isinstance(sheet, int) else book.get_sheet_by_name(sheet)
    except Exception as exc:  # python_calamine.WorksheetNotFound (its name differs across versions)
        raise ValueError(f"Worksheet {sheet!r} not found: {exc}") from None
    rows = ws.to_python(skip_empty_area=False)
    if not rows:
        return pd.DataFrame()
    header, seen = [], {}
    for i, cell in enumerate(rows[0]):
        name = f"Unnamed: {i}" if cell == "" else str(_like_read_excel(cell))
        k = seen.get(name, 0)
        seen[name] = k + 1
        header.append(name if k == 0 else f"{name}.{k}")
    aliases = {normalise_header(a) for names in wanted.values() for a in names}
    body = rows[1:]
    return pd.DataFrame(
        {header[i]: cells([row[i] for row in body]) for i, h in enumerate(header) if normalise_header(h) in aliases},
        index=pd.RangeIndex(len(body)),
    )


def cells(values: list) -> pd.Series:
    """One sheet column as read_excel gives it; converted cell by cell only when it mixes
    kinds or holds floats. A column of dates only keeps its ``datetime.date`` values
    (:func:`parse_dates` reads them as it reads ``datetime``), saving a conversion per cell."""
    s = pd.Series(values, dtype=object)
    s[s == ""] = np.nan
    if pd.api.types.infer_dtype(s, skipna=True) not in ("string", "integer", "date", "datetime", "boolean", "empty"):
        s = pd.Series([v if v is np.nan else _like_read_excel(v) for v in s], dtype=object)
    return s


def _like_read_excel(v: object) -> object:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return dt.datetime(v.year, v.month, v.day)
    return v


def _text_column(values: pd.Series) -> pd.Series:
    """:func:`_as_text` over a column; a column of text only is stripped in one vectorised step."""
    if pd.api.types.infer_dtype(values, skipna=True) == "string":
        text = values.astype("str").str.strip()
        return text.where(text != "")
    return values.map(_as_text, na_action="ignore")


def _as_text(v: object) -> object:
    if isinstance(v, float):
        if np.isnan(v):
            return None
        if v.is_integer():
            return str(int(v))
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return str(v)


def spreadsheet_rows(index: pd.Index) -> pd.Series:
    """:func:`spreadsheet_row` for every row of a :func:`read_table` frame at once."""
    return pd.Series([spreadsheet_row(index, i) for i in index] if not pd.api.types.is_integer_dtype(index)
                     else index.to_numpy() + 2, index=index, dtype="int64")


def spreadsheet_row(index: pd.Index, label) -> int:
    """The 1-based spreadsheet row (header = 1) of a row of a :func:`read_table` frame, whose
    index is the 0-based data row (blank lines dropped, so labels may skip)."""
    if pd.api.types.is_integer_dtype(index):
        return int(label) + 2
    return int(index.get_loc(label)) + 2


_NUMBER_JUNK = re.compile(r"[\s\u00a0\u202f']")
_NUMBER_OK = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")
#: Blanks inside a number are thousands separators only between groups of three digits
#: ("1 234 567,50"); "940530 3422" is no number (it is a personnummer).
_INNER_BLANK = re.compile(r"\d[\s\u00a0\u202f']+\d")
_GROUPED = re.compile(r"^[-+\u2212\u2013]?\s*\d{1,3}(?:[ \u00a0\u202f']\d{3})+(?:[.,]\d*)?$")


def _badly_grouped(text: str) -> bool:
    t = text.strip()
    return bool(_INNER_BLANK.search(t)) and not _GROUPED.match(t)


def number_from_text(text: str) -> float | None:
    """One Swedish-written number (``"−1 234,5"``, ``"1\u00a0200"``, ``"-280"``) as a float, or
    ``None`` when the text is no number. The scalar twin of :func:`parse_numbers`."""
    if _badly_grouped(str(text)):
        return None
    t = _NUMBER_JUNK.sub("", str(text)).replace("\u2212", "-").replace("\u2013", "-").replace(",", ".")
    return float(t) if _NUMBER_OK.match(t) else None


#: No amount or count in a follow-up comes near this (kronor); larger means a broken cell.
LARGEST = 1e12


def parse_numbers(
    values: pd.Series, *, file: str, column: str, decimals: int | None = None
) -> tuple[pd.Series, list[Problem]]:
    """Parse Swedish-formatted numbers (text or already numeric) to float64.

    Accepts ``1 234,50``, ``1\u00a0234,50``, ``−1234.5`` (U+2212), ``-1234,5``. Empty cells
    become NaN without a problem. A value that is no number, is not finite or larger than
    :data:`LARGEST`, or (with ``decimals``) has more decimals than that — ``264.135`` is no
    amount in kronor, it is a thousands dot — gives an error problem with its 1-based
    spreadsheet row (header = row 1).
    """
    s = values.astype(object)
    is_num = s.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    out[is_num] = s[is_num].astype("float64")
    text = s[~is_num].map(lambda v: "" if v is None else str(v))
    text = text.where(~text.map(_badly_grouped), "?")  # blanks that are no thousands separators
    text = (
        text.str.replace(_NUMBER_JUNK, "", regex=True)
        .str.replace("\u2212", "-", regex=False)
        .str.replace("\u2013", "-", regex=False)
        .str.replace(",", ".", regex=False)
    )
    blank = text == ""
    ok = text.str.match(_NUMBER_OK)
    bad = text[~ok & ~blank]
    problems = [
        Problem(
            "tal-ogiltigt",
            "error",
            file,
            spreadsheet_row(s.index, idx),
            column,
            redact(f"Värdet {str(values.loc[idx])!r} är inget tal. Rätta cellen i källfilen och kör igen."),
        )
        for idx in bad.index
    ]
    if decimals is not None:
        too_fine = text[ok & ~blank & text.str.contains(rf"\.\d{{{decimals + 1},}}$", regex=True)]
        problems += [
            Problem("tal-decimaler", "error", file, spreadsheet_row(s.index, idx), column,
                    redact(f"Värdet {str(values.loc[idx])!r} har fler än {decimals} decimaler. Är punkten en "
                           "tusenavgränsare? Exportera beloppen med decimalkomma och utan tusenavgränsare."))
            for idx in too_fine.index
        ]
        ok = ok & ~text.index.isin(too_fine.index)
    good = text[ok & ~blank]
    out[good.index] = good.astype("float64")
    huge = out[~np.isfinite(out.fillna(0.0)) | (out.abs() > LARGEST)]
    problems += [
        Problem("tal-orimligt", "error", file, spreadsheet_row(s.index, idx), column,
                redact(f"Värdet {str(values.loc[idx])!r} är orimligt stort. Rätta cellen i källfilen."))
        for idx in huge.index
    ]
    out[huge.index] = np.nan
    return out, problems


_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


_FIRST_YEAR, _LAST_YEAR = 1900, 2200
_LAST_SERIAL = (pd.Timestamp(f"{_LAST_YEAR}-12-31") - _EXCEL_EPOCH).days


def _to_ns(values: pd.Series) -> pd.Series:
    """Date/datetime objects → datetime64[ns]; years outside 1900–2200 (and non-dates) → NaT."""
    parsed = pd.to_datetime(values.astype(object), errors="coerce")
    parsed = parsed.where(parsed.dt.year.between(_FIRST_YEAR, _LAST_YEAR))
    return parsed.astype("datetime64[ns]")


def _from_number(numbers: pd.Series) -> pd.Series:
    """Numbers as dates: an Excel serial number (1 = 1900-01-01 … 2200), or ``20130210``
    typed as a number (YYYYMMDD). Anything else → NaT."""
    out = pd.Series(pd.NaT, index=numbers.index, dtype="datetime64[ns]")
    serial = numbers.between(1, _LAST_SERIAL)
    out[serial] = _EXCEL_EPOCH + pd.to_timedelta(numbers[serial].round(), unit="D")
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
        out.append(Problem("datum-ogiltigt", "error", file, spreadsheet_row(raw.index if index is None else index, idx),
                           column, f"Datumet {v!s} ligger utanför {_FIRST_YEAR}–{_LAST_YEAR}. Rätta datumet."))
    return out


def parse_dates(values: pd.Series, *, file: str, column: str) -> tuple[pd.Series, list[Problem]]:
    """Parse a date column to datetime64[ns]: Excel dates, ISO text (``2013-01-05``, with or
    without a time), Swedish text (``5/1 2013``, ``05.01.2013``, ``2013.01.05``,
    ``20130105``) and Excel serial numbers. Times of day are dropped (a registration ended
    2013-03-31 12:00 ended in March). Empty → NaT without a problem; anything else → NaT and an
    error problem with its 1-based spreadsheet row."""
    s = values.astype(object)
    problems: list[Problem] = []
    if pd.api.types.infer_dtype(s, skipna=True) in ("date", "datetime", "datetime64", "empty"):
        # the usual xlsx column: real dates (or nothing) only, converted in one step
        out = _to_ns(s)
        return out.dt.normalize(), _out_of_range(s, out, file, column)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    is_dt = s.map(lambda v: hasattr(v, "year") and not isinstance(v, str))
    if is_dt.any():
        out[is_dt] = _to_ns(s[is_dt])
        problems += _out_of_range(s[is_dt], out[is_dt], file, column, index=s.index)
    is_num = s.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v == v)
    if is_num.any():
        out[is_num] = _from_number(s[is_num].astype("float64"))
        for idx in s[is_num].index[out[is_num].isna()]:
            problems.append(Problem("datum-ogiltigt", "error", file, spreadsheet_row(s.index, idx), column,
                                    redact(f"Talet {s[idx]!r} är inget datum. Skriv datumet som ÅÅÅÅ-MM-DD.")))
    rest = s[~is_dt & ~is_num].map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v).strip())
    blank = rest == ""
    rest = rest[~blank]
    if len(rest):
        parsed = pd.Series(pd.NaT, index=rest.index, dtype="datetime64[ns]")
        digits = rest.str.fullmatch(r"\d{4,6}(\.0)?")  # a serial number written as text
        if digits.any():
            parsed[digits] = _from_number(rest[digits].astype(float))
        patterns = [
            (r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$", (1, 2, 3)),
            (r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$", (1, 2, 3)),
            (r"^(\d{4})/(\d{1,2})/(\d{1,2})$", (1, 2, 3)),
            (r"^(\d{4})(\d{2})(\d{2})$", (1, 2, 3)),
            (r"^(\d{1,2})/(\d{1,2})(?:\s+|\s*[-/]\s*)(\d{4})$", (3, 2, 1)),  # 5/1 2013, 31/12/2013: day first
            (r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", (3, 2, 1)),
        ]
        for pattern, (yi, mi, di) in patterns:
            todo = parsed.isna()
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
        for idx in parsed.index[parsed.isna()]:
            problems.append(
                Problem(
                    "datum-ogiltigt",
                    "error",
                    file,
                    spreadsheet_row(s.index, idx),
                    column,
                    redact(f"Datumet {rest[idx]!r} förstås inte. Skriv det som ÅÅÅÅ-MM-DD."),
                )
            )
    return out.dt.normalize(), problems  # whole days: a time on the last day is still that day
