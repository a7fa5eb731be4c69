"""The workbook's layout: sheet names, defined names, which cells are inputs and which formulas.

This is the one module that knows where things are. :func:`build_template` lays out a fresh
workbook for a :class:`~finsam.settings.Settings`; everything else finds the input blocks
through their defined names (:data:`INPUT_NAMES` and the per-group names), so a person may
move or insert rows in Excel without breaking a later populate.

Sheets (Swedish, as the users see them):

``Deltagare``        participants per municipality (enligt folkbokföring: Inflöde/Utflöde ×
                     antal/unika) and the anonymously registered participants below.
``Ekonomi``          one cost-centre table per group (Budget Jan-Dec, Ackumulerat Jan-<month>,
                     Prognos Jan-Dec, Avvikelse, Kommentar), then "Ej fördelat".
``Sammanställning``  Totala kostnader (the tables' totals), Ej fördelat (accumulated), financing
                     lines, Årets finansiering med eget kapital, opening equity and the equity
                     forecast.
``Kontroller``       one row per check, each with an OK/FEL formula.
``Inställningar``    the settings (:mod:`finsam.settings`) and the period written by populate.

Input blocks (values, written by populate through one write per defined name):

=================================  ======================================================
``fs_period``                      Inställningar F2:F7: from, to, period label, year label,
                                   updated, finsam version
``fs_deltagare``                   members + Annan ort rows × 4 (inflöde antal, unika,
                                   utflöde antal, unika)
``fs_deltagare_summa_unika_in``    Summa unika, inflöde (distinct count: an input, not a SUM)
``fs_deltagare_summa_unika_ut``    Summa unika, utflöde
``fs_anonyma``                     :data:`ANONYMOUS_ROWS` rows × 2 (insats, antal)
``fs_g<N>_namn``                   group N's rows × 1: the cost centre's name (settings, else
                                   the SIE file's ``#OBJEKT`` name, else empty)
``fs_g<N>_utfall``                 group N's rows × 2 (Budget, Ackumulerat), tkr
``fs_g<N>_prognos``                group N's rows × 1 (Prognos, tkr) — the person's cells
``fs_g<N>_kommentar``              group N's rows × 1 (Kommentar) — the person's cells
``fs_ej_fordelat``                 1 × 1 Ackumulerat not on a known cost centre, tkr
``fs_finansiering_utfall``         financing lines × 2 (Budget, Ackumulerat), tkr
``fs_finansiering_prognos``        financing lines × 1 (Prognos, tkr) — the person's cells
``fs_eget_kapital``                1 × 1 opening equity, tkr
``fs_huvudbok_resultat``           1 × 1 the period's result per the ledger, tkr
=================================  ======================================================

Cells named ``fs_noteringar_*`` are free text for the person; populate never writes them.
Every total, the summary, the balancing item and the checks are formulas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from finsam.settings import Settings, settings_to_rows

class Formula(str):
    """A formula read from a cell of the workbook (``"=-280-20"``), as opposed to text that
    merely starts with ``=``. Written back, it stays a formula; any other text is written as
    text, so nothing from a source file ever becomes a formula."""


SHEET_PARTICIPANTS = "Deltagare"
SHEET_ECONOMY = "Ekonomi"
SHEET_SUMMARY = "Sammanställning"
SHEET_CHECKS = "Kontroller"
SHEET_SETTINGS = "Inställningar"
SHEETS = (SHEET_PARTICIPANTS, SHEET_ECONOMY, SHEET_SUMMARY, SHEET_CHECKS, SHEET_SETTINGS)

#: Rows reserved for anonymous participants per insats.
ANONYMOUS_ROWS = 12

#: Number format: whole tkr, Swedish thousands separator (a space), minus sign for costs.
#: The locale tag [$-41D] (sv-SE) makes LibreOffice print the space whatever its own locale;
#: Excel takes the separator from the system, which is a space on Swedish installations. A
#: literal space ("# ##0") would print "- 280" for numbers under a thousand.
NUMBER_FORMAT = "[$-41D]#,##0;-#,##0;0"

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # the person's cells (forecast, comments)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
FONT = "Calibri"  # the workbook's default font; a Font() without a name prints in a fallback serif
BOLD = Font(name=FONT, bold=True)
TITLE = Font(name=FONT, bold=True, size=14)
SMALL = Font(name=FONT, italic=True, size=9)
THIN_TOP = Border(top=Side(style="thin"))

#: "Ej fördelat": the ledger's result on cost centres the settings do not know, and on lines
#: without one. Its own line on Ekonomi and on Sammanställning (never inside a cost line).
UNALLOCATED_LABEL = "Ej fördelat / okänt kostnadsställe"

PERIOD_FIELDS = ["Period från", "Period till", "Periodetikett", "Årsetikett", "Senast uppdaterad", "finsam-version"]

#: Defined names that populate writes (per-group names come from :func:`group_names`).
INPUT_NAMES = (
    "fs_period",
    "fs_deltagare",
    "fs_deltagare_summa_unika_in",
    "fs_deltagare_summa_unika_ut",
    "fs_anonyma",
    "fs_ej_fordelat",
    "fs_finansiering_utfall",
    "fs_finansiering_prognos",
    "fs_eget_kapital",
    "fs_huvudbok_resultat",
)


def group_names(index: int) -> dict[str, str]:
    """Defined names of group ``index`` (1-based, settings order)."""
    return {
        "koder": f"fs_g{index}_koder",
        "namn": f"fs_g{index}_namn",
        "utfall": f"fs_g{index}_utfall",
        "prognos": f"fs_g{index}_prognos",
        "kommentar": f"fs_g{index}_kommentar",
        "total": f"fs_g{index}_totalt",
    }


def input_names(settings: Settings) -> list[str]:
    """Every defined name populate writes for these settings."""
    names = list(INPUT_NAMES)
    for i in range(1, len(settings.groups) + 1):
        g = group_names(i)
        names += [g["namn"], g["utfall"], g["prognos"], g["kommentar"]]
    return names


def _ref(sheet: str, top: int, left: int, bottom: int | None = None, right: int | None = None) -> str:
    a = f"${get_column_letter(left)}${top}"
    if bottom is None or (bottom == top and right == left):
        return f"{quote_sheetname(sheet)}!{a}"
    return f"{quote_sheetname(sheet)}!{a}:${get_column_letter(right)}${bottom}"


@dataclass
class _Names:
    wb: Workbook
    refs: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, sheet: str, top: int, left: int, bottom: int | None = None, right: int | None = None) -> None:
        ref = _ref(sheet, top, left, bottom, right)
        self.refs[name] = ref
        self.wb.defined_names[name] = DefinedName(name, attr_text=ref)


RIGHT = Alignment(horizontal="right")


def _cell(ws: Worksheet, row: int, col: int, value=None, *, bold=False, fmt=None, fill=None, wrap=False, right=False):
    c = ws.cell(row=row, column=col, value=value)
    if right:
        c.alignment = RIGHT
    if bold:
        c.font = BOLD
    if fmt:
        c.number_format = fmt
    if fill:
        c.fill = fill
    if wrap:
        c.alignment = Alignment(wrap_text=True, vertical="top")
    return c


def _notes(ws: Worksheet, names: _Names, row: int, last_col: int, name: str, sheet: str) -> None:
    """A "Noteringar" heading and a merged free-text cell under it: the person's, never written."""
    _cell(ws, row, 1, "Noteringar", bold=True)
    _cell(ws, row + 1, 1, fill=INPUT_FILL, wrap=True)
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 4, end_column=last_col)
    names.add(name, sheet, row + 1, 1)


