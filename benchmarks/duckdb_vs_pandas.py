"""The cost-centre aggregation of one ledger CSV, three ways (for docs/scale.md):

    python benchmarks/duckdb_vs_pandas.py /tmp/bench-1m/huvudbok.csv [--repeat 3]

1. pandas alone: ``read_csv(sep=";", decimal=",")`` of the four columns, then result accounts
   (first digit 3–8) in the year, ``groupby("Kostnadsställe").sum()``;
2. finsam: ``read_ledger`` (Arrow fast path) then ``tables.period_result_ore``;
3. DuckDB: the same as one SQL query over the file (``read_csv`` with ``decimal_separator=','``),
   handing the small result to pandas.

Prints seconds (best of ``--repeat``, imports excluded) and checks that all three agree to the
öre. DuckDB is not a finsam dependency: ``pip install duckdb`` to run this.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from finsam import tables  # noqa: E402
from finsam.period import Period  # noqa: E402
from finsam.sources.ledger import read_ledger  # noqa: E402

YEAR = Period(date(2013, 1, 1), date(2013, 12, 31))


def with_pandas(path: Path) -> pd.Series:
    df = pd.read_csv(path, sep=";", decimal=",", usecols=["Datum", "Konto", "Kostnadsställe", "Belopp"],
                     dtype={"Konto": str, "Kostnadsställe": str})
    d = pd.to_datetime(df["Datum"], format="%Y-%m-%d")
    sel = df[df["Konto"].str[:1].isin(list("345678")) & (d >= "2013-01-01") & (d <= "2013-12-31")]
    ore = np.round(sel["Belopp"].to_numpy() * 100).astype("int64")
    return pd.Series(ore, index=sel["Kostnadsställe"].fillna("")).groupby(level=0).sum().sort_index()


def with_finsam(path: Path) -> pd.Series:
    return tables.period_result_ore(read_ledger(path).lines, YEAR)


def with_duckdb(path: Path) -> pd.Series:
    import duckdb

    df = duckdb.sql(
        f"""
        SELECT coalesce(trim("Kostnadsställe"), '') AS cost_centre,
               sum(CAST(round(Belopp * 100) AS BIGINT)) AS amount_ore
        FROM read_csv('{path}', delim=';', decimal_separator=',', header=true,
                      types={{'Konto': 'VARCHAR', 'Kostnadsställe': 'VARCHAR', 'Belopp': 'DOUBLE', 'Datum': 'DATE'}})
        WHERE left(Konto, 1) IN ('3','4','5','6','7','8') AND Datum BETWEEN DATE '2013-01-01' AND DATE '2013-12-31'
        GROUP BY 1 ORDER BY 1
        """
    ).df()
    return df.set_index("cost_centre")["amount_ore"].astype("int64")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("csv", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import duckdb  # noqa: F401 - imported before timing, as pandas is

    results = {}
    for name, fn in (("pandas read_csv + groupby", with_pandas), ("finsam read_ledger + period_result_ore", with_finsam),
                     ("duckdb SQL", with_duckdb)):
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = fn(args.csv)
            times.append(time.perf_counter() - t0)
        results[name] = out
        print(f"{name:42s} {min(times):6.3f} s")
    first, *rest = results.values()
    for other in rest:
        pd.testing.assert_series_equal(first.rename(None), other.rename(None), check_names=False, check_index_type=False)
    print("all three agree to the öre")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
