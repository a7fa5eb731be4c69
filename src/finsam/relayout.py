"""Cost centres and financing lines changed on the settings sheet, applied to the workbook in place.

The settings sheet (*Inställningar*) is the workbook's settings: a person adds a cost centre
there (as the warning about result on an unknown cost centre says), removes one, changes
its code, moves it to another group, or changes the financing lines. The sheets laid out
from them (:data:`finsam.layout.MONEY_SHEETS`: Ekonomi, Sammanställning, Finansiering per medlem,
Uppföljning Finsam, Kontroller) are
then laid out anew from the settings, inside the same workbook, before populate fills them;
every person's input moves with its cost centre (by code) or financing line (by name):
forecasts, comments, and the notes cells. Other sheets, and parts the person added, stay as
they are; anything that would vanish still stops the save (:func:`finsam.workbook.save_atomic`).
A renamed cost centre (same code) needs none of this: populate writes the names.

Refused with a :class:`~finsam.errors.WorkbookError` (nothing written):

* a cost centre or financing line removed from the settings whose row holds the person's
  input (a forecast other than the budget, or a comment): finsam will not drop it, nor
  guess where it belongs; the message names the rows and what to do;
* cells the person typed on those sheets outside finsam's own cells (they would be lost);
* formulas on other sheets, or names not finsam's, that point at cells of those sheets by
  address (the cells move: they would show other figures);
* another number of groups (tables) than the workbook has: make a new workbook.

Only the openpyxl path can lay out sheets; the Excel button refuses with the same advice as
before (run ``finsam populate`` once, or make a new workbook).
"""

from __future__ import annotations

import re
from dataclasses import replace

from finsam import layout
from finsam.blocks import ECONOMY, SUMMARY
from finsam.book import is_blank
from finsam.errors import WorkbookError
from finsam.personnummer import redact
from finsam.settings import CostCentre, FinancingLine, Settings

#: Blocks a person's input is in, per table; budget (utfall) travels too, because a forecast
#: equal to the previous budget is still the default and follows the new budget.
_ECONOMY_BLOCKS = ("koder", "namn", "utfall", "prognos", "kommentar")


def _first_five(items: list[str]) -> str:
    """The first five ``items`` and how many more (Swedish), for a message."""
    return ", ".join(items[:5]) + (f" och {len(items) - 5} till" if len(items) > 5 else "")


def _code(v) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return "" if v is None else str(v).strip()


def _groups_in(book) -> int:
    n = 0
    while ECONOMY.name("koder", n + 1) in book.names():
        n += 1
    return n


def _economy_rows(book, n_groups: int) -> list[list[dict]]:
    """Per group of the workbook, its rows (kod, namn, budget, ackumulerat, prognos, kommentar)."""
    out = []
    for gi in range(1, n_groups + 1):
        blocks = [b for b in _ECONOMY_BLOCKS if ECONOMY.name(b, gi) in book.names()]
        rows = ECONOMY.rows_of(book.read, gi, blocks)
        out.append([{**r, "kod": _code(r.get("kod"))} for r in rows if _code(r.get("kod"))])
    return out


def _financing_rows(book) -> list[dict]:
    """The financing lines of the workbook's summary: label (``rad``), budget, prognos …"""
    if SUMMARY.name("utfall") not in book.names():
        return []
    cells = book.cells(SUMMARY.name("utfall"))
    ws = cells[0][0].parent
    labels = [ws.cell(row=row[0].row, column=SUMMARY.column_of("rad")).value for row in cells]
    rows = SUMMARY.rows_of(book.read, None, SUMMARY.input_blocks())
    return [{**r, "rad": str(label or "").strip()} for r, label in zip(rows, labels)]


def _has_input(row: dict) -> bool:
    """The person's input on a row: a comment, or a forecast that is not the budget (the default)."""
    fc = row.get("prognos")
    return not is_blank(row.get("kommentar")) or (not is_blank(fc) and fc != row.get("budget"))


