"""Reading tables (CSV or xlsx) as Swedish exports really come.

Shared by every tabular source reader (register, anonymous counts, ledger CSV, budget,
forecast). :func:`read_table` gives a :class:`Table`: the columns finsam needs under its own
names, the sheet it came from and the notes made while reading. The rules, one place each:

- **Encoding**: UTF-8 (with or without BOM), UTF-16 ("Unicode text"), else cp1252.
- **Separator**: ``;``, ``,`` or tab, sniffed from the header; Excel's ``sep=;`` first line
  names it (and is not the header: the header is row 1, as Excel shows the file).
- **Ragged rows**: a trailing separator on the data rows but not the header (pandas would
  take the first column as an index and shift every column) is read when that extra field is
  empty on every row; a row with more fields than that is refused with its row.
- **Excel's text idiom** ``="…"`` (so Excel keeps leading zeros) is read as the text inside.
- **Total rows** (``Totalt``, ``Summa``, ``Total``, ``S:a``… as a row's first non-empty cell)
  are never data: skipped with a ``summarad`` note naming the row (:data:`TOTAL_ROW`).
- **Headers** in any case and with stray spaces (:func:`normalise_header`); a missing
  required column is refused, listing every header of the file.
- **xlsx**: only visible sheets, the sheet chosen by name or columns, formula cells without
  a value refused, the workbook's date system (:mod:`finsam.sources.xlsx`).
- **Numbers** by :func:`finsam.money.parse_number_texts` (:func:`parse_numbers`), dates by
  :func:`finsam.sources.dates.parse_dates`.
- **Many problems of one kind** (a register of 348 000 duplicate rows) give the first
  :data:`ROW_PROBLEM_LIMIT` rows and one problem counting the rest (:func:`row_problems`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from finsam import money
from finsam.errors import FIRST_ROWS, Problem, SourceError, parser_position
from finsam.personnummer import redact
from finsam.runtime import beside
from finsam.sources import xlsx
from finsam.sources.dates import parse_dates, slash_order  # noqa: F401 - the readers' one date reader

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}

#: A row whose first non-empty cell starts with one of these words is a total, not data.
TOTAL_ROW = re.compile(r"^(?:summa|totalt?|totalsumma|s:a|sum|grand total)(?:\b|$)", re.IGNORECASE)

#: Per-row problems of one kind beyond this many are counted in one problem instead.
ROW_PROBLEM_LIMIT = FIRST_ROWS

#: No amount or count in a follow-up comes near this (kronor); larger means a broken cell.
LARGEST = 1e12


@dataclass
class Table:
    """A source table as read.

    Attributes:
        frame: finsam's column names (``required`` then ``optional`` of :func:`read_table`),
            index = 0-based data row (spreadsheet row = index + 2, header = 1; skipped blank
            and total rows keep their numbers).
        file: the file name (no folder).
        sheet: the sheet read (xlsx), else ``None``.
        epoch: day 0 of serial dates in this file (1899-12-30, or 1904-01-01).
        problems: notes and errors of the reading itself (``summarad``, ``formel-utan-varde``).
        columns: every header of the file or sheet read, as written (also those finsam does
            not use).
        found: the finsam names (of ``required`` and ``optional``) whose column the file has.
    """

    frame: pd.DataFrame
    file: str
    sheet: str | None = None
    epoch: pd.Timestamp = xlsx.EPOCH_1900
    problems: list[Problem] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    found: set[str] = field(default_factory=set)


def sheet_of(frame: pd.DataFrame) -> str | None:
    """The xlsx sheet a reader's output frame was read from (``frame.attrs["sheet"]``), or
    ``None`` for a CSV: what the CLI prints as ``deltagare.xlsx (blad Deltagare)``."""
    return frame.attrs.get("sheet")


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


_SEP_LINE = re.compile(r"^\ufeff?sep=(.)\s*$", re.IGNORECASE)


def sniff_separator(first_line: str) -> str:
    """The field separator of a CSV header line: the most frequent of ``;``, tab and ``,``."""
    counts = {sep: first_line.count(sep) for sep in (";", "\t", ",")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else ";"


def split_header(text: str) -> tuple[str, str, str]:
    """``(separator, header line, text from the header on)`` of a CSV's text; an Excel
    ``sep=X`` first line names the separator and is dropped."""
    first, _, rest = text.partition("\n")
    m = _SEP_LINE.match(first.rstrip("\r"))
    if m:
        header = rest.split("\n", 1)[0].rstrip("\r")
        return m.group(1), header, rest
    first = first.rstrip("\r")
    return sniff_separator(first), first, text


def read_table(
    path: Path,
    required: dict[str, tuple[str, ...]],
    optional: dict[str, tuple[str, ...]] | None = None,
    *,
    sheet: str | None = None,
    lacks: tuple[str, ...] = (),
    text_columns: tuple[str, ...] = (),
    what: str = "data",
) -> Table:
    """Read a CSV or Excel file and rename its columns to finsam's names.

    Args:
        path: the file (``.csv``/``.txt`` or an Excel file).
        required: finsam name → accepted header names (compared by :func:`normalise_header`).
        optional: the same for columns that may be missing (then filled with ``None``).
        sheet: the xlsx sheet's usual name (``"Budget"``); ``None``: the visible sheet that
            has the required columns (:func:`finsam.sources.xlsx.choose_sheet`).
        lacks: header names that the sheet must not have (the financing sheet of a budget is
            the one without a cost-centre column).
        text_columns: finsam names whose values are kept as text exactly as written
            (personnummer, codes): never parsed as numbers.
        what: the table's role in Swedish, for messages (``"budget per kostnadsställe"``).

    Returns:
        a :class:`Table` (its frame in the order of ``required`` then ``optional``).

    Raises:
        SourceError: the file is missing, empty, password-protected or unreadable; no visible
            sheet (or several) has the columns; a required column is missing (the message
            lists every column found); a CSV row has more fields than the header.
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
    table = Table(pd.DataFrame(), path.name)
    try:
        if path.suffix.lower() in EXCEL_SUFFIXES:
            xlsx.check_not_encrypted(path)
            df = _read_sheet(path, table, required, wanted, sheet, lacks, what)
        else:
            df = _read_csv(path, table)
    except SourceError:
        raise
    except pd.errors.EmptyDataError:
        raise SourceError(f"{path.name} har ingen rubrikrad eller inga data. Exportera filen igen.") from None
    except pd.errors.ParserError as exc:
        raise SourceError(redact(
            f"{path.name} går inte att läsa som CSV ({parser_position(str(exc)) or 'fel antal fält eller citattecken'}). "
            "Kontrollera citattecken och avgränsare nära den raden."
        )) from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is one clear message
        if path.suffix.lower() in EXCEL_SUFFIXES:
            raise SourceError(f"{path.name} går inte att läsa som Excel-fil (trasig, eller inte en .xlsx-fil). "
                              "Öppna den i Excel och spara om den som .xlsx.") from None
        raise SourceError(f"{path.name} går inte att läsa (okänt format eller trasig fil). "
                          "Spara om filen som .xlsx eller .csv.") from None

    found = {normalise_header(c): c for c in df.columns}
    rename: dict[str, str] = {}
    for name, aliases in wanted.items():
        for alias in aliases:
            if normalise_header(alias) in found:
                rename[found[normalise_header(alias)]] = name
                break
        else:
            if name in required:
                if table.sheet is None:
                    head = df.head(HEADER_SEARCH)
                    _header_further_down(path.name, list(zip(head.index + 2, head.to_numpy().tolist())), required)
                listed = ", ".join(str(c).strip() for c in table.columns or df.columns if not str(c).startswith("Unnamed: "))
                where = f"{path.name} (blad {table.sheet})" if table.sheet else path.name
                raise SourceError(redact(
                    f"{where}: kolumnen {aliases[0]!r} saknas. Kolumner i filen: {listed or '(inga)'}. "
                    f"Lägg till kolumnen eller byt namn på den som motsvarar {aliases[0]!r}."
                ))
    df = df.rename(columns=rename)
    table.found = set(rename.values())
    for name in wanted:
        if name not in df.columns:
            df[name] = None
    df = df[list(wanted)]
    for name in text_columns:
        df[name] = _text_column(df[name])
    table.frame = df
    return table


