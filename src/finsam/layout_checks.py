"""The *Kontroller* sheet's layout: one OK/FEL/VARNING formula row per check.

Part of :mod:`finsam.layout` (``build_template`` and ``relayout_money_sheets`` call
:func:`checks_sheet` last, with the addresses of the totals the other sheets laid out). The
Python twin of these formulas is :func:`finsam.checks.check_blocks`.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from finsam import layout  # its constants and _Totals; layout imports this module too
from finsam.blocks import (
    ANONYMOUS,
    ECONOMY,
    PARTICIPANTS,
    SHEET_CHECKS,
    SHEET_ECONOMY,
    SHEET_PARTICIPANTS,
    SHEET_SUMMARY,
    SUMMARY,
)
from finsam.settings import Settings
from finsam.sheet import HEADER_FILL, NUMBER_FORMAT, TITLE, Names, print_setup, put, status_lights, widths


def checks_sheet(ws: Worksheet, settings: Settings, names: Names, totals: layout._Totals) -> None:
    """One row per check: what is checked, the difference or count found, and its status.

    Status is ``OK``, ``FEL`` (an error: the figures cannot be trusted) or ``VARNING`` (look
    at it: a forecast without a comment, result on unknown cost centres, a ledger whose last
    voucher is more than a month before the period end). The overall status
    (``fs_kontroller_status``) is ``FEL`` when any check is, else ``OK``. Masked counts of a
    publication copy (text ``"<N"``) are skipped by the participant checks. The Python twin
    is :func:`finsam.checks.check_blocks` (same codes in its docstring).
    """
    e = quote_sheetname(SHEET_ECONOMY)
    d = quote_sheetname(SHEET_PARTICIPANTS)
    s = quote_sheetname(SHEET_SUMMARY)
    put(ws, 1, 1, settings.association).font = TITLE
    put(ws, 2, 1, "Kontroller", bold=True)
    put(ws, 4, 1, "Alla kontroller", bold=True)
    put(ws, 6, 1, "Kontroll", bold=True, fill=HEADER_FILL)
    put(ws, 6, 2, "Avvikelse / antal", bold=True, fill=HEADER_FILL, right=True)
    put(ws, 6, 3, "Status", bold=True, fill=HEADER_FILL, right=True)
    checks: list[tuple[str, str, str]] = []  # (label, formula whose value must be 0, status when not)
    E, P, S = ECONOMY, PARTICIPANTS, SUMMARY
    for gi, (group, (first, last, tot)) in enumerate(zip(settings.groups, totals.group_rows), start=1):
        for key in E.total_keys(["sum"]):
            col = E.letter(key)
            checks.append((f"{group.title}: totalt {E[key].heading.lower()} = summan av raderna",
                           f"{e}!{col}{tot}-SUM({E.range(key, first, last, e)})", "FEL"))
        prognos, budget, comment = (E.range(k, first, last, e) for k in ("prognos", "budget", "kommentar"))
        checks.append((f"{group.title}: prognos som avviker från budget har en kommentar (antal utan)",
                       f"SUMPRODUCT(({prognos}<>\"\")*({prognos}<>{budget})*(LEN({comment})=0))", "VARNING"))
    first_m = 6
    last_m = first_m + len(settings.municipalities)
    tot_m = last_m + 1
    a, z = P.span("")
    rows_m = f"{d}!{get_column_letter(a)}{first_m}:{get_column_letter(z)}{last_m}"
    no_mask = f"SUMPRODUCT(--ISTEXT({rows_m}))=0"  # a publication copy shows small counts as "<N"
    # (flow, antal column, unika column): the Summa row sums antal; unika is a distinct count
    flows = [(P[n].heading.lower(), P.letter(n), P.letter(u)) for n, u in zip(P.total_keys(["sum"]), P.total_keys(["input"]))]
    for what, col, _ in flows:
        checks.append((f"Deltagare: summa antal = summan av raderna, {what}",
                       f"IF({no_mask},{d}!{col}{tot_m}-SUM({d}!{col}{first_m}:{col}{last_m}),0)", "FEL"))
    checks.append(("Deltagare: unika ≤ antal på varje rad (antal rader där unika > antal)", "+".join(
        f"SUMPRODUCT(ISNUMBER({d}!{u}{first_m}:{u}{last_m})*ISNUMBER({d}!{n}{first_m}:{n}{last_m})"
        f"*({d}!{u}{first_m}:{u}{last_m}>{d}!{n}{first_m}:{n}{last_m}))" for _, n, u in flows), "FEL"))
    checks.append(("Deltagare: summa unika ≤ summan av radernas unika (inflöde och utflöde)",
                   f"IF({no_mask},"
                   + "+".join(f"--({d}!{u}{tot_m}>SUM({d}!{u}{first_m}:{u}{last_m}))" for _, _, u in flows) + ",0)",
                   "FEL"))
    checks.append(("Deltagare: summa unika ≤ summa antal", "+".join(
        f"IF(AND(ISNUMBER({d}!{u}{tot_m}),ISNUMBER({d}!{n}{tot_m})),--({d}!{u}{tot_m}>{d}!{n}{tot_m}),0)"
        for _, n, u in flows), "FEL"))
    checks.append(("Anonyma deltagare: summa = summan av raderna",
                   f"{ANONYMOUS.name('summa')}-SUM(INDEX({ANONYMOUS.name('')},0,{ANONYMOUS.pos('antal') + 1}))", "FEL"))
    from finsam.participant_sheet import check_formulas

    checks += check_formulas()
    f0, f1 = totals.financing_rows
    cost_rows = [totals.summary_rows[line] for line in settings.summary_lines]
    er = totals.equity_row
    for key in layout.EQUITY_KEYS:
        col = S.letter(key)
        parts = [f"{s}!{col}{x}" for x in cost_rows]
        if settings.financing:
            parts.append(f"SUM({s}!{col}{f0}:{col}{f1})")
        parts.append(f"{s}!{col}{er}")
        checks.append((f"Sammanställningen balanserar, {key} (kostnader + finansiering + eget kapital = 0)",
                       "+".join(parts), "FEL"))
    for key in [k for k in E.total_keys(["sum"]) if k in {c.key for c in S.columns}]:
        col, ecol = S.letter(key), E.letter(key)
        refs = [f"{e}!{ecol}{tot}" for (_, _, tot) in totals.group_rows]
        lines = "+".join(f"{s}!{col}{x}" for x in cost_rows)
        checks.append((f"Sammanställningens kostnader = tabellernas totaler, {key}", f"({lines})-({'+'.join(refs)})", "FEL"))
    ack = S.letter("ackumulerat")
    fin_ack = f"+SUM({s}!{ack}{f0}:{ack}{f1})" if settings.financing else ""
    group_ack = "+".join(f"{e}!{E.letter('ackumulerat')}{tot}" for (_, _, tot) in totals.group_rows)
    checks.append(("Huvudboken stämmer: tabellerna + finansiering + ej fördelat = periodens resultat i huvudboken",
                   f"({group_ack}{fin_ack}+{totals.unallocated})-fs_huvudbok_resultat", "FEL"))
    checks.append((f"{layout.UNALLOCATED_LABEL} är 0 (annars: lägg till kostnadsstället i inställningarna)",
                   f"{totals.unallocated}", "VARNING"))
    # finsam.coverage.ledger_stale: the last voucher before EDATE(period end, -1); the dates are ISO text
    iso = lambda name: f"DATE(LEFT({name},4),MID({name},6,2),MID({name},9,2))"  # noqa: E731
    checks.append(('="Huvudboken når periodens slut: sista verifikation "&IF(fs_huvudbok_sista_datum="","–",'
                   'fs_huvudbok_sista_datum)&", periodens slut "&fs_period_till&" (dagar mer än en månad före slutet)"',
                   f'IF(fs_huvudbok_sista_datum="",0,MAX(0,EDATE({iso("fs_period_till")},-1)'
                   f'-{iso("fs_huvudbok_sista_datum")}))', "VARNING"))
    r = 7
    checks += totals.money.checks
    for label, formula, level in checks:
        put(ws, r, 1, label)
        put(ws, r, 2, f"=IFERROR({formula},1)", fmt=NUMBER_FORMAT)
        put(ws, r, 3, f'=IF(ROUND(B{r},0)=0,"OK","{level}")', bold=True, right=True)
        r += 1
    if totals.money.guideline:  # its status says "ej angiven" while the settings' table is empty
        label, value, status = totals.money.guideline
        put(ws, r, 1, label)
        put(ws, r, 2, value, fmt=NUMBER_FORMAT)
        put(ws, r, 3, status, bold=True, right=True)
        r += 1
    names.add("fs_kontroller", SHEET_CHECKS, 7, 1, r - 1, 3)
    put(ws, 4, 3, f'=IF(COUNTIF(C7:C{r - 1},"FEL")=0,"OK","FEL")', bold=True, right=True)
    names.add("fs_kontroller_status", SHEET_CHECKS, 4, 3)
    status_lights(ws, f"C4 C7:C{r - 1}")
    r += 1
    put(ws, r, 1, "Periodens resultat enligt huvudboken, summa per kostnadsställe (tkr)")
    put(ws, r, 2, fmt=NUMBER_FORMAT)
    names.add("fs_huvudbok_resultat", SHEET_CHECKS, r, 2)
    put(ws, r + 1, 1, "Huvudbokens sista verifikationsdatum")
    put(ws, r + 1, 2, right=True)
    names.add("fs_huvudbok_sista_datum", SHEET_CHECKS, r + 1, 2)
    widths(ws, {"A": 100, "B": 18, "C": 10})
    ws.freeze_panes = "A7"
    print_setup(ws, settings, "1:6")
