"""Cost centres changed on the settings sheet are applied to the existing workbook in place
(issue 9): following the warning "lägg till kostnadsstället i bladet Inställningar" no
longer ends in a refusal that demands a new workbook and loses the typed forecasts.

The case: the ledger has 1 400 kr on cost centre 9999, which the settings lack
(tests/data/huvudbok/okant-kostnadsstalle.csv), so populate shows −1 tkr as Ej fördelat and
warns. The person types forecasts, a comment, a formula and notes, adds a sheet of their own,
then does what the warning says.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from finsam import layout
from finsam.blocks import ECONOMY, SUMMARY
from finsam.errors import WorkbookError
from finsam.settings import load_settings
from finsam.workbook import OpenpyxlBook, new_workbook, populate_workbook

from conftest import SAMPLE, SETTINGS

LEDGER_LINES = Path(__file__).parent / "data" / "huvudbok" / "okant-kostnadsstalle.csv"
TYPED = {"3010": (-400, "Fler deltagare än planerat"), "3006": ("=-280-20", None)}


@pytest.fixture()
def book(tmp_path) -> Path:
    """The sample, populated once with the extra ledger lines, then the person's input typed."""
    src = tmp_path / "källor"
    shutil.copytree(SAMPLE, src)
    (src / "huvudbok.se").unlink()
    with (src / "huvudbok.csv").open("a", encoding="utf-8") as f:
        f.write("".join(LEDGER_LINES.read_text(encoding="utf-8").splitlines(keepends=True)[1:]))
    path = tmp_path / "bok.xlsx"
    new_workbook(path, load_settings(SETTINGS))
    result = populate_workbook(path, period="2013-Q1")
    assert [p.code for p in result.problems if "9999" in p.message] == ["kostnadsstalle-okant"]
    wb = load_workbook(path)
    for row in wb[layout.SHEET_ECONOMY].iter_rows():
        code = str(row[ECONOMY.column_of("kod") - 1].value)
        if code in TYPED:
            row[ECONOMY.column_of("prognos") - 1].value, row[ECONOMY.column_of("kommentar") - 1].value = TYPED[code]
    wb.create_sheet("Mina anteckningar")["B2"] = "Ring revisorn"
    wb.save(path)
    io = OpenpyxlBook(path)
    io.write({"fs_noteringar_ekonomi": [["Projektet 9999 startade i februari."]],
              "fs_noteringar_sammanstallning": [["Styrelsen informerad."]],
              SUMMARY.name("prognos"): [[15100], [9375]]})
    io.save()
    return path


def _settings_rows(path: Path) -> dict[str, int]:
    ws = load_workbook(path)[layout.SHEET_SETTINGS]
    return {str(c.value): c.row for c in ws["A"] if c.value is not None}


def _edit_settings(path: Path, edits: dict[tuple[int, int], object]) -> None:
    wb = load_workbook(path)
    for (row, col), value in edits.items():
        wb[layout.SHEET_SETTINGS].cell(row=row, column=col).value = value
    wb.save(path)


def _add_cost_centre(path: Path, code: str, name: str, group: str) -> None:
    rows = _settings_rows(path)
    last = max(rows.values())
    _edit_settings(path, {(last + 1, 1): code, (last + 1, 2): name, (last + 1, 3): group})


def _economy(path: Path) -> dict[str, dict]:
    io = OpenpyxlBook(path)
    out = {}
    gi = 1
    while ECONOMY.name("koder", gi) in io.names():
        for r in ECONOMY.rows_of(io.read, gi, ["koder", "utfall", "prognos", "kommentar"]):
            out[str(r["kod"])] = {**r, "grupp": gi}
        gi += 1
    return out


