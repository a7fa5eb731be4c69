"""Measure finsam against the floor (pandas alone reading the same files), as whole processes.

    python benchmarks/run.py [--reuse-1m /tmp/bench-1m] [--repeat 3] [--json benchmarks/results.json]

For each size pair (N ledger lines, M registrations) = (100 000, 20 000) and
(1 000 000, 200 000) a sources folder is generated into ``benchmarks/out/N-M`` when missing
(``generate.py``, seed 0; ``--reuse-1m DIR`` uses an existing 1M folder instead), and these
processes are run, each ``--repeat`` times, the fastest kept:

=============  ===================================================================================
step           the process
=============  ===================================================================================
``new``        ``python -m finsam new`` (the template from ``workbook/sjuharad.toml``)
``csv``        ``python -m finsam populate`` with ``huvudbok.csv`` + ``deltagare.xlsx`` + the rest
``sie``        the same with ``huvudbok.se`` in place of the CSV
``floor``      one Python process that imports pandas, ``read_csv(huvudbok.csv, sep=";",
               decimal=",")`` and ``read_excel(deltagare.xlsx, engine="calamine")``: what reading
               the two large files costs with pandas alone, nothing checked or aggregated
=============  ===================================================================================

Wall time is measured around the child process; peak RSS is the child's own ``ru_maxrss``
(``os.wait4``), so one run's peak never hides another's. The period is the settings year's
fourth quarter, i.e. the whole year accumulated: every ledger line is used.

Prints a Markdown table (seconds, ratio to the floor of the same size, peak RSS) and the goal
checks, and writes everything to ``--json`` (default ``benchmarks/results.json``). Exit status 0
whatever the figures: the goals are reported, not enforced (timings depend on the machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SETTINGS = ROOT / "workbook" / "sjuharad.toml"
SIZES = [(100_000, 20_000), (1_000_000, 200_000)]
SEED = 0

#: The speed goals, checked at the largest size (README "Speed").
GOALS = {"csv_ratio": 1.0, "sie_ratio": 1.0, "peak_rss_mb": 1024, "new_seconds": 1.0, "linearity": 11.0,
         "sample_seconds": 0.5}
#: The packaged sample (Sjuhärad 2013 Q1): the populate a new user runs first (``finsam demo``).
SAMPLE = ROOT / "src" / "finsam" / "sample"

FLOOR = """
import sys
import pandas as pd
pd.read_csv(sys.argv[1], sep=";", decimal=",")
pd.read_excel(sys.argv[2], engine="calamine")
"""


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Run ``cmd`` to completion; return (wall seconds, peak RSS MiB) of that process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    rss_kib = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024
    return wall, rss_kib / 1024


def best(times: list[tuple[float, float]]) -> dict:
    """Fastest of the repeats; the peak RSS is the largest seen."""
    return {"seconds": round(min(t for t, _ in times), 3), "peak_rss_mb": round(max(r for _, r in times), 1)}


def ensure_folder(n: int, m: int, out: Path, reuse_1m: Path | None) -> Path:
    if reuse_1m is not None and (n, m) == SIZES[-1]:
        return reuse_1m
    folder = out / f"{n}-{m}"
    if not (folder / "huvudbok.se").exists() or not (folder / "deltagare.xlsx").exists():
        print(f"generating {folder} …", file=sys.stderr)
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), str(folder), "--ledger-lines", str(n),
             "--registrations", str(m), "--seed", str(SEED)],
            check=True,
        )
    return folder


def sources_for(folder: Path, ledger: str, work: Path) -> Path:
    """A folder of symlinks holding ``ledger`` and every other source except the other ledger."""
    dest = work / f"sources-{ledger}"
    dest.mkdir()
    skip = {"huvudbok.csv", "huvudbok.se"} - {ledger}
    for p in folder.iterdir():
        if p.is_file() and p.name not in skip:
            (dest / p.name).symlink_to(p.resolve())
    return dest


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for mod in ("pandas", "numpy", "openpyxl", "pyarrow"):
        try:
            versions[mod] = __import__(mod).__version__
        except ImportError:
            versions[mod] = None
    return {"cpu": cpu, "cpus": os.cpu_count(), "os": platform.platform(), "python": platform.python_version(), **versions}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE / "out", help="where generated folders go")
    ap.add_argument("--reuse-1m", type=Path, default=None, help="an existing 1M/200k sources folder")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, default=HERE / "results.json")
    ap.add_argument("--sizes", default="all", choices=["all", "small", "large"])
    ap.add_argument("--src", type=Path, default=ROOT / "src", help="the finsam source tree to measure (e.g. a patched copy)")
    args = ap.parse_args(argv)

    year = tomllib.loads(SETTINGS.read_text(encoding="utf-8"))["forbund"]["ar"]
    env = {**os.environ, "PYTHONPATH": str(args.src.resolve()) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    sizes = {"all": SIZES, "small": SIZES[:1], "large": SIZES[-1:]}[args.sizes]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="finsam-bench-") as tmp:
        work = Path(tmp)
        sample_times = []
        run([sys.executable, "-m", "finsam", "new", str(work / "sample-mall.xlsx"), "--settings", str(SETTINGS)], env, work)
        for _ in range(args.repeat):
            shutil.copyfile(work / "sample-mall.xlsx", work / "sample.xlsx")
            sample_times.append(run([sys.executable, "-m", "finsam", "populate", str(work / "sample.xlsx"), "--sources",
                                     str(SAMPLE), "--period", f"{year}-Q1"], env, work))
        sample = best(sample_times)
        for n, m in sizes:
            folder = ensure_folder(n, m, args.out, args.reuse_1m)
            size_dir = work / f"{n}-{m}"
            size_dir.mkdir()
            template = size_dir / "mall.xlsx"
            steps: dict[str, list[tuple[float, float]]] = {"new": [], "csv": [], "sie": [], "floor": []}
            srcs = {k: sources_for(folder, f, size_dir) for k, f in (("csv", "huvudbok.csv"), ("sie", "huvudbok.se"))}
            for _ in range(args.repeat):
                template.unlink(missing_ok=True)
                steps["new"].append(run([sys.executable, "-m", "finsam", "new", str(template), "--settings", str(SETTINGS)], env, size_dir))
                for kind in ("csv", "sie"):
                    book = size_dir / f"bok-{kind}.xlsx"
                    shutil.copyfile(template, book)
                    steps[kind].append(run([sys.executable, "-m", "finsam", "populate", str(book), "--sources",
                                            str(srcs[kind]), "--period", f"{year}-Q4"], env, size_dir))
                steps["floor"].append(run([sys.executable, "-c", FLOOR, str(folder / "huvudbok.csv"),
                                           str(folder / "deltagare.xlsx")], env, size_dir))
            floor = best(steps["floor"])["seconds"]
            for step, times in steps.items():
                r = best(times)
                rows.append({"ledger_lines": n, "registrations": m, "step": step, **r,
                             "ratio_to_floor": None if step == "new" else round(r["seconds"] / floor, 2)})

    report = {"machine": machine(), "repeat": args.repeat, "goals": GOALS, "results": rows,
              "sample_populate": sample, "checks": checks(rows)}
    report["checks"]["sample populate seconds"] = {"value": sample["seconds"], "goal": f"≤ {GOALS['sample_seconds']}",
                                                   "ok": sample["seconds"] <= GOALS["sample_seconds"]}
    print(table(rows))
    print()
    for name, c in report["checks"].items():
        print(f"{'ok  ' if c['ok'] else 'MISS'} {name}: {c['value']} (goal {c['goal']})")
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def table(rows: list[dict]) -> str:
    out = ["| ledger lines | registrations | step | seconds | × floor | peak RSS MB |", "|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        ratio = "" if r["ratio_to_floor"] is None else f"{r['ratio_to_floor']:.2f}"
        out.append(f"| {r['ledger_lines']:,} | {r['registrations']:,} | {r['step']} | {r['seconds']:.2f} | {ratio} | {r['peak_rss_mb']:.0f} |")
    return "\n".join(out)


def checks(rows: list[dict]) -> dict:
    """The speed goals, checked at the largest size measured (linearity needs both)."""
    by = {(r["ledger_lines"], r["step"]): r for r in rows}
    n = max(r["ledger_lines"] for r in rows)
    out = {
        "populate csv / floor": {"value": by[(n, "csv")]["ratio_to_floor"], "goal": f"≤ {GOALS['csv_ratio']}"},
        "populate sie / floor": {"value": by[(n, "sie")]["ratio_to_floor"], "goal": f"≤ {GOALS['sie_ratio']}"},
        "peak RSS MB": {"value": max(by[(n, s)]["peak_rss_mb"] for s in ("csv", "sie")), "goal": f"≤ {GOALS['peak_rss_mb']}"},
        "finsam new seconds": {"value": by[(n, "new")]["seconds"], "goal": f"< {GOALS['new_seconds']}"},
    }
    out["populate csv / floor"]["ok"] = out["populate csv / floor"]["value"] <= GOALS["csv_ratio"]
    out["populate sie / floor"]["ok"] = out["populate sie / floor"]["value"] <= GOALS["sie_ratio"]
    out["peak RSS MB"]["ok"] = out["peak RSS MB"]["value"] <= GOALS["peak_rss_mb"]
    out["finsam new seconds"]["ok"] = out["finsam new seconds"]["value"] < GOALS["new_seconds"]
    small = min(r["ledger_lines"] for r in rows)
    if small != n:
        for step in ("csv", "sie"):
            v = round(by[(n, step)]["seconds"] / by[(small, step)]["seconds"], 2)
            out[f"time({n:,})/time({small:,}) {step}"] = {"value": v, "goal": f"≤ {GOALS['linearity']}",
                                                          "ok": v <= GOALS["linearity"]}
    return out


if __name__ == "__main__":
    raise SystemExit(main())
