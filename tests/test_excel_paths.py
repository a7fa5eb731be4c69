"""The button with Swedish folder names and OneDrive/SharePoint workbooks.

A workbook opened from a folder that OneDrive syncs has a web address as Excel's FullName;
desktop xlwings turns it into the local path itself, or raises ``XlwingsError`` when it
cannot (``xlwings.utils.fullname_url_to_local_path``). The tests give the remote book each
such ``fullname`` and check: a local path with å/ä/ö (also in decomposed Unicode, as macOS
writes "källor") is used; a web address, or xlwings' failure, is refused with the Swedish
message that says what to do, before anything is written.
"""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest
import xlwings as xw

from finsam import excel, layout
from finsam.errors import WorkbookError
from finsam.settings import load_settings
from finsam.workbook import new_workbook
from xlwings_payload import SAMPLE, payload_from_xlsx

SETTINGS = load_settings(SAMPLE / "sjuharad.toml")
INPUT_NAMES = layout.input_names(SETTINGS)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return new_workbook(tmp_path_factory.mktemp("bok") / "uppföljning 2013.xlsx", SETTINGS)


def book_with_fullname(template: Path, monkeypatch, fullname) -> xw.Book:
    """A remote book whose ``fullname`` is ``fullname`` (a str, or an exception to raise)."""
    book = xw.Book(json=payload_from_xlsx(template))

    def get(self):
        if isinstance(fullname, Exception):
            raise fullname
        return fullname

    monkeypatch.setattr(type(book.impl), "fullname", property(get))
    return book


def fills(book: xw.Book) -> int:
    result = excel.populate_book(book, period="2013-Q1", alert=False)
    assert result.period.label == "Jan-Mars"
    return len([a for a in book.json()["actions"] if a["func"] == "setValues"])


@pytest.mark.parametrize("folder", [
    "Samordningsförbundet Sjuhärad/Uppföljning 2013 – åäö ÅÄÖ",
    "OneDrive - Sjuhärads samordningsförbund/Dokument/Ekonomi & uppföljning",
])
def test_a_workbook_in_a_swedish_or_synced_folder_finds_its_sources(template, tmp_path, monkeypatch, folder):
    where = tmp_path / folder
    shutil.copytree(SAMPLE, where / "källor")
    book = book_with_fullname(template, monkeypatch, str(where / template.name))
    assert excel.book_folder(book) == where
    assert fills(book) == len(INPUT_NAMES)


def test_a_sources_folder_named_in_decomposed_unicode_is_found(template, tmp_path, monkeypatch):
    """macOS (and a folder synced from a Mac) writes "källor" as k + a + combining ring…"""
    where = tmp_path / "Förbundet"
    decomposed = unicodedata.normalize("NFD", "källor")
    assert decomposed != "källor"
    shutil.copytree(SAMPLE, where / decomposed)
    book = book_with_fullname(template, monkeypatch, str(where / template.name))
    assert fills(book) == len(INPUT_NAMES)


@pytest.mark.parametrize("fullname", [
    "https://sjuharad-my.sharepoint.com/personal/anna_sjuharad_se/Documents/Uppf%C3%B6ljning/uppf%C3%B6ljning%202013.xlsx",
    "https://sjuharad.sharepoint.com/sites/Ekonomi/Delade dokument/Uppföljning/uppföljning 2013.xlsx",
    "https://d.docs.live.net/1a2b3c4d5e6f/Dokument/uppföljning 2013.xlsx",
])
def test_a_workbook_opened_from_a_web_address_is_refused_with_what_to_do(template, monkeypatch, fullname):
    book = book_with_fullname(template, monkeypatch, fullname)
    assert excel.book_folder(book) is None
    with pytest.raises(WorkbookError) as err:
        excel.populate_book(book, period="2013-Q1", alert=False)
    message = str(err.value)
    assert "har ingen mapp på den här datorn" in message and "synkroniserade" in message
    assert "'källor'" in message and "Källmapp" in message
    assert book.json()["actions"] == []  # nothing written


def test_xlwings_not_finding_the_synced_folder_is_refused_the_same_way(template, monkeypatch):
    error = xw.XlwingsError("Couldn't find your local OneDrive for Business file, see: xlwings.org/error")
    book = book_with_fullname(template, monkeypatch, error)
    with pytest.raises(WorkbookError, match="har ingen mapp på den här datorn"):
        excel.populate_book(book, period="2013-Q1", alert=False)
    assert book.json()["actions"] == []


def test_a_full_kallmapp_path_works_for_a_workbook_on_the_web(template, tmp_path, monkeypatch):
    """The way out the message names: the sources folder's full path at Källmapp."""
    sources = tmp_path / "C" / "Användare" / "Åsa Öberg" / "källor åäö"
    shutil.copytree(SAMPLE, sources)
    book = xw.Book(json=payload_from_xlsx(template, edits={_settings_cell(template, "Källmapp"): str(sources)}))
    monkeypatch.setattr(type(book.impl), "fullname",
                        property(lambda self: "https://sjuharad.sharepoint.com/sites/Ekonomi/x.xlsx"))
    assert fills(book) == len(INPUT_NAMES)


def _settings_cell(template: Path, label: str) -> tuple[str, str]:
    from openpyxl import load_workbook

    ws = load_workbook(template)[layout.SHEET_SETTINGS]
    row = next(r[0].row for r in ws.iter_rows(min_col=1, max_col=1)
               if isinstance(r[0].value, str) and r[0].value.startswith(label))
    return layout.SHEET_SETTINGS, f"B{row}"


def test_the_addin_logs_next_to_a_workbook_in_a_swedish_folder(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "finsam_addin_paths", Path(__file__).resolve().parents[1] / "src" / "finsam" / "addin_files" / "finsam_addin.py")
    addin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(addin)
    folder = tmp_path / "Samordningsförbundet Sjuhärad – åäö"
    folder.mkdir()

    class Book:
        fullname = str(folder / "uppföljning 2013.xlsx")
        name = "uppföljning 2013.xlsx"

    log = addin.write_log(Book(), "Traceback: prov åäö")
    assert log == folder / "finsam-fel.log"
    assert "prov åäö" in log.read_text("utf-8") and "uppföljning 2013.xlsx" in log.read_text("utf-8")
