"""Errors and problem records.

Two channels, as in frictionless: a *fatal* problem (a file that cannot be read at all, a
required column missing, a workbook that is locked) raises one :class:`FinsamError`
subclass whose message (Swedish, for the person who can fix it) says what to do. *Data*
problems (a bad row, an unknown cost centre) are collected as :class:`Problem` records in a
list and never raised.

Positions are as a spreadsheet user counts them: row 1 is the header row of a CSV/xlsx
file, so the first data row is row 2. For SIE files ``row`` is the 1-based line number.
"""

from __future__ import annotations

import errno
import re
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]


def _redact(text: str) -> str:
    from finsam.personnummer import redact

    return redact(text)


class FinsamError(Exception):
    """A fatal problem. ``str(err)`` is a Swedish message meant for the user.

    Every personnummer-shaped number in the message is masked here, whoever raised it: a
    message may quote a cell, and a cell may hold a personnummer.
    """

    def __init__(self, *args: object):
        super().__init__(*(_redact(a) if isinstance(a, str) else a for a in args))


class SourceError(FinsamError):
    """A source file cannot be read at all (missing, unreadable, required column missing)."""


class SettingsError(FinsamError):
    """The settings (TOML file or the workbook's settings sheet) are incomplete or wrong."""


class WorkbookError(FinsamError):
    """The workbook cannot be read or written (not a finsam workbook, locked, would lose parts)."""


class PeriodError(FinsamError):
    """A period argument cannot be understood."""


@dataclass(frozen=True)
class Problem:
    """One data problem found in a source or in the workbook.

    Attributes:
        code: stable identifier, e.g. ``"personnummer-ogiltigt"``, registered in
            :data:`finsam.problems.CODES` (a code that is not, or another severity than
            registered, raises ``ValueError``: use :func:`problem` to take the registered one).
        severity: ``"error"`` stops a populate, ``"warning"`` is reported only, ``"info"`` is a note.
        source: file name (no folder) or workbook sheet the problem is in.
        row: 1-based row as a spreadsheet user counts it (header = 1), or SIE line number;
            ``None`` when the problem is not tied to one row.
        column: column header (or cell address) the problem is in, or ``None``.
        message: Swedish text naming the value (masked if personal) and what to do.
        count: how many rows or cases the problem stands for: 1, or more for one that
            sums up the rest of its kind (:func:`aggregate`); reports count these.
    """

    code: str
    severity: Severity
    source: str
    row: int | None
    column: str | None
    message: str
    count: int = 1

    def __post_init__(self) -> None:
        from finsam.problems import CODES

        known = CODES.get(self.code)
        if known is None or known.severity != self.severity:
            raise ValueError(  # a programming error, not the user's: register the code
                f"problem code {self.code!r} ({self.severity}) is not in finsam.problems.CODES"
                + ("" if known is None else f" with that severity (registered: {known.severity})")
            )
        # A message may quote a cell; only counts leave finsam, so mask personnummer here.
        object.__setattr__(self, "message", _redact(self.message))
        # A row from pandas may be a NumPy integer, a float or NaN: a plain int or None, so
        # no message says "rad nan" or "rad 5.0" and the JSON report is plain.
        object.__setattr__(self, "count", int(self.count))
        row = self.row
        if row is not None and not isinstance(row, int) or isinstance(row, bool):
            try:
                row = int(row) if row == row else None  # NaN != NaN
            except (TypeError, ValueError):
                row = None
        object.__setattr__(self, "row", row)

    def to_dict(self) -> dict:
        """``{"code", "severity", "source", "row", "column", "message"}``, as ``validate --json`` prints it."""
        return asdict(self)


def problem(code: str, source: str, row: int | None, column: str | None, message: str) -> Problem:
    """A :class:`Problem` whose severity is the registered one (:data:`finsam.problems.CODES`).

    Raises:
        KeyError: ``code`` is not registered.
    """
    from finsam.problems import CODES

    return Problem(code, CODES[code].severity, source, row, column, message)


