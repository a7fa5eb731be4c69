"""What the participant tables of issue 11 add to ``finsam populate``: seconds and share.

    python benchmarks/participants_cost.py --folder GENERATED [--repeat 3] [--json benchmarks/results.json]

``GENERATED`` is a sources folder from ``generate.py`` (e.g. 1 000 000 ledger lines and
200 000 registrations; its ``huvudbok.se`` is left out, the CSV ledger is used). One
in-process populate of a fresh ``finsam new`` workbook (settings ``workbook/sjuharad.toml``,
the year's Q4: every line used) is run ``--repeat`` times; around it the functions that only
the new tables call are timed with ``time.perf_counter``:

* :func:`finsam.participant_tables.participant_tables` (Deltagare per insats, results, ages,
  anonymous and struktur counts, their warnings),
* :func:`finsam.participant_sheet.blocks` and :func:`finsam.participant_sheet.anonymous_rows`
  (the blocks written, with suppression when masking).

Their blocks are a few dozen cells written with the rest in one ``io.write``, so the share
is their functions' time over the whole populate (best run). Issue 11's goal: ≤ 5 %.
Prints both figures and stores them under ``"participant_tables"`` in ``--json`` (the rest of
the file kept), with the load average when measured.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

GOAL_SHARE = 0.05


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folder", type=Path, required=True, help="a generate.py sources folder")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, default=HERE / "results.json")
    args = ap.parse_args(argv)

    from finsam import participant_sheet, participant_tables
    from finsam.settings import load_settings
    from finsam.workbook import new_workbook, populate_workbook

    spent = {"s": 0.0}

    def timed(fn):
        @functools.wraps(fn)
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent["s"] += time.perf_counter() - t
        return wrapper

    # tables_of (populate's one call) looks participant_tables up in its module: time it there
    participant_tables.participant_tables = timed(participant_tables.participant_tables)
    participant_sheet.blocks = timed(participant_sheet.blocks)
    participant_sheet.anonymous_rows = timed(participant_sheet.anonymous_rows)

    settings = load_settings(ROOT / "workbook" / "sjuharad.toml")
    runs = []
    with tempfile.TemporaryDirectory(prefix="finsam-bench-") as tmp:
        work = Path(tmp)
        sources = work / "sources"
        sources.mkdir()
        for p in args.folder.iterdir():
            if p.is_file() and p.name != "huvudbok.se":
                (sources / p.name).symlink_to(p.resolve())
        template = work / "mall.xlsx"
        new_workbook(template, settings)
        for _ in range(args.repeat):
            book = work / "bok.xlsx"
            shutil.copyfile(template, book)
            spent["s"] = 0.0
            t = time.perf_counter()
            populate_workbook(book, sources=sources, period=f"{settings.year}-Q4")
            runs.append((time.perf_counter() - t, spent["s"]))
    total, tables = min(runs)
    share = tables / total
    result = {"folder": args.folder.name, "repeat": args.repeat, "load_average": round(os.getloadavg()[0], 1),
              "populate_seconds": round(total, 3), "tables_seconds": round(tables, 3), "share": round(share, 4),
              "goal": f"≤ {GOAL_SHARE:.0%}", "ok": share <= GOAL_SHARE}
    print(f"populate {total:.2f} s, of which the participant tables {tables:.3f} s = {share:.1%} "
          f"({'ok' if result['ok'] else 'MISS'}, goal ≤ {GOAL_SHARE:.0%})")
    data = json.loads(args.json.read_text()) if args.json.exists() else {}
    data["participant_tables"] = result
    args.json.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
