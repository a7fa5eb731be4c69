"""Settings and workbook integrity (issue 9): settings that would silently give a wrong
figure are refused, naming the settings row and what to write instead.

Each case has its own small settings file under tests/data/installningar/.
"""

from __future__ import annotations

import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import pandas as pd
from openpyxl import load_workbook
from typer.testing import CliRunner

from finsam import layout
from finsam.cli import app
from finsam.errors import ProblemError, SettingsError
from finsam.settings import load_settings
from finsam.workbook import populate_workbook

from conftest import SAMPLE, SETTINGS

DATA = Path(__file__).parent / "data" / "installningar"
runner = CliRunner()


# --- member municipalities against Sweden's 290 -------------------------------------------

@pytest.mark.parametrize(
    "file, says",
    [
        # the genitive "Östersunds" is no municipality: its people would all be Annan ort
        ("kommun-genitiv.toml", ["[[kommuner]] nr 2", "'Östersunds kommun'", "Menade du 'Östersund'?"]),
        # 1498 is Tidaholm's code: a register giving kommunkoder would count Tidaholm as Tranemo
        ("kommunkod-annan-kommun.toml", ["[[kommuner]] nr 2", "1498 är Tidaholms", "Tranemo har kommunkod 1452"]),
        ("kommunkod-finns-inte.toml", ["[[kommuner]] nr 2", "'9999'", "Tranemo har kommunkod 1452"]),
    ],
)
def test_a_member_that_is_no_swedish_municipality_is_refused(file, says):
    with pytest.raises(SettingsError) as exc:
        load_settings(DATA / file)
    for text in says:
        assert text in str(exc.value)


def test_finsam_new_refuses_a_misspelt_member_and_writes_nothing(tmp_path):
    out = tmp_path / "ny.xlsx"
    r = runner.invoke(app, ["new", str(out), "--settings", str(DATA / "kommun-genitiv.toml")])
    assert r.exit_code == 1
    assert "Östersund" in r.output and "[[kommuner]] nr 2" in r.output
    assert not out.exists()


def test_a_kommunkod_that_lost_its_leading_zero_is_read_as_four_digits():
    s = load_settings(DATA / "kommunkod-utan-nolla.toml")  # kod = 114, name with " kommun"
    assert s.municipalities[0].code == "0114"


def test_the_sample_members_are_real_with_their_own_codes():
    # SCB's kommunkoder for Sjuhärad's eight members (Tranemo is 1452; 1498 is Tidaholm)
    scb = {"Bollebygd": "1443", "Borås": "1490", "Herrljunga": "1466", "Mark": "1463",
           "Svenljunga": "1465", "Tranemo": "1452", "Ulricehamn": "1491", "Vårgårda": "1442"}
    assert {m.name: m.code for m in load_settings(SETTINGS).municipalities} == scb


def _sheet_row(path: Path, text: str) -> int:
    ws = load_workbook(path)[layout.SHEET_SETTINGS]
    return next(c.row for c in ws["A"] if c.value == text)


def _edit_sheet(path: Path, row: int, col: int, value) -> None:
    wb = load_workbook(path)
    wb[layout.SHEET_SETTINGS].cell(row=row, column=col).value = value
    wb.save(path)


@pytest.mark.parametrize(
    "col, value, says",
    [(1, "Östersunds kommun", ["Menade du 'Östersund'?"]), (2, "1498", ["1498 är Tidaholms", "1452"])],
    ids=["name", "kommunkod"],
)
def test_populate_refuses_a_member_edited_wrong_on_the_settings_sheet(tmp_path, col, value, says):
    src = tmp_path / "källor"
    shutil.copytree(SAMPLE, src)
    book = tmp_path / "bok.xlsx"
    assert runner.invoke(app, ["new", str(book), "--settings", str(SETTINGS)]).exit_code == 0
    row = _sheet_row(book, "Tranemo")
    _edit_sheet(book, row, col, value)
    before = book.read_bytes()
    r = runner.invoke(app, ["populate", str(book), "--sources", str(src), "--period", "2013-Q1"])
    assert r.exit_code == 1
    assert f"{layout.SHEET_SETTINGS}, rad {row}:" in r.output
    for text in says:
        assert text in r.output
    assert book.read_bytes() == before


