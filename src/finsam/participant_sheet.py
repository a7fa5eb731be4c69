"""The sheet *Deltagare per insats*: the participant tables of issue 11 in the workbook.

Four tables, declared in :mod:`finsam.blocks` (:data:`~finsam.blocks.INSATSER`,
:data:`~finsam.blocks.AVSLUTADE`, :data:`~finsam.blocks.ALDRAR`,
:data:`~finsam.blocks.STRUKTUR`), computed by :mod:`finsam.participant_tables`. This module
lays them out (:func:`draw`), gives their Kontroller rows (:func:`check_formulas`) and the
same checks in Python (:func:`check_values`), and turns the tables into input blocks
(:func:`blocks`; :func:`populate_blocks` for populate, with the anonymous table's) — a fixed set of defined names, one write each, whatever the register's size.

Why a sheet of its own: the Deltagare sheet prints on one landscape page (the municipality
and anonymous tables); 30 insats rows, the results, the ages and the strukturövergripande
insatser would shrink it unreadably. This sheet prints portrait, fitted to the width: the
insats table and the results on the first page, the ages and the strukturövergripande
insatser on the second (a page break before the ages).

Python writes the counts; every Summa antal and the Andel (%) are formulas; Summa of
distinct persons is an input (a distinct count is no sum of the rows), as Summa unika is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openpyxl.styles import Alignment
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from finsam.blocks import ALDRAR, ANONYMOUS, AVSLUTADE, INSATSER, PARTICIPANTS, SHEET_INSATSER, STRUKTUR, Table
from finsam import layout
from finsam.book import Block, Held, is_blank, masker, source_text
from finsam.errors import Problem, count_text
from finsam.participant_tables import NO_INSATS, SUMMA, ParticipantTables, age_labels, tables_of
from finsam.settings import RESULT_CATEGORIES, Settings
from finsam.sheet import TITLE, Names, column_widths, legend, print_setup, put, same_heading, table, widths

if TYPE_CHECKING:  # populate_blocks' arguments; the sheet's layout (finsam new) needs neither
    from finsam.period import Period
    from finsam.sources.folder import Sources

#: Rows reserved for insatser and for strukturövergripande insatser on the sheet.
INSATS_ROWS = 30
STRUCTURE_ROWS = 12
#: The Andel (%) cells' number format.
PERCENT_FORMAT = "0%"
#: Defined name of the Summa avslutade, Totalt cell (the Andel formulas divide by it).
RESULT_TOTAL_NAME = "fs_avslutade_summa"

#: Tables whose Summa row a publication copy writes as values (masked counts cannot be summed).
MASKED_TABLES = (INSATSER, AVSLUTADE, ALDRAR)


def draw(ws: Worksheet, settings: Settings, names: Names) -> None:
    """Lay out the sheet for ``settings`` (age bands as rows of the ages table)."""
    put(ws, 1, 1, settings.association).font = TITLE
    put(ws, 2, 1, '="Deltagare per insats, "&fs_periodetikett&" "&LEFT(fs_period_till,4)', bold=True)
    widths(ws, column_widths(INSATSER))
    last_col = INSATSER.column_of(INSATSER.columns[-1].key)
    legend(ws, 3, "Deltagare under perioden = unika personer med en inskrivning i insatsen som pågår någon gång "
           "under perioden; inflöde, utflöde och pågående = antal inskrivningar. Felregistreringar räknas inte.", last_col)
    _, _, tot = table(ws, names, INSATSER, 5, [{} for _ in range(INSATS_ROWS)], total=SUMMA)
    _merge_headings(ws, INSATSER, 5)
    top = tot + 2
    first, last, tot = table(ws, names, AVSLUTADE, top, [{"resultat": c} for c in RESULT_CATEGORIES],
                             total="Summa avslutade")
    names.add(RESULT_TOTAL_NAME, SHEET_INSATSER, tot, AVSLUTADE.column_of("totalt"))
    for r in range(first, tot + 1):
        ws.cell(row=r, column=AVSLUTADE.column_of("andel")).number_format = PERCENT_FORMAT
    legend(ws, tot + 1, "Avslutade = inskrivningar som avslutats under perioden, efter avslutsorsak "
           "(bladet Inställningar, [Avslutsorsaker]).", last_col)
    top = tot + 3
    ws.row_breaks.append(Break(id=top - 1))
    _, _, tot = table(ws, names, ALDRAR, top, [{"aldersgrupp": a} for a in age_labels(settings)], total=SUMMA)
    legend(ws, tot + 1, "Ålder vid inskrivningen; varje person räknas en gång per åldersgrupp och en gång i summan.",
           last_col)
    top = tot + 3
    first, last, tot = table(ws, names, STRUKTUR, top, [{} for _ in range(STRUCTURE_ROWS)], total=SUMMA)
    for key in ("kvinnor", "man"):  # empty, not 0, when struktur.csv has no Kön column
        cells = STRUKTUR.range(key, first, last)
        ws.cell(row=tot, column=STRUKTUR.column_of(key)).value = f'=IF(COUNT({cells})=0,"",SUM({cells}))'
    widths(ws, column_widths(INSATSER))
    ws.freeze_panes = "B5"
    print_setup(ws, settings, "1:2")  # landscape: in portrait its seven columns printed at 6.6 pt


def _merge_headings(ws: Worksheet, t: Table, row: int) -> None:
    """One merged, centred heading over adjacent columns that share it (Deltagare under perioden)."""
    c = t.first_column
    while c < t.first_column + len(t.columns):
        span = sum(1 for _ in same_heading(t, c))
        if span > 1:
            ws.merge_cells(start_row=row, start_column=c, end_row=row, end_column=c + span - 1)
            ws.cell(row=row, column=c).alignment = Alignment(horizontal="center")
        c += span


def _col(t: Table, key: str, name: str | None = None) -> str:
    """The cells of column ``key`` of table ``t``'s block (``INDEX(fs_insatser,0,2)``)."""
    return f"INDEX({name or t.name(t[key].block)},0,{t.pos(key) + 1})"


