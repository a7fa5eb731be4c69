"""finsam under xlwings Lite's constraints: no thread, no process, no python-calamine.

The sample's register (deltagare.xlsx) and budget (budget.xlsx) are xlsx files: without
python-calamine they are read by the openpyxl path of ``finsam.sources.xlsx``.

xlwings Lite runs Python in Excel through Pyodide: "Packages that depend on the
multiprocessing or threading modules aren't currently supported" (lite.xlwings.org,
*Limitations*), and only pure-Python wheels or Pyodide's own builds install. The CLI runs
here in a child process (``tests/constrained.py``) in which starting a thread or a process
ends the run, then the workbook is recalculated and compared with the published report.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from finsam import runtime
from recalc import assert_report, values

from conftest import SETTINGS

HERE = Path(__file__).resolve().parent
FIGURES = 4 * 10 + 3 * 30 + 3 * 2 + 3 * 4 + 1 + 1  # as in test_main_job.py


def run_constrained(args: list[str], *, cwd: Path, home: Path, calamine: bool) -> subprocess.CompletedProcess:
    env = dict(os.environ, HOME=str(home), PYTHONPATH=str(HERE.parent / "src"))
    cmd = [sys.executable, str(HERE / "constrained.py"), *(["--with-calamine"] if calamine else []), *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("ledger, calamine", [("csv_sources", False), ("sie_sources", False), ("sie_sources", True)])
def test_sample_populates_without_threads_or_processes(tmp_path, expected, ledger, calamine, request):
    """With python-calamine absent (as in xlwings Lite) and with it present."""
    sources = request.getfixturevalue(ledger)
    folder, cwd, home = tmp_path / "bok", tmp_path / "cwd", tmp_path / "home"
    for d in (folder, cwd, home):
        d.mkdir()
    wb = folder / "uppföljning.xlsx"
    r = run_constrained(["new", str(wb), "--settings", str(SETTINGS)], cwd=cwd, home=home, calamine=calamine)
    assert r.returncode == 0, r.stderr + r.stdout
    r = run_constrained(["populate", str(wb), "--sources", str(sources), "--period", "2013-Q1"],
                        cwd=cwd, home=home, calamine=calamine)
    assert r.returncode == 0, r.stderr + r.stdout
    assert "VIOLATION" not in r.stderr
    # nothing written outside the workbook's folder: not in the working folder, not at home
    assert list(cwd.iterdir()) == [] and list(home.iterdir()) == []
    assert [p.name for p in folder.iterdir()] == [wb.name]
    assert assert_report(values(wb), expected) == FIGURES


def test_the_constrained_runner_catches_a_thread():
    """The guard works: a thread started under it ends the run with VIOLATION."""
    env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src") + os.pathsep + str(HERE))
    code = "import constrained, threading; threading.Thread(target=print).start()"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 3 and "VIOLATION: a thread was started" in r.stderr


# --- runtime.beside: the same result with and without a thread ----------------------------


def _double(x: int) -> int:
    return 2 * x


def _fail(x: int) -> int:
    raise ValueError(f"bad {x}")


@pytest.mark.parametrize("setting, threaded", [("", True), ("0", False), ("nej", False), ("off", False)])
def test_beside_uses_a_thread_unless_turned_off(monkeypatch, setting, threaded):
    monkeypatch.setenv(runtime.THREADS_ENV, setting)
    with runtime.beside(_double, 21) as pending:
        assert pending.threaded is threaded
        assert pending.result() == 42


@pytest.mark.parametrize("platform", ["emscripten", "wasi"])
def test_beside_runs_in_line_on_webassembly(monkeypatch, platform):
    monkeypatch.delenv(runtime.THREADS_ENV, raising=False)
    monkeypatch.setattr(runtime.sys, "platform", platform)
    assert runtime.threads_available() is False
    with runtime.beside(_double, 4) as pending:
        assert not pending.threaded and pending.result() == 8


@pytest.mark.parametrize("setting", ["", "0"])
def test_beside_raises_the_works_error_in_result(monkeypatch, setting):
    monkeypatch.setenv(runtime.THREADS_ENV, setting)
    with runtime.beside(_fail, 7) as pending:
        with pytest.raises(ValueError, match="bad 7"):
            pending.result()


def test_beside_falls_back_when_no_thread_can_start(monkeypatch):
    """Pyodide's threading raises RuntimeError on start; the work then runs in line."""
    monkeypatch.delenv(runtime.THREADS_ENV, raising=False)

    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(runtime.ThreadPoolExecutor, "_adjust_thread_count", refuse)
    with runtime.beside(_double, 5) as pending:
        assert not pending.threaded and pending.result() == 10


@pytest.mark.parametrize("ledger", ["huvudbok.csv", "huvudbok.se"])
@pytest.mark.parametrize("setting, threaded", [("0", False), ("", True)])
def test_arrow_reads_the_ledger_without_its_thread_pool_when_threads_are_off(monkeypatch, ledger, setting, threaded):
    """Arrow's CSV reader has its own C++ thread pool: off too (use_threads=False)."""
    import pyarrow.csv as pacsv

    from finsam.sources.ledger import read_ledger

    seen = []
    real = pacsv.ReadOptions

    def recording(*args, **kwargs):
        seen.append(kwargs.get("use_threads", True))
        return real(*args, **kwargs)

    monkeypatch.setattr(pacsv, "ReadOptions", recording)
    monkeypatch.setenv(runtime.THREADS_ENV, setting)
    ledger_read = read_ledger(HERE.parent / "src" / "finsam" / "sample" / ledger)
    assert len(ledger_read.lines) > 0
    assert seen and set(seen) == {threaded}