def changed(book, settings: Settings) -> bool:
    """True when the workbook's tables do not show the settings' cost centres (per group)
    or financing lines, so :func:`apply` must lay them out anew."""
    n = _groups_in(book)
    if n == 0:  # made before the tables' codes had a name: populate's own checks apply
        return False
    if n != len(settings.groups):
        return True
    for group, rows in zip(settings.groups, _economy_rows(book, n)):
        if sorted(r["kod"] for r in rows) != sorted(c.code for c in settings.cost_centres_of(group.name)):
            return True
    return [r["rad"] for r in _financing_rows(book)] != [f.name for f in settings.financing]


def _strangers(book, settings: Settings, old: Settings) -> list[str]:
    """Cells on the money sheets that are neither finsam's (as the old layout wrote them)
    nor in an input block: something the person typed, which a new layout would lose."""
    template = layout.build_template(old)
    inputs: set[tuple[str, str]] = set()
    for name in book.names():
        if not name.startswith("fs_"):
            continue
        for sheet, _ in book.wb.defined_names[name].destinations:
            if sheet in layout.MONEY_SHEETS:
                inputs |= {(sheet, c.coordinate) for row in book.cells(name) for c in row}
    out = []
    for sheet in layout.MONEY_SHEETS:
        for row in book.wb[sheet].iter_rows():
            for c in row:
                if c.value is None or (sheet, c.coordinate) in inputs:
                    continue
                if template[sheet][c.coordinate].value != c.value:
                    out.append(f"{sheet}!{c.coordinate}")
    return out