def _tot(t: Table, key: str) -> str:
    """The total row's cell of column ``key`` (``INDEX(fs_insatser_totalt,1,4)``)."""
    return f"INDEX({t.name('totalt')},1,{t.column_of(key) - t.total_span()[0] + 1})"


def _no_mask(*tables: Table) -> str:
    """True when no count of ``tables`` is masked (a publication copy writes "<N" as text)."""
    parts = [f"SUMPRODUCT(--ISTEXT({_col(t, k)}))" for t in tables for k in t.total_keys()]
    return f"({'+'.join(parts)})=0"


def _sex_rows(t: Table, total: str = "totalt", *, summa: bool = True) -> str:
    """Rows (and the Summa, with ``summa``) where Kvinnor + Män > Totalt: a count that must be 0."""
    k, m, s = (_col(t, x) for x in ("kvinnor", "man", total))
    rows = f"SUMPRODUCT(--(({k}+{m})>{s}))"
    if not summa:
        return rows
    return rows + f"+--((N({_tot(t, 'kvinnor')})+N({_tot(t, 'man')}))>N({_tot(t, total)}))"


def check_formulas() -> list[tuple[str, str, str]]:
    """The Kontroller rows of the participant tables: (label, formula that must be 0, level).

    Skipped (0) on a publication copy where they would compare masked counts. Python twin:
    :func:`check_values` (codes in its docstring).
    """
    I, A, G, S = INSATSER, AVSLUTADE, ALDRAR, STRUKTUR
    ni, na, ng = _no_mask(I), _no_mask(A), _no_mask(G)
    nd = _no_mask(PARTICIPANTS)
    antal = I.total_keys(["sum"])
    persons = I.total_keys(["input"])
    P = PARTICIPANTS
    p_tot = lambda key: f"INDEX({P.name('summa')},1,{P.column_of(key) - P.total_span()[0] + 1})"  # noqa: E731
    return [
        ("Deltagare per insats: summa antal = summan av raderna (inflöde, utflöde, pågående)",
         f"IF({ni}," + "+".join(f"ABS({_tot(I, k)}-SUM({_col(I, k)}))" for k in antal) + ",0)", "FEL"),
        ("Deltagare per insats: summa personer ≤ summan av raderna (kvinnor, män, totalt)",
         f"IF({ni}," + "+".join(f"--({_tot(I, k)}>SUM({_col(I, k)}))" for k in persons) + ",0)", "FEL"),
        ("Deltagare per insats: kvinnor + män ≤ totalt (antal rader där inte)", f"IF({ni},{_sex_rows(I)},0)", "FEL"),
        ("Deltagare per insats: summa inflöde och utflöde = deltagartabellens summa antal",
         f"IF(AND({ni},{nd}),ABS({_tot(I, 'inflode')}-{p_tot('inflode_antal')})"
         f"+ABS({_tot(I, 'utflode')}-{p_tot('utflode_antal')}),0)", "FEL"),
        ("Avslutade deltagare: summa avslutade = summa utflöde",
         f"IF(AND({na},{ni}),{_tot(A, 'totalt')}-{_tot(I, 'utflode')},0)", "FEL"),
        ("Avslutade deltagare: summa = summan av raderna; kvinnor + män ≤ totalt",
         f"IF({na}," + "+".join(f"ABS({_tot(A, k)}-SUM({_col(A, k)}))" for k in A.total_keys(["sum"]))
         + f"+{_sex_rows(A)},0)", "FEL"),
        ("Inflöde per åldersgrupp: summa personer ≤ summan av raderna; kvinnor + män ≤ totalt",
         f"IF({ng}," + "+".join(f"--({_tot(G, k)}>SUM({_col(G, k)}))" for k in G.total_keys(["input"]))
         + f"+{_sex_rows(G)},0)", "FEL"),
        ("Inflöde per åldersgrupp: summa personer = deltagartabellens summa unika, inflöde",
         f"IF(AND({ng},ISNUMBER({P['inflode_unika'].total_name})),"
         f"{_tot(G, 'totalt')}-{P['inflode_unika'].total_name},0)", "FEL"),
        ("Anonyma deltagare: kvinnor + män ≤ antal (antal rader där inte)", _sex_rows(ANONYMOUS, "antal", summa=False), "FEL"),
        ("Strukturövergripande insatser: summa = summan av raderna; kvinnor + män ≤ totalt",
         "+".join(f"ABS(N({_tot(S, k)})-SUM({_col(S, k)}))" for k in S.total_keys(["sum"])) + f"+{_sex_rows(S)}",
         "FEL"),
    ]


