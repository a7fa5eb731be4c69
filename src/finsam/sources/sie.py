"""Read a SIE 4 file (sie.se, edition 4B, 2008-09-30) into a :class:`~finsam.sources.ledger.Ledger`.

What is read, and from which records (paragraph numbers refer to SIE filformat utgåva 4B):

=====================  ==========================================================================
record                 becomes
=====================  ==========================================================================
``#FORMAT``            nothing: the code page is detected from the bytes (see :func:`decode_sie`)
``#RAR 0``             ``fiscal_year_start`` / ``fiscal_year_end``
``#OBJEKT d``          ``cost_centre_names`` when ``d`` is the cost-centre dimension
``#IB 0``              ``opening_balances_ore`` (summed per account)
``#PBUDGET 0``         ``budget_ore`` (summed per cost centre and account)
``#VER`` + ``#TRANS``  ``lines``: one row per ``#TRANS`` (types 4E/4I)
``#PSALDO 0``          ``lines`` when the file has no ``#VER`` at all (types 2 and 3)
``#KSUMMA``            verified when present (§ Kontrollsummering)
=====================  ==========================================================================

Everything else (``#RTRANS``, ``#BTRANS``, ``#KONTO``, ``#RES``, unknown labels, extra trailing
fields) is ignored, as §5 asks of a reader.

Speed: files in the plain shape accounting programs write are read by a fast path
(:func:`_read_vouchers_fast`): one regular expression finds whole vouchers, and their ``#TRANS``
lines go to Arrow's CSV reader with the braces of the object list as field separators, so no
Python object is made per line (1,000,000 lines, 53 MB: about 1.6 s, benchmarks/run.py). Any
other shape, and every error, goes through the exact path (:func:`_read_vouchers_exact`), one
regex match at a time, which also names the line of an error; ``tests/test_perf_sie.py`` holds
both paths to the same frame. Amounts become integer öre exactly: through their decimal strings
in the exact path, through float64 in the fast path only for at most 13 integer digits and 2
decimals, where ``round(x * 100)`` is exact.
"""

from __future__ import annotations

import calendar
import gc
import re
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from finsam.errors import Problem, SourceError, os_error_text
from finsam.money import kr_to_ore
from finsam.runtime import threads_available
from finsam.sources.ledger import LEDGER_COLUMNS, RESULT_ACCOUNT_CLASSES, Ledger, empty_lines

# --------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------

#: å ä ö Å Ä Ö é in cp1252 (= latin-1) and in cp437 (PC8). Counting which set occurs more
#: often tells a cp1252 file that declares PC8 from a true PC8 file.
_CP1252_LETTERS = b"\xe5\xe4\xf6\xc5\xc4\xd6\xe9"
_CP437_LETTERS = b"\x86\x84\x94\x8f\x8e\x99\x82"
_ASCII = bytes(range(0x80))


