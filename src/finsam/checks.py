"""Checks on a workbook's values: the Python twin of the ``Kontroller`` sheet's formulas.

The workbook checks itself with formulas (live in Excel, :func:`finsam.layout_checks.checks_sheet`);
:func:`check_blocks` runs the same checks on the input blocks, without a spreadsheet engine,
for ``finsam validate`` and the Excel button. Totals are recomputed from the rows exactly as
the formulas do (sums of whole-tkr rows).

Each failed check is a :class:`~finsam.errors.Problem` with a stable code, the sheet as
``source`` and the row's label or cell as ``column``.
"""

from __future__ import annotations

from datetime import date, datetime

from finsam import layout
from finsam.blocks import ECONOMY, PARTICIPANTS, SUMMARY
from finsam.coverage import ledger_stale_problem
from finsam.errors import Problem
from finsam.money import parse_number, round_half_away
from finsam.settings import Settings
from finsam.tables import resolve_forecast

Block = list[list]


def _num(v) -> float:
    """A cell's number by the one reading rule (:func:`finsam.money.parse_number`: the text
    ``"−260"`` is −260, as populate reads it); empty or no number → 0, as a SUM counts it."""
    n = parse_number(v)
    return 0.0 if n is None else n


def _masked(v) -> bool:
    """A count of a publication copy shown as ``"<N"`` or ``".."`` (see ``--mask-below``)."""
    return isinstance(v, str) and (v.strip().startswith("<") or v.strip() == "..")