def test_adding_the_unknown_cost_centre_applies_it_in_place_keeping_every_input(book):
    from recalc import rows_by_label, values

    _add_cost_centre(book, "9999", "Nytt projekt", "Förbundsmedel")
    result = populate_workbook(book, period="2013-Q1")

    notes = [p for p in result.problems if p.code == "installningar-inforda"]
    assert len(notes) == 1 and "9999" in notes[0].message and notes[0].severity == "info"
    assert not [p for p in result.problems if p.code == "kostnadsstalle-okant"]
    rows = _economy(book)
    assert rows["9999"]["ackumulerat"] == -1  # 1 400 kr of cost, rounded half away from zero
    assert rows["9999"]["grupp"] == 1
    assert (rows["3010"]["prognos"], rows["3010"]["kommentar"]) == TYPED["3010"]
    assert rows["3006"]["prognos"] == TYPED["3006"][0]  # still a formula
    io = OpenpyxlBook(book)
    assert io.read("fs_ej_fordelat") == [[0]]
    assert io.read("fs_noteringar_ekonomi") == [["Projektet 9999 startade i februari."]]
    assert io.read("fs_noteringar_sammanstallning") == [["Styrelsen informerad."]]
    assert io.read(SUMMARY.name("prognos")) == [[15100], [9375]]
    wb = load_workbook(book)
    assert wb["Mina anteckningar"]["B2"].value == "Ring revisorn"
    assert wb.sheetnames == [*layout.SHEETS, "Mina anteckningar"]  # every sheet where it was

    shown = values(book)
    checks = [r for r in shown[layout.SHEET_CHECKS].iter_rows(min_row=7, values_only=True) if r[2] in ("OK", "FEL", "VARNING")]
    assert checks and not [r[0] for r in checks if r[2] == "FEL"]
    economy_totals = [r[ECONOMY.column_of("ackumulerat") - 1]
                      for r in shown[layout.SHEET_ECONOMY].iter_rows(values_only=True) if r[0] == "Totalt"]
    summary = rows_by_label(shown[layout.SHEET_SUMMARY])
    assert summary["Totala kostnader"][2] == sum(economy_totals)
    assert summary[layout.UNALLOCATED_LABEL][2] == 0
    # a second populate finds nothing to apply and keeps everything
    again = populate_workbook(book, period="2013-Q1")
    assert not [p for p in again.problems if p.code == "installningar-inforda"]
    assert (_economy(book)["3010"]["prognos"], _economy(book)["3010"]["kommentar"]) == TYPED["3010"]


def test_a_cost_centre_moved_to_another_group_takes_its_input_along(book):
    row = _settings_rows(book)["3010"]
    _edit_settings(book, {(row, 3): "Projekt Krut"})
    populate_workbook(book, period="2013-Q1")
    rows = _economy(book)
    assert rows["3010"]["grupp"] == 2
    assert (rows["3010"]["prognos"], rows["3010"]["kommentar"]) == TYPED["3010"]


def test_a_removed_cost_centre_without_input_goes_quietly(book):
    row = _settings_rows(book)["3004"]  # its forecast is still the budget, no comment
    _edit_settings(book, {(row, 1): None, (row, 2): None, (row, 3): None})
    populate_workbook(book, period="2013-Q1")
    assert "3004" not in _economy(book)


def test_a_removed_cost_centre_with_a_forecast_is_refused_and_nothing_written(book):
    row = _settings_rows(book)["3010"]
    _edit_settings(book, {(row, 1): None, (row, 2): None, (row, 3): None})
    before = book.read_bytes()
    with pytest.raises(WorkbookError) as exc:
        populate_workbook(book, period="2013-Q1")
    assert "kostnadsställe 3010" in str(exc.value) and "Inställningar" in str(exc.value)
    assert book.read_bytes() == before


def test_a_cell_typed_beside_the_tables_is_not_lost_silently(book):
    wb = load_workbook(book)
    wb[layout.SHEET_ECONOMY]["J7"] = "min egen uträkning"
    wb.save(book)
    _add_cost_centre(book, "9999", "Nytt projekt", "Förbundsmedel")
    before = book.read_bytes()
    with pytest.raises(WorkbookError) as exc:
        populate_workbook(book, period="2013-Q1")
    assert f"{layout.SHEET_ECONOMY}!J7" in str(exc.value)
    assert book.read_bytes() == before


def test_another_number_of_groups_is_refused(book):
    rows = _settings_rows(book)
    _edit_settings(book, {(rows["Projekt Krut"], 1): None, (rows["Projekt Krut"], 2): None,
                          (rows["Projekt Krut"], 3): None})
    for code in [c for c, r in rows.items() if c.startswith("302") or c.startswith("303")]:
        _edit_settings(book, {(rows[code], 3): "Förbundsmedel"})
    before = book.read_bytes()
    with pytest.raises(WorkbookError) as exc:
        populate_workbook(book, period="2013-Q1")
    assert "grupper" in str(exc.value)
    assert book.read_bytes() == before


def test_a_formula_pointing_at_a_cell_that_would_move_is_refused(book):
    wb = load_workbook(book)
    wb["Mina anteckningar"]["C3"] = f"='{layout.SHEET_ECONOMY}'!E12*2"  # would point at another row afterwards
    wb.save(book)
    _add_cost_centre(book, "9999", "Nytt projekt", "Förbundsmedel")
    before = book.read_bytes()
    with pytest.raises(WorkbookError) as exc:
        populate_workbook(book, period="2013-Q1")
    assert "Mina anteckningar!C3" in str(exc.value)
    assert book.read_bytes() == before