def _publish(rows: list[list[int]], below: int, *, by_sex: bool) -> tuple[list[list], list]:
    """The one call that masks a table's counts for a publication copy
    (:func:`finsam.suppression.suppress`; its Summa row is published, so it protects against
    it). With ``by_sex`` the rows are (Kvinnor, Män, Totalt) where Totalt ≥ Kvinnor + Män:
    they are suppressed as cells (Kvinnor, Män, the rest) with Totalt as the published row
    total — the attacker is assumed to know the rest, the strongest case.

    Returns ``(cells, totals)``: the rows and the Summa row as published (ints, ``"<N"``, ``".."``).
    """
    from finsam.suppression import suppress

    if not rows:
        return [], []
    if not by_sex:
        pub = suppress(rows, below, column_totals=True)
        return pub.cells, pub.column_totals
    pub = suppress([[k, m, t - k - m] for k, m, t in rows], below, row_totals=True, column_totals=True)
    cells = [[c[0], c[1], total] for c, total in zip(pub.cells, pub.row_totals)]
    return cells, [pub.column_totals[0], pub.column_totals[1], pub.grand_total]


def _shown(total, distinct: int, mask):
    """A distinct-count Summa as counted, unless suppression hid the Summa."""
    from finsam.suppression import is_hidden

    return total if is_hidden(total) else mask(distinct)


