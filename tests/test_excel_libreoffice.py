"""The Excel button end to end, with LibreOffice standing in for Excel.

1. ``finsam new`` writes the workbook; LibreOffice recalculates it (formula cells get
   values) and the JSON an xlwings client would send is built from that file.
2. :func:`finsam.excel.populate_book` runs on ``xw.Book(json=…)``; it returns actions.
3. The ``setValues`` actions are applied to the workbook file as Excel stores typed input,
   LibreOffice recalculates, and every figure of the seed (``tests/data/sjuharad/
   expected.json``) must be in the sheets: computed by the workbook's own formulas from the
   values the button wrote.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xlwings as xw
from openpyxl import load_workbook

from finsam import excel, layout
from finsam.settings import load_settings
from finsam.workbook import new_workbook
from xlwings_payload import (
    SAMPLE, apply_actions, multiply_register, payload_from_xlsx, recalculate, sample_sources,
)

pytestmark = [pytest.mark.libreoffice]  # no skip: without LibreOffice these fail and say how to install it

EXPECTED = json.loads((Path(__file__).parent / "data" / "sjuharad" / "expected.json").read_text("utf-8"))
SETTINGS = load_settings(SAMPLE / "sjuharad.toml")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, Path]:
    """(the workbook finsam new wrote, the same recalculated by LibreOffice)."""
    folder = tmp_path_factory.mktemp("mall")
    path = new_workbook(folder / "uppfoljning-2013.xlsx", SETTINGS)
    return path, recalculate(path, folder / "beräknad")


def fill(template: tuple[Path, Path], sources: Path, out: Path, client: str) -> tuple[dict, list[dict]]:
    """Run the button's populate on the client payload; apply its actions; recalculate.
    Returns (the recalculated workbook's values, the actions)."""
    path, calculated = template
    book = xw.Book(json=payload_from_xlsx(calculated, client=client))
    result = excel.populate_book(book, sources=sources, period="2013-Q1", alert=False)
    excel.validate_book(book, result=result)
    actions = book.json()["actions"]
    out.mkdir()
    apply_actions(actions, path, out / path.name)
    return load_workbook(recalculate(out / path.name, out / "beräknad"), data_only=True), actions


def named(wb, name: str):
    (sheet, ref), = list(wb.defined_names[name].destinations)
    cells = wb[sheet][ref.replace("$", "")]
    if not isinstance(cells, tuple):
        return cells.value
    return [[c.value for c in row] for row in cells]


def rows_by_first_cell(ws) -> dict:
    return {str(r[0]).rstrip(" *"): list(r[1:]) for r in ws.iter_rows(values_only=True) if r[0] is not None}


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_every_seed_figure_is_in_the_recalculated_workbook(template, tmp_path, client):
    sources = sample_sources(tmp_path / "källor")
    csv = sources / "anonyma.csv"  # formula-like text from a source must stay text
    csv.write_text(csv.read_text("utf-8").replace("Aktiv hälsa Mark", "=Aktiv hälsa Mark"), "utf-8")
    wb, actions = fill(template, sources, tmp_path / "ut", client)

    period = EXPECTED["period"]
    assert [r[0] for r in named(wb, "fs_period")[:3]] == [period["from"], period["to"], period["label"]]
    assert wb[layout.SHEET_ECONOMY]["A2"].value.endswith("Jan-Mars 2013")  # LEFT(fs_period,4) saw text

    municipalities = [m.name for m in SETTINGS.municipalities] + [SETTINGS.other_label]
    columns = ["inflode_antal", "inflode_unika", "utflode_antal", "utflode_unika"]
    got = dict(zip(municipalities, named(wb, "fs_deltagare")))
    got["Summa"] = named(wb, "fs_deltagare_summa")[0]
    assert got == {k: [v[c] for c in columns] for k, v in EXPECTED["kommuner"].items()}

    economy = rows_by_first_cell(wb[layout.SHEET_ECONOMY])
    assert len(EXPECTED["kostnadsstallen"]) == 30
    for cc in EXPECTED["kostnadsstallen"]:
        name, budget, _, ack, _, prognos, _, comment = economy[cc["kostnadsstalle"]][:8]
        assert (name, budget, ack, prognos) == (cc["benamning"], cc["budget"], cc["ackumulerat"], cc["prognos"]), cc
        assert comment == EXPECTED["fotnoter"].get(cc["kostnadsstalle"]), cc
    for gi, group in enumerate(SETTINGS.groups, start=1):
        totals = EXPECTED["totaler"][group.name]
        budget, _, ack, _, prognos = named(wb, f"fs_g{gi}_totalt")[0]  # C budget … G prognos
        assert [budget, ack, prognos] == [totals["budget"], totals["ackumulerat"], totals["prognos"]]

    summary = rows_by_first_cell(wb[layout.SHEET_SUMMARY])
    for line, figures in EXPECTED["sammanstallning"].items():
        assert summary[line][:3] == [figures["budget"], figures["ackumulerat"], figures["prognos"]], line
    assert summary["Årets finansiering med eget kapital"][0] == 402
    assert summary["Årets finansiering med eget kapital"][2] == 802
    assert named(wb, "fs_eget_kapital") == EXPECTED["eget_kapital_ingaende_tkr"]
    assert named(wb, "fs_kontroller_status") == "OK"

    anonymous = [row[0] for row in named(wb, "fs_anonyma") if row[0]]
    assert "=Aktiv hälsa Mark" in anonymous  # text, not a formula (that would be #NAME?)
    assert {a["func"] for a in actions} == {"setValues", "alert"}


def test_a_five_times_larger_register_fills_five_times_the_participants(template, tmp_path):
    sources = sample_sources(tmp_path / "källor")
    _, small = fill(template, sources, tmp_path / "liten", "Office.js")
    multiply_register(sources, 5)
    wb, large = fill(template, sources, tmp_path / "stor", "Office.js")
    assert sum(a["func"] == "setValues" for a in large) == sum(a["func"] == "setValues" for a in small)
    total = EXPECTED["kommuner"]["Summa"]
    assert named(wb, "fs_deltagare_summa") == [[5 * total[c] for c in
                                                ("inflode_antal", "inflode_unika", "utflode_antal", "utflode_unika")]]
    assert named(wb, "fs_kontroller_status") == "OK"