def _print_setup(ws: Worksheet, settings: Settings, title_rows: str | None, *, one_page: bool = False) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    # The period stands in rows 1–2 of every report sheet, which print on every page.
    ws.oddHeader.left.text = settings.association
    ws.oddHeader.right.text = "&A"
    ws.oddFooter.right.text = "Sida &P av &N"


def _widths(ws: Worksheet, widths: dict[str, float]) -> None:
    for col, w in widths.items():
        ws.column_dimensions[col].width = w


def build_template(settings: Settings) -> Workbook:
    """A fresh, empty follow-up workbook for ``settings``: static texts, formulas, formats,
    defined names and the settings sheet. Input blocks are empty (populate fills them)."""
    wb = Workbook()
    wb.remove(wb.active)
    names = _Names(wb)
    for title in SHEETS:
        wb.create_sheet(title)
    _settings_sheet(wb[SHEET_SETTINGS], settings, names)
    _participants_sheet(wb[SHEET_PARTICIPANTS], settings, names)
    totals = _economy_sheet(wb[SHEET_ECONOMY], settings, names)
    _summary_sheet(wb[SHEET_SUMMARY], settings, names, totals)
    _checks_sheet(wb[SHEET_CHECKS], settings, names, totals)
    wb.active = 0
    return wb


