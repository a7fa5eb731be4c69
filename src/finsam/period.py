"""Report periods: accumulated from the start of the fiscal year to a period end.

Rule (README "Definitions"; the seed report's "Jan-Mars"): a follow-up always covers the fiscal year from its first
day to the period end — Q1 = Jan–Mars, Q2 = Jan–Juni, Q3 = Jan–Sept, Q4 = Jan–Dec; tertial
T1 = Jan–April, T2 = Jan–Aug, T3 = Jan–Dec. A fiscal year that starts in another month
(a July–June year) shifts the quarters: Q1 = Juli–Sept.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from datetime import date

from finsam.errors import PeriodError

if TYPE_CHECKING:
    import pandas as pd

    from finsam.settings import Settings
    from finsam.sources.ledger import Ledger

#: Month labels as the seed report prints them ("Jan-Mars").
MONTH_LABELS = ["Jan", "Feb", "Mars", "April", "Maj", "Juni", "Juli", "Aug", "Sept", "Okt", "Nov", "Dec"]


@dataclass(frozen=True)
class Period:
    """An accumulated report period, ``start`` ≤ day ≤ ``end`` (both inclusive)."""

    start: date
    end: date

    @property
    def label(self) -> str:
        """Swedish label as in the seed report's column heading, e.g. ``"Jan-Mars"``; a period
        that ends inside a month names the day, ``"Jan-15 Feb"``."""
        end = MONTH_LABELS[self.end.month - 1]
        if self.end != _month_end(self.end):
            end = f"{self.end.day} {end}"
        return f"{MONTH_LABELS[self.start.month - 1]}-{end}"

    @property
    def year_label(self) -> str:
        """The full fiscal year's label, e.g. ``"Jan-Dec"`` (heading of Budget and Prognos)."""
        last = (self.start.month + 10) % 12 + 1
        return f"{MONTH_LABELS[self.start.month - 1]}-{MONTH_LABELS[last - 1]}"

    @property
    def months(self) -> int:
        """Number of months in the period (for periodised budget = budget × months / 12)."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def contains(self, dates: "pd.Series") -> "pd.Series":
        """Which of ``dates`` (datetime64, whole days) lie in the period, both ends included:
        the one rule every table and check uses for "in the period"."""
        import pandas as pd

        return dates.between(pd.Timestamp(self.start), pd.Timestamp(self.end))

    def __str__(self) -> str:
        return f"{self.start.isoformat()}–{self.end.isoformat()}"


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)


def _month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def fiscal_year_start(year: int, start_month: int = 1) -> date:
    """First day of fiscal year ``year`` (the year in which it starts)."""
    return date(year, start_month, 1)


def parse_period(text: str, *, fiscal_start_month: int = 1) -> Period:
    """Parse a period argument.

    Accepts ``YYYY-Q1`` … ``YYYY-Q4`` (quarters), ``YYYY-T1`` … ``YYYY-T3`` (tertials),
    ``YYYY-MM`` (to the end of that month) and ``YYYY-MM-DD`` (an explicit end date). The
    period starts at the first day of the fiscal year holding its end, which begins in
    ``fiscal_start_month`` (the settings', or the SIE file's ``#RAR 0`` month:
    :func:`resolve_period`).

    Raises:
        PeriodError: the text is none of these forms, or the quarter/tertial number is out of range.
    """
    t = text.strip().upper()
    year_text = re.match(r"\d{4}", t)
    if year_text and not 1900 <= int(year_text.group()) <= 2200:
        raise PeriodError(f"Perioden {text!r} har året {year_text.group()}, som ligger utanför 1900–2200.")
    m = re.fullmatch(r"(\d{4})-?([QKT])([1-4])", t)
    if m:
        year, kind, n = int(m.group(1)), m.group(2), int(m.group(3))
        size = 4 if kind == "T" else 3
        if n * size > 12:
            raise PeriodError(f"Perioden {text!r} finns inte: ett år har {12 // size} {'tertial' if size == 4 else 'kvartal'}.")
        start = fiscal_year_start(year, fiscal_start_month)
        end = _month_end(_add_months(start, n * size - 1))
        return Period(start, end)
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", t)
    if m:
        try:
            y, mo = int(m.group(1)), int(m.group(2))
            end = date(y, mo, int(m.group(3))) if m.group(3) else _month_end(date(y, mo, 1))
        except ValueError:
            why = "månaden ska vara 01–12" if not 1 <= int(m.group(2)) <= 12 else "den dagen finns inte i månaden"
            raise PeriodError(f"Perioden {text!r} är inget giltigt datum ({why}).") from None
        sy = end.year if end.month >= fiscal_start_month else end.year - 1
        start = fiscal_year_start(sy, fiscal_start_month)
        if end < start:
            raise PeriodError(f"Perioden {text!r} slutar före räkenskapsårets början {start.isoformat()}.")
        return Period(start, end)
    raise PeriodError(
        f"Perioden {text!r} förstås inte. Skriv t.ex. 2013-Q1 (kvartal), 2013-T1 (tertial) "
        "eller ett slutdatum som 2013-03-31."
    )


def current_period(today: date, *, kind: str = "kvartal", fiscal_start_month: int = 1) -> Period:
    """The last complete quarter (or tertial) before ``today``, for the Excel button's default."""
    size = 4 if kind == "tertial" else 3
    fy_year = today.year if today.month >= fiscal_start_month else today.year - 1
    start = fiscal_year_start(fy_year, fiscal_start_month)
    done = ((today.year - start.year) * 12 + today.month - start.month) // size
    if done == 0:  # nothing complete yet this fiscal year: the previous year's last period
        start = fiscal_year_start(fy_year - 1, fiscal_start_month)
        done = 12 // size
    return Period(start, _month_end(_add_months(start, done * size - 1)))


