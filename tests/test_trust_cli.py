"""`finsam validate` and `finsam populate` from the command line, and privacy: no
personnummer in any part of the workbook, in printed output or in error texts."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from finsam import layout
from finsam.cli import app
from finsam.settings import load_settings
from finsam.validate import validate_workbook
from finsam.workbook import OpenpyxlBook, new_workbook, populate_workbook

SAMPLE = Path(str(resources.files("finsam") / "sample"))
#: personnummer-shaped: 10 or 12 digits with optional - or +, not part of a longer number
PNR = re.compile(r"(?<![\d.])(?:19|20)?\d{6}[-+]?\d{4}(?![\d.])")
runner = CliRunner()


@pytest.fixture()
def book(tmp_path) -> Path:
    src = tmp_path / "källor"
    shutil.copytree(SAMPLE, src)
    path = tmp_path / "bok.xlsx"
    new_workbook(path, load_settings(src / "sjuharad.toml"))
    return path


def sample_personnummer() -> set[str]:
    d = pd.read_excel(SAMPLE / "deltagare.xlsx", dtype=str, engine="calamine")
    return set(d["Personnummer"])


def personnummer_in(text: str) -> list[str]:
    """Personnummer-shaped strings in ``text`` whose digits are a sample person's (so dates,
    amounts and serials that merely look alike are not counted)."""
    known = {p.replace("-", "") for p in sample_personnummer()}
    known |= {k[2:] for k in known}
    return [m for m in PNR.findall(text) if re.sub(r"\D", "", m) in known]


def workbook_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", errors="replace") for n in z.namelist())


def test_the_scanner_finds_a_personnummer():
    one = sorted(sample_personnummer())[0]
    assert personnummer_in(f"x {one} y") == [one]
    assert personnummer_in(f"x {one.replace('-', '')[2:]} y")


def test_populate_output_and_workbook_hold_no_personnummer(book):
    res = runner.invoke(app, ["populate", str(book), "--period", "2013-Q1"])
    assert res.exit_code == 0, res.output
    assert "133 unika" in res.output
    assert personnummer_in(res.output) == []
    assert personnummer_in(workbook_text(book)) == []


def test_errors_show_personnummer_masked_only(book):
    src = book.parent / "källor"
    d = pd.read_excel(src / "deltagare.xlsx", dtype=object, engine="calamine")
    bad = d.loc[5, "Personnummer"]
    d.loc[5, "Personnummer"] = bad[:-1] + str((int(bad[-1]) + 1) % 10)  # wrong check digit
    d.loc[6, "Personnummer"] = bad.replace("-", "")[2:]  # 10 digits: valid, not reported
    (src / "deltagare.xlsx").unlink()
    d.to_csv(src / "deltagare.csv", sep=";", index=False)
    res = runner.invoke(app, ["populate", str(book), "--period", "2013-Q1"])
    assert res.exit_code == 1
    assert "personnummer" in res.output.lower() and bad[:4] + "****-****" in res.output
    assert bad[:8] not in res.output  # no birth date either
    assert personnummer_in(res.output) == []
    assert bad[:-1] not in res.output
    v = runner.invoke(app, ["validate", str(book), "--json"])
    assert v.exit_code == 1
    problems = json.loads(v.output)["problems"]
    # never populated, so validate checks the whole year 2013: the register ends in April
    assert [(p["code"], p["row"], p["column"]) for p in problems] == [("personnummer-ogiltigt", 7, "Personnummer"),
                                                                      ("deltagare-inaktuell", None, None)]
    assert personnummer_in(v.output) == []


def test_validate_json_is_the_library_report(book):
    populate_workbook(book, period="2013-Q1")
    res = runner.invoke(app, ["validate", str(book), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == json.loads(json.dumps(validate_workbook(book).to_dict()))
    report = json.loads(res.output)
    assert (report["valid"], report["errors"], report["period"]["to"]) == (True, 0, "2013-03-31")
    assert report["sources"].endswith("källor")


def test_validate_without_sources_checks_the_workbook_only(book, tmp_path):
    populate_workbook(book, period="2013-Q1")
    shutil.rmtree(book.parent / "källor")
    report = validate_workbook(book)
    assert (report.sources, report.problems) == (None, [])


def test_validate_finds_a_total_typed_over_and_exits_1(book):
    populate_workbook(book, period="2013-Q1")
    wb = load_workbook(book)
    (sheet, ref), = list(wb.defined_names["fs_g1_totalt"].destinations)
    cell = wb[sheet][ref.replace("$", "").split(":")[0]]
    cell.value = -15000
    wb.save(book)
    res = runner.invoke(app, ["validate", str(book), "--json"])
    assert res.exit_code == 1
    problems = json.loads(res.output)["problems"]
    assert [(p["code"], p["severity"], p["source"], p["column"]) for p in problems] == [
        ("summa-ej-formel", "error", layout.SHEET_ECONOMY, cell.coordinate)
    ]
    table = runner.invoke(app, ["validate", str(book)])
    assert table.exit_code == 1 and "summaformel" in table.output


def test_validate_reports_check_blocks_problems(book):
    populate_workbook(book, period="2013-Q1")
    wb = load_workbook(book)
    (sheet, ref), = list(wb.defined_names["fs_deltagare"].destinations)
    first = ref.replace("$", "").split(":")[0]
    wb[sheet][first].offset(0, 1).value = 99  # Bollebygd inflöde unika 99 > antal 4
    wb.save(book)
    report = validate_workbook(book)
    row = wb[sheet][first].row  # Bollebygd's row: validate names its cells
    assert [(p.code, p.severity, p.row, p.column) for p in report.problems] == [
        ("unika-over-antal", "error", row, f"B{row}:E{row}")]
    assert not report.valid


def test_populate_mask_below_option(book):
    res = runner.invoke(app, ["populate", str(book), "--period", "2013-Q1", "--mask-below", "3"])
    assert res.exit_code == 0, res.output
    assert OpenpyxlBook(book).read("fs_deltagare")[-1] == ["<3"] * 4
    assert runner.invoke(app, ["populate", str(book), "--mask-below", "1"]).exit_code != 0


def test_populate_force_option_is_accepted(book):
    res = runner.invoke(app, ["populate", str(book), "--period", "2013-Q1", "--force"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("command", ["validate", "populate"])
def test_commands_have_help(command):
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0 and "--sources" in res.output


def test_validate_names_the_cell_of_a_workbook_problem(tmp_path):
    from openpyxl import load_workbook as _load

    from finsam.cli import app as _app

    wb = tmp_path / "v.xlsx"
    assert runner.invoke(_app, ["demo", str(wb)]).exit_code == 0
    book = _load(wb)
    row = next(r for r in book["Ekonomi"].iter_rows() if r[0].value == "1001")
    row[6].value = -300  # column G, Prognos: a forecast that differs from budget, without a comment
    book.save(wb)
    r = runner.invoke(_app, ["validate", str(wb), "--json"])
    problems = json.loads(r.output)["problems"]
    assert [(p["code"], p["row"], p["column"]) for p in problems] == [("prognos-utan-kommentar", row[0].row, f"I{row[0].row}")]  # the Kommentar cell
