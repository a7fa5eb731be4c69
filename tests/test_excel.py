"""The Excel button's library functions on a remote ``xw.Book(json=…)`` (no Excel needed).

The book is built from the JSON an xlwings client sends for a workbook ``finsam new``
wrote (:mod:`xlwings_payload`); what finsam does to it is the list of actions
``book.json()`` returns, which the client would apply in Excel. The same actions applied
to the file and recalculated with LibreOffice are checked against the seed's figures in
``test_excel_libreoffice.py``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from pathlib import Path

import pytest
import xlwings as xw
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from finsam import excel, layout
from finsam.checks import check_blocks
from finsam.errors import FinsamError, WorkbookError
from finsam.settings import load_settings
from finsam.workbook import new_workbook
from xlwings_payload import SAMPLE, multiply_register, payload_from_xlsx, sample_sources

XLWINGS_DIR = Path(xw.__file__).parent
SETTINGS = load_settings(SAMPLE / "sjuharad.toml")
INPUT_NAMES = layout.input_names(SETTINGS)
FULL_PNR = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return new_workbook(tmp_path_factory.mktemp("bok") / "uppfoljning-2013.xlsx", SETTINGS)


@pytest.fixture
def sources(tmp_path) -> Path:
    return sample_sources(tmp_path / "källor")


def settings_cell(template: Path, label_start: str) -> tuple[str, str]:
    """(sheet, B-cell) of the settings row whose label starts with ``label_start``."""
    ws = load_workbook(template)[layout.SHEET_SETTINGS]
    for row in ws.iter_rows(min_col=1, max_col=1):
        if isinstance(row[0].value, str) and row[0].value.startswith(label_start):
            return layout.SHEET_SETTINGS, f"B{row[0].row}"
    raise AssertionError(label_start)


def name_cells(template: Path, name: str) -> list[tuple[str, str]]:
    """The (sheet, cell) pairs a defined name covers, row by row."""
    wb = load_workbook(template)
    (sheet, ref), = list(wb.defined_names[name].destinations)
    left, top, right, bottom = range_boundaries(ref.replace("$", ""))
    return [(sheet, wb[sheet].cell(row=r, column=c).coordinate)
            for r in range(top, bottom + 1) for c in range(left, right + 1)]


def book_from(template: Path, client: str = "Office.js", edits=None) -> xw.Book:
    return xw.Book(json=payload_from_xlsx(template, client=client, edits=edits))


def actions(book: xw.Book) -> list[dict]:
    return book.json()["actions"]


def set_values(book: xw.Book) -> list[dict]:
    return [a for a in actions(book) if a["func"] == "setValues"]


def alerts(book: xw.Book) -> list[dict]:
    return [a for a in actions(book) if a["func"] == "alert"]


def block_written(book: xw.Book, template: Path, name: str) -> list[list]:
    """The values of the setValues action that targets defined name ``name``."""
    wb = load_workbook(template)
    (sheet, ref), = list(wb.defined_names[name].destinations)
    left, top, right, bottom = range_boundaries(ref.replace("$", ""))
    target = (wb.sheetnames.index(sheet), top - 1, left - 1, bottom - top + 1, right - left + 1)
    hits = [a["values"] for a in set_values(book)
            if (a["sheet_position"], a["start_row"], a["start_column"], a["row_count"], a["column_count"]) == target]
    assert len(hits) == 1, f"{name}: {len(hits)} setValues actions"
    return hits[0]


# --- what the clients can apply -------------------------------------------------------------


def _vba_actions() -> set[str]:
    code = (XLWINGS_DIR / "addin" / "Remote.bas").read_text("utf-8", errors="replace")
    return set(re.findall(r"^Sub (\w+)\(wb As Workbook, action As Dictionary\)", code, re.M))


def _office_scripts_actions() -> set[str]:
    code = (XLWINGS_DIR / "js" / "xlwings.ts").read_text("utf-8")
    return set(re.findall(r"^registerCallback\((\w+)\);", code, re.M))


def test_client_actions_are_applied_by_the_vba_and_office_scripts_clients():
    # Office.js's list (xlwingsjs/src/xlwings.ts) is not in the wheel; it is the VBA list
    # without rangeSelect, as excel.CLIENT_ACTIONS records.
    assert excel.CLIENT_ACTIONS <= _vba_actions()
    assert excel.CLIENT_ACTIONS <= _office_scripts_actions()
    assert _vba_actions() - excel.CLIENT_ACTIONS == {"rangeSelect"}
    for unsupported in ("setFormula", "setColumnWidth", "rangeMerge", "calculate"):
        assert unsupported not in excel.CLIENT_ACTIONS


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_one_set_values_per_input_name_and_one_alert(template, sources, client):
    book = book_from(template, client)
    excel.populate_book(book, sources=sources, period="2013-Q1")
    funcs = [a["func"] for a in actions(book)]
    assert set(funcs) <= excel.CLIENT_ACTIONS
    assert set(funcs) == {"setValues", "alert"}
    assert funcs.count("alert") == 1 and funcs[-1] == "alert"
    assert len(set_values(book)) == len(INPUT_NAMES)
    for name in INPUT_NAMES:  # each action covers exactly its defined name
        block_written(book, template, name)


def test_every_text_written_has_a_leading_apostrophe(template, sources):
    book = book_from(template)
    excel.populate_book(book, sources=sources, period="2013-Q1")
    texts = [v for a in set_values(book) for row in a["values"] for v in row if isinstance(v, str) and v]
    assert texts, "nothing textual written"
    assert all(t.startswith("'") for t in texts), [t for t in texts if not t.startswith("'")]
    assert block_written(book, template, "fs_period")[:3] == [["'2013-01-01"], ["'2013-03-31"], ["'Jan-Mars"]]


@pytest.mark.parametrize("value, written", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+46 31 123", "'+46 31 123"),
    ("-400 tkr för nya insatser", "'-400 tkr för nya insatser"),
    ("@kansliet", "'@kansliet"),
    ("2013-01-01", "'2013-01-01"),
    ("0012", "'0012"),
    ("'citat", "''citat"),
    ("Lotsen i Borås", "'Lotsen i Borås"),
    ("", ""),
    (None, None),
    (-3048, -3048),
    (12.5, 12.5),
])
def test_cell_value(value, written):
    assert excel.cell_value(value) == written


def test_formula_like_source_text_is_written_as_text(template, sources):
    csv = sources / "anonyma.csv"
    csv.write_text(csv.read_text("utf-8").replace("Aktiv hälsa Borås", "=Aktiv hälsa Borås"), "utf-8")
    book = book_from(template)
    excel.populate_book(book, sources=sources, period="2013-Q1")
    insatser = [row[0] for row in block_written(book, template, "fs_anonyma") if row[0]]
    assert "'=Aktiv hälsa Borås" in insatser


def test_a_five_times_larger_register_takes_the_same_writes(template, sources):
    small = book_from(template)
    excel.populate_book(small, sources=sources, period="2013-Q1")
    people = multiply_register(sources, 5)
    assert people == 5 * 335  # every copy is other people
    large = book_from(template)
    excel.populate_book(large, sources=sources, period="2013-Q1")
    assert len(set_values(large)) == len(set_values(small)) == len(INPUT_NAMES)
    assert [a["func"] for a in actions(large)] == [a["func"] for a in actions(small)]
    rows_small = block_written(small, template, "fs_deltagare")
    rows_large = block_written(large, template, "fs_deltagare")
    assert rows_large == [[5 * v for v in row] for row in rows_small]


# --- where sources and period come from ----------------------------------------------------


def test_a_book_without_folder_needs_sources_and_writes_nothing(template):
    book = book_from(template)  # remote: fullname is only the name
    assert excel.book_folder(book) is None
    with pytest.raises(WorkbookError, match="Källmapp") as err:
        excel.populate_book(book, period="2013-Q1")
    assert "uppfoljning-2013.xlsx" in str(err.value)
    assert actions(book) == []


def test_settings_sheet_gives_sources_folder_and_period(template, sources):
    edits = {settings_cell(template, "Källmapp"): str(sources),
             settings_cell(template, "Period att fylla i"): "2013-Q1"}
    result = excel.populate_book(book_from(template, edits=edits))
    assert (result.period.start, result.period.end) == (dt.date(2013, 1, 1), dt.date(2013, 3, 31))
    assert result.sources.folder == sources

    override = excel.populate_book(book_from(template, edits=edits), period="2013-Q2")
    assert override.period.end == dt.date(2013, 6, 30)


def test_relative_sources_folder_is_relative_to_the_folder_argument(template, sources):
    result = excel.populate_book(book_from(template), folder=sources.parent, period="2013-Q1")
    assert result.sources.folder == sources.parent / SETTINGS.sources_folder == sources


def test_errors_in_the_sources_stop_before_any_write(template, sources):
    wb = load_workbook(sources / "deltagare.xlsx")
    for r in range(2, 6):
        wb.active.cell(row=r, column=5).value = "snart"
    wb.save(sources / "deltagare.xlsx")
    book = book_from(template)
    with pytest.raises(excel.BookProblemError) as err:
        excel.populate_book(book, sources=sources, period="2013-Q1")
    message = str(err.value)
    assert message.startswith("Arbetsboken fylldes inte i: källfilerna har 4 fel.")
    assert message.count("• deltagare.xlsx, rad ") == excel.MAX_LISTED
    assert "… och 1 till." in message
    assert not FULL_PNR.search(message)
    assert isinstance(err.value, FinsamError)
    assert actions(book) == []


def test_the_persons_forecast_and_comment_are_kept(template, sources):
    (prognos_sheet, prognos_cell) = name_cells(template, "fs_g1_prognos")[0]  # 1001 Styrelse
    (budget_sheet, budget_cell) = name_cells(template, "fs_g1_utfall")[0]
    (comment_sheet, comment_cell) = name_cells(template, "fs_g1_kommentar")[0]
    edits = {(prognos_sheet, prognos_cell): -300.0, (budget_sheet, budget_cell): -280.0,
             (comment_sheet, comment_cell): "Två nya ledamöter"}
    book = book_from(template, edits=edits)
    result = excel.populate_book(book, sources=sources, period="2013-Q1")
    assert block_written(book, template, "fs_g1_prognos")[0] == [-300]
    assert block_written(book, template, "fs_g1_kommentar")[0] == ["'Två nya ledamöter"]
    assert any("prognosen -300 i arbetsboken behölls" in n for n in result.forecast_notes)
    [alert] = alerts(book)
    assert "Prognos: 1001 " in alert["args"][0]


# --- messages -------------------------------------------------------------------------------


def test_populate_alert_says_what_was_filled(template, sources):
    book = book_from(template)
    excel.populate_book(book, sources=sources, period="2013-Q1")
    [alert] = alerts(book)
    prompt, title, buttons, mode, _ = alert["args"]
    assert (title, buttons, mode) == ("finsam", "ok", "info")
    assert prompt.startswith("Arbetsboken är ifylld för Jan-Mars 2013 (2013-01-01–2013-03-31).")
    assert "deltagare.xlsx (blad Deltagare, 356 rader, sista datum 2013-04-13)" in prompt and "prognos.csv (1 rad)" in prompt
    assert "Deltagare: inflöde 152 (133 unika), utflöde 98 (96 unika)." in prompt
    assert len(prompt) <= excel.MAX_MESSAGE


def test_validate_reads_the_books_values_through_the_names(template):
    row = name_cells(template, "fs_deltagare")[:4]  # Bollebygd
    edits = {cell: v for cell, v in zip(row, [1, 2, 0, 0])}  # 2 unika, 1 inskrivning
    book = book_from(template, edits=edits)
    problems = excel.validate_book(book)
    assert [p.code for p in problems if p.severity == "error"] == ["unika-over-antal"]
    [alert] = alerts(book)
    prompt, _, _, mode, _ = alert["args"]
    assert mode == "critical"
    assert prompt.startswith("Kontroller: 1 fel, 0 varningar.\n• Deltagare: Bollebygd, inflöde: 2 unika")
    assert set_values(book) == []


def test_validate_after_populate_checks_the_blocks_just_computed(template, sources):
    row = name_cells(template, "fs_deltagare")[:4]
    stale = book_from(template, edits={cell: v for cell, v in zip(row, [1, 2, 0, 0])})
    assert [p.code for p in excel.validate_book(stale, alert=False)] == ["unika-over-antal"]
    result = excel.populate_book(stale, sources=sources, period="2013-Q1", alert=False)
    problems = excel.validate_book(stale, result=result)
    assert problems == check_blocks(SETTINGS, result.blocks)
    assert "unika-over-antal" not in [p.code for p in problems]
    [alert] = alerts(stale)  # one alert for fill and checks
    prompt = alert["args"][0]
    assert prompt.startswith("Arbetsboken är ifylld för Jan-Mars 2013")
    assert prompt.endswith("Kontroller: alla kontroller är OK.")


def test_long_messages_are_cut_to_what_msgbox_shows():
    assert len(excel._fit("x" * 5000)) == excel.MAX_MESSAGE
    assert excel._fit("kort") == "kort"


# --- the add-in's main() and the server scripts ------------------------------------------


@pytest.fixture
def mock_caller():
    """Set ``book`` as ``xw.Book.caller()`` with xlwings' own ``set_mock_caller``, and
    remove it afterwards (it is a class attribute)."""
    def set_book(book: xw.Book) -> xw.Book:
        book.set_mock_caller()
        assert xw.Book.caller().json() is book.json()  # caller() wraps the same remote book
        return book
    yield set_book
    if hasattr(xw.Book, "_mock_caller"):
        del xw.Book._mock_caller


def test_main_fills_and_checks_the_calling_book(template, sources, addin_module, mock_caller):
    edits = {settings_cell(template, "Källmapp"): str(sources),
             settings_cell(template, "Period att fylla i"): "2013-Q1"}
    book = mock_caller(book_from(template, edits=edits))
    addin_module.main()
    assert len(set_values(book)) == len(INPUT_NAMES)
    [alert] = alerts(book)
    assert alert["args"][0].startswith("Arbetsboken är ifylld för Jan-Mars 2013")
    assert "Kontroller: alla kontroller är OK." in alert["args"][0]


def test_main_shows_a_fixable_error_and_writes_nothing(template, addin_module, mock_caller, monkeypatch, tmp_path):
    monkeypatch.setattr(Path, "home", staticmethod(lambda: tmp_path))
    book = mock_caller(book_from(template))
    addin_module.main()
    assert [a["func"] for a in actions(book)] == ["alert"]
    prompt, title = alerts(book)[0]["args"][:2]
    assert title == "finsam" and "Källmapp" in prompt
    assert not (tmp_path / "finsam-fel.log").exists()


@pytest.fixture
def scripts():
    from finsam import excel_scripts
    return excel_scripts


def test_server_scripts_are_declared_for_xlwings_server(scripts):
    from xlwings.server import custom_scripts_meta
    meta = {m["function_name"]: m["name"] for m in custom_scripts_meta(scripts)}
    assert meta == {"uppdatera": "Uppdatera", "kontrollera": "Kontrollera"}


def _call_script(module, name: str, book: xw.Book) -> None:
    from xlwings.server import custom_scripts_call
    asyncio.run(custom_scripts_call(module, name, typehint_to_value={xw.Book: book}))


def test_server_script_fills_from_the_server_folder(template, sources, scripts, monkeypatch):
    monkeypatch.setenv(scripts.SOURCES_ROOT, str(sources.parent))
    edits = {settings_cell(template, "Period att fylla i"): "2013-Q1"}
    book = book_from(template, edits=edits)
    _call_script(scripts, "uppdatera", book)
    assert len(set_values(book)) == len(INPUT_NAMES)
    [alert] = alerts(book)
    assert alert["args"][0].startswith("Arbetsboken är ifylld för Jan-Mars 2013")


def test_server_script_without_a_folder_says_what_to_do(template, scripts, monkeypatch):
    monkeypatch.delenv(scripts.SOURCES_ROOT, raising=False)
    book = book_from(template)
    _call_script(scripts, "uppdatera", book)
    assert [a["func"] for a in actions(book)] == ["alert"]
    assert "Källmapp" in alerts(book)[0]["args"][0]


def test_server_script_logs_the_unexpected(template, scripts, monkeypatch, caplog):
    def boom(book, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(excel, "validate_book", boom)
    book = book_from(template)
    with caplog.at_level(logging.ERROR, logger="finsam"):
        _call_script(scripts, "kontrollera", book)
    assert [a["args"][0] for a in alerts(book)] == [scripts.UNEXPECTED]
    assert "ZeroDivisionError: division by zero" in caplog.text


def test_the_settings_sheet_is_read_once_per_button_press(template, sources, monkeypatch):
    calls = []
    rows = excel.XlwingsBook.settings_rows
    monkeypatch.setattr(excel.XlwingsBook, "settings_rows", lambda self: calls.append(1) or rows(self))
    book = book_from(template)
    result = excel.populate_book(book, folder=sources.parent, period="2013-Q1", alert=False)  # Källmapp from the sheet
    excel.validate_book(book, result=result)
    assert len(calls) == 1