def blocks(pt: ParticipantTables, settings: Settings, *, file: str, mask_below: int | None = None,
           files: dict[str, str] | None = None) -> tuple[dict[str, Block], list[Problem]]:
    """The input blocks of the sheet (and the anonymous table's, which has kön columns too)
    from the tables, and the problems of fitting them in.

    Returns ``(blocks, problems)``: ``blocks`` maps each defined name to its 2D values
    (always the same names and shapes for one settings); ``problems``: ``insatser-for-manga``
    / ``struktur-for-manga`` / ``anonyma-for-manga`` (errors: more rows than the sheet has).

    ``mask_below``: counts of the register's tables (insatser, results, ages) suppressed by
    :func:`_publish` (``"<N"``, ``".."``), and their Summa rows as values (a SUM over masked
    cells would be wrong). Anonymous and struktur counts carry no person and are not masked.
    """
    files = files or {}
    out: dict[str, Block] = {}
    problems: list[Problem] = []
    mask = masker(mask_below)

    def fit(frame, rows: int, code: str, where: str, what: str):
        if len(frame) > rows:
            problems.append(Problem(code, "error", where, None, "Insats",
                                    f"{count_text(len(frame), 'insats', 'insatser')} {what}, men arbetsboken har plats "
                                    f"för {rows}. Slå ihop insatser i källfilen."))
        return frame.iloc[:rows]

    by = fit(pt.by_insats.drop(index=SUMMA), INSATS_ROWS, "insatser-for-manga", file, "under perioden")
    ages = pt.ages.drop(index=SUMMA)
    res = pt.results.reindex(list(RESULT_CATEGORIES))
    persons, antal = INSATSER.total_keys(["input"]), INSATSER.total_keys(["sum"])
    ints = lambda frame, keys: [[int(v) for v in r] for r in frame[keys].to_numpy()]  # noqa: E731
    tables = {
        INSATSER: (by.index, {"persons": (persons, ints(by, persons)), "antal": (antal, ints(by, antal))},
                   pt.by_insats.loc[SUMMA]),
        AVSLUTADE: (res.index, {"persons": (AVSLUTADE.total_keys(), ints(res, AVSLUTADE.total_keys()))}, None),
        ALDRAR: (ages.index, {"persons": (ALDRAR.total_keys(), ints(ages, ALDRAR.total_keys()))}, pt.ages.loc[SUMMA]),
    }
    for t, (labels, parts, summa) in tables.items():
        cells, totals = {}, {}
        for part, (part_keys, rows) in parts.items():
            if mask_below and rows:
                cells[part], totals[part] = _publish(rows, mask_below, by_sex=part == "persons")
            else:
                cells[part], totals[part] = rows, [0] * len(part_keys)
        keys = [k for part_keys, _ in parts.values() for k in part_keys]
        label = {INSATSER: "insats", ALDRAR: "aldersgrupp"}.get(t)
        rows = []
        for i, name in enumerate(labels):
            values = [v for part in parts for v in cells[part][i]]
            rows.append({**({label: source_text(name)} if label else {}), **dict(zip(keys, values))})
        if t is INSATSER:
            rows += [{} for _ in range(INSATS_ROWS - len(rows))]
        out.update(t.blocks_of(rows))
        shown = dict(zip(keys, [v for part in parts for v in totals[part]]))
        for key in t.total_keys(["input"]):  # Summa of distinct persons: an input
            shown[key] = _shown(shown[key], int(summa[key]), mask) if mask_below else int(summa[key])
            if not mask_below:
                out[t[key].total_name] = [[shown[key]]]
        if mask_below:  # the Summa row as values: a SUM over hidden cells would be wrong
            out[t.name("totalt")] = [[shown[k] for k in t.total_keys()]]

    struktur: list[dict] = []
    if pt.structure is not None:
        s = fit(pt.structure, STRUCTURE_ROWS, "struktur-for-manga", files.get("struktur", "struktur"), "i filen")
        for name, r in s.iterrows():
            struktur.append({"insats": source_text(name), "totalt": int(r["totalt"]),
                             **({"kvinnor": int(r["kvinnor"]), "man": int(r["man"])} if pt.structure_by_sex else {})})
    out.update(STRUKTUR.blocks_of(struktur + [{} for _ in range(STRUCTURE_ROWS - len(struktur))]))
    return out, problems


