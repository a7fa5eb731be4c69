"""Faulty real-world exports found by trying finsam as a new user (tester, issue 9 house rule:
wrong is worse than refused)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from finsam.sources.forecast import read_forecast

DATA = Path(__file__).parent / "data" / "tester"


def test_two_different_forecasts_for_one_cost_centre_are_an_error_naming_both_rows():
    _, problems = read_forecast(DATA / "prognos_motstridig.csv")
    errors = [p for p in problems if p.severity == "error"]
    assert [(p.code, p.row, p.column) for p in errors] == [("prognos-motstridig", 2, "Prognos (tkr)")]
    assert "raderna 2, 3" in errors[0].message and "-687" in errors[0].message and "-600" in errors[0].message


def test_the_same_forecast_twice_is_only_a_warning():
    df, problems = read_forecast(DATA / "prognos_dubblett_samma.csv")
    assert [(p.code, p.severity, p.row) for p in problems] == [("prognos-dubblett", "warning", 2)]
    assert df["forecast_tkr"].tolist() == [-687.0, -687.0]


def test_populate_refuses_conflicting_forecasts_and_leaves_the_workbook_byte_identical(tmp_path, csv_sources):
    from conftest import SETTINGS

    shutil.copy(DATA / "prognos_motstridig.csv", csv_sources / "prognos.csv")
    book = tmp_path / "u.xlsx"
    run = [sys.executable, "-m", "finsam"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    subprocess.run([*run, "new", str(book), "--settings", str(SETTINGS)], check=True, capture_output=True, env=env)
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    out = subprocess.run([*run, "populate", str(book), "--sources", str(csv_sources), "--period", "2013-Q1"],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 1
    assert "Fel: prognos.csv, rad 2, kolumn Prognos (tkr)" in out.stdout + out.stderr
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before