class ProblemError(FinsamError):
    """Raised when collected problems contain errors and the run must stop.

    ``problems`` holds every problem (errors and warnings), in the order found.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        errors = [p for p in problems if p.severity == "error"]
        first = errors[0] if errors else problems[0]
        where = first.source + (f", rad {first.row}" if first.row else "")
        where += f", kolumn {first.column}" if first.column else ""
        total = sum(p.count for p in errors)
        more = f" (och {total - 1} fel till)" if total > 1 else ""
        super().__init__(f"{where}: {first.message}{more}")


_ERRNO_TEXT = {
    errno.ENOSPC: "disken är full",
    errno.EDQUOT: "diskkvoten är slut",
    errno.EFBIG: "filen blir större än filsystemet tillåter",
    errno.EACCES: "behörighet saknas",
    errno.EPERM: "behörighet saknas",
    errno.EROFS: "disken är skrivskyddad",
    errno.ENOENT: "filen eller mappen finns inte",
    errno.ENOTDIR: "en del av sökvägen är ingen mapp",
    errno.EISDIR: "det är en mapp",
    errno.ENAMETOOLONG: "namnet är för långt",
    errno.EIO: "läs- eller skrivfel på disken",
    errno.EBUSY: "filen används av ett annat program",
    errno.EXDEV: "filen ligger på en annan disk",
    errno.ENOTEMPTY: "mappen är inte tom",
}


def os_error_text(exc: OSError) -> str:
    """What an :class:`OSError` means, in Swedish (Python's ``strerror`` is English, so never
    put it in a message):
    ``os_error_text(OSError(errno.ENOSPC, "No space left on device"))`` → ``"disken är full"``."""
    text = _ERRNO_TEXT.get(exc.errno or 0)
    if text:
        return text
    return f"systemfel {errno.errorcode.get(exc.errno, exc.errno)}" if exc.errno else "okänt systemfel"


def parser_position(message: str) -> str:
    """The place an English parser message names, in Swedish, or ``""``: pandas' ``Expected
    3 fields in line 5, saw 4`` → ``"rad 5 har 4 fält, rubriken 3"``, ``EOF inside string
    starting at row 2`` → ``"citattecknet på rad 3 avslutas aldrig"``; tomllib's ``(at line
    1, column 11)`` → ``"rad 1, kolumn 11"``. For messages that may not quote the English."""
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if m:
        return f"rad {m.group(2)} har {m.group(3)} fält, rubriken {m.group(1)}"
    m = re.search(r"EOF inside string starting at row (\d+)", message)  # pandas counts lines from 0
    if m:
        return f"citattecknet på rad {int(m.group(1)) + 1} avslutas aldrig"
    line = re.search(r"\bline (\d+)", message)
    column = re.search(r"\bcolumn (\d+)", message)
    return ", ".join(([f"rad {line.group(1)}"] if line else []) + ([f"kolumn {column.group(1)}"] if column else []))


#: Problems of one kind (code, severity, file) that are listed one by one; the rest are
#: summed up in one problem (:func:`aggregate`). Readers stop making them at this number too
#: (:func:`finsam.sources.tabular.row_problems`): 348 000 duplicate rows give 21 problems.
FIRST_ROWS = 20


def aggregate(problems: list[Problem], first: int = FIRST_ROWS) -> list[Problem]:
    """``problems`` with at most ``first`` of each kind (code, severity, source) listed, and
    the rest of that kind summed up in one problem (row ``None``, ``count`` = how many it
    stands for, its own ``count``s included), placed after the kind's listed ones. A kind
    already summed up (at most ``first`` listed and one sum, as the readers make them) keeps
    its problems. When anything changes, the problems of a kind stand together, kinds in
    the order first found; otherwise the list comes back equal.

    Args:
        problems: in the order found; a problem may already sum up others (``count`` > 1).
        first: how many of each kind to list.

    Returns:
        A new list; ``sum(p.count for p in result) == sum(p.count for p in problems)``.
    """
    kinds: dict[tuple, list[Problem]] = {}
    for p in problems:
        kinds.setdefault((p.code, p.severity, p.source), []).append(p)

    def folded(ps: list[Problem]) -> bool:  # not yet: more than ``first`` listed, or more than one sum
        return sum(q.count == 1 for q in ps) > first or sum(q.count > 1 for q in ps) > 1

    def sum_last(ps: list[Problem]) -> bool:
        return all(q.count == 1 for q in ps[:-1])

    if not any(folded(ps) or not sum_last(ps) for ps in kinds.values()):
        return list(problems)
    out: list[Problem] = []
    done: set[tuple] = set()
    for p in problems:
        kind = (p.code, p.severity, p.source)
        if kind in done:
            continue
        done.add(kind)
        ps = kinds[kind]
        if not folded(ps):
            out += [q for q in ps if q.count == 1] + [q for q in ps if q.count > 1]  # the sum after the rows
            continue
        listed = [q for q in ps if q.count == 1][:first]
        rest = sum(q.count for q in ps) - len(listed)
        out += listed
        column = ps[-1].column if len({q.column for q in ps}) == 1 else None
        out.append(Problem(p.code, p.severity, p.source, None, column,
                           f"… och {count_text(rest, 'fall', 'fall')} till av samma slag ({p.code}); "
                           f"{count_text(len(listed) + rest, 'fall', 'fall')} i allt. Rätta dem som de första.",
                           count=rest))
    return out


def count_text(n: int, one: str, many: str) -> str:
    """A count with its Swedish noun in the right number: ``count_text(1, "rad", "rader")``
    → ``"1 rad"``, ``count_text(2, "varning", "varningar")`` → ``"2 varningar"``."""
    return f"{n} {one if n == 1 else many}"
