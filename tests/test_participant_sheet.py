"""The sheet Deltagare per insats in the workbook, after a LibreOffice recalculation.

One LibreOffice run recalculates three workbooks: the sample (the issue's figures, checked
against an independent count of the register), the sample with struktur.csv and an
anonyma.csv with a Kön column, and a publication copy (--mask-below 3). The Python twin of
the checks (validate) and the privacy scan run on the files without LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from finsam.blocks import ALDRAR, ANONYMOUS, AVSLUTADE, INSATSER, STRUKTUR
from finsam.cli import app
from finsam.settings import load_settings
from finsam.validate import validate_workbook
from finsam.workbook import OpenpyxlBook, new_workbook, populate_workbook

from conftest import DATA, SAMPLE
from test_participant_tables import _oracle

pytestmark = [pytest.mark.libreoffice]


def _named(wb, name: str) -> list[list]:
    (sheet, ref), = list(wb.defined_names[name].destinations)
    cells = wb[sheet][ref.replace("$", "")]
    if not isinstance(cells, tuple):
        return [[cells.value]]
    return [[c.value for c in row] for row in cells]


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("insatser")
    src = tmp / "källor"
    shutil.copytree(SAMPLE, src)
    settings = load_settings(src / "sjuharad.toml")
    sample = new_workbook(tmp / "sample.xlsx", settings)
    populate_workbook(sample, sources=src, period="2013-Q1")

    extra = tmp / "extra"
    shutil.copytree(SAMPLE, extra)
    shutil.copy(DATA / "struktur" / "struktur.csv", extra / "struktur.csv")
    shutil.copy(DATA / "anonyma" / "kon.csv", extra / "anonyma.csv")
    more = new_workbook(tmp / "more.xlsx", settings)
    populate_workbook(more, sources=extra, period="2013-Q1")

    masked = new_workbook(tmp / "masked.xlsx", settings)
    populate_workbook(masked, sources=src, period="2013-Q1", mask_below=3)

    from recalc import recalc_many

    paths = [sample, more, masked]
    done = recalc_many(paths, tmp / "out")
    return {p.stem: load_workbook(r, data_only=True) for p, r in zip(paths, done)} | {
        "files": {p.stem: p for p in paths}}


def _total_row(wb, t) -> list:
    return _named(wb, t.name("totalt"))[0]


def test_sample_figures_after_recalculation(books):
    wb = books["sample"]
    oracle = _oracle(dt.datetime(2013, 1, 1), dt.datetime(2013, 3, 31))
    rows = {r[0]: r[1:] for r in _named(wb, INSATSER.name("")) if r[0]}
    assert rows == {k: v for k, v in oracle["insats"].items() if k != "Summa"}
    assert rows["Lotsen i Borås"] == [24, 13, 37, 20, 19, 18]
    assert rows["Krut Borås"] == [19, 22, 41, 26, 20, 21]
    assert list(rows) == sorted(rows)  # by name (no å/ä/ö first letters in the sample)
    assert _total_row(wb, INSATSER) == [149, 144, 293, 152, 98, 216]


def test_results_with_andel_after_recalculation(books):
    wb = books["sample"]
    ws = wb["Deltagare per insats"]
    (sheet, ref), = list(wb.defined_names[AVSLUTADE.name("")].destinations)
    first = int(re.search(r"\$(\d+):", ref).group(1))
    table = {ws.cell(row=first + i, column=1).value: [ws.cell(row=first + i, column=c).value for c in range(2, 6)]
             for i in range(4)}
    assert table["Arbete"][:3] == [9, 7, 16] and table["Studier"][:3] == [4, 10, 14]
    assert table["Arbete"][3] == pytest.approx(16 / 98) and table["Studier"][3] == pytest.approx(14 / 98)
    assert sum(v[2] for v in table.values()) == 98
    assert _total_row(wb, AVSLUTADE) == [55, 43, 98]
    assert ws.cell(row=first + 4, column=1).value == "Summa avslutade"
    assert ws.cell(row=first + 4, column=5).value == 1  # 100 %


def test_ages_and_checks_after_recalculation(books):
    wb = books["sample"]
    oracle = _oracle(dt.datetime(2013, 1, 1), dt.datetime(2013, 3, 31))
    ages = {r[0]: r[1:] for r in _named(wb, ALDRAR.name(""))}
    assert list(ages) == ["16\u201319", "20\u201324", "25\u201329", "30\u201339", "40\u201349", "50\u201364", "Övriga åldrar"]
    assert ages == {k: oracle["ages"].get(k, [0, 0, 0]) for k in ages}
    assert [_named(wb, ALDRAR[k].total_name)[0][0] for k in ("kvinnor", "man", "totalt")] == oracle["ages_summa"]
    checks = _named(wb, "fs_kontroller")
    mine = [r for r in checks if r[0].startswith(("Deltagare per insats", "Avslutade", "Inflöde per", "Struktur"))]
    assert len(mine) == 9 and all(r[2] == "OK" for r in mine), mine
    assert _named(wb, "fs_kontroller_status") == [["OK"]]


def test_struktur_and_anonymous_by_sex(books):
    wb = books["more"]
    struktur = [r for r in _named(wb, STRUKTUR.name("")) if r[0]]
    assert struktur == [["Utbildningsdag", None, None, 55], ["Nätverk", None, None, 12]]  # no Kön column
    assert _total_row(wb, STRUKTUR)[2] == 67
    anon = [r for r in _named(wb, ANONYMOUS.name("")) if r[0]]
    assert anon == [["Aktiv hälsa", 5, 3, 8], ["Aktiv hälsa Mark", 2, 0, 6]]
    assert _named(wb, "fs_kontroller_status") == [["OK"]]


def test_publication_copy_masks_small_counts_and_stays_ok(books):
    from test_suppression import _Pub, check_published

    wb = books["masked"]
    oracle = _oracle(dt.datetime(2013, 1, 1), dt.datetime(2013, 3, 31))
    rows = [r for r in _named(wb, INSATSER.name("")) if r[0]]
    shown = [v for r in rows for v in r[1:] if isinstance(v, int)]
    assert shown and all(v == 0 or v >= 3 for v in shown)
    assert any(v == "<3" for r in rows for v in r[1:])
    # nothing hidden in the antal columns can be computed back from what the sheet shows
    true = [oracle["insats"][r[0]][3:] for r in rows]
    total = _total_row(wb, INSATSER)
    check_published(true, _Pub([r[4:] for r in rows], column_totals=total[3:]), 3, False, True)
    # Kvinnor + Män = Totalt in the sample (kön known for all): a row never hides just one of them
    assert all(sum(isinstance(v, str) for v in r[1:4]) != 1 for r in rows)
    assert all(v == 0 or v >= 3 or isinstance(v, str) for r in _named(wb, ALDRAR.name("")) for v in r[1:])
    assert _named(wb, "fs_kontroller_status") == [["OK"]]


def test_validate_finds_figures_that_disagree(books, tmp_path):
    path = tmp_path / "bok.xlsx"
    shutil.copy(books["files"]["sample"], path)
    wb = openpyxl.load_workbook(path)
    io = OpenpyxlBook(path)
    arbete = io.cells(AVSLUTADE.name(""))[0]  # Arbete: Kvinnor, Män, Totalt
    wb[arbete[0].parent.title][arbete[2].coordinate].value = 17          # 99 avslutade, 98 utflöde
    first = io.cells(INSATSER.name(""))[0]
    wb[first[0].parent.title][first[INSATSER.pos("kvinnor")].coordinate].value = 99  # K + M > Totalt
    wb.save(path)
    codes = {p.code for p in validate_workbook(path).problems}
    assert {"avslutade-utflode", "kon-over-totalt"} <= codes


def test_no_personnummer_or_birth_date_leaves_finsam(books, tmp_path):
    register = openpyxl.load_workbook(SAMPLE / "deltagare.xlsx").active
    numbers = [str(r[0]) for r in register.iter_rows(min_row=2, values_only=True)]
    births = set()
    for pnr in numbers:
        y, m, d = pnr[:4], pnr[4:6], int(pnr[6:8])
        d = f"{d - 60 if d > 60 else d:02d}"
        births |= {f"{y}{m}{d}", f"{y}-{m}-{d}", f"{y[2:]}{m}{d}"}
    texts = []
    for path in books["files"].values():
        with zipfile.ZipFile(path) as z:
            texts += [z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")]
    r = CliRunner().invoke(app, ["demo", str(tmp_path / "demo.xlsx")])
    assert r.exit_code == 0 and "Deltagare per insats: 17 insatser, 293 deltagare" in r.output
    texts.append(r.output)
    digits = re.compile(r"(?<![\d.])\d{4}-?\d{2}-?\d{2}(?![\d.])|(?<![\d.])\d{6}(?![\d.])")
    found = {m for t in texts for m in digits.findall(t)}
    assert not (found & births), sorted(found & births)[:3]
    assert not any(n[:8] in t or n.replace("-", "") in t for n in numbers for t in texts)


def test_validate_with_sources_reports_the_participant_tables_warnings(books, tmp_path):
    """What populate warns about the register (here: an insats that no cost centre names)
    validate --sources says too; before it said '0 fel, 0 varningar'."""
    sources = tmp_path / "källor"
    shutil.copytree(SAMPLE, sources)
    wb = openpyxl.load_workbook(sources / "deltagare.xlsx")
    ws = wb.active
    head = [c.value for c in ws[1]]
    active = next(r for r in range(2, ws.max_row + 1)  # a registration active in Q1 2013
                  if ws.cell(r, head.index("Inskrivningsdatum") + 1).value <= dt.datetime(2013, 3, 31)
                  and (ws.cell(r, head.index("Utskrivningsdatum") + 1).value or dt.datetime.max) >= dt.datetime(2013, 1, 1))
    ws.cell(active, head.index("Insats") + 1).value = "Byggstenen Tranemo"  # the settings say 'Byggstenen i Tranemo'
    wb.save(sources / "deltagare.xlsx")
    path = tmp_path / "bok.xlsx"
    shutil.copy(books["files"]["sample"], path)
    problems = [p for p in validate_workbook(path, sources=sources).problems if p.code == "insats-utan-kostnadsstalle"]
    assert len(problems) == 1 and "'Byggstenen Tranemo'" in problems[0].message
