"""A duplicate-heavy register against its clean twin: ``finsam populate`` time, best of N.

    python benchmarks/duplicates.py [--folder GENERATED] [--repeat 3] [--json benchmarks/results.json]

The twin registers have the same number of rows: *clean* is the generated ``deltagare.xlsx``
(``generate.py``, default 100 000 ledger lines and 20 000 registrations), *dup* keeps its
first two thirds and repeats rows of them for the last third, so a third of the rows are
exact copies (issue 10: "a third of the rows duplicated", goal ≤ 2× the clean twin). Both
use the CSV ledger and the same workbook made by ``finsam new`` from
``workbook/sjuharad.toml``.

Each run is a child process timed with ``os.wait4``: wall seconds, CPU seconds (user +
system: the figure to compare on a loaded machine) and peak RSS. The figures go into
``results.json`` under ``"duplicate_register"`` (the rest of the file is kept), with the load
average when measured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook, load_workbook

HERE = Path(__file__).parent
ROOT = HERE.parent


def timed(cmd: list[str], env: dict[str, str]) -> dict:
    """Run ``cmd``; return its wall and CPU seconds and peak RSS MiB. Exits on failure."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024}


def twins(folder: Path, work: Path) -> dict[str, Path]:
    """The clean and the duplicate-heavy sources folders (symlinks but for deltagare.xlsx)."""
    out = {}
    for kind in ("clean", "dup"):
        dest = work / kind
        dest.mkdir()
        for p in folder.iterdir():
            if p.is_file() and p.name not in ("huvudbok.se", "deltagare.xlsx"):
                (dest / p.name).symlink_to(p.resolve())
        out[kind] = dest
    (out["clean"] / "deltagare.xlsx").symlink_to((folder / "deltagare.xlsx").resolve())
    book = load_workbook(folder / "deltagare.xlsx", read_only=True)
    sheet = book.worksheets[0]
    head, *body = [list(r) for r in sheet.iter_rows(values_only=True)]
    keep = body[: len(body) * 2 // 3]
    copy = Workbook(write_only=True)
    ws = copy.create_sheet(sheet.title)
    for row in [head, *keep, *keep[: len(body) - len(keep)]]:
        ws.append(row)
    copy.save(out["dup"] / "deltagare.xlsx")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folder", type=Path, default=HERE / "out" / "100000-20000", help="a generate.py folder")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, default=HERE / "results.json")
    ap.add_argument("--src", type=Path, default=ROOT / "src")
    args = ap.parse_args(argv)
    if not (args.folder / "deltagare.xlsx").exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(args.folder), "--ledger-lines", "100000",
                        "--registrations", "20000", "--seed", "0"], check=True)
    env = dict(os.environ, PYTHONPATH=str(args.src))
    finsam = [sys.executable, "-m", "finsam"]
    with tempfile.TemporaryDirectory(prefix="finsam-dup-") as tmp:
        work = Path(tmp)
        folders = twins(args.folder, work)
        book = work / "bok.xlsx"
        timed([*finsam, "new", str(book), "--settings", str(ROOT / "workbook" / "sjuharad.toml"), "--year", "2013"], env)
        runs = {kind: [timed([*finsam, "populate", str(book), "--sources", str(src), "--period", "2013-Q2"], env)
                       for _ in range(args.repeat)] for kind, src in folders.items()}
    figures = {kind: {"wall_seconds": round(min(r["wall"] for r in rs), 3), "cpu_seconds": round(min(r["cpu"] for r in rs), 3),
                      "peak_rss_mb": round(max(r["rss"] for r in rs), 1)} for kind, rs in runs.items()}
    ratio = round(figures["dup"]["cpu_seconds"] / figures["clean"]["cpu_seconds"], 2)
    entry = {"folder": args.folder.name, "repeat": args.repeat, "load_average": round(os.getloadavg()[0], 1),
             **figures, "dup_over_clean_cpu": ratio, "goal": "≤ 2.0", "ok": ratio <= 2.0}
    results = json.loads(args.json.read_text(encoding="utf-8")) if args.json.exists() else {}
    results["duplicate_register"] = entry
    args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(entry, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
