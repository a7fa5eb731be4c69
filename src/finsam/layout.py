"""The workbook's layout: sheet names, defined names, which cells are inputs and which formulas.

This is the one module that knows where things are. :func:`build_template` lays out a fresh
workbook for a :class:`~finsam.settings.Settings`; everything else finds the input blocks
through their defined names (:data:`INPUT_NAMES` and the per-group names), so a person may
move or insert rows in Excel without breaking a later populate.

The tables' columns are declared in :mod:`finsam.blocks` (by key, once); this module lays
them out from those declarations and never holds an input block's column letter itself.

Sheets (Swedish, as the users see them): ``Deltagare`` (participants per municipality,
enligt folkbokföring, and the anonymous ones), ``Ekonomi`` (one cost-centre table per group,
then "Ej fördelat"), ``Sammanställning`` (Totala kostnader, Ej fördelat, financing, Årets
finansiering med eget kapital, equity), ``Kontroller`` (one OK/FEL/VARNING formula per
check, laid out by :mod:`finsam.layout_checks`) and ``Inställningar`` (the settings, :mod:`finsam.settings`, and the period).

Input blocks (values, written by populate through one write per defined name): the
tables' blocks as :mod:`finsam.blocks` declares them (``fs_deltagare``, ``fs_anonyma``,
``fs_g<N>_namn/utfall/prognos/kommentar``, ``fs_finansiering_utfall/prognos``, Summa unika
``fs_deltagare_summa_unika_in/ut``), and single cells: ``fs_period`` (Inställningar F2:F7:
from, to, period label, year label, updated, finsam version), ``fs_ej_fordelat``
(Ackumulerat not on a known cost centre), ``fs_eget_kapital`` (opening equity) and
``fs_huvudbok_resultat`` (the period's result per the ledger), tkr; ``fs_huvudbok_sista_datum``
(Kontroller: the ledger's last voucher date as ISO text, ``2013-06-27``, or empty). Formula
areas other modules read by name: ``fs_sammanstallning`` (:data:`SUMMARY_LINES`), ``fs_arets_finansiering_ek``,
``fs_eget_kapital_prognos``, ``fs_kontroller``. Prognos
and Kommentar are the person's cells: populate keeps what was typed there.
The sheet ``Deltagare per insats`` (after Deltagare) is laid out by
:mod:`finsam.participant_sheet` (blocks ``fs_insatser``, ``fs_avslutade``, ``fs_aldrar``,
``fs_struktur``).

Cells named ``fs_noteringar_*`` (:data:`NOTES`) are free text for the person; populate
writes them only to mask a personnummer typed there (:func:`person_cells`).
Every total, the summary, the balancing item and the checks are formulas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from finsam.blocks import (
    ALDRAR,
    ANONYMOUS,
    AVSLUTADE,
    ECONOMY,
    INSATSER,
    PARTICIPANTS,
    SHEET_CHECKS,
    SHEET_ECONOMY,
    SHEET_INSATSER,
    SHEET_MEMBERS,
    SHEET_NATIONAL,
    SHEET_PARTICIPANTS,
    SHEET_SETTINGS,
    SHEET_SUMMARY,
    SHEETS,
    STRUKTUR,
    SUMMARY,
    Table,
)
from finsam import charts, layout_checks, layout_money, report_text
from finsam.settings import Settings, settings_to_rows
from finsam.sheet import (
    DEVIATION_LEGEND,
    deviation_lights,
    FONT,
    HEADER_FILL,
    INPUT_FILL,
    NUMBER_FORMAT,
    THIN_TOP,
    TITLE,
    Names,
    column_widths,
    legend,
    notes,
    print_setup,
    put,
    same_heading,
    table,
    widths,
    wrap_headings,
)

class Formula(str):
    """A formula read from a cell of the workbook (``"=-280-20"``), as opposed to text that
    merely starts with ``=``. Written back, it stays a formula; any other text is written as
    text, so nothing from a source file ever becomes a formula."""


#: Rows reserved for anonymous participants per insats.
ANONYMOUS_ROWS = 12

#: "Ej fördelat": the ledger's result on cost centres the settings do not know, and on lines
#: without one. Its own line on Ekonomi and on Sammanställning (never inside a cost line).
UNALLOCATED_LABEL = "Ej fördelat / okänt kostnadsställe"

PERIOD_FIELDS = ["Period från", "Period till", "Periodetikett", "Årsetikett", "Senast uppdaterad", "finsam-version"]

#: The Sammanställning table's lines, all its columns: the cost lines, Ej fördelat, the
#: financing lines and Årets finansiering med eget kapital (the report prints it by this name).
SUMMARY_LINES = "fs_sammanstallning"

#: The Sammanställning columns of "Årets finansiering med eget kapital" (its formulas; the
#: accumulated column has none: equity is a full-year figure).
EQUITY_KEYS = ("budget", "prognos")


def _inputs(table: Table, i: int | None = None) -> list[str]:
    return [table.name(b, i) for b in table.input_blocks()]


#: Defined names that populate writes (per-group names come from :func:`group_names`).
INPUT_NAMES = (
    "fs_period",
    *_inputs(PARTICIPANTS),
    *(c.total_name for c in PARTICIPANTS.columns if c.total == "input"),
    *_inputs(ANONYMOUS),
    *(n for t in (INSATSER, AVSLUTADE, ALDRAR, STRUKTUR)  # Deltagare per insats (participant_sheet.py)
      for n in (*_inputs(t), *(c.total_name for c in t.columns if c.total == "input"))),
    "fs_ej_fordelat",
    *_inputs(SUMMARY),
    "fs_eget_kapital",
    "fs_huvudbok_resultat",
    "fs_huvudbok_sista_datum",
)


def group_names(index: int) -> dict[str, str]:
    """Defined names of group ``index`` (1-based, settings order): one per block of
    :data:`finsam.blocks.ECONOMY` (``koder``, ``namn``, ``utfall``, ``prognos``,
    ``kommentar``) and ``total`` (the total row's sums)."""
    return {**{b: ECONOMY.name(b, index) for b in ECONOMY.blocks()}, "total": ECONOMY.name("totalt", index)}


#: The notes cells (free text, the person's) and the sheet each is on.
NOTES = {
    "fs_noteringar_deltagare": SHEET_PARTICIPANTS,
    "fs_noteringar_ekonomi": SHEET_ECONOMY,
    "fs_noteringar_sammanstallning": SHEET_SUMMARY,
}


def person_cells(settings: Settings) -> tuple[list[str], list[str]]:
    """The defined names of the cells a person types in: ``(text, numbers)`` — text cells
    (notes, comments) and number cells that may hold text (forecasts). Every personnummer in
    them is masked on populate and reported by validate."""
    text = list(NOTES)
    numbers = [SUMMARY.name("prognos")]
    for i in range(1, len(settings.groups) + 1):
        text.append(ECONOMY.name("kommentar", i))
        numbers.append(ECONOMY.name("prognos", i))
    return text, numbers


def input_names(settings: Settings) -> list[str]:
    """Every defined name populate writes for these settings."""
    names = list(INPUT_NAMES)
    for i in range(1, len(settings.groups) + 1):
        names += _inputs(ECONOMY, i)
    return names


def read_names(settings: Settings) -> list[str]:
    """The defined names a populate reads, once, before computing
    (:func:`finsam.populate.compute_blocks`): every block it may write (:func:`input_names`,
    the Summa rows a publication copy writes as values, the notes) and each cost-centre
    table's codes (their order on the sheet)."""
    return [*input_names(settings), PARTICIPANTS.name("summa"), *(t.name("totalt") for t in (INSATSER, AVSLUTADE, ALDRAR)),
            *NOTES, *(ECONOMY.name("koder", i) for i in range(1, len(settings.groups) + 1))]


def build_template(settings: Settings) -> Workbook:
    """A fresh, empty follow-up workbook for ``settings``: static texts, formulas, formats,
    defined names and the settings sheet. Input blocks are empty (populate fills them)."""
    wb = Workbook()
    wb.remove(wb.active)
    names = Names(wb)
    for title in SHEETS:
        wb.create_sheet(title)
    _settings_sheet(wb[SHEET_SETTINGS], settings, names)
    _participants_sheet(wb[SHEET_PARTICIPANTS], settings, names)
    from finsam import participant_sheet  # imports book, which imports this module

    participant_sheet.draw(wb[SHEET_INSATSER], settings, names)
    totals = _economy_sheet(wb[SHEET_ECONOMY], settings, names)
    _summary_sheet(wb[SHEET_SUMMARY], settings, names, totals)
    _money_sheets(wb, settings, names, totals)
    layout_checks.checks_sheet(wb[SHEET_CHECKS], settings, names, totals)
    report_text.text_sheet(wb, names, settings)
    charts.draw(wb, settings)
    wb.active = 0
    return wb


#: The sheets laid out from the cost centres and financing lines; :func:`relayout_money_sheets`
#: lays them out anew when those change on the settings sheet (:mod:`finsam.relayout`).
MONEY_SHEETS = (SHEET_ECONOMY, SHEET_SUMMARY, SHEET_MEMBERS, SHEET_NATIONAL, SHEET_CHECKS)


def _money_sheets(wb: Workbook, settings: Settings, names: Names, totals: _Totals) -> None:
    """Finansiering per medlem and Uppföljning Finsam (:mod:`finsam.layout_money`): formulas
    over Ekonomi's rows and Sammanställning's lines, so they are laid out with them."""
    economy_rows = (totals.group_rows[0][0], totals.group_rows[-1][1])
    contributions = totals.summary_rows.get(settings.contributions) if settings.contributions else None
    layout_money.members_sheet(wb[SHEET_MEMBERS], settings, names, totals.money, contributions)
    layout_money.national_sheet(wb[SHEET_NATIONAL], settings, names, totals.money, economy_rows, totals.financing_rows)


def relayout_money_sheets(wb: Workbook, settings: Settings) -> None:
    """Lay out :data:`MONEY_SHEETS` of an existing finsam workbook anew for ``settings``, in
    place and at the same positions, with their defined names, exactly as
    :func:`build_template` does; their input blocks are empty. Every other sheet (the
    person's too) and every other name stay as they are.

    Raises:
        KeyError: the workbook lacks one of :data:`MONEY_SHEETS` (the caller checks first).
    """
    for name in list(wb.defined_names):
        if any(sheet in MONEY_SHEETS for sheet, _ in wb.defined_names[name].destinations):
            del wb.defined_names[name]
    active = wb.active.title if wb.active is not None else None
    at = {title: wb.sheetnames.index(title) for title in MONEY_SHEETS}
    for title in MONEY_SHEETS:
        wb.remove(wb[title])
    for title in sorted(MONEY_SHEETS, key=at.get):
        wb.create_sheet(title, at[title])
    names = Names(wb)
    totals = _economy_sheet(wb[SHEET_ECONOMY], settings, names)
    _summary_sheet(wb[SHEET_SUMMARY], settings, names, totals)
    _money_sheets(wb, settings, names, totals)
    layout_checks.checks_sheet(wb[SHEET_CHECKS], settings, names, totals)
    if active in wb.sheetnames:
        wb.active = wb.sheetnames.index(active)


def _settings_sheet(ws: Worksheet, settings: Settings, names: Names) -> None:
    for r, row in enumerate(settings_to_rows(settings), start=1):
        for c, v in enumerate(row, start=1):
            if v is not None:
                put(ws, r, c, v, bold=(r == 1 or (isinstance(v, str) and v.startswith("["))))
    put(ws, 1, 5, "Ifylls av finsam", bold=True)
    for i, label in enumerate(PERIOD_FIELDS, start=2):
        put(ws, i, 5, label)
    names.add("fs_period", SHEET_SETTINGS, 2, 6, 2 + len(PERIOD_FIELDS) - 1, 6)
    names.add("fs_period_till", SHEET_SETTINGS, 3, 6)
    names.add("fs_periodetikett", SHEET_SETTINGS, 4, 6)
    names.add("fs_aretikett", SHEET_SETTINGS, 5, 6)
    widths(ws, {"A": 58, "B": 48, "C": 20, "D": 3, "E": 20, "F": 24})
    ws.freeze_panes = "A2"
    print_setup(ws, settings, "1:1")


def _participants_sheet(ws: Worksheet, settings: Settings, names: Names) -> None:
    put(ws, 1, 1, settings.association).font = TITLE
    put(ws, 2, 1, '="Deltagare per kommun, "&fs_periodetikett&" "&LEFT(fs_period_till,4)', bold=True)
    t = PARTICIPANTS
    for c, col in enumerate(t.columns, start=t.first_column):
        if c == t.first_column or col.heading != t.columns[c - t.first_column - 1].heading:
            head = put(ws, 4, c, col.heading, bold=True, fill=HEADER_FILL)
            span = sum(1 for _ in same_heading(t, c))
            if span > 1:  # a heading over several columns (Inflöde: antal, unika)
                head.alignment = Alignment(horizontal="center")
                ws.merge_cells(start_row=4, start_column=c, end_row=4, end_column=c + span - 1)
        put(ws, 5, c, col.sub, bold=True, fill=HEADER_FILL, right=col.number)
    first = 6
    rows = [m.name for m in settings.municipalities] + [settings.other_label]
    for i, name in enumerate(rows):
        for c, col in enumerate(t.columns, start=t.first_column):
            if col.number:  # right-aligned: a publication copy writes "<3" here as text
                put(ws, first + i, c, fmt=NUMBER_FORMAT, right=True)
            else:
                put(ws, first + i, c, name)
    last = first + len(rows) - 1
    a, b = t.span("")
    names.add(t.name(""), SHEET_PARTICIPANTS, first, a, last, b)
    total = last + 1
    put(ws, total, t.first_column, "Summa", bold=True).border = THIN_TOP
    for key in t.total_keys(["sum"]):
        c, L = t.column_of(key), t.letter(key)
        put(ws, total, c, f"=SUM({L}{first}:{L}{last})", bold=True, fmt=NUMBER_FORMAT, right=True).border = THIN_TOP
    for key in t.total_keys(["input"]):  # a distinct count is no sum of the rows: populate writes it
        put(ws, total, t.column_of(key), bold=True, fmt=NUMBER_FORMAT, right=True).border = THIN_TOP
        names.add(t[key].total_name, SHEET_PARTICIPANTS, total, t.column_of(key))
    a, b = t.total_span()
    names.add(t.name("summa"), SHEET_PARTICIPANTS, total, a, total, b)
    note = total + 1
    widths(ws, column_widths(t))
    legend(ws, note, "antal = inskrivningar/utskrivningar, unika = unika personnummer; "
           "summa unika räknar varje person en gång.", t.first_column + len(t.columns) - 1)

    a0 = note + 2
    put(ws, a0, 1, "Anonymt registrerade deltagare (ingår inte i tabellen ovan)", bold=True)
    an = ANONYMOUS
    for c, col in enumerate(an.columns, start=an.first_column):
        put(ws, a0 + 1, c, col.heading, bold=True, fill=HEADER_FILL, right=col.number)
    wrap_headings(ws, an, a0 + 1, (2,))  # "Antal Jan-Mars" over a 12-wide column
    af, al = a0 + 2, a0 + 1 + ANONYMOUS_ROWS
    for r in range(af, al + 1):
        for key in an.total_keys(["sum"]):
            put(ws, r, an.column_of(key), fmt=NUMBER_FORMAT)
    a, b = an.span("")
    names.add(an.name(""), SHEET_PARTICIPANTS, af, a, al, b)
    put(ws, al + 1, an.first_column, "Summa anonyma", bold=True).border = THIN_TOP
    for key in an.total_keys(["sum"]):
        c, cells = an.column_of(key), an.range(key, af, al)
        if key == "antal":
            put(ws, al + 1, c, f"=SUM({cells})", bold=True, fmt=NUMBER_FORMAT).border = THIN_TOP
            names.add(an.name("summa"), SHEET_PARTICIPANTS, al + 1, c)
        else:  # Kvinnor, Män: empty, not 0, when anonyma.csv has no Kön column
            put(ws, al + 1, c, f'=IF(COUNT({cells})=0,"",SUM({cells}))', bold=True, fmt=NUMBER_FORMAT).border = THIN_TOP

    notes(ws, names, al + 3, t.column_of(t.columns[-1].key), "fs_noteringar_deltagare", SHEET_PARTICIPANTS)
    widths(ws, column_widths(t))
    ws.freeze_panes = "B6"
    print_setup(ws, settings, "1:5", one_page=True)


@dataclass
class _Totals:
    """Addresses of the totals the summary and checks refer to."""

    groups: list[tuple[str, int]]  # (summary line, total row on Ekonomi) per group
    group_rows: list[tuple[int, int, int]]  # (first, last, total) row per group on Ekonomi
    unallocated: str = ""
    financing_rows: tuple[int, int] = (0, -1)
    equity_row: int = 0
    summary_rows: dict[str, int] = field(default_factory=dict)
    money: layout_money.MoneyRefs = field(default_factory=layout_money.MoneyRefs)  # issue 12's checks


def _economy_sheet(ws: Worksheet, settings: Settings, names: Names) -> _Totals:
    q = quote_sheetname(SHEET_ECONOMY)
    put(ws, 1, 1, settings.association).font = TITLE
    put(ws, 2, 1, '="Ekonomisk uppföljning och helårsprognos, "&fs_periodetikett&" "&LEFT(fs_period_till,4)', bold=True)
    t = ECONOMY
    widths(ws, column_widths(t))
    # the legend over the title columns, which every printed page repeats (see print_setup below)
    legend(ws, 3, "Nettokostnad och finansnetto i tkr per område; kostnader negativa, intäkter positiva. "
           + DEVIATION_LEGEND, t.column_of("namn"))
    totals = _Totals(groups=[], group_rows=[])
    r = 5
    for gi, group in enumerate(settings.groups, start=1):
        put(ws, r, t.first_column, group.title + ":").font = Font(name=FONT, bold=True, size=12)
        labels = [{"kod": cc.code, "namn": cc.name} for cc in settings.cost_centres_of(group.name)]
        first, last, tot = table(ws, names, t, r + 1, labels, gi, empty=("namn", "(inga kostnadsställen)"))
        wrap_headings(ws, t, r + 1, (3, 2))  # narrow number columns: "Budget t.o.m. perioden" on three lines
        totals.groups.append((group.summary_line, tot))
        totals.group_rows.append((first, last, tot))
        deviation_lights(ws, t.range("avvikelse", first, tot))
        r = tot + 3
    put(ws, r, t.column_of("namn"), UNALLOCATED_LABEL, bold=True)
    put(ws, r, t.column_of("kommentar"), "Resultat i huvudboken utan känt kostnadsställe (se Kontroller)")
    put(ws, r, t.column_of("ackumulerat"), fmt=NUMBER_FORMAT)
    names.add("fs_ej_fordelat", SHEET_ECONOMY, r, t.column_of("ackumulerat"))
    totals.unallocated = f"{q}!{t.letter('ackumulerat')}{r}"
    notes(ws, names, r + 2, t.column_of(t.columns[-1].key), "fs_noteringar_ekonomi", SHEET_ECONOMY)
    ws.freeze_panes = f"{t.letter('budget')}5"
    # Nine columns do not fit one A4 width at 9 pt: the figures on one page, Kommentar on the
    # next, code and name repeated (issue 13: every table sheet at 9 pt or more).
    print_setup(ws, settings, "1:3", title_columns=f"{t.letter('kod')}:{t.letter('namn')}",
                break_after=t.letter("avvikelse"))
    return totals


def _summary_sheet(ws: Worksheet, settings: Settings, names: Names, totals: _Totals) -> None:
    put(ws, 1, 1, settings.association).font = TITLE
    put(ws, 2, 1, '="Sammanställning, "&fs_periodetikett&" "&LEFT(fs_period_till,4)', bold=True)
    t = SUMMARY
    e = quote_sheetname(SHEET_ECONOMY)
    for c, col in enumerate(t.columns, start=t.first_column):
        put(ws, 4, c, col.heading, bold=True, fill=HEADER_FILL, right=col.number)
        put(ws, 5, c, col.sub, bold=True, fill=HEADER_FILL, right=col.number)
        put(ws, 6, c, col.unit, bold=True, fill=HEADER_FILL, right=col.number)
    money = [c.key for c in t.columns if c.number]
    r = top = 7  # the first line (under the three header rows)
    cost_rows = []
    for line in settings.summary_lines:  # the tables' totals, nothing else: the check compares like with like
        put(ws, r, t.first_column, line)
        for key in money:  # each summary column sums the Ekonomi totals of the same key
            refs = [f"{e}!{ECONOMY.letter(key)}{tot}" for (g, tot) in totals.groups if g == line]
            put(ws, r, t.column_of(key), "=" + "+".join(refs) if refs else 0, fmt=NUMBER_FORMAT)
        totals.summary_rows[line] = r
        cost_rows.append(r)
        r += 1
    # The ledger's result on unknown cost centres, on its own line (accumulated only: it has
    # no budget or forecast), so the cost lines stay the tables' totals.
    put(ws, r, t.first_column, UNALLOCATED_LABEL)
    put(ws, r, t.column_of("ackumulerat"), "=" + totals.unallocated, fmt=NUMBER_FORMAT)
    totals.summary_rows[UNALLOCATED_LABEL] = r
    r += 1
    f0 = r
    for f in settings.financing:
        put(ws, r, t.first_column, f.name)
        for key in money:
            put(ws, r, t.column_of(key), fmt=NUMBER_FORMAT, fill=INPUT_FILL if t[key].kind == "person" else None)
        totals.summary_rows[f.name] = r
        r += 1
    f1 = r - 1
    if settings.financing:
        for b in t.input_blocks():
            a, z = t.span(b)
            names.add(t.name(b), SHEET_SUMMARY, f0, a, f1, z)
    totals.financing_rows = (f0, f1)
    er = r
    put(ws, er, t.first_column, "Årets finansiering med eget kapital *", bold=True)
    for key in EQUITY_KEYS:
        L = t.letter(key)
        costs = "+".join(f"{L}{x}" for x in cost_rows)
        fin = f"-SUM({L}{f0}:{L}{f1})" if settings.financing else ""
        put(ws, er, t.column_of(key), f"=-({costs}){fin}", bold=True, fmt=NUMBER_FORMAT)
    totals.equity_row = er
    if len(cost_rows) == 1:  # the report's {totala_kostnader_*} (finsam.report_text)
        a, z = t.column_of(EQUITY_KEYS[0]), t.column_of(EQUITY_KEYS[-1])
        names.add("fs_totala_kostnader", SHEET_SUMMARY, cost_rows[0], a, cost_rows[0], z)
    names.add("fs_arets_finansiering_ek", SHEET_SUMMARY, er, t.column_of(EQUITY_KEYS[0]), er, t.column_of(EQUITY_KEYS[-1]))
    names.add(SUMMARY_LINES, SHEET_SUMMARY, top, t.first_column, er, t.column_of(t.columns[-1].key))
    r = er + 3
    date = settings.opening_equity_date or f"{settings.year - 1}-12-31"
    eq = t.column_of(money[0])  # the equity figures stand under the first money column
    E, P = t.letter(money[0]), t.letter("prognos")
    put(ws, r - 1, t.first_column, "Eget kapital", bold=True, fill=HEADER_FILL)
    put(ws, r - 1, eq, "tkr", bold=True, fill=HEADER_FILL, right=True)
    put(ws, r, t.first_column, f"* Eget kapital ingående {date} enligt årsredovisning")
    put(ws, r, eq, fmt=NUMBER_FORMAT)
    names.add("fs_eget_kapital", SHEET_SUMMARY, r, eq)
    put(ws, r + 1, t.first_column, "Beräknat eget kapital vid årets slut enligt prognos")
    put(ws, r + 1, eq, f'=IF({E}{r}="","",{E}{r}-{P}{er})', fmt=NUMBER_FORMAT)
    names.add("fs_eget_kapital_prognos", SHEET_SUMMARY, r + 1, eq)
    r = layout_money.categories_block(ws, settings, names, r + 3, (totals.group_rows[0][0], totals.group_rows[-1][1]),
                                      totals.money, cost_rows) - 3
    notes(ws, names, r + 3, t.column_of(t.columns[-1].key), "fs_noteringar_sammanstallning", SHEET_SUMMARY)
    widths(ws, column_widths(t))
    ws.freeze_panes = f"{t.letter(money[0])}7"
    print_setup(ws, settings, "1:6", one_page=True)
