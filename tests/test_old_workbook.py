"""A workbook made before the sheet Deltagare per insats existed (issue 11): populate refuses it
in Swedish, names the sheet and says how to get a workbook that has it, and changes nothing —
never exit 0 without the tables, never a traceback. Following the advice works."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest
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


PREVIOUS = OLD.parent / "e6ffc4f-demo.xlsx"


def _values(path: Path):
    from finsam.book import read_settings
    from finsam.report import WorkbookValues
    from finsam.workbook import OpenpyxlBook

    return WorkbookValues(openpyxl.load_workbook(path), read_settings(OpenpyxlBook(path)), path)


def test_a_name_the_previous_release_lacked_is_found_where_this_layout_puts_it():
    """The report reads the summary by ``fs_sammanstallning``; the previous release's workbook has
    the same summary sheet without that name, so the report finds its rows where this
    finsam's layout puts them: from the equity line up to the first cost line."""
    from finsam.layout import SUMMARY_LINES

    values = _values(PREVIOUS)
    assert SUMMARY_LINES not in values.names()
    sheet, r0, c0, r1, c1 = values.area(SUMMARY_LINES)
    ws = values.wb[sheet]
    assert ws.cell(r1, c0).value.startswith("Årets finansiering med eget kapital")  # the last line
    assert [ws.cell(r, c0).value for r in range(r0 - 3, r0)][0] is not None  # three header rows above the first


def test_a_summary_sheet_laid_out_otherwise_is_still_refused(tmp_path):
    """When a name both have stands elsewhere (rows were moved), the layout says nothing about
    this workbook: refused as before, never a guess."""
    from finsam.errors import WorkbookError
    from finsam.layout import SUMMARY_LINES

    book = tmp_path / "flyttad.xlsx"
    wb = openpyxl.load_workbook(PREVIOUS)
    wb.defined_names["fs_arets_finansiering_ek"].attr_text = "'Sammanställning'!$B$60:$D$60"
    wb.save(book)
    with pytest.raises(WorkbookError, match="namnet fs_sammanstallning saknas"):
        _values(book).area(SUMMARY_LINES)
