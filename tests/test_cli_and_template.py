"""The command line as a user meets it, and the generated template in workbook/."""

from __future__ import annotations

import hashlib
import re

import openpyxl
import pytest
from typer.testing import CliRunner

from finsam.cli import app
from finsam.workbook import new_workbook

from conftest import ROOT, SETTINGS

runner = CliRunner()
COMMANDS = ["new", "populate", "demo", "inspect", "addin"]


#: What typer/click print on a help screen unless told otherwise (the labels, placeholders, --help's text).
HELP_ENGLISH = re.compile(r"Usage|Options|Arguments|Commands|Show this message|required|\[OPTIONS\]|COMMAND|"
                          r"<path>|<str>|<bool>|<int|default:")


@pytest.mark.parametrize("command", [[]] + [[c] for c in ("new", "populate", "validate", "demo", "inspect", "addin",
                                                          "report", "lite")])
def test_every_help_screen_is_swedish(command):
    r = runner.invoke(app, [*command, "--help"], prog_name="finsam", terminal_width=200)
    assert r.exit_code == 0
    assert "Användning: finsam" in r.output and "Visa den här hjälpen och avsluta." in r.output
    assert HELP_ENGLISH.findall(r.output) == []


def _contents(path):
    wb = openpyxl.load_workbook(path)
    cells = {(ws.title, c.coordinate): c.value for ws in wb for row in ws.iter_rows() for c in row if c.value is not None}
    names = {n: d.attr_text for n, d in wb.defined_names.items()}
    return cells, names, wb.sheetnames


def test_the_template_in_workbook_is_up_to_date(tmp_path, settings):
    fresh = new_workbook(tmp_path / "mall.xlsx", settings)
    assert _contents(fresh) == _contents(ROOT / "workbook" / "sjuharad-mall.xlsx")


def test_new_refuses_to_overwrite(tmp_path):
    wb = tmp_path / "u.xlsx"
    assert runner.invoke(app, ["new", str(wb), "--settings", str(SETTINGS)]).exit_code == 0
    before = hashlib.sha256(wb.read_bytes()).hexdigest()
    r = runner.invoke(app, ["new", str(wb), "--settings", str(SETTINGS)])
    assert r.exit_code == 1
    assert "Fel:" in r.output
    assert hashlib.sha256(wb.read_bytes()).hexdigest() == before


def test_new_for_another_year(tmp_path):
    wb = tmp_path / "u.xlsx"
    assert runner.invoke(app, ["new", str(wb), "--settings", str(SETTINGS), "--year", "2014"]).exit_code == 0
    ws = openpyxl.load_workbook(wb)["Inställningar"]
    assert {r[0].value: r[1].value for r in ws.iter_rows(max_col=2)}["År"] == 2014


@pytest.mark.parametrize(
    "args, words",
    [
        (["--period", "2013-Q7"], "2013-Q7"),
        (["--sources", "finns-inte"], "finns-inte"),
    ],
)
def test_populate_errors_are_one_line_and_change_nothing(tmp_path, csv_sources, args, words):
    wb = tmp_path / "u.xlsx"
    runner.invoke(app, ["new", str(wb), "--settings", str(SETTINGS)])
    before = hashlib.sha256(wb.read_bytes()).hexdigest()
    full = ["populate", str(wb), "--sources", str(csv_sources), "--period", "2013-Q1"]
    for i in range(0, len(args), 2):
        full[full.index(args[i]) + 1] = args[i + 1]
    r = runner.invoke(app, full)
    assert r.exit_code == 1
    assert r.output.count("Fel:") == 1 and words in r.output
    assert hashlib.sha256(wb.read_bytes()).hexdigest() == before


def test_populate_on_a_file_that_is_no_finsam_workbook(tmp_path, csv_sources):
    other = tmp_path / "annan.xlsx"
    openpyxl.Workbook().save(other)
    r = runner.invoke(app, ["populate", str(other), "--sources", str(csv_sources)])
    assert r.exit_code == 1
    assert "finsam new" in r.output