def apply(book, settings: Settings) -> list[str]:
    """Lay out the money sheets of ``book`` (an :class:`~finsam.workbook.OpenpyxlBook`) anew
    from ``settings`` when its cost centres or financing lines changed, carrying every
    person's input over by code / name. Changes ``book.wb`` in memory only; the caller saves.

    Returns:
        Swedish lines saying what changed (empty when nothing needed to).

    Raises:
        WorkbookError: as the module docstring lists; ``book.wb`` is then unchanged.
    """
    if not changed(book, settings):
        return []
    missing = [s for s in layout.MONEY_SHEETS if s not in book.wb.sheetnames]
    if missing:
        raise WorkbookError(f"{book.label} saknar bladet {', '.join(missing)}. Skapa en ny arbetsbok med "
                            f"'finsam new NY.xlsx --settings {book.label}'.")
    n = _groups_in(book)
    if n != len(settings.groups):
        raise WorkbookError(
            f"{book.label}: arbetsboken har {n} tabeller på bladet {layout.SHEET_ECONOMY} men bladet "
            f"{layout.SHEET_SETTINGS} har {len(settings.groups)} grupper. Grupper kan inte läggas till eller tas "
            f"bort i en befintlig arbetsbok: skapa en ny med 'finsam new NY.xlsx --settings {book.label}' och för "
            "över prognoser och kommentarer."
        )
    old_rows = _economy_rows(book, n)
    old_fin = _financing_rows(book)
    codes = {c.code for c in settings.cost_centres}
    fin_names = {f.name for f in settings.financing}
    lost = [f"kostnadsställe {r['kod']}" for rows in old_rows for r in rows if r["kod"] not in codes and _has_input(r)]
    lost += [f"finansieringsposten {r['rad']!r}" for r in old_fin if r["rad"] not in fin_names and _has_input(r)]
    if lost:
        raise WorkbookError(redact(
            f"{book.label}: {', '.join(lost)} finns inte längre i bladet {layout.SHEET_SETTINGS}, men har en prognos "
            "eller kommentar i arbetsboken som då skulle försvinna. Flytta prognosen och kommentaren till rätt rad "
            "(eller töm cellerna), eller lägg tillbaka raden i Inställningar, och kör igen."
        ))
    known = {c.code: c for c in settings.cost_centres}  # categories and insats names lay out Uppföljning Finsam
    old = replace(
        settings,
        cost_centres=tuple(CostCentre(r["kod"], "", g.name, *((known[r["kod"]].category, known[r["kod"]].insatser)
                                                             if r["kod"] in known else ()))
                           for g, rows in zip(settings.groups, old_rows) for r in rows),
        financing=tuple(FinancingLine(r["rad"]) for r in old_fin),
    )
    strangers = _strangers(book, settings, old)
    if strangers:
        shown = _first_five(strangers)
        raise WorkbookError(
            f"{book.label}: kostnadsställena eller finansieringsposterna i bladet {layout.SHEET_SETTINGS} har ändrats, "
            f"så bladen {', '.join(layout.MONEY_SHEETS)} måste byggas om, men {shown} innehåller något som inte är "
            "finsams och som då skulle försvinna. Flytta det till ett eget blad och kör igen."
        )

    pointers = _pointers(book)
    if pointers:
        shown = _first_five(pointers)
        raise WorkbookError(
            f"{book.label}: kostnadsställena eller finansieringsposterna i bladet {layout.SHEET_SETTINGS} har ändrats, "
            f"så bladen {', '.join(layout.MONEY_SHEETS)} måste byggas om och deras rader flyttas, men {shown} pekar på "
            "celler där och skulle då visa fel värden. Ta bort eller skriv om dem (till exempel efter ombyggnaden) "
            "och kör igen."
        )

    by_code = {r["kod"]: r for rows in old_rows for r in rows}
    by_name = {r["rad"]: r for r in old_fin}
    notes = {name: book.read(name) for name in book.names()
             if name.startswith("fs_noteringar_") and _sheet_of(book, name) in layout.MONEY_SHEETS}
    layout.relayout_money_sheets(book.wb, settings)
    blocks: dict = {}
    for gi, group in enumerate(settings.groups, start=1):
        rows = [{k: by_code.get(c.code, {}).get(k) for k in ("budget", "ackumulerat", "prognos", "kommentar")}
                for c in settings.cost_centres_of(group.name)]
        if rows:
            blocks.update(ECONOMY.blocks_of(rows, gi, ["utfall", "prognos", "kommentar"]))
    if settings.financing:
        rows = [{k: by_name.get(f.name, {}).get(k) for k in SUMMARY.keys("utfall") + SUMMARY.keys("prognos")}
                for f in settings.financing]
        blocks.update(SUMMARY.blocks_of(rows, None, SUMMARY.input_blocks()))
    blocks.update({name: value for name, value in notes.items() if name in book.names()})
    book.write(blocks)

    old_codes = set(by_code)
    added = [c.code for c in settings.cost_centres if c.code not in old_codes]
    removed = [code for code in by_code if code not in codes]
    moved = [c.code for gi, g in enumerate(settings.groups)
             for c in settings.cost_centres_of(g.name) if c.code in old_codes
             and c.code not in {r["kod"] for r in old_rows[gi]}]
    what = [f"tillagda {', '.join(added)}" if added else "", f"borttagna {', '.join(removed)}" if removed else "",
            f"flyttade till en annan grupp {', '.join(moved)}" if moved else ""]
    fin_what = sorted(fin_names ^ set(by_name))
    if fin_what:
        what.append(f"finansieringsposter ändrade ({', '.join(fin_what)})")
    return [f"Bladen {', '.join(layout.MONEY_SHEETS)} byggdes om efter bladet {layout.SHEET_SETTINGS} "
            f"({'; '.join(w for w in what if w) or 'ny ordning'}); prognoser, kommentarer och noteringar "
            "följde med sina kostnadsställen och poster."]


def _pointers(book) -> list[str]:
    """Formulas on the person's own sheets, and names not finsam's, that point at cells of
    the money sheets by address: after a new layout those cells hold other figures."""
    sheets = "|".join(re.escape(s) for s in layout.MONEY_SHEETS)
    pattern = re.compile(rf"(?:'(?:{sheets})'|\b(?:{sheets}))!", re.IGNORECASE)
    out = []
    for ws in book.wb.worksheets:
        if ws.title in layout.MONEY_SHEETS or ws.title in layout.SHEETS:
            continue  # finsam's own sheets find the tables by name, or are drawn anew (Diagram)
        for row in ws.iter_rows():
            out += [f"{ws.title}!{c.coordinate}" for c in row
                    if c.data_type == "f" and isinstance(c.value, str) and pattern.search(c.value)]
    for name in book.names():
        if not name.startswith("fs_") and _sheet_of(book, name) in layout.MONEY_SHEETS:
            out.append(f"namnet {name}")
    return out


def _sheet_of(book, name: str) -> str | None:
    dests = list(book.wb.defined_names[name].destinations)
    return dests[0][0] if dests else None
