"""Issue 13 §5: every table sheet prints on A4 landscape at 9 pt or more.

Measured, not assumed: `finsam demo`'s workbook is printed to PDF by LibreOffice (one call,
with a reference workbook that prints Calibri 11 pt at 100 %), and `pdftotext -bbox` gives
each word's glyph box. A word's box height is proportional to the size it printed at, so
size = 11 pt × its height / the reference word's height. Each page names its sheet in the
page header (``&A``, top right). The table's own text is the most common size on a page
(the body is 11 pt; titles are larger); no word on a table sheet, its notes included, prints under 9 pt.

LibreOffice here prints Calibri in a wider fallback font (DejaVu Sans) unless Carlito is
installed: widths then print larger than in Excel, so Excel prints these sheets at least as
large as measured here.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter

import openpyxl
import pytest
from openpyxl.styles import Font
from typer.testing import CliRunner

from finsam.blocks import SHEET_CHARTS, SHEET_CHECKS, SHEET_SETTINGS, SHEET_TEXT, SHEETS
from finsam.cli import app
from finsam.libreoffice import convert

#: Sheets that hold tables (the rest: the charts, the report's texts, and the two sheets
#: that are no part of the printed report).
TABLE_SHEETS = [s for s in SHEETS if s not in (SHEET_CHARTS, SHEET_TEXT, SHEET_CHECKS, SHEET_SETTINGS)]
REFERENCE_TEXT = "Referens"
A4 = (841.9, 595.3)  # points, landscape


def _words(page: str) -> list[tuple[float, float, float, float, str]]:
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in
            re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', page)]


def _pages(pdf) -> list[tuple[float, float, list]]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [(float(w), float(h), _words(body))
            for w, h, body in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S)]


def _size(word, per_pt: float) -> float:
    return round((word[3] - word[1]) / per_pt, 1)


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Sheet name → [(page width, page height, body size in pt, the page's words, its smallest size)] for each
    printed page of the demo workbook, and the size the reference's fitted wide sheet printed at."""
    tmp = tmp_path_factory.mktemp("utskrift")
    book = tmp / "q1.xlsx"
    assert CliRunner().invoke(app, ["demo", str(book)]).exit_code == 0
    ref = openpyxl.Workbook()
    ref.active["A1"] = REFERENCE_TEXT
    ref.active["A1"].font = Font(name="Calibri", size=11)  # 100 %: no fit-to-page, no scale
    wide = ref.create_sheet("Bred")  # 12 columns 20 wide fitted to the page width: far under 9 pt
    for col in "ABCDEFGHIJKL":
        wide[f"{col}1"] = "Bred"
        wide[f"{col}1"].font = Font(name="Calibri", size=11)
        wide.column_dimensions[col].width = 20
    wide.page_setup.orientation = "landscape"
    wide.page_setup.fitToWidth, wide.page_setup.fitToHeight = 1, 0
    wide.sheet_properties.pageSetUpPr.fitToPage = True
    ref.save(tmp / "referens.xlsx")
    pdf_book, pdf_ref = convert([book, tmp / "referens.xlsx"], "pdf", tmp / "pdf")
    (_, _, first), (_, _, second) = _pages(pdf_ref)
    (reference,) = [w for w in first if w[4] == REFERENCE_TEXT]
    per_pt = (reference[3] - reference[1]) / 11
    sheets: dict[str, list] = {}
    for width, height, words in _pages(pdf_book):
        header = " ".join(w[4] for w in sorted(words, key=lambda w: w[0]) if w[3] < 60 and w[0] > width / 2)
        body = [w for w in words if w[1] >= 60]
        sizes = Counter(_size(w, per_pt) for w in body)
        size = sizes.most_common(1)[0][0]
        sheets.setdefault(header, []).append((width, height, size, {w[4] for w in body}, min(sizes)))
    return sheets, max(_size(w, per_pt) for w in second if w[4] == "Bred")


@pytest.mark.libreoffice
def test_every_table_sheet_prints_on_a4_landscape_at_9_pt_or_more(printed):
    sheets, _ = printed
    assert set(TABLE_SHEETS) <= set(sheets), sorted(sheets)
    for sheet in TABLE_SHEETS:
        for width, height, size, _, smallest in sheets[sheet]:
            assert (round(width, 1), round(height, 1)) == A4, (sheet, width, height)
            assert size >= 9.0, f"{sheet}: the table prints at {size} pt"
            assert smallest >= 9.0, f"{sheet}: a note prints at {smallest} pt"


@pytest.mark.libreoffice
def test_the_measure_sees_a_too_small_print(printed):
    """The same measure on 240 units of columns fitted to the page width finds about 4 pt."""
    _, wide = printed
    assert wide < 6.0


@pytest.mark.libreoffice
def test_ekonomi_prints_its_figures_and_then_its_comments_code_and_name_repeated(printed):
    """Ekonomi's nine columns do not fit one page at 9 pt: split after Avvikelse, pages
    across then down, so each page of figures is followed by its comments."""
    sheets, _ = printed
    pages = sheets["Ekonomi"]
    assert len(pages) % 2 == 0
    for n, (_, _, _, words, _) in enumerate(pages):
        assert {"1001", "Styrelse"} & words or {"3024", "Krut"} & words  # code and name on every page
        if n % 2 == 0:
            assert {"Ackumulerat", "Prognos", "Avvikelse"} <= words and "Kommentar" not in words
        else:
            assert "Kommentar" in words and "Ackumulerat" not in words
