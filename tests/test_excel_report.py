"""The ribbon button "Skapa rapport" (``finsam_addin.report()`` → :mod:`finsam.excel_report`):
``finsam report`` on the saved file of the workbook open in Excel, refused while the file is
not what the person sees.

The book is xlwings' remote engine (``xw.Book(json=…)``, built by :mod:`xlwings_payload` from
a saved workbook; XLWINGS_LICENSE_KEY=noncommercial in conftest), set as the calling book
with xlwings' ``set_mock_caller``, as tests/test_excel.py does for "Uppdatera". The saved file
is `finsam demo`'s workbook as Excel would save it: with the formulas' values cached (a
LibreOffice recalculation), so the report needs no recalculation.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import xlwings as xw
from docx import Document
from typer.testing import CliRunner

from finsam import excel_report, libreoffice
from finsam.blocks import SHEET_TEXT
from finsam.cli import app
from finsam.errors import WorkbookError
from finsam.report import Report
from recalc import recalc
from xlwings_payload import payload_from_xlsx



@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """`finsam demo`'s workbook, saved with its values (as Excel saves it)."""
    tmp = tmp_path_factory.mktemp("knapp")
    r = CliRunner().invoke(app, ["demo", str(tmp / "demo.xlsx")])
    assert r.exit_code == 0, r.output
    target = tmp / "uppföljning q1.xlsx"
    shutil.copyfile(recalc(tmp / "demo.xlsx", tmp / "lo"), target)
    return target


@pytest.fixture
def book_at(saved, tmp_path):
    """A copy of the saved workbook in its own folder, and a remote book of it whose
    ``fullname`` is that file (as desktop Excel has it); ``edits`` are typed, not saved."""
    def make(edits=None, client="Office.js") -> tuple[xw.Book, Path]:
        path = tmp_path / saved.name
        shutil.copyfile(saved, path)
        book = xw.Book(json=payload_from_xlsx(path, client=client, name=str(path), edits=edits))
        book.set_mock_caller()
        return book, path
    yield make
    if hasattr(xw.Book, "_mock_caller"):
        del xw.Book._mock_caller


@pytest.fixture
def no_libreoffice(monkeypatch):
    """A computer without LibreOffice (as most Windows computers): the report is docx only."""
    monkeypatch.setattr(libreoffice, "soffice", lambda: None)


def alerts(book: xw.Book) -> list[tuple[str, str]]:
    return [tuple(a["args"][:2]) for a in book.json()["actions"] if a["func"] == "alert"]


def _text(docx: Path) -> str:
    doc = Document(docx)
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


@pytest.mark.libreoffice
@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_the_button_writes_the_report_beside_the_saved_workbook_and_says_where(
        book_at, addin_module, no_libreoffice, client):
    book, path = book_at(client=client)
    addin_module.report()
    docx = path.with_name("uppföljning q1-rapport.docx")
    assert docx.is_file() and not docx.with_suffix(".pdf").exists()
    # the same document `finsam report` writes: the seed's totals are in it
    text = _text(docx).replace("\u00a0", " ")
    assert "-24 837" in text and "6 655" in text
    [(message, title)] = alerts(book)
    assert title == "finsam"
    assert message.startswith(f"Rapporten är skriven: {docx}.")
    assert excel_report.NO_PDF in message
    assert [a["func"] for a in book.json()["actions"]] == ["alert"]  # nothing written into the book


@pytest.mark.libreoffice
def test_typed_but_unsaved_changes_are_refused_and_nothing_is_written(book_at, addin_module, no_libreoffice):
    book, path = book_at(edits={(SHEET_TEXT, "C5"): "En ny mening som ännu inte är sparad."})
    before = sorted(p.name for p in path.parent.iterdir())
    addin_module.report()
    [(message, title)] = alerts(book)
    assert message == excel_report.UNSAVED_CHANGES.format(label=str(path)) and title == "finsam"
    assert "Spara arbetsboken (Ctrl+S)" in message
    assert sorted(p.name for p in path.parent.iterdir()) == before


@pytest.mark.libreoffice
def test_a_changed_number_is_an_unsaved_change_but_equal_numbers_are_not(book_at, saved):
    import openpyxl

    ws = openpyxl.load_workbook(saved)["Ekonomi"]
    typed = next(c for row in ws.iter_rows() for c in row  # a typed figure (a budget in tkr, a cost: negative)
                 if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and c.value < -10)
    book, path = book_at(edits={("Ekonomi", typed.coordinate): float(typed.value)})  # Excel sends floats
    assert excel_report.differs_from_file(book, path) is False
    book, path = book_at(edits={("Ekonomi", typed.coordinate): typed.value + 1})
    assert excel_report.differs_from_file(book, path) is True


def test_a_book_without_a_file_is_refused(addin_module, tmp_path, monkeypatch):
    """A remote book's fullname is only its name, like Excel's unsaved "Bok1"."""
    monkeypatch.setattr(Path, "home", staticmethod(lambda: tmp_path))
    book = xw.Book(json={"client": "Office.js", "version": "0.37.8",
                         "book": {"name": "Bok1", "active_sheet_index": 0, "selection": "A1"},
                         "names": [], "sheets": [{"name": "Blad1", "values": [[""]], "pictures": [], "tables": []}]})
    book.set_mock_caller()
    try:
        addin_module.report()
    finally:
        del xw.Book._mock_caller
    assert alerts(book) == [(excel_report.NOT_SAVED.format(label="Bok1"), "finsam")]
    assert list(tmp_path.iterdir()) == []  # a fixable refusal: no log


class _Api:
    def __init__(self, saved):
        self.Saved = saved


class _Prop:
    def __init__(self, value):
        self.value = value

    def get(self):
        return self.value


class _MacApi:
    def __init__(self, saved):
        self.saved = _Prop(saved)


class _Book:
    def __init__(self, api):
        self.api = api


def test_excels_own_saved_flag_is_read_on_windows_and_macos():
    assert excel_report.saved_flag(_Book(_Api(False))) is False  # COM Workbook.Saved
    assert excel_report.saved_flag(_Book(_Api(True))) is True
    assert excel_report.saved_flag(_Book(_MacApi(False))) is False  # AppleScript "saved"
    assert excel_report.saved_flag(_Book({"book": {}})) is None  # remote: the JSON, no flag


@pytest.mark.libreoffice
def test_excels_unsaved_flag_is_refused_even_when_the_values_are_the_same(book_at, monkeypatch, no_libreoffice):
    """After Uppdatera the book is changed though nothing was typed: Excel's flag says so."""
    book, path = book_at()
    monkeypatch.setattr(excel_report, "saved_flag", lambda b: False)
    with pytest.raises(WorkbookError, match="ändringar som inte är sparade"):
        excel_report.report_book(book)
    assert not path.with_name("uppföljning q1-rapport.docx").exists()


def test_the_message_names_both_files_when_there_is_a_pdf(tmp_path):
    made = Report(tmp_path / "a-rapport.docx", tmp_path / "a-rapport.pdf", notes=["En anteckning."])
    message = excel_report.report_message(made)
    assert message == (f"Rapporten är skriven: {tmp_path / 'a-rapport.docx'} och {tmp_path / 'a-rapport.pdf'}."
                       "\n\nEn anteckning.")
