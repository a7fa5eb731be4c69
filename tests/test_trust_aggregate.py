"""Many problems of one kind are summed up where they are made and where they are shown:
a register with 60 duplicate rows and 25 persons in two municipalities gives 21 problems of
each kind (the first 20 and one that counts the rest), the counts stay exact, and the
command line prints a bounded table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from finsam.cli import app
from finsam.errors import FIRST_ROWS, Problem, aggregate
from finsam.settings import load_settings
from finsam.validate import validate_workbook
from finsam.workbook import new_workbook

REGISTER = Path(__file__).parent / "data" / "aggregate" / "deltagare.csv"
runner = CliRunner()


def expected_counts() -> dict[str, int]:
    """Duplicates and movers counted from the file itself."""
    d = pd.read_csv(REGISTER, sep=";", dtype=str, keep_default_na=False)
    movers = d.groupby("Personnummer")["Folkbokföringskommun"].nunique()
    return {"dubblettrad": len(d) - len(d.drop_duplicates()), "flera-kommuner": int((movers > 1).sum())}


@pytest.fixture()
def book(sample_sources) -> Path:
    (sample_sources / "deltagare.xlsx").unlink()
    shutil.copy(REGISTER, sample_sources / "deltagare.csv")
    path = sample_sources.parent / "bok.xlsx"
    new_workbook(path, load_settings(sample_sources / "sjuharad.toml"))
    return path


def test_the_report_lists_the_first_of_a_kind_and_counts_every_case(book):
    want = expected_counts()
    assert want == {"dubblettrad": 60, "flera-kommuner": 25}
    report = validate_workbook(book)
    counts = report.counts()
    assert {k: counts[k] for k in want} == want
    for code, n in want.items():
        listed = [p for p in report.problems if p.code == code]
        assert len(listed) == FIRST_ROWS + 1
        assert [p.count for p in listed] == [1] * FIRST_ROWS + [n - FIRST_ROWS]
        assert listed[-1].row is None and all(p.row for p in listed[:-1])
    assert report.warnings == sum(p.count for p in report.problems if p.severity == "warning")
    res = runner.invoke(app, ["validate", str(book), "--json"])
    data = json.loads(res.stdout)
    assert {k: data["counts"][k] for k in want} == want and data["warnings"] == report.warnings
    assert sum(p["code"] == "dubblettrad" for p in data["problems"]) == FIRST_ROWS + 1


def test_the_command_line_prints_a_bounded_table(book):
    res = runner.invoke(app, ["populate", str(book), "--period", "2013-Q1"], env={"COLUMNS": "400"})
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert sum("är en exakt kopia av rad" in line for line in lines) == FIRST_ROWS
    assert sum("40 rader till med samma problem (dubblettrad)" in line for line in lines) == 1
    assert sum("Samma person är registrerad i flera kommuner" in line for line in lines) == FIRST_ROWS
    assert sum("5 personer till" in line for line in lines) == 1


def test_aggregate_keeps_every_case_counted():
    many = [Problem("dubblettrad", "warning", "d.csv", r, None, f"rad {r}") for r in range(2, 102)]
    other = Problem("kommun-saknas", "warning", "d.csv", 5, "Folkbokföringskommun", "saknas")
    out = aggregate([*many[:50], other, *many[50:]], first=3)
    assert [(p.code, p.row, p.count) for p in out] == [
        ("dubblettrad", 2, 1), ("dubblettrad", 3, 1), ("dubblettrad", 4, 1), ("dubblettrad", None, 97),
        ("kommun-saknas", 5, 1)]
    assert aggregate(out, first=3) == out  # summed up once, never again
