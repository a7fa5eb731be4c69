"""Personnummer and samordningsnummer: parse, validate, mask, redact.

Accepted forms (Skatteverket SKV 704; Folkbokföringslagen 1991:481 §18)::

    ÅÅÅÅMMDD-NNNK   ÅÅÅÅMMDDNNNK      12 digits, with or without ``-``
    ÅÅMMDD-NNNK     ÅÅMMDDNNNK        10 digits; century = the one that makes the person
    ÅÅMMDD+NNNK                       at most 99 in the reference year; ``+`` = 100 or older
    ÅÅÅÅMM(DD+60)-NNNK                samordningsnummer: day + 60 (counted like any number)

The check digit is verified with :mod:`stdnum` (``stdnum.se.personnummer`` for personnummer,
``stdnum.luhn`` over the 10-digit form for samordningsnummer, which stdnum rejects as a
date), never with a Luhn of our own. :func:`numbers` does the same for a whole register:
the form and the date vectorised, stdnum's Luhn once per distinct number, so 200 000
registrations take a fraction of a second.

A number stored in a spreadsheet as a *number* loses its leading zero: ``0101011234`` (born
2001) becomes ``101011234`` (9 digits), and a 12-digit form may come back with 11. Such
values are reported (``personnummer-nolla-saknas``), never guessed.

Nothing here returns or prints the last four digits: :func:`mask` hides them and
:func:`redact` removes anything personnummer-shaped from free text (messages, exceptions).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.se import personnummer as _stdnum_pnr

if TYPE_CHECKING:
    import pandas as pd

#: Separators people and programs put between date and number: ``-``, ``+`` (or two), any dash
#: or the minus sign, with or without blanks around, or blanks alone (spaces, tabs, no-break
#: spaces) — whatever :func:`parse` accepts is masked too.
#: A blank may also stand as its escape (``\xa0``, ``\u202f``, ``\t``), as ``repr`` writes it in a message.
_BLANK = r"(?:[ \t\u00a0\u202f]|\\t|\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4})"
_SEP = rf"(?:{_BLANK}*[-+\u2010-\u2015\u2212]{{1,2}}{_BLANK}*|{_BLANK}*)"
#: Anything shaped like a personnummer in free text. The date part must look like one (month
#: 01–12, day 01–31, or 61–91 for a samordningsnummer), so that checksums and amounts are left
#: alone.
PATTERN = re.compile(
    r"(?<!\d)((?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01]))(" + _SEP + r")(\d{4})(?!\d)"
)


@dataclass(frozen=True)
class Parsed:
    """The outcome for one value.

    Attributes:
        number: 12 digits without separator (``YYYYMMDDNNNC``) when valid, else ``None``.
        code: ``None`` when valid, else ``"personnummer-saknas"``, ``"personnummer-nolla-saknas"``
            or ``"personnummer-ogiltigt"``.
        masked: the value as written, masked by :func:`mask` (no whole number, no birth date).
        coordination: True for a samordningsnummer (day + 60).
    """

    number: str | None
    code: str | None
    masked: str
    coordination: bool = False


def mask(value: object) -> str:
    """The value masked: a personnummer-shaped value as :func:`redact` does (``ÅÅÅÅMMDD-NNNK``
    → ``ÅÅÅÅ****-****``); any other value with its last four digits replaced by ``*``;
    fewer than five digits → all ``*``. A value holding several numbers
    (a whole CSV line in one cell, two personnummer) has each personnummer-shaped one masked."""
    text = as_text(value)
    redacted = redact(text)
    if redacted != text:
        return redacted
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    hide = set(digits[-4:]) if len(digits) > 4 else set(digits)
    return "".join("*" if i in hide else ch for i, ch in enumerate(text))


#: A reservnummer in free text (:data:`RESERVE`'s form with a real-looking date and upper-case
#: letters, ``19900515-T123``): masked by :func:`redact` like a personnummer.
RESERVE_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])((?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01]))"
    r"(" + _SEP + r")((?=[0-9A-Z]*[A-Z])[0-9A-Z]{4})(?![0-9A-Za-z])"
)


def redact(text: str) -> str:
    """``text`` with every personnummer-shaped number (and reservnummer) masked (for messages,
    exceptions and person-typed cells): the birth date's month and day and the last four
    characters become ``*``, so neither the number nor the birth date is shown — only the year
    is left to help find the row (``ÅÅÅÅMMDD-NNNK`` → ``ÅÅÅÅ****-****``, ``ÅÅMMDD-NNNK`` →
    ``ÅÅ****-****``, ``ÅÅÅÅMMDD-T123`` → ``ÅÅÅÅ****-****``)."""
    hide = lambda m: f"{m.group(1)[:-4]}****{m.group(2)}****"  # noqa: E731
    return RESERVE_IN_TEXT.sub(hide, PATTERN.sub(hide, str(text)))


def as_text(value: object) -> str:
    """A cell value as text: a float that is a whole number loses its ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def _century(yy: int, plus: bool, reference_year: int) -> int:
    year = (reference_year // 100) * 100 + yy
    if year > reference_year:
        year -= 100
    return year - 100 if plus else year


def parse(value: object, reference_year: int) -> Parsed:
    """Parse and validate one value (text or number as read from a cell).

    Args:
        value: the cell value.
        reference_year: the report year, for the century of 10-digit forms.
    """
    text = as_text(value)
    masked = mask(text)
    if not text:
        return Parsed(None, "personnummer-saknas", masked)
    compact = re.sub(r"[\s\u00a0]", "", text)
    m = re.fullmatch(r"(\d{6}|\d{8})([-+]?)(\d{4})", compact)
    if not m:
        digits = re.sub(r"\D", "", compact)
        numeric = isinstance(value, (int, float)) or compact.isdigit()
        if numeric and len(digits) in (9, 11):
            return Parsed(None, "personnummer-nolla-saknas", masked)
        return Parsed(None, "personnummer-ogiltigt", masked)
    date_part, sep, tail = m.groups()
    if len(date_part) == 6:
        year = _century(int(date_part[:2]), sep == "+", reference_year)
        date_part = f"{year:04d}{date_part[2:]}"
    number = date_part + tail
    coordination = int(number[6:8]) > 60
    try:
        if coordination:
            dt.date(int(number[:4]), int(number[4:6]), int(number[6:8]) - 60)
            luhn.validate(number[2:])
        else:
            _stdnum_pnr.validate(f"{number[:8]}-{number[8:]}")
    except (ValidationError, ValueError):
        return Parsed(None, "personnummer-ogiltigt", masked, coordination)
    return Parsed(number, None, masked, coordination)


_FORM = re.compile(r"(\d{6}|\d{8})([-+]?)(\d{4})")

#: A reservnummer (reserve number: regions give one to a person without a personnummer):
#: the birth date and four characters of which at least one is a letter, e.g. ``ÅÅÅÅMMDD-T123``.
#: Not a personnummer and not checkable, but one person's stable identity.
RESERVE = re.compile(r"(\d{6}|\d{8})[-+]?((?=[0-9A-Za-z]*[A-Za-z])[0-9A-Za-z]{4})")

#: A number Excel wrote in scientific notation (``1,99405E+11``): its last digits are gone.
SCIENTIFIC = re.compile(r"[-+]?\d(?:[.,]\d+)?[eE][-+]?\d+")


def reserve_identity(value: object) -> str | None:
    """``"R"`` + the reservnummer's date and characters (upper case, no separator) when
    ``value`` is written as one (:data:`RESERVE`), else ``None``. The key counts the person
    once in ``unika`` like a personnummer; it is never printed."""
    m = RESERVE.fullmatch(_SPACE.sub("", as_text(value)))
    return f"R{m.group(1)}{m.group(2).upper()}" if m else None
_SPACE = re.compile(r"[\s\u00a0]")


_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_date(year: int, month: int, day: int) -> bool:
    """True for a real calendar date (cheaper than constructing one, for a register's worth)."""
    if not 1 <= month <= 12 or day < 1:
        return False
    leap = month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return day <= _DAYS[month] + leap


def numbers(raw: "pd.Series", reference_year: int) -> "pd.Series":
    """The whole column at once: each value's 12-digit number (``YYYYMMDDNNNC``) when it is a
    valid personnummer or samordningsnummer, else ``None`` — the same verdict as
    :func:`parse` (a test holds the two together), for a register of any size.

    Each distinct value is looked at once: its form matched, the century of a 10-digit form
    chosen, its date (day − 60 for a samordningsnummer) checked against the calendar, and its
    check digit verified by ``stdnum.luhn`` over the 10-digit form.
    """
    import numpy as np
    import pandas as pd

    codes, distinct = pd.factorize(raw.to_numpy(dtype=object))
    found = np.full(len(distinct) + 1, None, dtype=object)  # the extra last slot: missing values (code -1)
    for i, value in enumerate(distinct):
        m = _FORM.fullmatch(_SPACE.sub("", as_text(value)))
        if m is None:
            continue
        date_part, sep, tail = m.groups()
        if len(date_part) == 6:
            date_part = f"{_century(int(date_part[:2]), sep == '+', reference_year):04d}{date_part[2:]}"
        day = int(date_part[6:])
        if _is_date(int(date_part[:4]), int(date_part[4:6]), day - 60 if day > 60 else day) and luhn.is_valid(
            date_part[2:] + tail
        ):
            found[i] = date_part + tail
    return pd.Series(found[codes], index=raw.index, dtype=object)