def test_inspect_json(tmp_path):
    import json

    r = runner.invoke(app, ["inspect", str(ROOT / "src" / "finsam" / "sample" / "huvudbok.se"), "--json"])
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert data["kind"] == "sie"
    assert data["result_by_cost_centre_month"]["1000"]["2013-01"] == -3765000.0


def test_formulas_use_multi_cell_names_only_as_ranges(settings, tmp_path):
    """Excel 365 spills (and older Excel intersects) a multi-cell name used as a scalar, where
    LibreOffice silently takes its first cell: a formula may use a multi-cell name only as the
    range argument of a function that takes one (SUM, INDEX, COUNTIF, SUMPRODUCT)."""
    import re

    wb = openpyxl.load_workbook(new_workbook(tmp_path / "m.xlsx", settings))
    multi = {n for n, d in wb.defined_names.items() if ":" in d.attr_text}
    scalar_uses, range_uses = [], 0
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    for m in re.finditer(r"\bfs_\w+", c.value):
                        if m.group() not in multi:
                            continue
                        if re.search(r"(SUM|INDEX|COUNTIF|SUMPRODUCT)\($", c.value[: m.start()]):
                            range_uses += 1
                        else:
                            scalar_uses.append((ws.title, c.coordinate, c.value))
    assert scalar_uses == []
    assert range_uses >= 1


def test_demo_never_overwrites_without_asking(tmp_path):
    wb = tmp_path / "d.xlsx"
    wb.write_bytes(b"a person's own file")
    r = runner.invoke(app, ["demo", str(wb)])
    assert r.exit_code == 1 and "--overwrite" in r.output
    assert wb.read_bytes() == b"a person's own file"
    assert runner.invoke(app, ["demo", str(wb), "--overwrite"]).exit_code == 0
    assert openpyxl.load_workbook(wb).sheetnames[0] == "Deltagare"


@pytest.mark.parametrize("name", ["d.csv", "d.xlsm"])
def test_workbooks_are_created_as_xlsx_only_and_a_failure_leaves_no_file(tmp_path, name):
    for args in (["demo", str(tmp_path / name)], ["new", str(tmp_path / name), "--settings", str(SETTINGS)]):
        r = runner.invoke(app, args)
        assert r.exit_code == 1 and ".xlsx" in r.output
    assert list(tmp_path.iterdir()) == []


def test_saved_workbooks_are_readable_by_colleagues(tmp_path, csv_sources):
    import os
    import stat

    old = os.umask(0o022)
    try:
        wb = tmp_path / "u.xlsx"
        runner.invoke(app, ["new", str(wb), "--settings", str(SETTINGS)])
        assert stat.S_IMODE(wb.stat().st_mode) == 0o644
        os.chmod(wb, 0o664)
        assert runner.invoke(app, ["populate", str(wb), "--sources", str(csv_sources), "--period", "2013-Q1"]).exit_code == 0
        assert stat.S_IMODE(wb.stat().st_mode) == 0o664
    finally:
        os.umask(old)


