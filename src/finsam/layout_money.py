"""The money follow-up's parts of the layout (issue 12): Kategorier on Sammanställning, the
sheets *Finansiering per medlem* and *Uppföljning Finsam*, and their Kontroller rows.

Part of :mod:`finsam.layout` (which calls these functions from ``build_template``): every
figure here is a formula over the other sheets and the settings sheet, so a forecast typed
in Excel, or a share or category changed on *Inställningar*, moves them. Python writes no
input here. The rules live in :mod:`finsam.tables` (the Python twins) and are cited there:

* **Kategorier**: budget/ackumulerat/prognos per category of Uppföljning Finsam (finsam.se:
  administration, individinriktade and strukturövergripande insatser), each the SUMIF of the
  Ekonomi rows whose cost centre has that category on *[Kategorier]*; the administration
  share of total costs.
* **Finansiering per medlem** (lag 2003:1210 §5: Försäkringskassan 50 %, the region 25 %,
  the municipalities 25 %; 9 § p. 8: each member's share of assets and liabilities in
  proportion): each member's share of the contributions (budget, up to the period) and of
  the equity (opening, at the year end by the forecast), split by the largest remainder so
  the rows sum to the total (:func:`finsam.money.largest_remainder`, the same rule).
* **Uppföljning Finsam**: per insats (cost centres that are not administration) budget and
  outcome, participants by kön; administration; tilldelade medel; eget kapital.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from finsam.blocks import (
    ECONOMY,
    SHEET_ECONOMY,
    SHEET_MEMBERS,
    SHEET_NATIONAL,
    SHEET_SETTINGS,
    SHEET_SUMMARY,
    SUMMARY,
    Column,
    Table,
)
from finsam.settings import (
    CATEGORIES,
    SECTION_CATEGORIES,
    SECTION_EQUITY_GUIDELINE,
    SECTION_MUNICIPAL_SPLIT,
    Settings,
    key_label,
    settings_to_rows,
)
from finsam.sheet import (BOLD, HEADER_FILL, NUMBER_FORMAT, THIN_TOP, TITLE, Names, legend, print_setup, put,
                          table, widths, wrap_headings)

#: Kategorier's lines: (category on the settings sheet, Swedish line); "" = not given.
CATEGORY_LINES = (
    ("administration", "Administration"),
    ("individinriktad", "Individinriktade insatser"),
    ("strukturövergripande", "Strukturövergripande insatser"),
    ("", "Ingen kategori angiven"),
)
assert tuple(c for c, _ in CATEGORY_LINES[:-1]) == CATEGORIES

PERCENT_FORMAT = "0.00"
SHARE_FORMAT = "0.0%"

#: Finansiering per medlem, tkr (formulas only; the keys are tables.members' columns).
MEMBERS = Table("medlemmar", SHEET_MEMBERS, "fs_medlemmar", (
    Column("medlem", "Medlem", kind="label", number=False, width=30),
    Column("andel", "Andel (%)", "enligt förbundsordningen", "%", kind="label", total="sum", width=18),
    Column("bidrag_budget", "Bidrag budget", "=fs_aretikett", "tkr", kind="label", total="sum", width=14),
    Column("bidrag_tom", "Bidrag t.o.m. perioden", "=fs_periodetikett", "tkr", kind="label", total="sum", width=16),
    Column("eget_kapital_ingaende", "Andel av ingående eget kapital", None, "tkr", kind="label", total="sum", width=20),
    Column("eget_kapital_prognos", "Andel av eget kapital vid årets slut enligt prognos", None, "tkr", kind="label",
           total="sum", width=24),
))

#: Uppföljning Finsam, one row per insats (formulas only).
NATIONAL = Table("uppfoljning_finsam", SHEET_NATIONAL, "fs_uppfoljning", (
    Column("insats", "Insats", kind="label", number=False, width=40),
    Column("kategori", "Kategori", kind="label", number=False, width=22),
    Column("budget", "Budget", "=fs_aretikett", "tkr", kind="label", total="sum", width=12),
    Column("utfall", "Utfall t.o.m. perioden", "=fs_periodetikett", "tkr", kind="label", total="sum", width=14),
    Column("kvinnor", "Deltagare kvinnor", "=fs_periodetikett", "antal", kind="label", width=12),
    Column("man", "Deltagare män", "=fs_periodetikett", "antal", kind="label", width=12),
    Column("totalt", "Deltagare totalt", "=fs_periodetikett", "antal", kind="label", width=12),
))
#: The category whose participants are counted at events (struktur.csv), not in the register.
STRUCTURAL = CATEGORIES[2]


@dataclass
class MoneyRefs:
    """What the Kontroller rows of this module need, collected while the sheets are laid out:
    ``checks`` = (label, formula that must be 0, status when not) as layout's checks;
    ``guideline`` = (label, value formula, status formula) of the equity guideline row."""

    checks: list[tuple[str, str, str]] = field(default_factory=list)
    guideline: tuple[str, str, str] | None = None
    categories_first: int = 0
    cost_line_rows: list[int] = field(default_factory=list)


def settings_cells(settings: Settings) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    """Where the settings sheet holds what the formulas read: key label → row, and section
    title → (first, last) row of its items, blank rows kept for the person included (1-based
    sheet rows, as :func:`finsam.settings.settings_to_rows` lays them out from row 1: a
    blank row, ``[Title]``, the column names, the items)."""
    rows = settings_to_rows(settings)
    keys = {r[0]: i for i, r in enumerate(rows, start=1) if r[0] is not None}
    titles = [i for i, r in enumerate(rows, start=1) if isinstance(r[0], str) and r[0].startswith("[")]
    sections = {}
    for n, i in enumerate(titles):
        end = titles[n + 1] - 2 if n + 1 < len(titles) else len(rows)
        sections[rows[i - 1][0][1:-1]] = (i + 2, end)
    return keys, sections


def _key(settings: Settings, attr: str) -> str:
    keys, _ = settings_cells(settings)
    return f"{quote_sheetname(SHEET_SETTINGS)}!$B${keys[key_label(attr)]}"


def _section(settings: Settings, title: str, column: str) -> str:
    _, sections = settings_cells(settings)
    first, last = sections[title]
    return f"{quote_sheetname(SHEET_SETTINGS)}!${column}${first}:${column}${last}"


def _economy_column(key: str, rows: tuple[int, int]) -> str:
    return f"{quote_sheetname(SHEET_ECONOMY)}!${ECONOMY.letter(key)}${rows[0]}:${ECONOMY.letter(key)}${rows[1]}"


def categories_block(ws: Worksheet, settings: Settings, names: Names, top: int, economy_rows: tuple[int, int],
                     refs: MoneyRefs, cost_line_rows: list[int]) -> int:
    """Kategorier on Sammanställning from row ``top``; returns the next free row.

    ``economy_rows``: the first and last row of Ekonomi's cost-centre tables (codes in the
    code column; the headings and Totalt rows match no code). ``cost_line_rows``: the
    Sammanställning rows of the cost lines (their sum is the total the categories must make).
    """
    t = SUMMARY
    keys = [c.key for c in t.columns if c.number]
    put(ws, top, t.first_column, "Kategorier (Uppföljning Finsam)", bold=True, fill=HEADER_FILL)
    for key in keys:
        put(ws, top, t.column_of(key), t[key].heading, bold=True, fill=HEADER_FILL, right=True)
    codes = _section(settings, SECTION_CATEGORIES, "A")
    cats = _section(settings, SECTION_CATEGORIES, "B")
    ecodes = _economy_column("kod", economy_rows)
    first = top + 1
    last = first + len(CATEGORY_LINES) - 1
    s = quote_sheetname(SHEET_SUMMARY)
    for n, (cat, label) in enumerate(CATEGORY_LINES):
        r = first + n
        put(ws, r, t.first_column, label)
        for key in keys:
            L = t.letter(key)
            if cat:
                value = f'=SUMPRODUCT(({cats}="{cat}")*SUMIF({ecodes},{codes},{_economy_column(key, economy_rows)}))'
            else:  # the rest: a cost centre whose category is empty, or not on [Kategorier] (added later)
                value = f"=({'+'.join(f'{L}{x}' for x in cost_line_rows)})-SUM({L}{first}:{L}{last - 1})"
            put(ws, r, t.column_of(key), value, fmt=NUMBER_FORMAT)
    refs.checks.append(("Kategorier: varje kostnadsställe har en kategori (Ingen kategori angiven = 0; ange den under "
                        "[Kategorier] i Inställningar)",
                        "+".join(f"ABS({s}!{t.letter(k)}{last})" for k in keys), "VARNING"))
    total = last + 1
    put(ws, total, t.first_column, "Summa kostnader", bold=True).border = THIN_TOP
    for key in keys:
        L = t.letter(key)
        put(ws, total, t.column_of(key), f"=SUM({L}{first}:{L}{last})", bold=True, fmt=NUMBER_FORMAT).border = THIN_TOP
        refs.checks.append((f"Kategorier: summan = totala kostnader, {key}",
                            f"{s}!{L}{total}-({'+'.join(f'{s}!{L}{x}' for x in cost_line_rows)})", "FEL"))
    refs.cost_line_rows = list(cost_line_rows)
    share = total + 1
    put(ws, share, t.first_column, "Administrationens andel av totala kostnader")
    for key in keys:
        L = t.letter(key)
        put(ws, share, t.column_of(key), f'=IF({L}{total}=0,"",{L}{first}/{L}{total})', fmt=SHARE_FORMAT)
    names.add("fs_kategorier", SHEET_SUMMARY, first, t.column_of(keys[0]), last, t.column_of(keys[-1]))
    names.add("fs_administration_andel", SHEET_SUMMARY, share, t.column_of(keys[0]), share, t.column_of(keys[-1]))
    refs.categories_first = first
    return share + 2


def _titles(ws: Worksheet, settings: Settings, t: Table, title: str, note: str) -> None:
    """Rows 1–3 of a money sheet laid out for table ``t``: the association, the title with the
    period, a note wrapped within the table's width (and the table's column widths)."""
    put(ws, 1, 1, settings.association).font = TITLE
    put(ws, 2, 1, f'="{title}, "&fs_periodetikett&" "&LEFT(fs_period_till,4)', bold=True)
    widths(ws, {t.letter(c.key): c.width for c in t.columns})
    legend(ws, 3, note, t.column_of(t.columns[-1].key))


def _largest_remainder(total: str, weights: str, weight: str, earlier: str | None) -> str:
    """The formula of one row of a largest-remainder split (:func:`finsam.money.largest_remainder`):
    ``total`` (a cell) split by ``weights`` (the column's range), this row's ``weight`` (a
    cell), ``earlier`` = the range of the rows above it (ties go to the earlier row), or None
    for the first row. Negative totals are split as their absolute value, then negated."""
    exact = f"ABS({total})*{weight}/SUM({weights})"
    all_exact = f"ABS({total})*{weights}/SUM({weights})"
    left = f"(ABS({total})-SUMPRODUCT(INT({all_exact})))"
    rank = f"SUMPRODUCT(--(MOD({all_exact},1)>MOD({exact},1)))"
    if earlier:
        rank += f"+SUMPRODUCT(--(MOD(ABS({total})*{earlier}/SUM({weights}),1)=MOD({exact},1)))"
    return f'=IF(OR({total}="",{weight}=""),"",SIGN({total})*(INT({exact})+IF({rank}<{left},1,0)))'


def members_sheet(ws: Worksheet, settings: Settings, names: Names, refs: MoneyRefs, contributions_row: int | None) -> None:
    """The sheet Finansiering per medlem (rows: Försäkringskassan, the region, each
    municipality or "Kommunerna", Summa); ``contributions_row``: the Sammanställning row of the
    members' contributions (None: the settings have no financing line)."""
    t = MEMBERS
    _titles(ws, settings, t, "Finansiering per medlem",
            "Andelar enligt lag (2003:1210) om finansiell samordning 5 § och förbundsordningen (9 § p. 8); "
            "tkr avrundat med största rest så att raderna summerar till totalen.")
    shares = settings.member_shares()
    top = 5
    first = top + 3
    last = first + len(shares) - 1
    s = quote_sheetname(SHEET_SUMMARY)
    A = t.letter("andel")
    totals = {
        "bidrag_budget": f"{s}!${SUMMARY.letter('budget')}${contributions_row}" if contributions_row else None,
        "bidrag_tom": f"{s}!${SUMMARY.letter('ackumulerat')}${contributions_row}" if contributions_row else None,
        "eget_kapital_ingaende": "fs_eget_kapital",
        "eget_kapital_prognos": "fs_eget_kapital_prognos",
    }
    split = bool(settings.municipal_split)
    pops = _section(settings, SECTION_MUNICIPAL_SPLIT, "B")
    _, sections = settings_cells(settings)
    split_first = sections[SECTION_MUNICIPAL_SPLIT][0]
    rows = []
    for n, (name, _) in enumerate(shares):
        r = first + n
        if n == 0:
            andel = f"={_key(settings, 'share_fk_pct')}"
        elif n == 1:
            andel = f"={_key(settings, 'share_region_pct')}"
        elif not split:
            andel = f"={_key(settings, 'share_municipalities_pct')}"
        else:
            at = split_first + n - 2
            q = quote_sheetname(SHEET_SETTINGS)
            if settings.municipal_split[0].population is not None:
                andel = f"={_key(settings, 'share_municipalities_pct')}*{q}!$B${at}/SUM({pops})"
            else:
                andel = f"={q}!$C${at}"
        row = {"medlem": name, "andel": andel}
        weights = f"${A}${first}:${A}${last}"
        earlier = f"${A}${first}:${A}{r - 1}" if n else None
        for key, total in totals.items():
            row[key] = _largest_remainder(total, weights, f"{A}{r}", earlier) if total else None
        rows.append(row)
    f, l_, tot = table(ws, names, t, top, rows, total="Summa")
    wrap_headings(ws, t, top, (3, 2))  # "Andel av eget kapital vid årets slut enligt prognos" in a 24-wide column
    for r in range(f, tot + 1):
        ws[f"{A}{r}"].number_format = PERCENT_FORMAT
    m = quote_sheetname(SHEET_MEMBERS)
    refs.checks.append(("Finansiering per medlem: andelarna är 100 % tillsammans", f"{m}!{A}{tot}-100", "FEL"))
    for key, total in totals.items():
        if total:
            L = t.letter(key)
            refs.checks.append((f"Finansiering per medlem: summa {t[key].heading.lower()} = totalen",
                                f'IF({total}="",0,{m}!{L}{tot}-{total})', "FEL"))
    note = tot + 2
    source = settings.population_source or "ej angiven"
    date = settings.population_date or "ej angivet"
    if split and settings.municipal_split[0].population is not None:
        text = f"Kommunernas andel fördelad efter invånarantal {date}, källa: {source}."
    elif split:
        text = "Kommunernas andelar enligt förbundsordningen (bladet Inställningar, [Kommunandelar])."
    else:
        text = ("Kommunernas fördelning sinsemellan är inte angiven: de visas som en rad (Kommunerna). "
                "Ange invånare eller andelar under [Kommunandelar] på bladet Inställningar och skapa en ny arbetsbok.")
    widths(ws, {t.letter(c.key): c.width for c in t.columns})
    legend(ws, note, text, t.column_of(t.columns[-1].key))
    names.add("fs_medlemmar", SHEET_MEMBERS, f, t.column_of("medlem"), l_, t.column_of(t.columns[-1].key))
    _guideline(settings, refs, f"{m}!${t.letter('bidrag_budget')}${tot}")
    ws.freeze_panes = "B8"
    print_setup(ws, settings, "1:7", one_page=True)


def _guideline(settings: Settings, refs: MoneyRefs, size: str) -> None:
    """The equity guideline's Kontroller row: VARNING when the forecast year-end equity
    exceeds the highest equity of the step for the association's ``size`` (members'
    contributions, budget); "ej angiven" while the settings' table is empty or no step
    applies (:func:`finsam.tables.equity_guideline` is the Python twin)."""
    frm, pct, tkr = (_section(settings, SECTION_EQUITY_GUIDELINE, c) for c in "ABC")
    step = f'COUNTIF({frm},"<="&{size})'
    limit = (f"IF(ISNUMBER(INDEX({tkr},{step})),INDEX({tkr},{step}),"
             f"ROUND({size}*INDEX({pct},{step})/100,0))")
    given = f'AND(COUNT({frm})>0,ISNUMBER({size}),{step}>0,ISNUMBER(fs_eget_kapital_prognos))'
    source = settings.equity_guideline_source or "källa ej angiven"
    label = ("Eget kapital vid årets slut enligt prognos ≤ riktlinjen för förbundets storlek "
             f"(tkr över riktlinjen; {source})")
    refs.guideline = (label, f'=IF({given},fs_eget_kapital_prognos-{limit},"")',
                      f'=IF({given},IF(fs_eget_kapital_prognos>{limit},"VARNING","OK"),"ej angiven")')


def _participants_per_insats(names: Names, table_name: str = "INSATSER") -> dict[str, str] | None:
    """The columns insats, kvinnor, män and totalt of a participant table by insats (issue 11:
    ``INSATSER``, persons in the register, defined name ``fs_insatser``; ``STRUKTUR``, counts
    at structural events, ``fs_struktur``) as ``INDEX(fs_…,0,k)``, or None when the workbook
    has no such table."""
    from finsam import blocks

    table_ = getattr(blocks, table_name, None)
    if table_ is None or table_.name("") not in names.wb.defined_names:
        return None
    return {key: f"INDEX({table_.name('')},0,{table_.pos(key) + 1})" for key in ("insats", "kvinnor", "man", "totalt")}


def _lookup(table_: dict[str, str], key: str, wanted: list[str]) -> str:
    """The formula (without ``=``) of column ``key`` of ``table_``'s row for the insats names
    ``wanted``: one name, its cell as it stands ("<3" in a publication copy, 0 when the name is
    not there); several, the sum of their numbers."""
    one = [f"IFERROR(INDEX({table_[key]},MATCH({w},{table_['insats']},0)),0)" for w in wanted]
    return one[0] if len(one) == 1 else "+".join(f"N({x})" for x in one)


def national_sheet(ws: Worksheet, settings: Settings, names: Names, refs: MoneyRefs, economy_rows: tuple[int, int],
                   financing_rows: tuple[int, int]) -> None:
    """The sheet Uppföljning Finsam: one row per insats (each cost centre that is not
    administration, in Ekonomi's order; its name there unless the settings name the insats),
    then administration, tilldelade medel and eget kapital. Deltagare kvinnor / män / totalt:
    the row of each insats name (summed over the names a cost centre pays for) in the
    participants-per-insats table (persons in the register), or, for a strukturövergripande
    insats, in the struktur table (participants counted at events, struktur.csv: Uppföljning
    Finsam asks "antal deltagare i strukturövergripande insats"); 0 when the table has none in
    the period; empty when the workbook has no such table."""
    t = NATIONAL
    _titles(ws, settings, t, "Uppföljning Finsam",
            "Underlag för registreringen i Uppföljning Finsam: per insats kategori, budget, utfall och "
            "deltagare per kön och totalt (strukturövergripande: struktur.csv); administration; tilldelade medel; eget kapital. Tkr; kostnader negativa.")
    insatser = [c for c in settings.cost_centres if c.category != "administration"]  # Ekonomi's order
    codes, cats = _section(settings, SECTION_CATEGORIES, "A"), _section(settings, SECTION_CATEGORIES, "B")
    ecodes = _economy_column("kod", economy_rows)
    rows = []
    for c in insatser:
        name = f'=INDEX({_economy_column("namn", economy_rows)},MATCH("{c.code}",{ecodes},0))&""'
        row = {
            "insats": "; ".join(c.insatser) if c.insatser else name,  # default: the cost centre's name on Ekonomi
            "kategori": f'=IFERROR(INDEX({cats},MATCH("{c.code}",{codes},0))&"","")',
            "budget": f'=SUMIF({ecodes},"{c.code}",{_economy_column("budget", economy_rows)})',
            "utfall": f'=SUMIF({ecodes},"{c.code}",{_economy_column("ackumulerat", economy_rows)})',
        }
        rows.append(row)
    people = _participants_per_insats(names)
    events = _participants_per_insats(names, "STRUKTUR")
    for n, (c, row) in enumerate(zip(insatser, rows)):
        if people:  # Deltagare per insats (issue 11): persons active in the period, by kön
            r = 5 + 3 + n
            wanted = [f'"{x}"' for x in c.insatser] or [f"{t.letter('insats')}{r}"]
            for key in ("kvinnor", "man", "totalt"):
                row[key] = "=" + _lookup(people, key, wanted)
                if events:  # a strukturövergripande insats: its participants are counted at events (struktur.csv)
                    row[key] = (f'=IF({t.letter("kategori")}{r}="{STRUCTURAL}",{_lookup(events, key, wanted)},'
                                f"{_lookup(people, key, wanted)})")
    first, last, tot = table(ws, names, t, 5, rows, total="Summa insatser")
    wrap_headings(ws, t, 5, (2, 1))  # "Utfall t.o.m. perioden", "Deltagare kvinnor" over narrow figures
    for r in range(first, last + 1):
        ws[f"{t.letter('kategori')}{r}"].number_format = "@"
    n = quote_sheetname(SHEET_NATIONAL)
    s = quote_sheetname(SHEET_SUMMARY)
    admin = refs.categories_first  # Kategorier's first line is administration
    r = tot + 2
    put(ws, r, 1, "Administration och förbundsgemensamt", bold=True, fill=HEADER_FILL)
    for key in ("budget", "utfall"):
        put(ws, r, t.column_of(key), t[key].heading, bold=True, fill=HEADER_FILL, right=True)
    put(ws, r + 1, 1, "Administrativa kostnader")
    put(ws, r + 1, t.column_of("budget"), f"={s}!{SUMMARY.letter('budget')}{admin}", fmt=NUMBER_FORMAT)
    put(ws, r + 1, t.column_of("utfall"), f"={s}!{SUMMARY.letter('ackumulerat')}{admin}", fmt=NUMBER_FORMAT)
    f0, f1 = financing_rows
    put(ws, r + 2, 1, "Tilldelade medel (parternas finansiering och andra bidrag)")
    if f1 >= f0:
        for key, skey in (("budget", "budget"), ("utfall", "ackumulerat")):
            L = SUMMARY.letter(skey)
            put(ws, r + 2, t.column_of(key), f"=SUM({s}!{L}{f0}:{L}{f1})", fmt=NUMBER_FORMAT)
    put(ws, r + 3, 1, "Eget kapital ingående")
    put(ws, r + 3, t.column_of("budget"), '=IF(fs_eget_kapital="","",fs_eget_kapital)', fmt=NUMBER_FORMAT)
    put(ws, r + 4, 1, "Eget kapital vid årets slut enligt prognos")
    put(ws, r + 4, t.column_of("budget"), "=fs_eget_kapital_prognos", fmt=NUMBER_FORMAT)
    names.add("fs_uppfoljning_ovrigt", SHEET_NATIONAL, r + 1, t.column_of("budget"), r + 4, t.column_of("utfall"))
    for key, skey in (("budget", "budget"), ("utfall", "ackumulerat")):
        L, S = t.letter(key), SUMMARY.letter(skey)
        lines = "+".join(f"{s}!{S}{x}" for x in refs.cost_line_rows)
        refs.checks.append((f"Uppföljning Finsam: insatser + administration = totala kostnader, {t[key].heading.lower()}",
                            f"{n}!{L}{tot}+{n}!{L}{r + 1}-({lines})", "FEL"))
    ws.cell(row=r, column=1).font = BOLD
    widths(ws, {t.letter(c.key): c.width for c in t.columns})
    ws.freeze_panes = "A8"
    print_setup(ws, settings, "1:7")