def anonymous_rows(pt: ParticipantTables, rows: int, file: str) -> tuple[list[dict], list[Problem]]:
    """The anonymous table's rows (Insats, Kvinnor, Män, Antal) in first-seen order, kön
    empty when anonyma.csv has no Kön column; ``anonyma-for-manga`` when more than ``rows``."""
    out: list[dict] = [{} for _ in range(rows)]
    problems: list[Problem] = []
    if pt.anonymous is None:
        return out, problems
    if len(pt.anonymous) > rows:
        problems.append(Problem("anonyma-for-manga", "error", file, None, "Insats",
                                f"{len(pt.anonymous)} insatser med anonyma deltagare, men arbetsboken har plats för "
                                f"{rows}. Slå ihop insatser i filen."))
    for i, (name, r) in enumerate(pt.anonymous.iloc[:rows].iterrows()):
        out[i] = {"insats": source_text(name), "antal": int(r["totalt"]),
                  **({"kvinnor": int(r["kvinnor"]), "man": int(r["man"])} if pt.anonymous_by_sex else {})}
    return out, problems


def populate_blocks(held: Held, settings: Settings, sources: Sources, period: Period, into: dict[str, Block],
                    problems: list[Problem], mask_below: int | None) -> ParticipantTables:
    """The participant tables of issue 11 (:mod:`finsam.participant_tables`) into ``into``:
    the anonymous table (by kön when anonyma.csv has a Kön column) and the sheet Deltagare
    per insats (:func:`blocks`); their problems into ``problems``.
    A workbook made before that sheet existed is refused (``insatser-saknas-i-arbetsboken``,
    an error: populate writes nothing); one whose anonymous table has the old two columns
    (insats, antal) gets them."""
    files = {k: p.name for k, p in sources.files.items()}
    pt = tables_of(sources, period, settings)
    problems += pt.problems
    anon, p = anonymous_rows(pt, layout.ANONYMOUS_ROWS, files.get("anonyma", "anonyma"))
    problems += p
    anonymous = ANONYMOUS.blocks_of(anon)
    old = held.read(ANONYMOUS.name(""))
    if sources.anonymous is None and any(not is_blank(v) for row in old for v in row):
        problems.append(Problem("anonyma-tomda", "warning", settings.source_patterns["anonyma"], None, None,
                                "Arbetsboken har anonyma deltagare från en tidigare körning, men källmappen har ingen "
                                f"fil som matchar {settings.source_patterns['anonyma']!r}: tabellen töms. Lägg filen i "
                                "källmappen och kör igen om de ska stå kvar."))
    if old and len(old[0]) == 2:  # a workbook from before the kön columns: insats, antal
        anonymous = {n: [[r[0], r[-1]] for r in b] for n, b in anonymous.items()}
    into.update(anonymous)
    if INSATSER.name("") not in held.names:
        problems.append(Problem("insatser-saknas-i-arbetsboken", "error", held.label, None, SHEET_INSATSER,
                                f"Arbetsboken saknar bladet {SHEET_INSATSER!r} (den gjordes med en äldre finsam), så "
                                "tabellerna per insats, avslutsorsak och ålder kan inte fyllas i; arbetsboken ändrades "
                                f"inte. Skapa en ny med 'finsam new NY.xlsx --settings {held.label}' (inställningarna "
                                "följer med), för över prognoser och kommentarer och fyll den nya."))
        return pt
    sheet, p = blocks(pt, settings, file=files["deltagare"], mask_below=mask_below, files=files)
    problems += p
    into.update(sheet)
    return pt