def _settings_sheet(ws: Worksheet, settings: Settings, names: _Names) -> None:
    for r, row in enumerate(settings_to_rows(settings), start=1):
        for c, v in enumerate(row, start=1):
            if v is not None:
                _cell(ws, r, c, v, bold=(r == 1 or (isinstance(v, str) and v.startswith("["))))
    _cell(ws, 1, 5, "Ifylls av finsam", bold=True)
    for i, label in enumerate(PERIOD_FIELDS, start=2):
        _cell(ws, i, 5, label)
    names.add("fs_period", SHEET_SETTINGS, 2, 6, 2 + len(PERIOD_FIELDS) - 1, 6)
    names.add("fs_period_till", SHEET_SETTINGS, 3, 6)
    names.add("fs_periodetikett", SHEET_SETTINGS, 4, 6)
    names.add("fs_aretikett", SHEET_SETTINGS, 5, 6)
    _widths(ws, {"A": 58, "B": 48, "C": 20, "D": 3, "E": 20, "F": 24})
    ws.freeze_panes = "A2"
    _print_setup(ws, settings, "1:1")


def _participants_sheet(ws: Worksheet, settings: Settings, names: _Names) -> None:
    _cell(ws, 1, 1, settings.association).font = TITLE
    _cell(ws, 2, 1, '="Deltagare per kommun, "&fs_periodetikett&" "&LEFT(fs_period_till,4)', bold=True)
    _cell(ws, 4, 1, "enligt folkbokföring", bold=True, fill=HEADER_FILL)
    _cell(ws, 4, 2, "Inflöde", bold=True, fill=HEADER_FILL).alignment = Alignment(horizontal="center")
    _cell(ws, 4, 4, "Utflöde", bold=True, fill=HEADER_FILL).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=4, start_column=2, end_row=4, end_column=3)
    ws.merge_cells(start_row=4, start_column=4, end_row=4, end_column=5)
    for col, text in zip(range(1, 6), ["", "antal", "unika", "antal", "unika"]):
        _cell(ws, 5, col, text or None, bold=True, fill=HEADER_FILL, right=col > 1)
    first = 6
    rows = [m.name for m in settings.municipalities] + [settings.other_label]
    for i, name in enumerate(rows):
        _cell(ws, first + i, 1, name)
        for col in range(2, 6):  # right-aligned: a publication copy writes "<3" here as text
            _cell(ws, first + i, col, fmt=NUMBER_FORMAT, right=True)
    last = first + len(rows) - 1
    names.add("fs_deltagare", SHEET_PARTICIPANTS, first, 2, last, 5)
    total = last + 1
    _cell(ws, total, 1, "Summa", bold=True).border = THIN_TOP
    for col in (2, 4):
        L = get_column_letter(col)
        _cell(ws, total, col, f"=SUM({L}{first}:{L}{last})", bold=True, fmt=NUMBER_FORMAT, right=True).border = THIN_TOP
    for col, name in ((3, "fs_deltagare_summa_unika_in"), (5, "fs_deltagare_summa_unika_ut")):
        _cell(ws, total, col, bold=True, fmt=NUMBER_FORMAT, right=True).border = THIN_TOP
        names.add(name, SHEET_PARTICIPANTS, total, col)
    names.add("fs_deltagare_summa", SHEET_PARTICIPANTS, total, 2, total, 5)
    note = total + 1
    _cell(ws, note, 1, "antal = inskrivningar/utskrivningar, unika = unika personnummer; "
          "summa unika räknar varje person en gång.")
    ws.cell(row=note, column=1).font = SMALL

    a0 = note + 2
    _cell(ws, a0, 1, "Anonymt registrerade deltagare (ingår inte i tabellen ovan)", bold=True)
    _cell(ws, a0 + 1, 1, "Insats", bold=True, fill=HEADER_FILL)
    _cell(ws, a0 + 1, 2, '="Antal "&fs_periodetikett', bold=True, fill=HEADER_FILL, right=True)
    af, al = a0 + 2, a0 + 1 + ANONYMOUS_ROWS
    for r in range(af, al + 1):
        _cell(ws, r, 2, fmt=NUMBER_FORMAT)
    names.add("fs_anonyma", SHEET_PARTICIPANTS, af, 1, al, 2)
    _cell(ws, al + 1, 1, "Summa anonyma", bold=True).border = THIN_TOP
    _cell(ws, al + 1, 2, f"=SUM(B{af}:B{al})", bold=True, fmt=NUMBER_FORMAT).border = THIN_TOP
    names.add("fs_anonyma_summa", SHEET_PARTICIPANTS, al + 1, 2)

    _notes(ws, names, al + 3, 5, "fs_noteringar_deltagare", SHEET_PARTICIPANTS)
    _widths(ws, {"A": 44, "B": 14, "C": 12, "D": 12, "E": 12})
    ws.freeze_panes = "B6"
    _print_setup(ws, settings, "1:5", one_page=True)


