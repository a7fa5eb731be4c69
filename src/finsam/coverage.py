"""How far each source reaches: its last date, and whether the ledger reaches the period's end.

A source exported before the period ended gives figures that look right and are not: the Q2
ledger (last voucher 27 June) used for Q3 fills a Jan–Sept workbook with Jan–Jun costs. The
rules here (README "Checks and safety"):

* **Stale ledger** (:func:`ledger_stale`): the ledger's last voucher date lies more than one
  month before the period end, i.e. before :func:`month_before` of it (Excel's ``EDATE(end,
  -1)``: 30 Sept → 30 Aug, 31 March → 28 Feb). A warning, ``huvudbok-inaktuell``, printed after
  a populate and shown on the Kontroller sheet (input ``fs_huvudbok_sista_datum``, the same
  rule as a formula in :func:`finsam.layout_checks.checks_sheet`).
* **Stale register** and **empty ledger**: :func:`finsam.source_checks.check_period_coverage`
  (``deltagare-inaktuell``, ``huvudbok-tom-period``), with :func:`month_before` and
  :func:`last_dates` from here.
* **Two ledgers of different kinds** (:func:`choose_ledger`): see its docstring.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from finsam.errors import PeriodError, Problem, SourceError

if TYPE_CHECKING:
    from finsam.period import Period
    from finsam.settings import Settings
    from finsam.sources.folder import Sources
    from finsam.sources.ledger import Ledger

#: The source kinds in the order they are listed, with how the output names them.
KIND_LABELS = {
    "deltagare": "deltagare",
    "anonyma": "anonyma",
    "huvudbok": "huvudbok",
    "budget": "budget",
    "prognos": "prognos",
}


def month_before(d: date) -> date:
    """The same day one calendar month earlier, clamped to that month's end, as Excel's and
    LibreOffice's ``EDATE(d, -1)``: 2013-09-30 → 2013-08-30, 2013-03-31 → 2013-02-28."""
    year, month = (d.year, d.month - 1) if d.month > 1 else (d.year - 1, 12)
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def ledger_stale(last: date | None, period_end: date) -> bool:
    """True when a ledger whose last voucher is dated ``last`` ends more than one month before
    ``period_end`` (``last < month_before(period_end)``). ``None`` (no lines): not stale — an
    empty ledger is ``huvudbok-tom`` instead."""
    return last is not None and last < month_before(period_end)


def ledger_stale_problem(last: date | None, period_end: date, source: str, row: int | None = None,
                         column: str | None = None) -> Problem | None:
    """``huvudbok-inaktuell`` (warning) when :func:`ledger_stale`, else ``None``. ``source`` /
    ``row`` / ``column``: where the problem is shown (the ledger file, or the Kontroller sheet)."""
    if not ledger_stale(last, period_end):
        return None
    return Problem(
        "huvudbok-inaktuell", "warning", source, row, column,
        f"Huvudbokens sista verifikation är daterad {last.isoformat()}, mer än en månad före periodens slut "
        f"{period_end.isoformat()}: Ackumulerat saknar troligen allt som bokförts därefter. Exportera huvudboken "
        "igen efter periodens slut (eller ange den period exporten gäller med --period).",
    )


def _last(dates: pd.Series) -> date | None:
    dates = dates.dropna()
    return None if dates.empty else pd.Timestamp(dates.max()).date()


def ledger_last_date(ledger: Ledger) -> date | None:
    """The date of the ledger's last line (SIE: its last voucher; from ``#PSALDO``: the last
    month's end), or ``None`` when it has no lines."""
    return _last(ledger.lines["date"])


def last_dates(sources: Sources) -> dict[str, date | None]:
    """Kind → the last date in that source's data: the register's latest Inskrivnings- or
    Utskrivningsdatum, the anonymous counts' last month (its first day), the ledger's last line.
    Budget and forecast files carry no dates (``None``)."""
    out: dict[str, date | None] = {kind: None for kind in sources.files}
    if "deltagare" in sources.files:
        p = sources.participants
        out["deltagare"] = _last(pd.concat([p["start"], p["end"]], ignore_index=True))
    if sources.anonymous is not None and "anonyma" in sources.files:
        out["anonyma"] = _last(sources.anonymous["month"])
    out["huvudbok"] = ledger_last_date(sources.ledger)
    return out


