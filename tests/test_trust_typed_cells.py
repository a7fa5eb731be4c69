"""A personnummer a person typed into the workbook's own cells (notes, comments, forecasts):
validate warns with the cell, populate masks it and says so, nothing else changes."""

from __future__ import annotations

import re
import tomllib
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from finsam.cli import app
from finsam.settings import load_settings
from finsam.validate import validate_workbook
from finsam.workbook import OpenpyxlBook, new_workbook, populate_workbook

CASE = tomllib.loads((Path(__file__).parent / "data" / "privacy" / "typed-cells.toml").read_text(encoding="utf-8"))["cell"]
runner = CliRunner()


def _cell(book: OpenpyxlBook, spec: dict):
    return book.cells(spec["name"])[spec.get("row", 0)][0]


@pytest.fixture()
def typed(sample_sources) -> Path:
    """A populated workbook, then the person's typing of typed-cells.toml saved in it."""
    path = sample_sources.parent / "bok.xlsx"
    new_workbook(path, load_settings(sample_sources / "sjuharad.toml"))
    populate_workbook(path, period="2013-Q1")
    book = OpenpyxlBook(path)
    for spec in CASE:
        _cell(book, spec).value = spec.get("value", spec.get("number"))
    book.wb.save(path)
    return path


def test_validate_warns_about_each_typed_personnummer_with_its_cell(typed):
    book = OpenpyxlBook(typed)
    want = sorted((_cell(book, s).parent.title, _cell(book, s).coordinate) for s in CASE if "masked" in s)
    report = validate_workbook(typed)
    got = sorted((p.source, p.column) for p in report.problems if p.code == "personnummer-i-arbetsboken")
    assert got == want and len(got) == 4
    assert all(p.severity == "warning" for p in report.problems if p.code == "personnummer-i-arbetsboken")


def test_populate_masks_every_typed_personnummer_and_says_so(typed):
    res = runner.invoke(app, ["populate", str(typed), "--period", "2013-Q1"])
    assert res.exit_code == 0, res.output
    book = OpenpyxlBook(typed)
    for spec in CASE:
        assert _cell(book, spec).value == spec.get("masked", spec.get("value"))
    assert len(re.findall("maskerades", res.output)) == 4
    assert [p for p in validate_workbook(typed).problems if p.code == "personnummer-i-arbetsboken"] == []
    with zipfile.ZipFile(typed) as z:
        xml = b"".join(z.read(n) for n in z.namelist())
    assert re.findall(rb"850101[-+]?1236", xml) == []  # the personnummer in no form anywhere in the package
    assert load_workbook(typed)["Ekonomi"]["A1"].value  # still a readable workbook
