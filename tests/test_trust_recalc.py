"""A person's inputs survive a second populate, and the formulas follow them (LibreOffice).

One LibreOffice run recalculates two workbooks: one re-populated after a person typed a
forecast, a comment and notes; one publication copy (--mask-below 3) whose checks must
still be OK.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest
from openpyxl import load_workbook

from finsam.settings import load_settings
from finsam.workbook import OpenpyxlBook, new_workbook, populate_workbook

SAMPLE = Path(str(resources.files("finsam") / "sample"))
pytestmark = [pytest.mark.libreoffice]  # no skip: without LibreOffice these fail and say how to install it


def _cell(wb, name):
    (sheet, ref), = list(wb.defined_names[name].destinations)
    return wb[sheet][ref.replace("$", "").split(":")[0]]


def _recalc(paths: list[Path], out: Path) -> dict[str, object]:
    from recalc import recalc_many

    return {p.name: load_workbook(r, data_only=True) for p, r in zip(paths, recalc_many(paths, out))}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("recalc")
    src = tmp / "källor"
    shutil.copytree(SAMPLE, src)
    settings = load_settings(src / "sjuharad.toml")

    kept = tmp / "bok.xlsx"
    new_workbook(kept, settings)
    populate_workbook(kept, period="2013-Q1")
    wb = load_workbook(kept)
    io = OpenpyxlBook(kept)
    # 1001 Styrelse is the first row of group 1: budget -280; the person forecasts -350
    prognos = io.cells("fs_g1_prognos")[0][0]
    comment = io.cells("fs_g1_kommentar")[0][0]
    wb[prognos.parent.title][prognos.coordinate].value = -350
    wb[comment.parent.title][comment.coordinate].value = "Extra konferens i maj"
    notes = {n: f"Anteckning {i}" for i, n in enumerate(
        ["fs_noteringar_deltagare", "fs_noteringar_ekonomi", "fs_noteringar_sammanstallning"])}
    for name, text in notes.items():
        _cell(wb, name).value = text
    fin = io.cells("fs_finansiering_prognos")[0][0]
    wb[fin.parent.title][fin.coordinate].value = 15100
    wb.save(kept)
    populate_workbook(kept, period="2013-Q1")

    masked = tmp / "publicering.xlsx"
    new_workbook(masked, settings)
    populate_workbook(masked, period="2013-Q1", mask_below=3)
    return _recalc([kept, masked], tmp / "out"), notes


def test_forecast_comment_and_notes_survive_a_second_populate(recalculated):
    books, notes = recalculated
    wb = books["bok.xlsx"]
    assert _cell(wb, "fs_g1_prognos").value == -350
    assert _cell(wb, "fs_g1_kommentar").value == "Extra konferens i maj"
    assert {n: _cell(wb, n).value for n in notes} == notes
    assert _cell(wb, "fs_finansiering_prognos").value == 15100


def test_every_total_follows_the_typed_forecast(recalculated):
    books, _ = recalculated
    wb = books["bok.xlsx"]
    total = wb["Ekonomi"][_cell(wb, "fs_g1_totalt").coordinate]
    prognos_total = total.offset(0, 4).value  # C budget, D budget t.o.m., E ackumulerat, F its deviation, G prognos
    assert prognos_total == -15460 - 70  # expected.json Förbundsmedel prognos, 70 tkr more cost
    balance = _cell(wb, "fs_arets_finansiering_ek").offset(0, 2).value
    assert balance == 802 + 70 - 40  # expected.json prognos 802; financing +40
    assert _cell(wb, "fs_kontroller_status").value == "OK"


def test_publication_copy_checks_are_ok(recalculated):
    books, _ = recalculated
    wb = books["publicering.xlsx"]
    assert _cell(wb, "fs_kontroller_status").value == "OK"
    assert wb["Deltagare"][_cell(wb, "fs_deltagare_summa").coordinate].value == 152
