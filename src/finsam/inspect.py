"""What finsam reads from a source file, for ``finsam inspect FILE [--json]``: any of the five
kinds (the kind found by content), with the ledger's result per cost centre and month.

The CLI only prints the dict that :func:`inspect_source` returns (as a table, or as JSON with
``--json``), so the library and the command show the same figures.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from finsam.errors import SourceError
from finsam.personnummer import redact
from finsam.sources.ledger import Ledger, is_sie, read_ledger, result_lines
from finsam.sources.tabular import EXCEL_SUFFIXES, decode_text, normalise_header, split_header


def inspect_source(path: Path, *, cost_centre_dimension: int = 1) -> dict:
    """Read a ledger file (SIE 4 or CSV) and describe what finsam takes from it.

    Returns a JSON-ready dict::

        {
          "source": "huvudbok",
          "kind": "sie" | "csv",
          "file": "huvudbok.se",                      # name only, no folder
          "rows": 86,                                 # ledger lines read
          "period": {"from": "2013-01-03", "to": "2013-04-10"} | None,   # min/max line date
          "fiscal_year": {"from": "2013-01-01", "to": "2013-12-31"} | None,  # SIE #RAR 0
          "cost_centre_dimension": 1,
          "result_by_cost_centre_month": {            # result accounts (classes 3–8) only
              "3008": {"2013-01": 397490.75, ...},    # kr, 2 decimals, SIE sign (a cost > 0)
              "": {...},                              # lines without a cost centre
          },
          "problems": [Problem.to_dict(), ...],       # warnings found while reading
        }

    The month sums are kronor as floats rounded to öre (exact: computed in integer öre), in
    the SIE sign (debit positive), i.e. *not* the report sign.

    Raises:
        SourceError: the file cannot be read (see the readers).
    """
    path = Path(path)
    if path.is_dir():
        raise SourceError(f"{path} är en mapp. Ange en källfil, t.ex. {path / 'huvudbok.se'}.")
    if not path.is_file():
        raise SourceError(f"Filen {path} finns inte. Kontrollera sökvägen.")
    if path.stat().st_size == 0:
        raise SourceError(f"{path.name} är tom (0 byte). Exportera filen igen.")
    kind = source_kind(path)
    if kind != "huvudbok":
        return describe_table(path, kind)
    ledger = read_ledger(path, cost_centre_dimension=cost_centre_dimension)
    return describe_ledger(ledger, cost_centre_dimension=cost_centre_dimension)


#: Which kind of source a header row belongs to: (kind, header names that must all be there).
_SIGNATURES = [
    ("deltagare", ("personnummer",)),
    ("anonyma", ("antal deltagare",)),
    ("huvudbok", ("konto", "belopp")),
    ("huvudbok", ("konto", "debet", "kredit")),
    ("prognos", ("prognos (tkr)",)),
    ("prognos", ("prognos",)),
    ("budget", ("budget (tkr)",)),
    ("budget", ("budget",)),
]


def source_kind(path: Path) -> str:
    """The kind of source file ``path`` is — ``huvudbok``, ``deltagare``, ``anonyma``,
    ``budget`` or ``prognos`` — by content: a SIE file is a ledger; otherwise the header row
    decides (:data:`_SIGNATURES`).

    Raises:
        SourceError: the header matches no kind (the message lists what finsam reads).
    """
    if is_sie(path):
        return "huvudbok"
    if path.suffix.lower() in EXCEL_SUFFIXES:
        from finsam.sources import xlsx

        xlsx.check_not_encrypted(path)
        try:
            names, hidden = xlsx.sheet_names(path)
            visible = [n for n in names if n not in hidden]
            if any(n.strip().casefold().startswith("budget") for n in visible):
                return "budget"
            rows = xlsx.read_rows(path, visible[0]) if visible else []
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook: one message
            raise SourceError(f"{path.name} går inte att läsa som Excel-fil ({type(exc).__name__}).") from None
        header = rows[0] if rows else []
    else:
        text, _ = decode_text(path)
        sep, first, _ = split_header(text)
        header = first.split(sep)
    names = {normalise_header(h) for h in header}
    for kind, needed in _SIGNATURES:
        if all(n in names for n in needed):
            return kind
    raise SourceError(
        f"{path.name}: finsam känner inte igen filen (rubrikrad: {', '.join(str(h).strip() for h in header)}). "
        "finsam läser deltagarregister, anonyma deltagare, huvudbok (SIE 4 eller CSV), budget och prognos; "
        "se README för kolumnerna."
    )


def describe_table(path: Path, kind: str) -> dict:
    """What finsam reads from a source that is no ledger, as a JSON-ready dict: ``source`` and
    ``kind`` (the kind), ``file``, ``rows``, ``period`` (``{"from", "to"}`` ISO dates covered,
    or ``None``), ``problems`` (list of :meth:`Problem.to_dict`), and per kind:

    - deltagare: ``persons`` (distinct valid personnummer, int), ``still_active`` (int),
      ``registrations_by_municipality`` (name → int);
    - anonyma: ``count_by_insats`` (insats → int);
    - budget: ``cost_centres`` (int), ``budget_tkr`` (float, sum, costs negative),
      ``financing_tkr`` (post → float);
    - prognos: ``forecast_tkr`` (cost centre → float).

    Counts only: every text key from the file is passed through
    :func:`finsam.personnummer.redact`, so a personnummer typed into a text cell is masked."""
    info: dict = {"source": kind, "kind": kind, "file": path.name}
    if kind == "deltagare":
        from finsam.sources.participants import read_participants

        df, problems = read_participants(path, date.today().year)
        dates = pd.concat([df["start"], df["end"]]).dropna()
        info.update(
            rows=int(len(df)),
            period=_span(dates),
            persons=int(df["person"].nunique()),
            registrations_by_municipality={redact(str(k)): int(v) for k, v in df["municipality"].value_counts().sort_index().items()},
            still_active=int(df["end"].isna().sum()),
        )
    elif kind == "anonyma":
        from finsam.sources.anonymous import read_anonymous

        df, problems = read_anonymous(path)
        info.update(rows=int(len(df)), period=_span(df["month"].dropna()),
                    count_by_insats={redact(str(k)): int(v) for k, v in df.groupby("insats")["count"].sum().items()})
    elif kind == "budget":
        from finsam.sources.budget import read_budget

        cc, fin, problems = read_budget(path)
        info.update(rows=int(len(cc)), period=None, cost_centres=int(cc["cost_centre"].nunique()),
                    budget_tkr=float(cc["budget_tkr"].sum()),
                    financing_tkr={redact(str(r.name)): float(r.budget_tkr) for r in fin.itertuples(index=False)})
    else:
        from finsam.sources.forecast import read_forecast

        df, problems = read_forecast(path)
        info.update(rows=int(len(df)), period=None,
                    forecast_tkr={redact(str(r.cost_centre)): float(r.forecast_tkr) for r in df.itertuples(index=False)})
    info["problems"] = [p.to_dict() for p in problems]
    return info


def _span(dates: pd.Series) -> dict | None:
    if not len(dates):
        return None
    return {"from": dates.min().date().isoformat(), "to": dates.max().date().isoformat()}


def describe_ledger(ledger: Ledger, *, cost_centre_dimension: int = 1) -> dict:
    """The dict of :func:`inspect_source` for a ledger already read."""
    lines = ledger.lines
    period = None
    if len(lines):
        period = {
            "from": lines["date"].min().date().isoformat(),
            "to": lines["date"].max().date().isoformat(),
        }
    fiscal_year = None
    if ledger.fiscal_year_start and ledger.fiscal_year_end:
        fiscal_year = {
            "from": ledger.fiscal_year_start.isoformat(),
            "to": ledger.fiscal_year_end.isoformat(),
        }
    result = result_lines(lines)
    sums = result.groupby(
        [result["cost_centre"], result["date"].dt.strftime("%Y-%m")], sort=True
    )["amount_ore"].sum()
    by_cc: dict[str, dict[str, float]] = {}
    for (cc, month), ore in sums.items():
        by_cc.setdefault(redact(str(cc)), {})[month] = float(Decimal(int(ore)) / 100)
    return {
        "source": "huvudbok",
        "kind": ledger.kind,
        "file": Path(ledger.source).name,
        "rows": int(len(lines)),
        "period": period,
        "fiscal_year": fiscal_year,
        "cost_centre_dimension": cost_centre_dimension,
        "result_by_cost_centre_month": by_cc,
        "problems": [p.to_dict() for p in ledger.problems],
    }