@dataclass
class _Totals:
    """Addresses of the totals the summary and checks refer to."""

    groups: list[tuple[str, str, str, str]]  # (summary line, budget cell, ack cell, prognos cell) per group
    group_rows: list[tuple[int, int, int]]  # (first, last, total) row per group on Ekonomi
    unallocated: str = ""
    financing_rows: tuple[int, int] = (0, -1)
    equity_row: int = 0
    summary_rows: dict[str, int] = field(default_factory=dict)


def _economy_sheet(ws: Worksheet, settings: Settings, names: _Names) -> _Totals:
    q = quote_sheetname(SHEET_ECONOMY)
    _cell(ws, 1, 1, settings.association).font = TITLE
    _cell(ws, 2, 1, '="Ekonomisk uppföljning och helårsprognos, "&fs_periodetikett&" "&LEFT(fs_period_till,4)', bold=True)
    _cell(ws, 3, 1, "Nettokostnad och finansnetto i tkr per område; kostnader negativa, intäkter positiva.")
    ws.cell(row=3, column=1).font = SMALL
    totals = _Totals(groups=[], group_rows=[])
    r = 5
    for gi, group in enumerate(settings.groups, start=1):
        gn = group_names(gi)
        _cell(ws, r, 1, group.title + ":").font = Font(name=FONT, bold=True, size=12)
        heads = ["Kostnadsställe", "Nettokostnad och finansnetto", "Budget", "Ackumulerat", "Prognos", "Avvikelse", "Kommentar"]
        subs = [None, "i tkr per område", "=fs_aretikett", "=fs_periodetikett", "=fs_aretikett",
                "prognos−budget", None]
        for c, (h, s) in enumerate(zip(heads, subs), start=1):
            _cell(ws, r + 1, c, h, bold=True, fill=HEADER_FILL, right=3 <= c <= 6)
            _cell(ws, r + 2, c, s, bold=True, fill=HEADER_FILL, right=3 <= c <= 6)
        for c in (3, 4, 5, 6):
            _cell(ws, r + 3, c, "tkr", bold=True, fill=HEADER_FILL, right=True)
        for c in (1, 2, 7):
            _cell(ws, r + 3, c, fill=HEADER_FILL)
        first = r + 4
        ccs = settings.cost_centres_of(group.name)
        for i, cc in enumerate(ccs):
            row = first + i
            _cell(ws, row, 1, cc.code)
            _cell(ws, row, 2, cc.name)
            for c in (3, 4):
                _cell(ws, row, c, fmt=NUMBER_FORMAT)
            _cell(ws, row, 5, fmt=NUMBER_FORMAT, fill=INPUT_FILL)
            _cell(ws, row, 6, f'=IF(E{row}="","",E{row}-C{row})', fmt=NUMBER_FORMAT)
            _cell(ws, row, 7, fill=INPUT_FILL).alignment = Alignment(indent=1)  # clear of Avvikelse
        last = first + max(len(ccs), 1) - 1
        if not ccs:  # a group without cost centres still gets one (empty) row
            _cell(ws, first, 2, "(inga kostnadsställen)")
        names.add(gn["koder"], SHEET_ECONOMY, first, 1, last, 1)
        names.add(gn["namn"], SHEET_ECONOMY, first, 2, last, 2)
        names.add(gn["utfall"], SHEET_ECONOMY, first, 3, last, 4)
        names.add(gn["prognos"], SHEET_ECONOMY, first, 5, last, 5)
        names.add(gn["kommentar"], SHEET_ECONOMY, first, 7, last, 7)
        tot = last + 1
        _cell(ws, tot, 1, "Totalt", bold=True).border = THIN_TOP
        _cell(ws, tot, 2, None).border = THIN_TOP
        for c in (3, 4, 5):
            L = get_column_letter(c)
            _cell(ws, tot, c, f"=SUM({L}{first}:{L}{last})", bold=True, fmt=NUMBER_FORMAT).border = THIN_TOP
        _cell(ws, tot, 6, f"=E{tot}-C{tot}", bold=True, fmt=NUMBER_FORMAT).border = THIN_TOP
        _cell(ws, tot, 7, None).border = THIN_TOP
        names.add(gn["total"], SHEET_ECONOMY, tot, 3, tot, 5)
        totals.groups.append((group.summary_line, f"{q}!C{tot}", f"{q}!D{tot}", f"{q}!E{tot}"))
        totals.group_rows.append((first, last, tot))
        r = tot + 3
    _cell(ws, r, 2, UNALLOCATED_LABEL, bold=True)
    _cell(ws, r, 7, "Resultat i huvudboken utan känt kostnadsställe (se Kontroller)")
    _cell(ws, r, 4, fmt=NUMBER_FORMAT)
    names.add("fs_ej_fordelat", SHEET_ECONOMY, r, 4)
    totals.unallocated = f"{q}!D{r}"
    _notes(ws, names, r + 2, 7, "fs_noteringar_ekonomi", SHEET_ECONOMY)
    _widths(ws, {"A": 15, "B": 50, "C": 12, "D": 13, "E": 12, "F": 18, "G": 60})
    ws.freeze_panes = "C5"
    _print_setup(ws, settings, "1:3")
    return totals


