"""A workbook made before the sheet Deltagare per insats existed (issue 11): populate refuses it
in Swedish, names the sheet and says how to get a workbook that has it, and changes nothing —
never exit 0 without the tables, never a traceback. Following the advice works."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from conftest import SAMPLE
from finsam.cli import app

OLD = Path(__file__).parent / "data" / "arbetsbok" / "fore-insatser.xlsx"
runner = CliRunner()


def _old_book(tmp_path: Path) -> Path:
    book = tmp_path / "gammal.xlsx"
    shutil.copyfile(OLD, book)
    shutil.copytree(SAMPLE, tmp_path / "källor")
    return book


def test_the_data_is_an_old_workbook():
    wb = openpyxl.load_workbook(OLD)
    assert "Deltagare per insats" not in wb.sheetnames and "Deltagare" in wb.sheetnames
    assert not any(n.startswith(("fs_insatser", "fs_avslutade", "fs_aldrar", "fs_struktur")) for n in wb.defined_names)


def test_populate_refuses_an_old_workbook_and_leaves_it_as_it_was(tmp_path):
    book = _old_book(tmp_path)
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    r = runner.invoke(app, ["populate", str(book), "--period", "2013-Q1"], terminal_width=200)
    assert r.exit_code == 1, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)  # no traceback
    text = " ".join(r.output.split())
    assert "Traceback" not in text
    assert "Deltagare per insats" in text and "äldre finsam" in text
    assert "Fel: gammal.xlsx" in text and "'finsam new NY.xlsx --settings gammal.xlsx'" in text
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before


def test_the_advice_works_a_new_workbook_from_its_settings_gets_the_tables(tmp_path):
    book = _old_book(tmp_path)
    new = tmp_path / "ny.xlsx"
    r = runner.invoke(app, ["new", str(new), "--settings", str(book)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["populate", str(new), "--period", "2013-Q1"])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(new)
    assert "Deltagare per insats" in wb.sheetnames
    (sheet, ref), = wb.defined_names["fs_insatser"].destinations
    counts = [c.value for row in wb[sheet][ref.replace("$", "")] for c in row if isinstance(c.value, int)]
    assert counts and sum(counts) > 0