def _n(v) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def check_values(blocks: dict[str, Block]) -> list[Problem]:
    """The Python twin of :func:`check_formulas` on the input blocks (a publication copy's
    masked counts skip the checks they are in). Codes:

    ``kon-over-totalt``      a row (or Summa) where Kvinnor + Män > Totalt (error)
    ``summa-personer``       a Summa of distinct persons above the sum of its rows (error)
    ``avslutade-utflode``    Summa avslutade ≠ Summa utflöde of Deltagare per insats (error)
    ``insatser-flode``       Summa inflöde/utflöde per insats ≠ the municipality table's (error)
    ``aldrar-inflode``       the ages' Summa ≠ Summa unika, inflöde (error)
    """
    problems: list[Problem] = []
    get = blocks.get

    def rows(t: Table) -> list[dict]:
        return [r for r in t.rows_of(get, None, [""]) if any(_n(r.get(k)) is not None for k in t.total_keys())]

    def total(t: Table, rs: list[dict], key: str):
        name = t[key].total_name
        if name and name in blocks:
            return _n(blocks[name][0][0])
        if t.name("totalt") in blocks:  # a publication copy: the Summa row written as values
            return _n(blocks[t.name("totalt")][0][t.column_of(key) - t.total_span()[0]])
        return sum(_n(r.get(key)) or 0 for r in rs) if t[key].total == "sum" else None

    def problem(code: str, table: str, text: str) -> None:
        problems.append(Problem(code, "error", SHEET_INSATSER, None, table, text + " Kör populate igen."))

    sums: dict[str, dict[str, float | None]] = {}
    for t, title, tot in ((INSATSER, "Deltagare per insats", "totalt"), (AVSLUTADE, "Avslutade deltagare", "totalt"),
                          (ALDRAR, "Inflöde per åldersgrupp", "totalt"), (ANONYMOUS, "Anonyma deltagare", "antal"),
                          (STRUKTUR, "Strukturövergripande insatser", "totalt")):
        if t.name("") not in blocks:
            continue
        rs = rows(t)
        sums[t.key] = {k: total(t, rs, k) for k in t.total_keys()}
        bad = [r for r in rs if None not in (_n(r.get("kvinnor")), _n(r.get("man")), _n(r.get(tot)))
               and _n(r["kvinnor"]) + _n(r["man"]) > _n(r[tot])]
        if bad:
            problem("kon-over-totalt", title, f"{title}: {count_text(len(bad), 'rad', 'rader')} har fler kvinnor + män "
                    f"än totalt.")
        for k in t.total_keys(["input"]):
            s = sums[t.key][k]
            if s is not None and all(_n(r.get(k)) is not None for r in rs) and s > sum(_n(r.get(k)) for r in rs):
                problem("summa-personer", title, f"{title}: summa {t[k].sub.lower()} ({s:.0f}) är större än "
                        "summan av raderna.")
    i, a, g = sums.get(INSATSER.key), sums.get(AVSLUTADE.key), sums.get(ALDRAR.key)
    if i and a and None not in (i["utflode"], a["totalt"]) and i["utflode"] != a["totalt"]:
        problem("avslutade-utflode", "Avslutade deltagare", f"Summa avslutade ({a['totalt']:.0f}) ≠ summa utflöde "
                f"({i['utflode']:.0f}).")
    P = PARTICIPANTS
    p_rows = [r for r in P.rows_of(get, None, [""])]
    if i and p_rows and all(_n(r.get(k)) is not None for r in p_rows for k in ("inflode_antal", "utflode_antal")):
        for k, pk in (("inflode", "inflode_antal"), ("utflode", "utflode_antal")):
            p_sum = sum(_n(r[pk]) for r in p_rows)
            if i[k] is not None and i[k] != p_sum:
                problem("insatser-flode", "Deltagare per insats", f"Summa {INSATSER[k].heading.lower()} per insats "
                        f"({i[k]:.0f}) ≠ deltagartabellens ({p_sum:.0f}).")
    unika = _n((get(P["inflode_unika"].total_name) or [[None]])[0][0])
    if g and unika is not None and g["totalt"] is not None and g["totalt"] != unika:
        problem("aldrar-inflode", "Inflöde per åldersgrupp", f"Summa personer per åldersgrupp ({g['totalt']:.0f}) ≠ "
                f"summa unika, inflöde ({unika:.0f}).")
    return problems


__all__ = ["INSATS_ROWS", "STRUCTURE_ROWS", "draw", "check_formulas", "check_values", "blocks", "anonymous_rows",
           "NO_INSATS"]