def _upper(v) -> float:
    """A count, or the largest value a masked ``"<N"`` can hide (N − 1); ``".."`` (secondary
    suppression) hides a count of any size."""
    if isinstance(v, str) and v.strip() == "..":
        return float("inf")
    if _masked(v):
        n = parse_number(v.strip()[1:])
        return 0.0 if n is None else n - 1
    return _num(v)


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _iso_date(v) -> date | None:
    """A date cell as populate writes it (ISO text), or a date value a person or Excel left."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v).strip()[:10]) if not _blank(v) else None
    except ValueError:
        return None


def _stale_ledger(blocks: dict[str, Block]) -> Problem | None:
    last = _iso_date((blocks.get("fs_huvudbok_sista_datum") or [[None]])[0][0])
    period = blocks.get("fs_period") or []
    end = _iso_date(period[1][0]) if len(period) > 1 and period[1] else None
    if last is None or end is None:
        return None
    return ledger_stale_problem(last, end, layout.SHEET_CHECKS, None, "Huvudbokens sista verifikation")


def check_blocks(settings: Settings, blocks: dict[str, Block]) -> list[Problem]:
    """Check the input blocks of one workbook (``defined name → 2D values``).

    Checks (codes): ``unika-over-antal`` (a municipality row with more unika than antal),
    ``summa-unika`` (Summa unika above the sum of the rows' unika or above Summa antal),
    ``prognos-utan-kommentar`` (a forecast that differs from budget without a comment,
    warning), ``ej-fordelat`` (result on unknown cost centres, warning), and
    ``huvudbok-stammer-inte`` (tables + financing + ej fördelat ≠ the ledger's period result),
    ``eget-kapital-over-riktlinjen`` (the forecast year-end equity above the settings' equity
    guideline for the association's size, warning; nothing while the guideline is empty),
    ``huvudbok-inaktuell`` (warning: the ledger's last voucher, ``fs_huvudbok_sista_datum``,
    is more than a month before the period end; :func:`finsam.coverage.ledger_stale`),
    and those of the sheet Deltagare per insats (:func:`finsam.participant_sheet.check_values`).

    Masked counts of a publication copy (``"<N"``) are taken as at most N − 1, so the
    checks stay necessary conditions and never fail on masking alone. Totals that the sheet
    computes (each table's total = sum of its rows, the summary's balance) are recomputed
    here from the rows, so they hold by construction; :mod:`finsam.validate` checks that the
    workbook's total cells are still formulas.
    """
    problems: list[Problem] = []
    P = PARTICIPANTS
    # (flow, antal key, unika key): the Summa row sums antal; unika is a distinct count
    flows = [(P[a].heading.lower(), a, u) for a, u in zip(P.total_keys(["sum"]), P.total_keys(["input"]))]
    names = [m.name for m in settings.municipalities] + [settings.other_label]
    sums = dict.fromkeys(P.keys(""), 0.0)
    for name, raw in zip(names, P.rows_of(blocks.get, None, [""])):
        vals = {k: _upper(v) for k, v in raw.items()}
        sums = {k: sums[k] + vals[k] for k in sums}
        for flow, a, u in flows:
            if _masked(raw[a]) or _masked(raw[u]):
                continue  # a masked count is only known to be below N
            if vals[u] > vals[a]:
                problems.append(Problem("unika-over-antal", "error", layout.SHEET_PARTICIPANTS, None, name,
                                        f"{name}, {flow}: {int(vals[u])} unika men bara {int(vals[a])} inskrivningar. "
                                        "Kör populate igen från registret."))
    for flow, a, u in flows:
        antal_sum, unika_sum = sums[a], sums[u]
        raw_total = (blocks.get(P[u].total_name) or [[None]])[0][0]
        if _masked(raw_total):
            continue
        total = _num(raw_total)
        if total > unika_sum or total > antal_sum:
            problems.append(Problem("summa-unika", "error", layout.SHEET_PARTICIPANTS, None, "Summa",
                                    f"Summa unika, {flow} ({int(total)}) är större än radernas unika ({int(unika_sum)}) "
                                    f"eller summa antal ({int(antal_sum)}). Kör populate igen."))
    ack_total = 0.0
    prognos_total = 0.0
    for gi, group in enumerate(settings.groups, start=1):
        ccs = settings.cost_centres_of(group.name)
        rows = ECONOMY.rows_of(blocks.get, gi, ["utfall", "prognos", "kommentar"])
        for i, cc in enumerate(ccs):
            row = rows[i] if i < len(rows) else {}
            budget, fc, comment = row.get("budget"), row.get("prognos"), row.get("kommentar")
            ack_total += _num(row.get("ackumulerat"))
            prognos_total += _num(fc) if resolve_forecast(0, None, fc, None)[1] != "text" else 0.0
            if not _blank(fc) and resolve_forecast(0, None, fc, None)[1] == "text":  # the one rule of what a forecast is
                problems.append(Problem("prognos-ej-tal", "warning", layout.SHEET_ECONOMY, None, cc.code,
                                        f"{cc.code} {cc.name}: prognosen {str(fc)!r} är inget rimligt tal i tkr; den "
                                        "står kvar men summorna räknar den som 0. Skriv prognosen i tkr."))
            elif not _blank(fc) and _num(fc) != _num(budget) and _blank(comment):
                problems.append(Problem("prognos-utan-kommentar", "warning", layout.SHEET_ECONOMY, None, cc.code,
                                        f"{cc.code} {cc.name}: prognosen {_num(fc):.0f} avviker från budgeten "
                                        f"{_num(budget):.0f} men saknar kommentar. Skriv en kommentar i kolumnen Kommentar."))
    fin_rows = SUMMARY.rows_of(blocks.get, None, ["utfall", "prognos"])
    fin_ack = sum(_num(r["ackumulerat"]) for r in fin_rows)
    problems += _equity_guideline(settings, blocks, fin_rows, prognos_total)
    unalloc = _num((blocks.get("fs_ej_fordelat") or [[None]])[0][0])
    if unalloc:
        problems.append(Problem("ej-fordelat", "warning", layout.SHEET_ECONOMY, None, "Ej fördelat",
                                f"{unalloc:.0f} tkr i huvudboken ligger på okända kostnadsställen eller saknar "
                                "kostnadsställe. Lägg till kostnadsstället i inställningarna eller rätta konteringen."))
    stale = _stale_ledger(blocks)
    if stale is not None:
        problems.append(stale)
    ledger = (blocks.get("fs_huvudbok_resultat") or [[None]])[0][0]
    if not _blank(ledger) and round_half_away(ack_total + fin_ack + unalloc) != round_half_away(_num(ledger)):
        problems.append(Problem("huvudbok-stammer-inte", "error", layout.SHEET_CHECKS, None, "Huvudboken stämmer",
                                f"Tabellerna, finansieringen och ej fördelat ger {ack_total + fin_ack + unalloc:.0f} tkr, "
                                f"men huvudbokens resultat för perioden är {_num(ledger):.0f} tkr. "
                                "Kör populate igen; ändra inte Ackumulerat för hand."))
    from finsam.participant_sheet import check_values  # imports book, which imports layout

    return problems + check_values(blocks)


def _equity_guideline(settings: Settings, blocks: dict[str, Block], fin_rows: list[dict], prognos_total: float) -> list[Problem]:
    """The Kontroller row "Eget kapital … ≤ riktlinjen" in Python: forecast year-end equity =
    opening equity − Årets finansiering med eget kapital (prognos) = opening + the tables'
    forecasts + the financing forecasts; the limit is :func:`finsam.tables.equity_guideline`
    for the size = the members' contributions (budget). No problem while the settings'
    guideline is empty (the sheet says "ej angiven")."""
    from finsam.tables import equity_guideline

    opening = (blocks.get("fs_eget_kapital") or [[None]])[0][0]
    names = [f.name for f in settings.financing]
    if not settings.equity_guideline or _blank(opening) or settings.contributions not in names:
        return []
    fin = fin_rows[names.index(settings.contributions)] if names.index(settings.contributions) < len(fin_rows) else {}
    size = round_half_away(_num(fin.get("budget")))
    limit = equity_guideline(settings, size)
    forecast = _num(opening) + prognos_total + sum(_num(r.get("prognos")) for r in fin_rows)  # blanks count 0, as in SUM
    if limit is None or round_half_away(forecast) <= limit:
        return []
    return [Problem("eget-kapital-over-riktlinjen", "warning", layout.SHEET_CHECKS, None, "Eget kapital",
                    f"Eget kapital vid årets slut enligt prognos, {round_half_away(forecast)} tkr, är över riktlinjen "
                    f"{limit} tkr för ett förbund med {size} tkr i medlemsbidrag "
                    f"({settings.equity_guideline_source or 'källa ej angiven'}). Tilldelningen kan begränsas.")]