@pytest.mark.parametrize(
    "name, source, rows",
    [("deltagare.xlsx", "deltagare", 356), ("anonyma.csv", "anonyma", 18), ("budget.xlsx", "budget", 30),
     ("prognos.csv", "prognos", 1), ("huvudbok.csv", "huvudbok", 98), ("huvudbok.se", "huvudbok", 86)],
)
def test_inspect_recognises_every_kind_of_source_by_content(tmp_path, name, source, rows):
    import json
    import shutil

    renamed = tmp_path / ("export" + "".join(ROOT.joinpath("src/finsam/sample", name).suffixes))
    shutil.copy(ROOT / "src" / "finsam" / "sample" / name, renamed)
    r = runner.invoke(app, ["inspect", str(renamed), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert (data["source"], data["rows"]) == (source, rows)
    assert not __import__("re").search(r"\d{8}-?\d{4}", r.output)  # counts only, never a personnummer


def test_inspect_names_what_it_reads_for_an_unknown_file(tmp_path):
    f = tmp_path / "lista.csv"
    f.write_text("Namn;Telefon\nA;1\n", encoding="utf-8")
    r = runner.invoke(app, ["inspect", str(f)])
    assert r.exit_code == 1 and "Namn, Telefon" in r.output


def test_a_read_only_workbook_is_refused_and_untouched(tmp_path, csv_sources):
    import os

    wb = tmp_path / "u.xlsx"
    runner.invoke(app, ["new", str(wb), "--settings", str(SETTINGS)])
    os.chmod(wb, 0o444)
    before = hashlib.sha256(wb.read_bytes()).hexdigest()
    r = runner.invoke(app, ["populate", str(wb), "--sources", str(csv_sources), "--period", "2013-Q1"])
    assert r.exit_code == 1 and "skrivskyddad" in r.output
    assert hashlib.sha256(wb.read_bytes()).hexdigest() == before


def test_a_link_to_the_workbook_stays_a_link(tmp_path, csv_sources):
    target = tmp_path / "riktig.xlsx"
    runner.invoke(app, ["new", str(target), "--settings", str(SETTINGS)])
    link = tmp_path / "länk.xlsx"
    link.symlink_to(target)
    assert runner.invoke(app, ["populate", str(link), "--sources", str(csv_sources), "--period", "2013-Q1"]).exit_code == 0
    assert link.is_symlink()
    assert openpyxl.load_workbook(target)["Deltagare"]["C15"].value == 133


@pytest.mark.parametrize("where", ["a folder", "under a file"])
def test_new_into_an_impossible_place_is_one_message(tmp_path, where):
    if where == "a folder":
        (tmp_path / "mapp.xlsx").mkdir()
        args = ["new", str(tmp_path / "mapp.xlsx"), "--settings", str(SETTINGS), "--overwrite"]
    else:
        (tmp_path / "fil").write_text("x")
        args = ["new", str(tmp_path / "fil" / "u.xlsx"), "--settings", str(SETTINGS)]
    r = runner.invoke(app, args)
    assert r.exit_code == 1 and r.output.startswith("Fel:") and "oväntat" not in r.output


def test_a_new_workbook_can_take_its_settings_from_an_old_one(tmp_path, csv_sources):
    """After a cost centre is added on the settings sheet, populate applies it in place
    (tests/test_relayout.py); a new workbook can also be made from the old one's settings."""
    old = tmp_path / "2013.xlsx"
    runner.invoke(app, ["new", str(old), "--settings", str(SETTINGS)])
    book = openpyxl.load_workbook(old)
    ws = book["Inställningar"]
    last = ws.max_row + 1
    ws.cell(row=last, column=1, value="3033")
    ws.cell(row=last, column=2, value="Nytt projekt")
    ws.cell(row=last, column=3, value="Projekt Krut")
    book.save(old)
    r = runner.invoke(app, ["populate", str(old), "--sources", str(csv_sources), "--period", "2013-Q1"])
    assert r.exit_code == 0, r.output
    assert "3033" in [c.value for c in openpyxl.load_workbook(old)["Ekonomi"]["A"]]
    new = tmp_path / "ny.xlsx"
    assert runner.invoke(app, ["new", str(new), "--settings", str(old)]).exit_code == 0
    r = runner.invoke(app, ["populate", str(new), "--sources", str(csv_sources), "--period", "2013-Q1"])
    assert r.exit_code == 0, r.output
    codes = [c.value for c in openpyxl.load_workbook(new)["Ekonomi"]["A"]]
    assert "3033" in codes


@pytest.mark.parametrize(
    "args, words",
    [(["new", "x.xlsx"], "--settings saknas"), (["populate", "x.xlsx", "--mask-below", "1"], "minst 2"),
     (["inspect", "f", "--dimension", "abc"], "ett heltal"), (["new", "--bogus"], "okänd flagga --bogus")],
)
def test_usage_errors_are_one_swedish_line(tmp_path, args, words):
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    r = subprocess.run([sys.executable, "-m", "finsam", *args], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 2
    assert r.stderr.startswith("Fel: ") and words in r.stderr and "Usage" not in r.stderr