def resolve_period(text: str | None, settings: Settings, ledger: Ledger | None = None, today: date | None = None) -> Period:
    """The period to populate.

    ``text`` (CLI option or the settings sheet) when given; else the last complete
    quarter/tertial before ``today`` within the workbook's year (the whole year once it is
    over). Quarters run from the fiscal year's first month: the SIE file's ``#RAR 0`` when
    it has one, else the settings.

    Raises:
        PeriodError: the text is not a period; the period lies outside the SIE file's fiscal
            year (``#RAR 0``); or it lies in another fiscal year than the workbook's (``År`` on
            the settings sheet): a 2013 workbook is never filled with 2014 figures.
    """
    month = settings.fiscal_start_month
    if ledger is not None and ledger.fiscal_year_start is not None:
        month = ledger.fiscal_year_start.month
    if text:
        period = parse_period(text, fiscal_start_month=month)
    else:
        last = "T3" if settings.period_kind == "tertial" else "Q4"
        full_year = parse_period(f"{settings.year}-{last}", fiscal_start_month=month)
        today = today or date.today()
        period = full_year if today > full_year.end else current_period(today, kind=settings.period_kind, fiscal_start_month=month)
    start, end = (ledger.fiscal_year_start, ledger.fiscal_year_end) if ledger is not None else (None, None)
    if start and end and not (start <= period.start and period.end <= end):
        raise PeriodError(
            f"Perioden {period.start}–{period.end} ligger utanför huvudbokens räkenskapsår {start}–{end} "
            f"({ledger.source.name}, #RAR 0). Exportera SIE-filen för rätt år eller ange en period inom det."
        )
    if period.start.year != settings.year:
        raise PeriodError(
            f"Perioden {period.start}–{period.end} hör till räkenskapsåret {period.start.year}, men arbetsboken "
            f"gäller år {settings.year}. Ange en period inom {settings.year} (t.ex. --period {settings.year}-Q1) "
            f"eller skapa en ny arbetsbok för {period.start.year}: finsam new … --year {period.start.year}."
        )
    return period
