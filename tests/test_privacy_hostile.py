"""Hostile inputs found by trying to break finsam: a personnummer typed where it does not
belong, markup and control characters in cells. Only counts may leave finsam, and every
failure is one `Fel:` line, never a traceback."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from typer.testing import CliRunner

from finsam.cli import app

from conftest import PNR, SETTINGS

runner = CliRunner()
PLANTED = PNR["planted"]["register"]  # a valid number of the synthetic register
FORMS = [PLANTED, PLANTED.replace("-", ""), PLANTED[2:], PLANTED.replace("-", " ")]


def _workbook(tmp_path):
    wb = tmp_path / "u.xlsx"
    assert runner.invoke(app, ["new", str(wb), "--settings", str(SETTINGS)]).exit_code == 0
    return wb


def _leaks(text: str) -> list[str]:
    return [f for f in FORMS if f in text]


def _zip_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def _set_cell(xlsx, column_header, row, value):
    wb = openpyxl.load_workbook(xlsx)
    ws = wb.active
    col = next(c.column for c in ws[1] if c.value == column_header)
    ws.cell(row=row, column=col, value=value)
    wb.save(xlsx)


@pytest.mark.parametrize(
    "change",
    [
        lambda src: (src / "prognos.csv").write_text(
            f"Kostnadsställe;Prognos (tkr);Kommentar\n3005;-687;Extra för deltagare {PLANTED} och {PLANTED[2:]}\x01\n",
            encoding="utf-8"),
        lambda src: (src / "anonyma.csv").write_text(
            f"Insats;Kommun;Månad;Antal deltagare\nAktiv hälsa {PLANTED.replace('-', '')};Borås;2013-01;3\n",
            encoding="utf-8"),
        lambda src: _set_cell(src / "deltagare.xlsx", "Folkbokföringskommun", 194, PLANTED.replace("-", " ")),
    ],
    ids=["comment", "insats", "kommun"],
)
def test_a_personnummer_typed_into_a_text_cell_never_leaves(tmp_path, csv_sources, change):
    change(csv_sources)
    wb = _workbook(tmp_path)
    r = runner.invoke(app, ["populate", str(wb), "--sources", str(csv_sources), "--period", "2013-Q1"])
    assert r.exit_code == 0, r.output
    assert _leaks(r.output) == []
    assert _leaks(_zip_text(wb)) == []
    v = runner.invoke(app, ["validate", str(wb), "--sources", str(csv_sources), "--json"])
    assert _leaks(v.output) == []


def test_a_whole_csv_line_in_the_personnummer_cell_is_masked(tmp_path, csv_sources):
    """A register exported with mixed separators puts whole lines in one cell."""
    import pandas as pd

    df = pd.read_excel(csv_sources / "deltagare.xlsx", dtype=str, engine="calamine")
    lines = [";".join(df.columns)] + [";".join(str(v) for v in r) for r in df.fillna("").itertuples(index=False)]
    lines[5] = lines[5].replace(";", ",")
    (csv_sources / "deltagare.xlsx").unlink()
    (csv_sources / "deltagare.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    planted = df.iloc[3, 0]
    wb = _workbook(tmp_path)
    r = runner.invoke(app, ["populate", str(wb), "--sources", str(csv_sources), "--period", "2013-Q1"])
    assert r.exit_code == 1
    assert planted not in r.output and planted.replace("-", "") not in r.output
    assert "Traceback" not in r.output


def test_markup_in_a_cell_prints_as_written(tmp_path, csv_sources):
    _set_cell(csv_sources / "deltagare.xlsx", "Folkbokföringskommun", 194, "Borås[/b]")
    wb = _workbook(tmp_path)
    r = runner.invoke(app, ["populate", str(wb), "--sources", str(csv_sources), "--period", "2013-Q1"])
    assert r.exit_code == 0, r.output
    assert "Borås[/b]" in r.output  # the kommun-okand warning quotes it, unmangled


def test_an_unforeseen_error_is_one_masked_line(tmp_path, monkeypatch):
    import finsam.workbook

    def boom(*a, **k):
        raise RuntimeError(f"cell {PLANTED} broke")

    monkeypatch.setattr(finsam.workbook, "new_workbook", boom)
    r = runner.invoke(app, ["new", str(tmp_path / "x.xlsx"), "--settings", str(SETTINGS)])
    assert r.exit_code == 1
    assert "Fel: oväntat fel" in r.output and "RuntimeError" in r.output
    assert _leaks(r.output) == [] and "Traceback" not in r.output


def test_inspect_shows_counts_only_even_for_a_personnummer_in_a_text_cell(csv_sources):
    _set_cell(csv_sources / "deltagare.xlsx", "Folkbokföringskommun", 194, PLANTED)
    (csv_sources / "anonyma.csv").write_text(
        f"Insats;Kommun;Månad;Antal deltagare\nAktiv hälsa {PLANTED};Borås;2013-01;3\n", encoding="utf-8")
    for f in ("deltagare.xlsx", "anonyma.csv"):
        for args in ([str(csv_sources / f)], [str(csv_sources / f), "--json"]):
            r = runner.invoke(app, ["inspect", *args])
            assert r.exit_code == 0, r.output
            assert _leaks(r.output) == []