# --- financing lines -----------------------------------------------------------------------

def test_a_financing_line_missing_from_the_settings_is_refused(tmp_path):
    """Without "Parternas finansiering" in the settings, its income (cost centre 1000) went to
    Ej fördelat, which the summary added to the costs: Totala kostnader +618 tkr, exit 0.
    The budget's Finansiering sheet still names the line, so populate now stops and says
    where to add it."""
    from conftest import edited_settings

    settings = edited_settings(tmp_path, ('[[finansiering]]\nnamn = "Parternas finansiering"\nkostnadsstalle = "1000"\n', ""))
    src = tmp_path / "källor"
    shutil.copytree(SAMPLE, src)
    book = tmp_path / "bok.xlsx"
    assert runner.invoke(app, ["new", str(book), "--settings", str(settings)]).exit_code == 0
    before = book.read_bytes()
    r = runner.invoke(app, ["populate", str(book), "--sources", str(src), "--period", "2013-Q1"])
    assert r.exit_code == 1
    assert book.read_bytes() == before
    with pytest.raises(ProblemError) as exc:
        populate_workbook(book, sources=src, period="2013-Q1")
    [p] = [p for p in exc.value.problems if p.severity == "error"]
    assert (p.code, p.source, p.row, p.column) == ("finansiering-okand", "budget.xlsx (Finansiering)", 2, "Post")
    assert "'Parternas finansiering'" in p.message and "[Finansiering]" in p.message
    assert book.read_bytes() == before


# --- Ej fördelat on its own summary line ------------------------------------------------