@dataclass(frozen=True)
class SourceFile:
    """One source file a populate read: kind (``"huvudbok"``…), path, rows read, and the last
    date in its data (``None`` for files without dates)."""

    kind: str
    path: Path
    rows: int | None
    last_date: date | None

    @property
    def last_text(self) -> str:
        """The last date as the output prints it (the month alone for the anonymous counts)."""
        if self.last_date is None:
            return "–"
        return self.last_date.strftime("%Y-%m") if self.kind == "anonyma" else self.last_date.isoformat()


def source_files(sources: Sources) -> list[SourceFile]:
    """Every file a populate used, in :data:`KIND_LABELS` order, with rows and last date."""
    rows, last = sources.rows_read, last_dates(sources)
    order = list(KIND_LABELS) + [k for k in sources.files if k not in KIND_LABELS]
    return [SourceFile(k, sources.files[k], rows.get(k), last.get(k)) for k in order if k in sources.files]


def _period_figures(ledger: Ledger, period: Period) -> dict[tuple[str, str], int]:
    """Öre per (result account, cost centre) over the period's lines: what the workbook shows
    (balance accounts, such as the bank side of each voucher, do not count)."""
    from finsam.sources.ledger import result_lines

    lines = result_lines(ledger.lines)
    lines = lines[period.contains(lines["date"])]
    sums = lines.groupby(["account", "cost_centre"])["amount_ore"].sum()
    return {k: int(v) for k, v in sums.items() if v}


def choose_ledger(ledgers: list[Ledger], settings: Settings, period_text: str | None,
                  today: date | None = None) -> tuple[Ledger, list[Problem], dict[Path, str]]:
    """Which of several ledger files of different kinds in one folder (``huvudbok.se`` beside
    ``huvudbok.csv``) to use; ``ledgers`` in the order of preference (SIE first).

    Rule (README "Source files"): for each ledger the period is resolved as populate would
    (:func:`finsam.period.resolve_period`); a ledger *covers* the period when it resolves and is
    not stale (:func:`ledger_stale`).

    1. All give the same figures for the period (per result account and cost centre): the first is
       used (no problem: the files list says the others were not used and why).
    2. Else exactly one covers the period: it is used; a warning ``huvudbok-ignorerad`` names
       each other file and its last date.
    3. Else (none or several cover it, with different figures) it cannot be decided.

    Returns ``(ledger, problems, ignored)``: ``ignored`` maps each unused file to why, in Swedish.

    Raises:
        SourceError: case 3; the message names every file and its last date.
        PeriodError: the period is refused with every ledger (a period that is no period).
    """
    from finsam.period import resolve_period

    if len(ledgers) == 1:
        return ledgers[0], [], {}
    info, refused = [], []
    for ledger in ledgers:
        try:
            period = resolve_period(period_text, settings, ledger, today)
        except PeriodError as exc:
            period = None
            refused.append(exc)
        info.append((ledger, period, ledger_last_date(ledger)))
    if len(refused) == len(ledgers):  # the period itself is wrong, whichever ledger is read
        raise refused[0]

    def named(items) -> str:
        return ", ".join(f"{lg.source.name} (sista verifikation {last or 'saknas'})" for lg, _, last in items)

    first, per0, _ = info[0]
    if per0 is not None and all(p == per0 and _period_figures(lg, p) == _period_figures(first, per0)
                                for lg, p, _ in info[1:]):
        return first, [], {lg.source: f"används inte: samma siffror för perioden som {first.source.name}"
                           for lg, _, _ in info[1:]}
    covering = [x for x in info if x[1] is not None and x[2] is not None and not ledger_stale(x[2], x[1].end)]
    if len(covering) == 1:
        chosen = covering[0][0]
        ignored = {lg.source: f"används inte: når inte periodens slut, till skillnad från {chosen.source.name}"
                   for lg, _, _ in info if lg is not chosen}
        return chosen, [Problem("huvudbok-ignorerad", "warning", lg.source.name, None, None,
                                f"Två huvudböcker i källmappen: {lg.source.name} (sista verifikation {last or 'saknas'}) "
                                f"används inte, eftersom bara {chosen.source.name} (sista verifikation "
                                f"{covering[0][2]}) når periodens slut. Flytta bort den gamla filen.")
                        for lg, _, last in info if lg is not chosen], ignored
    why = "de når periodens slut men ger olika siffror" if covering else "ingen av dem når periodens slut"
    raise SourceError(
        f"Flera huvudböcker i källmappen: {named(info)}; {why}, så vilken som gäller går inte att avgöra. "
        "Flytta bort den som inte ska användas och kör igen."
    )


__all__ = [
    "SourceFile", "choose_ledger", "last_dates", "ledger_last_date", "ledger_stale",
    "ledger_stale_problem", "month_before", "source_files",
]