def _summary_sheet(ws: Worksheet, settings: Settings, names: _Names, totals: _Totals) -> None:
    _cell(ws, 1, 1, settings.association).font = TITLE
    _cell(ws, 2, 1, '="Sammanställning, "&fs_periodetikett&" "&LEFT(fs_period_till,4)', bold=True)
    heads = [("Sammanställning", "förbundsmedel och projekt"), ("Budget", "=fs_aretikett"),
             ("Ackumulerat", "=fs_periodetikett"), ("Prognos", "=fs_aretikett")]
    for c, (h, s) in enumerate(heads, start=1):
        _cell(ws, 4, c, h, bold=True, fill=HEADER_FILL, right=c > 1)
        _cell(ws, 5, c, s, bold=True, fill=HEADER_FILL, right=c > 1)
        _cell(ws, 6, c, "tkr" if c > 1 else None, bold=True, fill=HEADER_FILL, right=c > 1)
    r = 7
    cost_rows = []
    for line in settings.summary_lines:  # the tables' totals, nothing else: the check compares like with like
        _cell(ws, r, 1, line)
        for c, idx in ((2, 1), (3, 2), (4, 3)):
            refs = [g[idx] for g in totals.groups if g[0] == line]
            _cell(ws, r, c, "=" + "+".join(refs) if refs else 0, fmt=NUMBER_FORMAT)
        totals.summary_rows[line] = r
        cost_rows.append(r)
        r += 1
    # The ledger's result on unknown cost centres, on its own line (accumulated only: it has
    # no budget or forecast), so the cost lines stay the tables' totals.
    _cell(ws, r, 1, UNALLOCATED_LABEL)
    _cell(ws, r, 3, "=" + totals.unallocated, fmt=NUMBER_FORMAT)
    totals.summary_rows[UNALLOCATED_LABEL] = r
    r += 1
    f0 = r
    for f in settings.financing:
        _cell(ws, r, 1, f.name)
        for c in (2, 3):
            _cell(ws, r, c, fmt=NUMBER_FORMAT)
        _cell(ws, r, 4, fmt=NUMBER_FORMAT, fill=INPUT_FILL)
        totals.summary_rows[f.name] = r
        r += 1
    f1 = r - 1
    if settings.financing:
        names.add("fs_finansiering_utfall", SHEET_SUMMARY, f0, 2, f1, 3)
        names.add("fs_finansiering_prognos", SHEET_SUMMARY, f0, 4, f1, 4)
    totals.financing_rows = (f0, f1)
    er = r
    _cell(ws, er, 1, "Årets finansiering med eget kapital *", bold=True)
    for c in (2, 4):
        L = get_column_letter(c)
        costs = "+".join(f"{L}{x}" for x in cost_rows)
        fin = f"-SUM({L}{f0}:{L}{f1})" if settings.financing else ""
        _cell(ws, er, c, f"=-({costs}){fin}", bold=True, fmt=NUMBER_FORMAT)
    totals.equity_row = er
    names.add("fs_arets_finansiering_ek", SHEET_SUMMARY, er, 2, er, 4)
    r = er + 3
    date = settings.opening_equity_date or f"{settings.year - 1}-12-31"
    _cell(ws, r - 1, 1, "Eget kapital", bold=True, fill=HEADER_FILL)
    _cell(ws, r - 1, 2, "tkr", bold=True, fill=HEADER_FILL, right=True)
    _cell(ws, r, 1, f"* Eget kapital ingående {date} enligt årsredovisning")
    _cell(ws, r, 2, fmt=NUMBER_FORMAT)
    names.add("fs_eget_kapital", SHEET_SUMMARY, r, 2)
    _cell(ws, r + 1, 1, "Beräknat eget kapital vid årets slut enligt prognos")
    _cell(ws, r + 1, 2, f'=IF(B{r}="","",B{r}-D{er})', fmt=NUMBER_FORMAT)
    names.add("fs_eget_kapital_prognos", SHEET_SUMMARY, r + 1, 2)
    _notes(ws, names, r + 3, 4, "fs_noteringar_sammanstallning", SHEET_SUMMARY)
    _widths(ws, {"A": 58, "B": 13, "C": 13, "D": 13})
    ws.freeze_panes = "B7"
    _print_setup(ws, settings, "1:6", one_page=True)


