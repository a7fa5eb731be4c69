"""What finsam reads from a source file, for ``finsam inspect FILE [--json]``.

The CLI only prints the dict that :func:`inspect_source` returns (as a table, or as JSON with
``--json``), so the library and the command show the same figures.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from finsam.sources.ledger import Ledger, read_ledger, result_lines


def inspect_source(path: Path, *, cost_centre_dimension: int = 1) -> dict:
    """Read a ledger file (SIE 4 or CSV) and describe what finsam takes from it.

    Returns a JSON-ready dict::

        {
          "kind": "sie" | "csv",
          "file": "huvudbok.se",                      # name only, no folder
          "rows": 86,                                 # ledger lines read
          "period": {"from": "2013-01-03", "to": "2013-04-10"} | None,   # min/max line date
          "fiscal_year": {"from": "2013-01-01", "to": "2013-12-31"} | None,  # SIE #RAR 0
          "cost_centre_dimension": 1,
          "result_by_cost_centre_month": {            # result accounts (classes 3–8) only
              "3008": {"2013-01": -264135.27, ...},   # kr, 2 decimals, SIE sign (costs > 0)
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
    ledger = read_ledger(path, cost_centre_dimension=cost_centre_dimension)
    return describe_ledger(ledger, cost_centre_dimension=cost_centre_dimension)


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
        by_cc.setdefault(str(cc), {})[month] = float(Decimal(int(ore)) / 100)
    return {
        "kind": ledger.kind,
        "file": Path(ledger.source).name,
        "rows": int(len(lines)),
        "period": period,
        "fiscal_year": fiscal_year,
        "cost_centre_dimension": cost_centre_dimension,
        "result_by_cost_centre_month": by_cc,
        "problems": [p.to_dict() for p in ledger.problems],
    }
