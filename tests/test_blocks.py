"""The block contract (finsam.blocks): columns declared once, by name, and everything else derived.

The proof that adding a column is one declaration: an Ekonomi table with an extra column
"Budget t.o.m. perioden" right after Budget (as the money work will add) is declared here
and nothing else changes; the workbook is laid out, populated, validated and recalculated by
LibreOffice, and every figure sits one column further right with every check OK.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from importlib import resources
from pathlib import Path

import pytest
from openpyxl import load_workbook

import finsam.blocks
import finsam.checks
import finsam.layout
import finsam.layout_checks
import finsam.layout_money
import finsam.populate
import finsam.validate
from finsam.blocks import ECONOMY, PARTICIPANTS, SUMMARY, Column, Table
from finsam.settings import load_settings
from finsam.validate import validate_workbook
from finsam.workbook import new_workbook, populate_workbook

EXPECTED = json.loads((Path(__file__).parent / "data" / "sjuharad" / "expected.json").read_text(encoding="utf-8"))
SAMPLE = Path(str(resources.files("finsam") / "sample"))


def test_positions_follow_the_declaration():
    # Ekonomi: A kod, B namn, C budget, D budget t.o.m. perioden, E ackumulerat, F avvikelse mot periodiserad
    # budget, G prognos, H avvikelse, I kommentar (the seed's order, with issue 12's two columns)
    keys = ("kod", "namn", "budget", "budget_perioden", "ackumulerat", "avvikelse_perioden", "prognos", "avvikelse",
            "kommentar")
    assert [ECONOMY.letter(k) for k in keys] == list("ABCDEFGHI")
    assert ECONOMY.name("utfall", 2) == "fs_g2_utfall" and ECONOMY.span("utfall") == (3, 5)
    assert ECONOMY.pos("ackumulerat") == 2 and ECONOMY.pos("prognos") == 0
    assert ECONOMY.formula(ECONOMY["avvikelse"].formula, 9) == '=IF(G9="","",G9-C9)'
    assert PARTICIPANTS.keys("") == ["inflode_antal", "inflode_unika", "utflode_antal", "utflode_unika"]
    assert SUMMARY.name("prognos") == "fs_finansiering_prognos"


def test_rows_and_blocks_round_trip():
    rows = [{"budget": -280, "budget_perioden": -70, "ackumulerat": -58, "prognos": -300, "kommentar": "x"},
            {"namn": "Lots"}]
    blocks = ECONOMY.blocks_of(rows, 1, ["namn", "utfall", "prognos", "kommentar"])
    assert blocks == {"fs_g1_namn": [[None], ["Lots"]], "fs_g1_utfall": [[-280, -70, -58], [None, None, None]],
                      "fs_g1_prognos": [[-300], [None]], "fs_g1_kommentar": [["x"], [None]]}
    back = ECONOMY.rows_of(blocks.get, 1, ["utfall", "prognos"])
    assert back == [{"budget": -280, "budget_perioden": -70, "ackumulerat": -58, "prognos": -300},
                    {"budget": None, "budget_perioden": None, "ackumulerat": None, "prognos": None}]


def test_a_bad_declaration_is_refused():
    with pytest.raises(ValueError, match="twice"):
        Table("t", "S", "fs_t", (Column("a", block=""), Column("a", block="")))
    with pytest.raises(ValueError, match="adjacent"):
        Table("t", "S", "fs_t", (Column("a", block="x"), Column("b"), Column("c", block="x")))


@pytest.fixture()
def wider_economy(monkeypatch):
    """ECONOMY with a column "Budget föregående år" declared after Budget — the one change
    (issue 12's "Budget t.o.m. perioden" was added the same way)."""
    cols = list(ECONOMY.columns)
    at = [c.key for c in cols].index("budget") + 1
    cols.insert(at, Column("budget_fg", "Budget föregående år", None, "tkr", block="utfall", total="sum"))
    wider = dataclasses.replace(ECONOMY, columns=tuple(cols))
    for module in (finsam.blocks, finsam.layout, finsam.layout_checks, finsam.layout_money, finsam.populate, finsam.checks,
                   finsam.validate):
        monkeypatch.setattr(module, "ECONOMY", wider)
    return wider


def test_adding_a_column_is_one_declaration(wider_economy, tmp_path):
    from recalc import recalc_many

    src = tmp_path / "källor"
    shutil.copytree(SAMPLE, src)
    book = tmp_path / "bok.xlsx"
    new_workbook(book, load_settings(src / "sjuharad.toml"))
    populate_workbook(book, period="2013-Q1")
    report = validate_workbook(book)
    assert report.valid, [p.message for p in report.problems if p.severity == "error"]

    (values,) = [load_workbook(p, data_only=True) for p in recalc_many([book], tmp_path / "recalc")]
    ws = values["Ekonomi"]
    rows = {str(r[0].value): r for r in ws.iter_rows(min_row=1) if r[0].value is not None}
    for cc in EXPECTED["kostnadsstallen"]:
        r = rows[cc["kostnadsstalle"]]
        # A kod, B namn, C budget, D the new column (empty), E budget t.o.m., F ackumulerat, G its
        # deviation, H prognos, I avvikelse
        got = [c.value for c in r[:9]]
        assert got[:4] + got[5:6] + got[7:9] == [
            cc["kostnadsstalle"], cc["benamning"], cc["budget"], None, cc["ackumulerat"], cc["prognos"],
            cc["prognos"] - cc["budget"],
        ], cc
    assert values["Kontroller"]["C4"].value == "OK"
    statuses = [r[2].value for r in values["Kontroller"].iter_rows(min_row=7) if r[2].value]
    assert statuses and set(statuses) <= {"OK", "VARNING", "ej angiven"}  # the equity guideline: not given
    formulas = load_workbook(book)
    ref = {n: formulas.defined_names[n].attr_text.split("!")[1] for n in ("fs_g1_utfall", "fs_g1_totalt")}
    assert re.fullmatch(r"\$C\$\d+:\$F\$\d+", ref["fs_g1_utfall"])  # budget, budget_fg, budget_perioden, ackumulerat
    assert re.fullmatch(r"\$C\$\d+:\$H\$\d+", ref["fs_g1_totalt"])  # … and prognos