def _checks_sheet(ws: Worksheet, settings: Settings, names: _Names, totals: _Totals) -> None:
    """One row per check: what is checked, the difference or count found, and its status.

    Status is ``OK``, ``FEL`` (an error: the figures cannot be trusted) or ``VARNING`` (look
    at it: a forecast without a comment, result on unknown cost centres). The overall status
    (``fs_kontroller_status``) is ``FEL`` when any check is, else ``OK``. Masked counts of a
    publication copy (text ``"<N"``) are skipped by the participant checks. The Python twin
    is :func:`finsam.checks.check_blocks` (same codes in its docstring).
    """
    e = quote_sheetname(SHEET_ECONOMY)
    d = quote_sheetname(SHEET_PARTICIPANTS)
    s = quote_sheetname(SHEET_SUMMARY)
    _cell(ws, 1, 1, settings.association).font = TITLE
    _cell(ws, 2, 1, "Kontroller", bold=True)
    _cell(ws, 4, 1, "Alla kontroller", bold=True)
    _cell(ws, 6, 1, "Kontroll", bold=True, fill=HEADER_FILL)
    _cell(ws, 6, 2, "Avvikelse / antal", bold=True, fill=HEADER_FILL, right=True)
    _cell(ws, 6, 3, "Status", bold=True, fill=HEADER_FILL, right=True)
    checks: list[tuple[str, str, str]] = []  # (label, formula whose value must be 0, status when not)
    for gi, (group, (first, last, tot)) in enumerate(zip(settings.groups, totals.group_rows), start=1):
        for col, what in (("C", "budget"), ("D", "ackumulerat"), ("E", "prognos")):
            checks.append((f"{group.title}: totalt {what} = summan av raderna",
                           f"{e}!{col}{tot}-SUM({e}!{col}{first}:{col}{last})", "FEL"))
        checks.append((f"{group.title}: prognos som avviker från budget har en kommentar (antal utan)",
                       f"SUMPRODUCT(({e}!E{first}:E{last}<>\"\")*({e}!E{first}:E{last}<>{e}!C{first}:C{last})"
                       f"*(LEN({e}!G{first}:G{last})=0))", "VARNING"))
    first_m = 6
    last_m = first_m + len(settings.municipalities)
    tot_m = last_m + 1
    rows_m = f"{d}!B{first_m}:E{last_m}"
    no_mask = f"SUMPRODUCT(--ISTEXT({rows_m}))=0"  # a publication copy shows small counts as "<N"
    for col, what in (("B", "inflöde"), ("D", "utflöde")):
        checks.append((f"Deltagare: summa antal = summan av raderna, {what}",
                       f"IF({no_mask},{d}!{col}{tot_m}-SUM({d}!{col}{first_m}:{col}{last_m}),0)", "FEL"))
    checks.append(("Deltagare: unika ≤ antal på varje rad (antal rader där unika > antal)",
                   f"SUMPRODUCT(ISNUMBER({d}!C{first_m}:C{last_m})*ISNUMBER({d}!B{first_m}:B{last_m})"
                   f"*({d}!C{first_m}:C{last_m}>{d}!B{first_m}:B{last_m}))"
                   f"+SUMPRODUCT(ISNUMBER({d}!E{first_m}:E{last_m})*ISNUMBER({d}!D{first_m}:D{last_m})"
                   f"*({d}!E{first_m}:E{last_m}>{d}!D{first_m}:D{last_m}))", "FEL"))
    checks.append(("Deltagare: summa unika ≤ summan av radernas unika (inflöde och utflöde)",
                   f"IF({no_mask},--({d}!C{tot_m}>SUM({d}!C{first_m}:C{last_m}))"
                   f"+--({d}!E{tot_m}>SUM({d}!E{first_m}:E{last_m})),0)", "FEL"))
    checks.append(("Deltagare: summa unika ≤ summa antal",
                   f"IF(AND(ISNUMBER({d}!C{tot_m}),ISNUMBER({d}!B{tot_m})),--({d}!C{tot_m}>{d}!B{tot_m}),0)"
                   f"+IF(AND(ISNUMBER({d}!E{tot_m}),ISNUMBER({d}!D{tot_m})),--({d}!E{tot_m}>{d}!D{tot_m}),0)", "FEL"))
    checks.append(("Anonyma deltagare: summa = summan av raderna",
                   "fs_anonyma_summa-SUM(INDEX(fs_anonyma,0,2))", "FEL"))
    f0, f1 = totals.financing_rows
    cost_rows = [totals.summary_rows[line] for line in settings.summary_lines]
    er = totals.equity_row
    for col, what in (("B", "budget"), ("D", "prognos")):
        parts = [f"{s}!{col}{x}" for x in cost_rows]
        if settings.financing:
            parts.append(f"SUM({s}!{col}{f0}:{col}{f1})")
        parts.append(f"{s}!{col}{er}")
        checks.append((f"Sammanställningen balanserar, {what} (kostnader + finansiering + eget kapital = 0)",
                       "+".join(parts), "FEL"))
    for col, ecol, what in (("B", "C", "budget"), ("C", "D", "ackumulerat"), ("D", "E", "prognos")):
        refs = [f"{e}!{ecol}{tot}" for (_, _, tot) in totals.group_rows]
        lines = "+".join(f"{s}!{col}{x}" for x in cost_rows)
        checks.append((f"Sammanställningens kostnader = tabellernas totaler, {what}", f"({lines})-({'+'.join(refs)})", "FEL"))
    fin_ack = f"+SUM({s}!C{f0}:C{f1})" if settings.financing else ""
    group_ack = "+".join(f"{e}!D{tot}" for (_, _, tot) in totals.group_rows)
    checks.append(("Huvudboken stämmer: tabellerna + finansiering + ej fördelat = periodens resultat i huvudboken",
                   f"({group_ack}{fin_ack}+{totals.unallocated})-fs_huvudbok_resultat", "FEL"))
    checks.append((f"{UNALLOCATED_LABEL} är 0 (annars: lägg till kostnadsstället i inställningarna)",
                   f"{totals.unallocated}", "VARNING"))
    r = 7
    for label, formula, level in checks:
        _cell(ws, r, 1, label)
        _cell(ws, r, 2, f"=IFERROR({formula},1)", fmt=NUMBER_FORMAT)
        _cell(ws, r, 3, f'=IF(ROUND(B{r},0)=0,"OK","{level}")', bold=True, right=True)
        r += 1
    names.add("fs_kontroller", SHEET_CHECKS, 7, 1, r - 1, 3)
    _cell(ws, 4, 3, f'=IF(COUNTIF(C7:C{r - 1},"FEL")=0,"OK","FEL")', bold=True, right=True)
    names.add("fs_kontroller_status", SHEET_CHECKS, 4, 3)
    r += 1
    _cell(ws, r, 1, "Periodens resultat enligt huvudboken, summa per kostnadsställe (tkr)")
    _cell(ws, r, 2, fmt=NUMBER_FORMAT)
    names.add("fs_huvudbok_resultat", SHEET_CHECKS, r, 2)
    _widths(ws, {"A": 100, "B": 18, "C": 10})
    ws.freeze_panes = "A7"
    _print_setup(ws, settings, "1:6")