#: How many rows below row 1 are searched for a header row when row 1 is none (title rows).
HEADER_SEARCH = 15


def _header_further_down(where: str, rows: list[tuple[int, list]], required: dict[str, tuple[str, ...]]) -> None:
    """Raise a :class:`SourceError` naming the row when one of ``rows`` (``(row number,
    cells)`` below row 1) holds every required column: the export has title rows above its header. Reading from
    there would put every row number off by the title rows, so it is refused instead."""
    for number, row in rows:
        names = {normalise_header(_like_read_excel(c)) for c in row if c is not None and c == c and c != ""}
        if all(any(normalise_header(a) in names for a in aliases) for aliases in required.values()):
            raise SourceError(f"{where}: rubrikraden står på rad {number}, inte på rad 1. Ta bort raderna ovanför "
                              "rubrikerna (finsam läser rad 1 som rubrikrad) och spara filen.")


def _read_csv(path: Path, table: Table) -> pd.DataFrame:
    """Every column of a CSV, as text; index = 0-based data row; total rows dropped (noted)."""
    text, _ = decode_text(path)
    sep, header_line, text = split_header(text)
    width = len(next(csv.reader([header_line], delimiter=sep), []))
    try:
        raw = pd.read_csv(io.StringIO(text), sep=sep, header=None, names=range(width + 1), dtype=str,
                          keep_default_na=False, quoting=csv.QUOTE_MINIMAL, skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected \d+ fields in line (\d+), saw (\d+)", str(exc))
        if not m:
            raise
        raise SourceError(f"{path.name}, rad {m.group(1)}: raden har {m.group(2)} fält men rubrikraden {width}. "
                          "Kontrollera avgränsare och citattecken på den raden, eller exportera filen igen.") from None
    extra = raw[width].fillna("").str.strip()
    if (extra != "").any():
        row = int(extra.index[extra != ""][0]) + 1
        raise SourceError(f"{path.name}, rad {row}: raden har fler fält än rubrikraden ({width}), med ett värde "
                          "efter den sista kolumnen. Kontrollera avgränsare och citattecken, eller exportera igen.")
    header = [str(h) if h else f"Unnamed: {i}" for i, h in enumerate(raw.iloc[0, :width].fillna(""))]
    df = raw.iloc[1:, :width].set_axis(header, axis=1)
    table.columns = header
    df.index = pd.RangeIndex(len(df))
    df = df.fillna("")
    if '="' in text:
        df = df.apply(lambda col: col.str.replace(r'^\s*="(.*)"\s*$', r"\1", regex=True))
    blank = (df == "").all(axis=1) if len(df.columns) else pd.Series(True, index=df.index)
    df = df[~blank]
    return _drop_totals(df, table)


def _first_cells(df: pd.DataFrame) -> pd.Series:
    """Each row's first non-empty cell of a frame of text (a CSV read as text)."""
    first = df.iloc[:, 0].str.strip()
    empty = first == ""
    if empty.any() and len(df.columns) > 1:
        rest = df.loc[empty].iloc[:, 1:].apply(lambda col: col.str.strip())
        first[empty] = rest.replace("", np.nan).bfill(axis=1).iloc[:, 0].fillna("")
    return first


def _drop_totals(df: pd.DataFrame, table: Table) -> pd.DataFrame:
    if not len(df) or not len(df.columns):
        return df
    first = _first_cells(df)
    totals = first.index[first.str.match(TOTAL_ROW)]
    where = f"{table.file} ({table.sheet})" if table.sheet else table.file
    table.problems += row_problems(totals, df.index, "summarad", "warning", where, None,
                                   lambda i: f"Raden är en summarad ({first[i][:30]!r}) och läses inte som data.")
    return df.drop(index=totals)


def _read_sheet(path: Path, table: Table, required, wanted, sheet: str | None, lacks, what: str) -> pd.DataFrame:
    """The sheet chosen by :func:`finsam.sources.xlsx.choose_sheet` (only visible sheets),
    with only the columns whose header is one of ``wanted``'s aliases: what
    ``pd.read_excel(dtype=object)`` gives for them (first row = header, exact duplicates named
    ``.1``, ``.2`` …; empty cells NaN; whole-number floats ``int``; dates ``datetime``).
    Formula cells without a value in those columns are errors in ``table.problems`` (the
    formula scan, zlib, runs beside the cell parser, calamine: both outside the GIL)."""
    names, hidden = xlsx.sheet_names(path)
    visible = [n for n in names if n not in hidden]
    exact = [n for n in visible if sheet is not None and n.strip().casefold() == sheet.casefold()]
    with beside(xlsx.sheets_with_formulas, path, exact[:1] or visible) as formulas:
        rows: dict[str, list[list]] = {n: xlsx.read_rows(path, n) for n in exact[:1] or visible}
        with_formulas = formulas.result()
    headers = {n: [str(_like_read_excel(c)).strip() for c in (r[0] if r else []) if c != ""] for n, r in rows.items()}
    try:
        chosen = xlsx.choose_sheet(path, headers, name=sheet, required=list(required.values()), lacks=lacks,
                                   what=what, key=normalise_header)
    except SourceError:
        for n, r in rows.items():
            _header_further_down(f"{path.name} (blad {n})", list(enumerate(r[1:HEADER_SEARCH], start=2)), required)
        raise
    table.sheet, table.epoch = chosen, xlsx.date_epoch(path)
    sheet_rows = rows[chosen]
    if not sheet_rows:
        return pd.DataFrame()
    header, seen = [], {}
    for i, cell in enumerate(sheet_rows[0]):
        name = f"Unnamed: {i}" if cell == "" else str(_like_read_excel(cell))
        k = seen.get(name, 0)
        seen[name] = k + 1
        header.append(name if k == 0 else f"{name}.{k}")
    table.columns = header
    aliases = {normalise_header(a) for names in wanted.values() for a in names}
    keep = {h: i for i, h in enumerate(header) if normalise_header(h) in aliases}
    body = sheet_rows[1:]
    if not keep:
        return pd.DataFrame(columns=header)
    table.problems += xlsx.formula_problems(path, chosen, keep, has_formula=chosen in with_formulas)
    df = pd.DataFrame({h: cells([row[i] for row in body]) for h, i in keep.items()}, index=pd.RangeIndex(len(body)))
    firsts = [row[0] for row in body]
    for i in [i for i, v in enumerate(firsts) if v == "" or v is None]:
        firsts[i] = next((v for v in body[i] if v != "" and v is not None), "")
    blank = np.fromiter((v == "" for v in firsts), bool, len(firsts))
    is_total = np.fromiter((type(v) is str and bool(TOTAL_ROW.match(v.strip())) for v in firsts), bool, len(firsts))
    totals = df.index[is_total]
    table.problems += row_problems(totals, df.index[~blank], "summarad", "warning", f"{path.name} ({chosen})", None,
                                   lambda i: f"Raden är en summarad ({str(firsts[i]).strip()[:30]!r}) och läses inte som data.")
    return df[~(blank | is_total)]


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


def row_problems(labels: Iterable, index: pd.Index, code: str, severity: str, file: str, column: str | None,
                 message: Callable[[object], str]) -> list[Problem]:
    """One problem per row for the first :data:`ROW_PROBLEM_LIMIT` of ``labels`` (frame index
    labels), then one problem (row ``None``) that counts the rest, so a register with 348 000
    duplicate rows gives 21 problems, not 348 000."""
    labels = list(labels)
    out = [Problem(code, severity, file, spreadsheet_row(index, i), column, message(i)) for i in labels[:ROW_PROBLEM_LIMIT]]
    if len(labels) > ROW_PROBLEM_LIMIT:
        out.append(Problem(code, severity, file, None, column,
                           f"… och {len(labels) - ROW_PROBLEM_LIMIT} rader till med samma problem ({code}); "
                           f"{len(labels)} rader i allt. Rätta dem på samma sätt som de första.",
                           count=len(labels) - ROW_PROBLEM_LIMIT))
    return out


_CODES = {money.INVALID: "tal-ogiltigt", money.AMBIGUOUS: "tal-tusenpunkt", money.TOO_FINE: "tal-decimaler"}


def parse_numbers(
    values: pd.Series, *, file: str, column: str, decimals: int | None = None
) -> tuple[pd.Series, list[Problem]]:
    """Parse a column of numbers (text or already numeric) to float64 by the one rule of
    :func:`finsam.money.parse_number_texts`.

    Empty cells become NaN without a problem. Errors, each with its 1-based spreadsheet row
    (:func:`row_problems`): ``tal-ogiltigt`` (no number), ``tal-tusenpunkt`` (``-1.500``: a
    thousands dot or a decimal point?), ``tal-decimaler`` (more than ``decimals`` decimals —
    ``264.135`` is no amount in kronor), ``tal-orimligt`` (not finite or above
    :data:`LARGEST`).
    """
    s = values.astype(object)
    is_num = s.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    out[is_num] = s[is_num].astype("float64")
    text = s[~is_num].map(lambda v: "" if v is None else str(v))
    parsed, reasons = money.parse_number_texts(text, decimals=decimals)
    out[parsed.index] = parsed
    problems: list[Problem] = []
    messages = {
        money.INVALID: lambda i: f"Värdet {str(values.loc[i])!r} är inget tal. Rätta cellen i källfilen och kör igen.",
        money.AMBIGUOUS: lambda i: (f"Värdet {str(values.loc[i])!r} kan vara både {str(values.loc[i]).replace('.', '')} "
                                    "(punkt som tusenavgränsare) och ett decimaltal. Skriv talet utan punkt, med "
                                    "decimalkomma (t.ex. -1500 eller -1,5)."),
        money.TOO_FINE: lambda i: (f"Värdet {str(values.loc[i])!r} har fler än {decimals} decimaler. Är punkten en "
                                   "tusenavgränsare? Exportera beloppen med decimalkomma och utan tusenavgränsare."),
    }
    for reason, code in _CODES.items():
        problems += row_problems(reasons.index[reasons == reason], s.index, code, "error", file, column, messages[reason])
    huge = out.index[~np.isfinite(out.fillna(0.0)) | (out.abs() > LARGEST)]
    problems += row_problems(huge, s.index, "tal-orimligt", "error", file, column,
                             lambda i: f"Värdet {str(values.loc[i])!r} är orimligt stort. Rätta cellen i källfilen.")
    out[huge] = np.nan
    return out, problems