def decode_sie(raw: bytes) -> tuple[str, str]:
    """Decode the bytes of a SIE file; return ``(text, encoding)``.

    ``#FORMAT PC8`` means code page 437 (SIE 4B §5.3, #FORMAT), but many programs write UTF-8
    or cp1252 and still declare PC8, so the declaration is not trusted:

    1. a UTF-8 BOM, or bytes that decode cleanly as UTF-8 → ``"utf-8"``;
    2. else the Swedish letters decide: more of å ä ö Å Ä Ö é as cp1252 bytes (0xE5 0xE4 0xF6
       0xC5 0xC4 0xD6 0xE9) than as cp437 bytes (0x86 0x84 0x94 0x8F 0x8E 0x99 0x82) →
       ``"cp1252"``; otherwise → ``"cp437"`` (which maps every byte, so never fails).

    Line ends are left as they are.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    high = raw.translate(None, _ASCII)  # only the bytes ≥ 0x80: counting them is then cheap
    if sum(map(high.count, _to_single_bytes(_CP1252_LETTERS))) > sum(
        map(high.count, _to_single_bytes(_CP437_LETTERS))
    ):
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:  # a byte cp1252 leaves undefined: not cp1252 after all
            pass
    return raw.decode("cp437"), "cp437"


def _to_single_bytes(bs: bytes) -> list[bytes]:
    return [bytes([b]) for b in bs]


# --------------------------------------------------------------------------------------------
# Tokens (SIE 4B §5.5–5.7: fields separated by spaces or tabs, quotes around fields that hold
# spaces, \" for a quote inside a quoted field, object lists in braces)
# --------------------------------------------------------------------------------------------

_FIELD = re.compile(
    r'"((?:[^"\\\n]|\\.)*)"'  # 1 quoted field; \" and any other backslash pair kept together
    r"|\{([^}\n]*)\}"  # 2 object list
    r'|"([^\n]*)'  # 3 a quote that is never closed: the rest of the line
    r'|([^\s"{}]+)'  # 4 unquoted field
)
_OBJECT_TOKEN = re.compile(r'"((?:[^"\\\n]|\\.)*)"|([^\s"]+)')


def _unquote(s: str) -> str:
    """Field content of a quoted field: ``\\"`` becomes ``"``; a lone backslash stays."""
    return s.replace('\\"', '"')


def split_fields(rest: str) -> list:
    """Split the part of a record after its label into fields.

    Returns a list whose items are ``str`` (quoted or not, content unescaped) or, for an
    object list, a tuple of ``(dimension, object)`` pairs of ``str``.

    >>> split_fields('4010 {1 "3001" 6 P1} -12.50 20130101 "a \\\\"b\\\\" c"')
    ['4010', (('1', '3001'), ('6', 'P1')), '-12.50', '20130101', 'a "b" c']
    """
    out: list = []
    for m in _FIELD.finditer(rest):
        kind = m.lastindex
        if kind == 2:
            out.append(parse_object_list(m.group(2)))
        elif kind == 4:
            out.append(m.group(4))
        else:
            out.append(_unquote(m.group(kind)))
    return out


class _BadObjectList(ValueError):
    pass


def parse_object_list(inner: str) -> tuple[tuple[str, str], ...]:
    """The pairs of an object list, given the text between its braces.

    All forms in the wild are accepted (SIE 4B §8, #TRANS; §7 Objektredovisning):
    ``1 "3001"``, ``"1" "3001"``, ``1 3001``, ``1   AO ``, several pairs ``1 "3001" 6 "P1"``,
    and the empty list. Raises ``_BadObjectList`` on an odd number of tokens.
    """
    tokens = [_unquote(q) if q or not b else b for q, b in _OBJECT_TOKEN.findall(inner)]
    if len(tokens) % 2:
        raise _BadObjectList(inner)
    return tuple(zip(tokens[0::2], tokens[1::2]))


# --------------------------------------------------------------------------------------------
# Voucher section: one regex over the whole text
# --------------------------------------------------------------------------------------------

_TOKEN = r'(?:"[^"\n]*"|[^\s"{}]+)'
_VOUCHER_SCAN = re.compile(
    r"^[ \t]*(?:"
    # 1 account, 2 object list (inside braces, may be absent), 3 amount (any token; checked later)
    rf"#TRANS[ \t]+({_TOKEN})[ \t]*(?:\{{([^}}\n]*)\}})?[ \t]*({_TOKEN})?[^\n]*"
    # 4 series, 5 number, 6 date
    rf"|#VER[ \t]+({_TOKEN})[ \t]+({_TOKEN})[ \t]+({_TOKEN})[^\n]*"
    r"|(\{)[ \t\r]*$"  # 7 block start
    r"|(\})[ \t\r]*$"  # 8 block end
    r"|(#TRANS|#VER)\b[^\n]*"  # 9 a #TRANS/#VER line the patterns above cannot read
    r")",
    re.MULTILINE,
)

#: An amount as SIE writes it: optional minus, digits, optional decimal point and decimals.
_AMOUNT = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")
_BAD_AMOUNT_IN_JOINED = re.compile(r"^(?![-+]?(?:\d+(?:\.\d*)?|\.\d+)$).*$", re.MULTILINE)

#: Header records read field by field (few lines; PSALDO/PBUDGET can be some thousands).
#: The pattern starts with the literal ``#`` so that the regex engine can skip ahead to the next
#: ``#``; that a label begins its line (after blanks) is checked per match (:func:`_header_records`).
_HEADER_SCAN = re.compile(r"#(RAR|OBJEKT|IB|RES|PBUDGET|PSALDO|SIETYP|FORMAT|KSUMMA)(?![^ \t\r\n])([^\n]*)")


@dataclass
class _Context:
    """The file being read, for messages and line numbers."""

    path: Path
    text: str
    _line_starts: np.ndarray | None = None

    @property
    def name(self) -> str:
        return self.path.name

    def line_of(self, pos: int) -> int:
        """1-based line number of character offset ``pos``."""
        return self.text.count("\n", 0, pos) + 1

    def lines_of(self, positions: list[int]) -> list[int]:
        """1-based line numbers of many offsets (one pass over the text)."""
        if self._line_starts is None:
            self._line_starts = np.array([m.start() for m in re.finditer("\n", self.text)])
        return (np.searchsorted(self._line_starts, np.asarray(positions)) + 1).tolist()

    def error(self, line: int, what: str, todo: str) -> SourceError:
        return SourceError(f"{self.name}, rad {line}: {what} {todo}")


_FIX_EXPORT = "Rätta raden i exporten eller exportera filen igen."


_NO_DECIMALS = re.compile(r"^([-+]?\d+)\.?$", re.MULTILINE)
_ONE_DECIMAL = re.compile(r"\.(\d)$", re.MULTILINE)
_LEADING_POINT = re.compile(r"^([-+]?)\.", re.MULTILINE)
_ZERO_TAIL = re.compile(r"\.(\d\d)0+$", re.MULTILINE)
_OVER_TWO_DECIMALS = re.compile(r"\.\d{3,}$", re.MULTILINE)


def amounts_to_ore(amounts: list[str]) -> np.ndarray:
    """Convert SIE amounts (kronor, ``.`` as decimal point) to integer öre, exactly.

    Works on the decimal strings (never through float): every amount is rewritten to exactly
    two decimals on one joined string (``"133"`` → ``"133.00"``, ``"-212.5"`` → ``"-212.50"``,
    ``"1.500"`` → ``"1.50"``), the point is dropped, and the integers are parsed in one C pass.

    Returns an int64 array (öre, sign kept). Raises ``ValueError(index)`` for the first amount
    that is not a number, or that has non-zero decimals beyond the second (not whole öre).
    """
    if not amounts:
        return np.zeros(0, dtype=np.int64)
    joined = "\n".join(amounts)
    bad = _BAD_AMOUNT_IN_JOINED.search(joined)
    if bad is not None:
        raise ValueError(joined.count("\n", 0, bad.start()))
    joined = _LEADING_POINT.sub(r"\g<1>0.", joined)
    joined = _NO_DECIMALS.sub(r"\g<1>.00", joined)
    joined = _ONE_DECIMAL.sub(r".\g<1>0", joined)
    joined = _ZERO_TAIL.sub(r".\g<1>", joined)
    over = _OVER_TWO_DECIMALS.search(joined)
    if over is not None:
        raise ValueError(joined.count("\n", 0, over.start()))
    digits = joined.replace(".", "").replace("+", "").split("\n")
    if max(map(len, digits)) > 16:  # over 10 000 000 000 000 kr: a broken field, not an amount
        raise ValueError(next(i for i, d in enumerate(digits) if len(d.lstrip("-")) > 15))
    return np.array(list(map(int, digits)), dtype=np.int64)


# --------------------------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------------------------


def read_sie(path: Path, *, cost_centre_dimension: int = 1) -> Ledger:
    """Read a SIE 4 file (types 4E/4I; types 2 and 3 through ``#PSALDO``) into a Ledger.

    Args:
        path: the .se/.si file.
        cost_centre_dimension: the SIE dimension whose objects are cost centres
            (kostnadsställen); 1 by default (SIE 4B §7, reserved dimension numbers).

    Returns:
        :class:`Ledger` with ``kind="sie"``. ``lines`` has :data:`LEDGER_COLUMNS`: date
        (datetime64[ns], the voucher's date — a #TRANS's own transdat is ignored), account
        (str), cost_centre (str, the object of ``cost_centre_dimension`` or ``""``),
        amount_ore (int64, öre, SIE sign: debit positive, credit negative).

        For files without vouchers (types 2 and 3) the lines are the ``#PSALDO 0`` period
        changes, dated the last day of their month; per period and account the per-object
        rows of the cost-centre dimension are used and the ``{}`` total row only for what they
        leave over (cost centre ``""``), so nothing is counted twice.

        ``problems`` holds warnings: ``sie-verifikation-obalans`` (a voucher whose #TRANS do
        not sum to zero; row = line of its #VER), ``sie-ersattningstecken`` (the file already
        holds U+FFFD replacement characters; row = first such line), ``sie-teckenkodning``
        (info: the detected code page differs from ``#FORMAT``), ``sie-verifikation-utan-klammer``
        (vouchers whose #TRANS lines directly follow the #VER without ``{ }``, as e-conomic
        writes them: read up to the next #VER or ``}``; row = first such #VER),
        ``sie-res-avviker`` (``#RES 0`` of a result account differs from its summed lines: the
        export looks incomplete; row = first such #RES line).

        Line ends may be LF, CRLF or CR alone.

    Raises:
        SourceError: the file cannot be read; it has no ``#TRANS`` and no ``#PSALDO 0`` (SIE
            type 1, or a type 4 file without vouchers: the message names ``#SIETYP`` and asks
            for a SIE 4 export with verifikationer); a ``#TRANS`` outside a voucher (after a
            ``}``, or before any ``#VER``); an account that is not a number (the first line and
            how many such lines);
            an amount that is not a number; a voucher block that is never closed; an object
            list with an odd number of tokens; a date that is not a date; a ``#KSUMMA`` that
            does not match the content or whose closing record is missing. The message
            (Swedish) names the file and line and what to do.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(
            f"{path.name}: filen kan inte läsas ({os_error_text(exc)}). Kontrollera sökvägen."
        ) from exc
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # saved as UTF-16 by an editor: SIE never is, but it reads
        raw = raw.decode("utf-16", errors="replace").encode("utf-8")
    if not re.search(rb"^\s*#[A-Z]", raw[:65536], re.M):
        raise SourceError(
            f"{path.name}: filen innehåller inga SIE-poster (den är tom eller inte en SIE-fil). "
            "Exportera huvudboken som SIE 4 igen."
        )
    text, encoding = decode_sie(raw)
    del raw  # the text is all that is read from here on (50 MB less at the peak for 1M lines)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if text.count("\r") > text.count("\n"):  # CR-only line ends (classic Mac OS, some exports)
            text = text.replace("\r", "\n")
    ctx = _Context(path, text)
    problems: list[Problem] = []

    bad_char = text.find("\ufffd")
    if bad_char >= 0:
        line = ctx.line_of(bad_char)
        problems.append(
            Problem(
                "sie-ersattningstecken",
                "warning",
                ctx.name,
                line,
                None,
                f"Filen innehåller redan ersättningstecken (�), första gången på rad {line}: "
                "tecken har gått förlorade vid en tidigare konvertering. Beloppen läses, men "
                "kontrollera namn och texter, eller exportera filen igen.",
            )
        )

    header = _read_header(ctx, cost_centre_dimension)
    declared_format = (header["format"] or "PC8").upper()
    if declared_format == "PC8" and encoding != "cp437" and re.search(r"[^\x00-\x7f]", text):
        problems.append(
            Problem(
                "sie-teckenkodning",
                "info",
                ctx.name,
                None,
                None,
                f"Filen anger #FORMAT PC8 (teckentabell 437) men är skriven i {encoding}; "
                f"den har lästs som {encoding}.",
            )
        )

    if header["ksumma"]:
        _verify_ksumma(ctx, encoding, header["ksumma"])

    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived strings: the cyclic collector only costs time here
    try:
        lines, ver_count = _read_vouchers(ctx, cost_centre_dimension, problems)
    finally:
        if gc_was_enabled:
            gc.enable()
    if ver_count == 0 and header["psaldo"]:
        lines = _period_lines(ctx, header["psaldo"], cost_centre_dimension)

    budget = budget_months = None
    if header["pbudget"]:
        b = budget_months = _period_lines(ctx, header["pbudget"], cost_centre_dimension)
        budget = (
            b.groupby(["cost_centre", "account"], as_index=False, sort=True)["amount_ore"]
            .sum()
            .astype({"cost_centre": "str", "account": "str", "amount_ore": "int64"})
        )

    if not len(lines):
        raise _no_transactions(ctx, header["sietyp"], ver_count)
    if not lines["account"].str.fullmatch(r"\d+").all():
        raise _bad_account_error(ctx, header["psaldo"] if ver_count == 0 else None)
    if header["res"]:
        problems.extend(_res_problems(ctx, header["res"], lines))
    return Ledger(
        lines=lines,
        source=path,
        kind="sie",
        fiscal_year_start=header["year_start"],
        fiscal_year_end=header["year_end"],
        cost_centre_names=header["names"],
        opening_balances_ore=header["ib"],
        budget_ore=budget,
        budget_months=budget_months,
        problems=problems,
    )


#: What each SIE type holds (SIE 4B §3, Filtyper): only type 4 has the vouchers a period needs.
_SIE_TYPES = {
    "1": "årssaldon",
    "2": "periodsaldon",
    "3": "objektsaldon",
    "4": "transaktioner",
}


def _no_transactions(ctx: _Context, sietyp: str | None, ver_count: int) -> SourceError:
    """The refusal for a file with no ``#TRANS`` and no ``#PSALDO 0``: every accumulated
    figure would be 0 and the reconciliation would pass (0 = 0)."""
    if sietyp is None:
        kind = "filen anger ingen SIE-typ (#SIETYP saknas)"
    else:
        what = _SIE_TYPES.get(sietyp.upper().rstrip("EI"), "")
        kind = f"filen är av SIE-typ {sietyp} (#SIETYP {sietyp}" + (f", {what})" if what else ")")
    found = f"{ver_count} verifikationer utan #TRANS-rader" if ver_count else "inga verifikationer (#VER/#TRANS) och inga periodsaldon (#PSALDO)"
    return SourceError(
        f"{ctx.name}: huvudboken har inga transaktioner för året: {kind}, med {found}. Ur den kan inget "
        "utfall räknas fram. Exportera huvudboken som SIE 4 (typ 4E) med verifikationer för räkenskapsåret."
    )


def _bad_account_error(ctx: _Context, psaldo: list | None) -> SourceError:
    """The refusal for accounts that are not account numbers, naming the first such line and
    how many there are: the ``#TRANS`` lines (as the exact path reads them), or the ``#PSALDO 0``
    records when the lines came from those (``psaldo`` given)."""
    if psaldo is not None:
        bad = [(pos, account) for pos, _, account, _, _ in psaldo if not re.fullmatch(r"\d+", account)]
    else:
        bad = [
            (m.start(), m.group(1).strip('"'))
            for m in _VOUCHER_SCAN.finditer(ctx.text)
            if m.group(1) is not None and not re.fullmatch(r"\d+", m.group(1).strip('"'))
        ]
    pos, account = bad[0]
    line = ctx.line_of(pos)
    more = f" ({len(bad)} rader har ett konto som inte är ett nummer; den första är rad {line})" if len(bad) > 1 else ""
    return ctx.error(line, f"kontot {account!r} är inget kontonummer{more}.", "Rätta exporten i ekonomisystemet.")


def _res_problems(ctx: _Context, res: dict[str, tuple[int, int]], lines: pd.DataFrame) -> list[Problem]:
    """``sie-res-avviker``: the file's own year result per result account (``#RES 0``, SIE 4B
    §8 #RES) differs from the sum of the lines read for it (``#TRANS``, or ``#PSALDO``), so
    vouchers are missing from the export (or it was cut). An account with lines but no #RES
    counts as #RES 0 = 0, since a program that writes #RES writes it for every account with
    a result. One warning naming the accounts and both sums; row = first differing #RES line."""
    result = lines[lines["account"].str[:1].isin(RESULT_ACCOUNT_CLASSES)]
    summed = result.groupby("account")["amount_ore"].sum().to_dict()
    wanted = {a: v for a, (_, v) in res.items() if a[:1] in RESULT_ACCOUNT_CLASSES}
    differ = sorted(a for a in set(wanted) | set(summed) if wanted.get(a, 0) != int(summed.get(a, 0)))
    if not differ:
        return []
    shown = "; ".join(
        f"konto {a}: #RES {_ore_text(wanted.get(a, 0))} kr, #TRANS {_ore_text(int(summed.get(a, 0)))} kr"
        for a in differ[:5]
    )
    more = f" och {len(differ) - 5} konton till" if len(differ) > 5 else ""
    lines_at = [res[a][0] for a in differ if a in res]
    return [
        Problem(
            "sie-res-avviker",
            "warning",
            ctx.name,
            ctx.line_of(min(lines_at)) if lines_at else None,
            None,
            f"Exporten verkar ofullständig: årets resultat i filen (#RES 0) skiljer sig från summan av "
            f"verifikationsraderna för {len(differ)} {'konto' if len(differ) == 1 else 'konton'} ({shown}{more}). "
            "Utfallet räknas från verifikationsraderna; exportera huvudboken igen med alla verifikationer.",
        )
    ]


def _parse_date(ctx: _Context, s: str, line: int) -> date:
    try:
        return date(int(s[0:4]), int(s[4:6]), int(s[6:8])) if len(s) == 8 else date.fromisoformat(s)
    except ValueError:
        raise ctx.error(
            line, f'datumet "{s}" är inte ett datum (ÅÅÅÅMMDD).', _FIX_EXPORT
        ) from None


def _read_header(ctx: _Context, dim: int) -> dict:
    """#RAR 0, #OBJEKT, #IB 0, #PBUDGET 0, #PSALDO 0, #SIETYP, #FORMAT, #KSUMMA records."""
    dim_s = str(dim)
    out: dict = {
        "year_start": None,
        "year_end": None,
        "names": {},
        "ib": {},
        "pbudget": [],
        "psaldo": [],
        "format": None,
        "ksumma": [],
        "sietyp": None,
        "res": {},
    }
    for pos, label, rest in _header_records(ctx.text):
        if label == "KSUMMA":
            out["ksumma"].append((pos, rest.strip()))
            continue
        fields = split_fields(rest)
        if label == "FORMAT":
            out["format"] = fields[0] if fields else None
        elif label == "RAR":
            if len(fields) >= 3 and fields[0] == "0":
                line = ctx.line_of(pos)
                out["year_start"] = _parse_date(ctx, fields[1], line)
                out["year_end"] = _parse_date(ctx, fields[2], line)
        elif label == "OBJEKT":
            if len(fields) >= 2 and fields[0] == dim_s and isinstance(fields[1], str):
                name = fields[2] if len(fields) > 2 and isinstance(fields[2], str) else ""
                out["names"][fields[1].strip()] = name
        elif label == "SIETYP":
            out["sietyp"] = fields[0] if fields and isinstance(fields[0], str) else None
        elif label == "RES":
            # #RES årsnr konto saldo [kvantitet] (SIE 4B §8 #RES): the year's result per account
            if len(fields) >= 3 and fields[0] == "0" and isinstance(fields[1], str):
                ore = _one_amount(ctx, fields[2], pos)
                at, total = out["res"].get(fields[1], (pos, 0))
                out["res"][fields[1]] = (at, total + ore)
        elif label == "IB":
            if len(fields) >= 3 and fields[0] == "0":
                ore = _one_amount(ctx, fields[2], pos)
                out["ib"][fields[1]] = out["ib"].get(fields[1], 0) + ore
        elif label in ("PBUDGET", "PSALDO"):
            # #PSALDO årsnr period konto {objekt} saldo [kvantitet]
            if len(fields) >= 5 and fields[0] == "0":
                objects = fields[3] if isinstance(fields[3], tuple) else ()
                out[label.lower()].append((pos, fields[1], fields[2], objects, fields[4]))
    return out


def _header_records(text: str):
    """``(line start offset, label, rest of line)`` of every header record whose label begins
    its line (after spaces/tabs); a label inside another record's text is not one."""
    for m in _HEADER_SCAN.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        if text[start : m.start()].strip(" \t"):
            continue
        yield start, m.group(1), m.group(2)


def _one_amount(ctx: _Context, s, pos: int) -> int:
    try:
        if not isinstance(s, str):
            raise ValueError(0)
        return int(amounts_to_ore([s])[0])
    except ValueError:
        raise ctx.error(
            ctx.line_of(pos), f'beloppet "{s}" är inte ett tal.', _FIX_EXPORT
        ) from None


def _read_vouchers(ctx: _Context, dim: int, problems: list[Problem]) -> tuple[pd.DataFrame, int]:
    """All #TRANS lines of all #VER blocks (SIE 4B §8 #VER, #TRANS); returns (lines, #VER count).

    Files as accounting programs write them go through :func:`_read_vouchers_fast`; anything
    it is not sure of (and every error, for its message) through :func:`_read_vouchers_exact`.
    Both give the same frame: ``tests/test_perf_sie.py`` holds them to it.
    """
    fast = _read_vouchers_fast(ctx, dim)
    if fast is None:
        return _read_vouchers_exact(ctx, dim, problems)
    lines, sums = fast
    unbalanced = np.flatnonzero(sums)
    if len(unbalanced):
        ver_pos = [m.start() for m in _VER_LINE.finditer(ctx.text)]
        problems.extend(_unbalanced_problems(ctx, sums, [ver_pos[i] for i in unbalanced]))
    return lines, len(sums)


def _read_vouchers_exact(ctx: _Context, dim: int, problems: list[Problem]) -> tuple[pd.DataFrame, int]:
    """:func:`_read_vouchers` match by match, with the exact line of any error."""
    accounts: list[str] = []
    objects: list[str | None] = []
    amounts: list[str | None] = []
    voucher_of: list[int] = []
    ver_dates: list[str] = []
    ver_pos: list[int] = []
    cur = -1  # index of the open voucher
    in_block = False
    awaiting_block = False
    braceless = False  # the open block is a #VER directly followed by its #TRANS lines, no { }
    braceless_at: list[int] = []  # #VER offsets of such vouchers

    for m in _VOUCHER_SCAN.finditer(ctx.text):
        acct, objs, amt, series, number, vdate, opening, closing, unreadable = m.groups()
        if acct is not None:
            if not in_block and awaiting_block:
                # a #VER directly followed by #TRANS lines without { } (e-conomic writes these):
                # its lines are those up to the next #VER or }, read with a warning
                in_block, braceless, awaiting_block = True, True, False
                braceless_at.append(ver_pos[cur])
            if not in_block:
                raise ctx.error(
                    ctx.line_of(m.start()),
                    "#TRANS står utanför en verifikation (inget #VER med { } före raden).",
                    _FIX_EXPORT,
                )
            accounts.append(acct)
            objects.append(objs)
            amounts.append(amt)
            voucher_of.append(cur)
        elif vdate is not None:
            if braceless:
                in_block = braceless = False
            if in_block:
                raise ctx.error(
                    ctx.line_of(ver_pos[cur]),
                    "verifikationen avslutas aldrig med }.",
                    _FIX_EXPORT,
                )
            cur += 1
            ver_dates.append(vdate.strip('"'))
            ver_pos.append(m.start())
            awaiting_block = True
        elif opening is not None:
            if awaiting_block:
                in_block, awaiting_block = True, False
        elif closing is not None:
            in_block = braceless = False
        else:
            raise ctx.error(
                ctx.line_of(m.start()),
                f"raden ({unreadable}) kan inte läsas: fält saknas.",
                _FIX_EXPORT,
            )
    if in_block and not braceless:
        raise ctx.error(
            ctx.line_of(ver_pos[cur]), "verifikationen avslutas aldrig med }.", _FIX_EXPORT
        )
    if braceless_at:
        first = ctx.line_of(braceless_at[0])
        n = len(braceless_at)
        problems.append(
            Problem(
                "sie-verifikation-utan-klammer",
                "warning",
                ctx.name,
                first,
                None,
                f"{'Verifikationen' if n == 1 else f'{n} verifikationer'} på rad {first}"
                f"{'' if n == 1 else ' och framåt'} saknar {{ }} runt sina #TRANS-rader (SIE 4 kräver dem). "
                "Raderna fram till nästa #VER har lästs som verifikationens rader; stämmer summorna inte "
                "visas det som obalans. Be leverantören av bokföringsprogrammet rätta exporten.",
            )
        )

    if not accounts:
        return empty_lines(), len(ver_dates)

    # amounts → öre
    if None in amounts:
        k = amounts.index(None)
        raise ctx.error(_trans_line(ctx, k), "beloppet saknas.", _FIX_EXPORT)
    if any('"' in a for a in amounts[:1]) or '"' in "".join(amounts):
        amounts = [a.strip('"') for a in amounts]
    try:
        ore = amounts_to_ore(amounts)
    except ValueError as exc:
        k = exc.args[0]
        raise ctx.error(
            _trans_line(ctx, k), f'beloppet "{amounts[k]}" är inte ett tal.', _FIX_EXPORT
        ) from None

    # object lists → cost centre, once per distinct list
    dim_s = str(dim)
    cc_of: dict[str | None, str] = {None: ""}
    for inner in set(objects):
        if inner is None:
            continue
        try:
            pairs = parse_object_list(inner)
        except _BadObjectList:
            k = objects.index(inner)
            raise ctx.error(
                _trans_line(ctx, k),
                f"objektlistan {{{inner}}} har inte par av dimension och objekt.",
                _FIX_EXPORT,
            ) from None
        cc_of[inner] = next((o.strip() for d, o in pairs if d.strip() == dim_s), "")
    cost_centres = pd.Series(objects, dtype=object).map(cc_of)

    # voucher date for every line
    vidx = np.array(voucher_of, dtype=np.int64)
    vdates = pd.to_datetime(pd.Series(ver_dates), format="%Y%m%d", errors="coerce")
    if vdates.isna().any():
        k = int(np.flatnonzero(vdates.isna().to_numpy())[0])
        raise ctx.error(
            ctx.line_of(ver_pos[k]),
            f'verifikationsdatumet "{ver_dates[k]}" är inte ett datum (ÅÅÅÅMMDD).',
            _FIX_EXPORT,
        )
    dates = vdates.to_numpy(dtype="datetime64[ns]")[vidx]

    if '"' in "".join(accounts):
        accounts = [a.strip('"') for a in accounts]

    lines = pd.DataFrame(
        {
            "date": pd.Series(dates, dtype="datetime64[ns]"),
            "account": pd.Series(accounts, dtype="str"),
            "cost_centre": cost_centres.astype("str"),
            "amount_ore": pd.Series(ore, dtype="int64"),
        }
    )[LEDGER_COLUMNS]

    # SIE 4B §8 #VER: the #TRANS of a voucher sum to zero
    sums = np.zeros(len(ver_dates), dtype=np.int64)
    np.add.at(sums, vidx, ore)
    unbalanced = np.flatnonzero(sums)
    if len(unbalanced):
        problems.extend(_unbalanced_problems(ctx, sums, [ver_pos[i] for i in unbalanced]))
    return lines, len(ver_dates)


def _unbalanced_problems(ctx: _Context, sums: np.ndarray, positions: list[int]) -> list[Problem]:
    """``sie-verifikation-obalans`` for the vouchers whose sums are not zero (SIE 4B §8 #VER);
    ``positions`` are the offsets of those vouchers' #VER lines."""
    unbalanced = np.flatnonzero(sums)
    return [
        Problem(
            "sie-verifikation-obalans",
            "warning",
            ctx.name,
            row,
            None,
            f"Verifikationen på rad {row} balanserar inte: raderna summerar till "
            f"{_ore_text(int(sums[i]))} kr i stället för 0. Raderna läses som de står; rätta "
            "verifikationen i bokföringen och exportera igen.",
        )
        for i, row in zip(unbalanced, ctx.lines_of(positions))
    ]


# --------------------------------------------------------------------------------------------
# Voucher section, fast path: whole vouchers by one regex, their #TRANS lines by Arrow's CSV
# reader. Used only when the whole section has the plain shape below; otherwise it returns None
# and the exact path reads the file (and gives any error its line).
# --------------------------------------------------------------------------------------------

#: One whole voucher in its plain shape: the #VER line (group 1 = date), the ``{`` line, the
#: lines of the block (group 2; none of them starts with #VER or ``}``), the ``}`` line.
#: Group 3: a line starting with #TRANS, #VER, ``{`` or ``}`` that is no part of such a
#: voucher, which sends the file to the exact path.
_VOUCHER_BLOCK = re.compile(
    rf"^[ \t]*(?:#VER[ \t]+{_TOKEN}[ \t]+{_TOKEN}[ \t]+({_TOKEN})[^\n]*\n"
    r"[ \t]*\{[ \t\r]*\n"
    r"((?:(?![ \t]*(?:#VER|\}))[^\n]*\n)*)"
    r"[ \t]*\}[ \t\r]*$"
    r"|(#TRANS|#VER|\{|\}))",
    re.MULTILINE,
)
_VER_LINE = re.compile(r"^[ \t]*#VER", re.MULTILINE)
#: The part of a #TRANS line before its object list: label and one account field.
_TRANS_HEAD = r'^[ \t]*#TRANS[ \t]+("[^"\n]*"|[^\s"{}]+)[ \t]*$'
#: Amounts the fast path converts through float64: at most 13 integer digits and 2 decimals,
#: so round(x * 100) is the exact öre (|100x| < 10**15, float error < 0.25 öre).
_PLAIN_AMOUNT = r"^-?[0-9]{1,13}(\.[0-9]{1,2})?$"
_UNIT_SEPARATOR = "\x1f"


def _read_vouchers_fast(ctx: _Context, dim: int) -> tuple[pd.DataFrame, np.ndarray] | None:
    """``(lines, per-voucher sums in öre)`` for a file whose voucher section has the plain
    shape, else ``None``.

    Plain: every #VER is followed by its ``{`` line, its block and its ``}`` line; every
    #TRANS (label at line start) is inside a block and reads ``#TRANS account {objects}
    amount [rest]`` with exactly one pair of braces on the line, an unquoted number with at
    most two decimals as amount and a voucher date ``ÅÅÅÅMMDD``. The #TRANS lines of all
    blocks are handed to Arrow's CSV reader (braces turned into field separators), so no
    Python object is made per line.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    text = ctx.text
    if _UNIT_SEPARATOR in text or "\r" in text:  # a lone CR would end a line for Arrow, not for re
        return None
    found = _VOUCHER_BLOCK.findall(text)
    if not found:
        return None
    ver_dates, blocks, stray = zip(*found)
    del found
    if any(stray):
        return None
    # #TRANS per voucher; checked below against the #TRANS lines actually read, so a "#TRANS"
    # inside a text (counted here, not read there) sends the file to the exact path
    per_voucher = np.fromiter(map(str.count, blocks, ["#TRANS"] * len(blocks)), np.int64, len(blocks))
    body = "".join(blocks).translate({ord("{"): _UNIT_SEPARATOR, ord("}"): _UNIT_SEPARATOR}).encode("utf-8")
    del blocks
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=["head", "objects", "tail"], use_threads=threads_available()),
            parse_options=pacsv.ParseOptions(delimiter=_UNIT_SEPARATOR, quote_char=False, escape_char=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(["head", "objects", "tail"], pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a line with no braces or with more than one pair
        return None
    head = pc.utf8_trim(table["head"], " \t")
    is_trans = pc.starts_with(head, "#TRANS")
    if not pc.all(is_trans).as_py():  # other records with braces in the blocks (#RTRANS, #BTRANS)
        table, head = table.filter(is_trans), head.filter(is_trans)
    if table.num_rows != int(per_voucher.sum()) or not pc.all(pc.match_substring_regex(head, _TRANS_HEAD)).as_py():
        return None
    amount = pc.utf8_trim(table["tail"], " \t\r")
    if pc.any(pc.match_substring_regex(amount, "[ \t]")).as_py():  # transdat, transtext… after it
        amount = pc.list_element(pc.split_pattern(pc.replace_substring(amount, "\t", " "), " ", max_splits=1), 0)
    if not pc.all(pc.match_substring_regex(amount, _PLAIN_AMOUNT)).as_py():
        return None
    ore = kr_to_ore(pc.cast(amount, pa.float64()).to_numpy(zero_copy_only=False))

    # object lists → cost centre, once per distinct list
    dim_s = str(dim)
    objects = pc.dictionary_encode(table["objects"]).combine_chunks()
    cc_of = []
    for inner in objects.dictionary.to_pylist():
        try:
            pairs = parse_object_list(inner)
        except _BadObjectList:
            return None
        cc_of.append(next((o.strip() for d, o in pairs if d.strip() == dim_s), ""))
    cost_centres = pd.Series(np.array(cc_of, dtype=object)[objects.indices.to_numpy(zero_copy_only=False)], dtype="str")

    vdates = pd.Series(ver_dates, dtype=object)
    if '"' in "".join(ver_dates):
        vdates = vdates.str.strip('"')
    vdates = pd.to_datetime(vdates, format="%Y%m%d", errors="coerce")
    if vdates.isna().any():
        return None
    dates = np.repeat(vdates.to_numpy(dtype="datetime64[ns]"), per_voucher)
    account = pc.utf8_trim(pc.utf8_trim(pc.utf8_slice_codeunits(head, 6), " \t"), '"')

    lines = pd.DataFrame(
        {
            "date": pd.Series(dates, dtype="datetime64[ns]"),
            "account": pd.Series(account.to_pandas(), dtype="str"),
            "cost_centre": cost_centres,
            "amount_ore": pd.Series(ore, dtype="int64"),
        }
    )[LEDGER_COLUMNS]
    ends = np.cumsum(per_voucher)
    running = np.concatenate([[0], np.cumsum(ore)])
    return lines, running[ends] - running[ends - per_voucher]


def _ore_text(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    kr, o = divmod(abs(ore), 100)
    return f"{sign}{kr},{o:02d}"


def _trans_line(ctx: _Context, k: int) -> int:
    """Line number of the k-th #TRANS match (slow path, only for messages)."""
    for i, m in enumerate(
        mm for mm in _VOUCHER_SCAN.finditer(ctx.text) if mm.group(1) is not None
    ):
        if i == k:
            return ctx.line_of(m.start())
    raise AssertionError(k)  # pragma: no cover


def _period_lines(ctx: _Context, records: list, dim: int) -> pd.DataFrame:
    """Ledger lines from #PSALDO/#PBUDGET year-0 records (SIE 4B §8 #PSALDO, #PBUDGET).

    A record is one month's change (never cumulative). Type 3 files give, per period and
    account, a ``{}`` total row and rows per object: the cost centre rows are used, and the
    total only for the remainder they leave (cost centre ``""``). Rows whose object list holds
    other dimensions (or more than the cost-centre dimension) are ignored.
    Date = last day of the period's month.
    """
    dim_s = str(dim)
    totals: dict[tuple[str, str], int] = {}
    per_cc: dict[tuple[str, str, str], int] = {}
    for pos, period, account, objects, amount in records:
        ore = _one_amount(ctx, amount, pos)
        if not (len(period) == 6 and period.isdigit() and 1 <= int(period[4:]) <= 12):
            raise ctx.error(
                ctx.line_of(pos), f'perioden "{period}" är inte en månad (ÅÅÅÅMM).', _FIX_EXPORT
            )
        if not objects:
            totals[(period, account)] = totals.get((period, account), 0) + ore
        elif len(objects) == 1 and objects[0][0].strip() == dim_s:
            key = (period, account, objects[0][1].strip())
            per_cc[key] = per_cc.get(key, 0) + ore
    spread: dict[tuple[str, str], int] = {}
    for (period, account, _), ore in per_cc.items():
        spread[(period, account)] = spread.get((period, account), 0) + ore
    rows = [(p, a, cc, ore) for (p, a, cc), ore in per_cc.items()]
    for (p, a), total in totals.items():
        rest = total - spread.get((p, a), 0)
        if rest or (p, a) not in spread:
            rows.append((p, a, "", rest))
    if not rows:
        return empty_lines()
    rows.sort()
    dates = [
        date(int(p[:4]), int(p[4:]), calendar.monthrange(int(p[:4]), int(p[4:]))[1])
        for p, _, _, _ in rows
    ]
    return pd.DataFrame(
        {
            "date": pd.Series(pd.to_datetime(dates), dtype="datetime64[ns]"),
            "account": pd.Series([r[1] for r in rows], dtype="str"),
            "cost_centre": pd.Series([r[2] for r in rows], dtype="str"),
            "amount_ore": pd.Series([r[3] for r in rows], dtype="int64"),
        }
    )[LEDGER_COLUMNS]


# --------------------------------------------------------------------------------------------
# #KSUMMA
# --------------------------------------------------------------------------------------------


def ksumma_of_records(records: list[str], encoding: str = "cp437") -> int:
    """CRC-32 of SIE records as SIE 4B (§ Kontrollsummering) defines it.

    For each record, in order, the bytes of its label (with ``#``) and then of each field's
    *content* are fed to CRC-32 (polynomial 0xEDB88320, start 0xFFFFFFFF, final inversion:
    the algorithm printed in the specification, equal to :func:`zlib.crc32`). Not fed: the
    spaces/tabs between fields, line ends, the quotes around a field (``\\"`` counts as
    ``"``), the braces of an object list (its dimension and object numbers are fed), and the
    ``{``/``}`` lines of voucher blocks. Bytes are in the file's own code page.
    """
    crc = 0
    for record in records:
        stripped = record.strip()
        if not stripped.startswith("#"):
            continue
        label, _, rest = stripped.partition(" ")
        if "\t" in label:
            label, _, rest2 = label.partition("\t")
            rest = rest2 + " " + rest
        parts = [label]
        for field in split_fields(rest):
            if isinstance(field, tuple):
                parts.extend(x for pair in field for x in pair)
            else:
                parts.append(field)
        crc = zlib.crc32("".join(parts).encode(encoding, errors="replace"), crc)
    return crc


def _verify_ksumma(ctx: _Context, encoding: str, ksumma: list[tuple[int, str]]) -> None:
    """Verify ``#KSUMMA``: the first (empty) record starts the sum, the next one holds it."""
    start_pos, start_value = ksumma[0]
    if start_value:
        return  # a closing record without an opening one: nothing to verify against
    if len(ksumma) < 2:
        raise ctx.error(
            ctx.line_of(start_pos),
            "filen börjar en kontrollsumma (#KSUMMA) men den avslutande #KSUMMA-raden saknas; "
            "filen är troligen avklippt.",
            "Exportera filen igen.",
        )
    end_pos, end_value = ksumma[1]
    end_line = ctx.line_of(end_pos)
    value = end_value.strip('"').split()[0] if end_value.strip('"').split() else ""
    try:
        declared = int(value) & 0xFFFFFFFF
    except ValueError:
        raise ctx.error(
            end_line, f'kontrollsumman "{end_value}" är inte ett heltal.', "Exportera filen igen."
        ) from None
    first = ctx.text.index("\n", start_pos) + 1 if "\n" in ctx.text[start_pos:end_pos] else end_pos
    records = ctx.text[first:end_pos].split("\n")
    computed = ksumma_of_records(records, encoding)
    if computed != declared:
        raise ctx.error(
            end_line,
            f"kontrollsumman stämmer inte (#KSUMMA {value}, innehållet ger {computed}): "
            "filen har ändrats efter exporten eller är skadad.",
            "Exportera filen igen från bokföringsprogrammet och ändra den inte för hand.",
        )