def _tkr(ore_sum: Decimal) -> int:
    """−(kronor) / 1000 rounded half away from zero (Decimal's ROUND_HALF_UP is that)."""
    return int((-ore_sum / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_ej_fordelat_is_its_own_summary_line_and_totala_kostnader_is_the_tables(tmp_path):
    """A cost of 1 400 kr on a cost centre the settings lack: Ej fördelat −1 tkr. The summary's
    Totala kostnader (ackumulerat) used to include it (−1 292 against the tables' −1 291) while
    the check said OK; now Totala kostnader is the tables' total and Ej fördelat its own line."""
    import csv

    from recalc import rows_by_label, values

    src = tmp_path / "källor"
    shutil.copytree(SAMPLE, src)
    (src / "huvudbok.se").unlink()
    extra = (Path(__file__).parent / "data" / "huvudbok" / "okant-kostnadsstalle.csv").read_text(encoding="utf-8")
    with (src / "huvudbok.csv").open("a", encoding="utf-8") as f:
        f.write("".join(extra.splitlines(keepends=True)[1:]))

    # the figures, from the ledger text and the settings file alone
    settings = load_settings(SETTINGS)
    known = {c.code for c in settings.cost_centres}
    financing = {x.cost_centre for x in settings.financing if x.cost_centre}
    per_cc: dict[str, Decimal] = {}
    with (src / "huvudbok.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter=";"):
            if "2013-01-01" <= r["Datum"] <= "2013-03-31" and r["Konto"][0] in "345678":
                amount = Decimal(r["Belopp"].replace(" ", "").replace(",", "."))
                per_cc[r["Kostnadsställe"]] = per_cc.get(r["Kostnadsställe"], Decimal(0)) + amount
    tables_total = sum(_tkr(v) for k, v in per_cc.items() if k in known)
    unallocated = sum(_tkr(v) for k, v in per_cc.items() if k not in known | financing)
    assert unallocated == -1

    book = tmp_path / "bok.xlsx"
    assert runner.invoke(app, ["new", str(book), "--settings", str(SETTINGS)]).exit_code == 0
    result = populate_workbook(book, sources=src, period="2013-Q1")
    assert result.summary.at["Totala kostnader", "ackumulerat"] == tables_total
    assert result.summary.at[layout.UNALLOCATED_LABEL, "ackumulerat"] == unallocated

    wb = values(book)
    summary = rows_by_label(wb[layout.SHEET_SUMMARY])
    assert summary["Totala kostnader"][2] == tables_total
    assert summary[layout.UNALLOCATED_LABEL][1:4] == (None, unallocated, None)
    economy = wb[layout.SHEET_ECONOMY]
    head = next(r for r in economy.iter_rows(values_only=True) if r[0] == "Kostnadsställe")
    totals = [row[head.index("Ackumulerat")] for row in economy.iter_rows(values_only=True) if row[0] == "Totalt"]
    assert sum(totals) == tables_total
    checks = {row[0]: row[2] for row in wb[layout.SHEET_CHECKS].iter_rows(min_row=7, values_only=True) if row[0]}
    not_ok = {label: status for label, status in checks.items() if status in ("FEL", "VARNING")}
    assert list(not_ok.values()) == ["VARNING"] and layout.UNALLOCATED_LABEL in next(iter(not_ok))


# --- what the printed summary shows when a forecast is a formula or text -----------------------

def test_the_printed_summary_never_shows_a_forecast_the_workbook_computes_otherwise(tmp_path):
    """A person typed a formula in one forecast and text in another. The workbook computes
    the formula and SUM skips the text; the summary populate returned and printed used the
    budget for both (−25 637 printed, −25 869 in the workbook). Now a line that depends on
    such a row shows no figure ("se bladet*" and a note), and every figure printed is the
    workbook's."""
    import csv
    import json

    from recalc import rows_by_label, values

    from finsam.blocks import ECONOMY, SUMMARY
    from finsam.workbook import OpenpyxlBook

    expected = json.loads((Path(__file__).parent / "data" / "sjuharad" / "expected.json").read_text(encoding="utf-8"))
    with (Path(__file__).parent / "data" / "arbetsbok" / "typade-prognoser.csv").open(encoding="utf-8") as f:
        typed = {r["Rad"]: r["Typat i Prognos"] for r in csv.DictReader(f, delimiter=";")}
    src = tmp_path / "källor"
    shutil.copytree(SAMPLE, src)
    (src / "huvudbok.se").unlink()
    book = tmp_path / "bok.xlsx"
    assert runner.invoke(app, ["new", str(book), "--settings", str(SETTINGS)]).exit_code == 0
    populate_workbook(book, sources=src, period="2013-Q1")

    io = OpenpyxlBook(book)
    codes = {str(row[0].value): row[0].row for gi in (1, 2) for row in io.cells(ECONOMY.name("koder", gi))}
    wb = load_workbook(book)
    economy, summary_ws = wb[layout.SHEET_ECONOMY], wb[layout.SHEET_SUMMARY]
    lines = {c.value: c.row for c in summary_ws["A"] if c.value}
    for what, text in typed.items():
        if what in codes:
            economy[f"{ECONOMY.letter('prognos')}{codes[what]}"] = text
        else:
            summary_ws[f"{SUMMARY.letter('prognos')}{lines[what]}"] = text
    wb.save(book)

    r = runner.invoke(app, ["populate", str(book), "--sources", str(src), "--period", "2013-Q1"])
    assert r.exit_code == 0, r.output
    assert "se bladet*" in r.output and "räknas bara i arbetsboken" in r.output
    result = populate_workbook(book, sources=src, period="2013-Q1")
    shown = rows_by_label(values(book)[layout.SHEET_SUMMARY])

    # independently: the report's forecasts, 3006's text skipped by SUM, KRUT's financing 9375 + 100
    costs = sum(c["prognos"] for c in expected["kostnadsstallen"] if c["kostnadsstalle"] != "3006")
    assert shown["Totala kostnader"][3] == costs
    assert shown["Erhållna intäkter/bidrag KRUT"][3] == 9375 + 100
    summ = result.summary
    krut, equity = "Erhållna intäkter/bidrag KRUT", "Årets finansiering med eget kapital"
    assert summ.attrs["prognos_i_arbetsboken"] == ["Totala kostnader", krut, equity]
    assert summ.loc[["Totala kostnader", krut, equity], "prognos"].isna().all()  # no figure the workbook does not show
    printed = 0
    for line, row in summ.iterrows():  # every figure that is printed is the workbook's
        label = next(k for k in shown if k.rstrip(" *") == line)
        for col, figure in zip(("budget", "ackumulerat", "prognos"), shown[label][1:4]):
            if not pd.isna(row[col]):
                assert row[col] == figure, (line, col)
                printed += 1
    assert printed >= 6
