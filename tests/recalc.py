"""Recalculate a saved workbook with LibreOffice headless and read its values back.

openpyxl writes formulas without cached results; LibreOffice computes them on load and
writes them into the converted copy, which openpyxl then reads with ``data_only=True``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl

from finsam.libreoffice import convert, soffice

SOFFICE = soffice()


def recalc_many(paths: list[Path], out_dir: Path) -> list[Path]:
    """Recalculate several workbooks in one LibreOffice run (it starts once: ~1 s saved per
    file) into ``out_dir`` (the test's ``tmp_path``: it is removed with it); returns the new
    files, in order (finsam's own :func:`finsam.libreoffice.convert`)."""
    if SOFFICE is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui")
    return convert(list(paths), "xlsx", Path(out_dir))


def recalc(path: Path, out_dir: Path) -> Path:
    """Recalculate ``path`` into ``out_dir`` (the test's ``tmp_path``); returns the new file."""
    return recalc_many([path], out_dir)[0]


def values(path: Path) -> openpyxl.Workbook:
    """The recalculated workbook, values only; the recalculated copy is deleted once read."""
    with tempfile.TemporaryDirectory(prefix="recalc-") as out:
        return openpyxl.load_workbook(recalc(path, Path(out)), data_only=True)


def rows_by_label(ws, column: int = 1) -> dict:
    """Rows of a sheet keyed by the text in ``column`` (first occurrence wins)."""
    out: dict = {}
    for row in ws.iter_rows(values_only=True):
        key = row[column - 1]
        if key is not None and str(key) not in out:
            out[str(key)] = row
    return out


def assert_report(wb: openpyxl.Workbook, expected: dict) -> int:
    """Assert every figure of ``expected.json`` in its place in a recalculated workbook.

    Returns the number of figures compared (so a test can assert nothing was skipped).
    """
    n = 0
    d = rows_by_label(wb["Deltagare"])
    for name, fig in expected["kommuner"].items():
        row = d[name]
        got = {"inflode_antal": row[1], "inflode_unika": row[2], "utflode_antal": row[3], "utflode_unika": row[4]}
        assert got == fig, f"Deltagare {name}: {got} != {fig}"
        n += 4
    e = wb["Ekonomi"]
    rows = list(e.iter_rows(values_only=True))
    by_code = {str(r[0]): r for r in rows if r[0] is not None}
    head = next(r for r in rows if r[0] == "Kostnadsställe")  # columns found by their headings, as a reader would
    B, A, P, K = (head.index(h) for h in ("Budget", "Ackumulerat", "Prognos", "Kommentar"))
    for cc in expected["kostnadsstallen"]:
        r = by_code[cc["kostnadsstalle"]]
        assert (r[1], r[B], r[A], r[P]) == (cc["benamning"], cc["budget"], cc["ackumulerat"], cc["prognos"]), cc
        n += 3
    # group totals: the "Totalt" row after each group's heading
    heading = None
    for r in rows:
        if isinstance(r[0], str) and r[0].endswith(":") and r[1] is None:
            heading = r[0][:-1]
        if r[0] == "Totalt":
            fig = expected["totaler"][heading]
            assert (r[B], r[A], r[P]) == (fig["budget"], fig["ackumulerat"], fig["prognos"]), heading
            n += 3
    assert n == 4 * len(expected["kommuner"]) + 3 * len(expected["kostnadsstallen"]) + 3 * len(expected["totaler"])
    s = rows_by_label(wb["Sammanställning"])
    for name, fig in expected["sammanstallning"].items():
        label = next(k for k in s if k.rstrip(" *") == name)
        r = s[label]
        assert (r[1], r[2], r[3]) == (fig["budget"], fig["ackumulerat"], fig["prognos"]), name
        n += 3
    eq = next(r for k, r in s.items() if k.startswith("* Eget kapital ingående"))
    assert eq[1] == expected["eget_kapital_ingaende_tkr"]
    n += 1
    for code, text in expected["fotnoter"].items():
        assert by_code[code][K] == text
        n += 1
    return n
