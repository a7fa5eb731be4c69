"""Checks on a workbook's values: the Python twin of the ``Kontroller`` sheet's formulas.

The workbook checks itself with formulas (live in Excel, :func:`finsam.layout._checks_sheet`);
:func:`check_blocks` runs the same checks on the input blocks, without a spreadsheet engine,
for ``finsam validate`` and the Excel button. Totals are recomputed from the rows exactly as
the formulas do (sums of whole-tkr rows).

Each failed check is a :class:`~finsam.errors.Problem` with a stable code, the sheet as
``source`` and the row's label or cell as ``column``.
"""

from __future__ import annotations

from finsam import layout
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
        try:
            return float(v.strip()[1:]) - 1
        except ValueError:
            return 0.0
    return _num(v)


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def check_blocks(settings: Settings, blocks: dict[str, Block]) -> list[Problem]:
    """Check the input blocks of one workbook (``defined name → 2D values``).

    Checks (codes): ``unika-over-antal`` (a municipality row with more unika than antal),
    ``summa-unika`` (Summa unika above the sum of the rows' unika or above Summa antal),
    ``prognos-utan-kommentar`` (a forecast that differs from budget without a comment,
    warning), ``ej-fordelat`` (result on unknown cost centres, warning), and
    ``huvudbok-stammer-inte`` (tables + financing + ej fördelat ≠ the ledger's period result).

    Masked counts of a publication copy (``"<N"``) are taken as at most N − 1, so the
    checks stay necessary conditions and never fail on masking alone. Totals that the sheet
    computes (each table's total = sum of its rows, the summary's balance) are recomputed
    here from the rows, so they hold by construction; :mod:`finsam.validate` checks that the
    workbook's total cells are still formulas.
    """
    problems: list[Problem] = []
    rows = [m.name for m in settings.municipalities] + [settings.other_label]
    muni = blocks.get("fs_deltagare") or []
    sums = [0.0, 0.0, 0.0, 0.0]
    for name, r in zip(rows, muni):
        raw = (list(r) + [None] * 4)[:4]
        vals = [_upper(v) for v in raw]
        sums = [a + b for a, b in zip(sums, vals)]
        for flow, (antal, unika), masked in (("inflöde", vals[0:2], raw[0:2]), ("utflöde", vals[2:4], raw[2:4])):
            if any(_masked(v) for v in masked):
                continue  # a masked count is only known to be below N
            if unika > antal:
                problems.append(Problem("unika-over-antal", "error", layout.SHEET_PARTICIPANTS, None, name,
                                        f"{name}, {flow}: {int(unika)} unika men bara {int(antal)} inskrivningar. "
                                        "Kör populate igen från registret."))
    for flow, name, antal_sum, unika_sum in (("inflöde", "fs_deltagare_summa_unika_in", sums[0], sums[1]),
                                            ("utflöde", "fs_deltagare_summa_unika_ut", sums[2], sums[3])):
        raw_total = (blocks.get(name) or [[None]])[0][0]
        if _masked(raw_total):
            continue
        total = _num(raw_total)
        if total > unika_sum or total > antal_sum:
            problems.append(Problem("summa-unika", "error", layout.SHEET_PARTICIPANTS, None, "Summa",
                                    f"Summa unika, {flow} ({int(total)}) är större än radernas unika ({int(unika_sum)}) "
                                    f"eller summa antal ({int(antal_sum)}). Kör populate igen."))
    ack_total = 0.0
    for gi, group in enumerate(settings.groups, start=1):
        gn = layout.group_names(gi)
        ccs = settings.cost_centres_of(group.name)
        utfall = blocks.get(gn["utfall"]) or []
        prognos = blocks.get(gn["prognos"]) or []
        comments = blocks.get(gn["kommentar"]) or []
        for i, cc in enumerate(ccs):
            budget = utfall[i][0] if i < len(utfall) else None
            ack_total += _num(utfall[i][1]) if i < len(utfall) else 0.0
            fc = prognos[i][0] if i < len(prognos) else None
            comment = comments[i][0] if i < len(comments) else None
            if not _blank(fc) and resolve_forecast(0, None, fc, None)[1] == "text":  # the one rule of what a forecast is
                problems.append(Problem("prognos-ej-tal", "warning", layout.SHEET_ECONOMY, None, cc.code,
                                        f"{cc.code} {cc.name}: prognosen {str(fc)!r} är inget rimligt tal i tkr; den "
                                        "står kvar men summorna räknar den som 0. Skriv prognosen i tkr."))
            elif not _blank(fc) and _num(fc) != _num(budget) and _blank(comment):
                problems.append(Problem("prognos-utan-kommentar", "warning", layout.SHEET_ECONOMY, None, cc.code,
                                        f"{cc.code} {cc.name}: prognosen {_num(fc):.0f} avviker från budgeten "
                                        f"{_num(budget):.0f} men saknar kommentar. Skriv en kommentar i kolumnen Kommentar."))
    fin_ack = sum(_num(r[1]) for r in (blocks.get("fs_finansiering_utfall") or []) if len(r) > 1)
    unalloc = _num((blocks.get("fs_ej_fordelat") or [[None]])[0][0])
    if unalloc:
        problems.append(Problem("ej-fordelat", "warning", layout.SHEET_ECONOMY, None, "Ej fördelat",
                                f"{unalloc:.0f} tkr i huvudboken ligger på okända kostnadsställen eller saknar "
                                "kostnadsställe. Lägg till kostnadsstället i inställningarna eller rätta konteringen."))
    ledger = (blocks.get("fs_huvudbok_resultat") or [[None]])[0][0]
    if not _blank(ledger) and round_half_away(ack_total + fin_ack + unalloc) != round_half_away(_num(ledger)):
        problems.append(Problem("huvudbok-stammer-inte", "error", layout.SHEET_CHECKS, None, "Huvudboken stämmer",
                                f"Tabellerna, finansieringen och ej fördelat ger {ack_total + fin_ack + unalloc:.0f} tkr, "
                                f"men huvudbokens resultat för perioden är {_num(ledger):.0f} tkr. "
                                "Kör populate igen; ändra inte Ackumulerat för hand."))
    return problems
