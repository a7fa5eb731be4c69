"""Writes the xlsx inputs of tests/test_trust_sources.py (the CSV inputs are written by hand).

Run from the repository root: ``python tests/data/trust/make_files.py``. The files are
committed; this script only documents how each was made. Personnummer are synthetic
(valid check digits, belonging to nobody), as in tests/data/personnummer/cases.toml.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

HERE = Path(__file__).parent
REGISTER = ["Personnummer", "Kön", "Folkbokföringskommun", "Insats", "Inskrivningsdatum", "Utskrivningsdatum",
            "Avslutsorsak"]
PEOPLE = ["19850101-1236", "19900215-2347", "19750612-3459"]


def _save(wb, name):
    wb.save(HERE / name)


def hidden_first_sheet():
    """An older export in a hidden first sheet (three rows in Mark), the real one visible."""
    wb = openpyxl.Workbook()
    old = wb.active
    old.title = "Gammal export"
    old.append(REGISTER)
    for p in PEOPLE:
        old.append([p, "Kvinna", "Mark", "A", dt.datetime(2012, 5, 1), None, None])
    old.sheet_state = "hidden"
    new = wb.create_sheet("Deltagare")
    new.append(REGISTER)
    new.append([PEOPLE[0], "Kvinna", "Borås", "A", dt.datetime(2013, 1, 5), None, None])
    new.append([PEOPLE[1], "Man", "Borås", "A", dt.datetime(2013, 2, 5), dt.datetime(2013, 3, 1), "Arbete"])
    _save(wb, "dolt-forsta-blad.xlsx")
    old.sheet_state = "visible"
    _save(wb, "tva-synliga-blad.xlsx")


def _budget(wb, sheet_fin="Finansiering", rows=(("1001", -280), ("1003", -250), ("1010", -775))):
    ws = wb.active
    ws.title = "Budget"
    ws.append(["Kostnadsställe", "Benämning", "Grupp", "Budget (tkr)"])
    for code, value in rows:
        ws.append([code, f"Kst {code}", "Förbundsgemensamt", value])
    if sheet_fin:
        fin = wb.create_sheet(sheet_fin)
        fin.append(["Post", "Budget (tkr)"])
        fin.append(["Parternas finansiering", 15060])
        fin.append(["Erhållna intäkter/bidrag KRUT", 9375])
    return ws


def budgets():
    wb = openpyxl.Workbook()
    _budget(wb, "Finansiering 2013")
    _save(wb, "budget-finansiering-2013.xlsx")
    wb = openpyxl.Workbook()
    _budget(wb, None)
    wb.create_sheet("Blad2").append(["Anteckningar"])
    _save(wb, "budget-utan-finansiering.xlsx")
    wb = openpyxl.Workbook()
    ws = _budget(wb)
    ws["D1"], ws["E1"] = "Belopp", "Not"  # the budget column renamed, and one finsam never reads
    _save(wb, "budget-fel-kolumn.xlsx")
    wb = openpyxl.Workbook()
    ws = _budget(wb)
    ws.append([None, "Summa", None, -1305])
    wb["Finansiering"].append(["Totalt", 24435])
    _save(wb, "budget-summarad.xlsx")
    # formulas that no program calculated: openpyxl writes <f> without a cached <v>
    wb = openpyxl.Workbook()
    ws = _budget(wb, rows=(("1001", -280), ("1003", "=-200-50"), ("1010", "=-700-75")))
    _save(wb, "budget-formel-utan-varde.xlsx")
    _with_cached_zero(HERE / "budget-formel-utan-varde.xlsx", HERE / "budget-formel-varde-0.xlsx")


def _with_cached_zero(src: Path, dst: Path):
    """The same workbook with a cached value 0 after every formula (as writers that do not
    calculate store it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"(<f>[^<]*</f>)(<v>\s*</v>|<v\s*/>)?", rb"\1<v>0</v>", data)
            zout.writestr(item, data)


def date1904():
    """A register from an old Mac workbook (1904 date system), dates typed as plain numbers
    (Inskrivningsdatum) and as date cells (Utskrivningsdatum)."""
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Deltagare"
    ws.append(REGISTER)
    serial = (dt.date(2013, 1, 5) - dt.date(1904, 1, 1)).days  # 2013-01-05 in the 1904 system
    ws.append([PEOPLE[0], "Kvinna", "Borås", "A", serial, dt.datetime(2013, 3, 1), "Arbete"])
    _save(wb, "deltagare-1904.xlsx")


def title_rows():
    """A register with a title and a blank row above its header (the header is row 3)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Deltagare"
    ws.append(["Deltagarlista Sjuhärad 2013"])
    ws.append([])
    ws.append(REGISTER)
    ws.append([PEOPLE[0], "Kvinna", "Borås", "A", "2013-01-05", None, None])
    _save(wb, "deltagare-titelrader.xlsx")


def encrypted():
    """The sample budget protected with the password "finsam" (MS-OFFCRYPTO agile encryption)."""
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    wb = openpyxl.Workbook()
    _budget(wb)
    plain = io.BytesIO()
    wb.save(plain)
    plain.seek(0)
    with open(HERE / "budget-losenord.xlsx", "wb") as out:
        OOXMLFile(plain).encrypt("finsam", out)


if __name__ == "__main__":
    hidden_first_sheet()
    budgets()
    date1904()
    title_rows()
    encrypted()
