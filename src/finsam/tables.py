"""The follow-up tables: one pure function per table of the seed report.

Each takes the frames the readers produce and returns a small frame (tens of rows) that
:mod:`finsam.populate` writes into the workbook's input blocks. Totals that the workbook
computes with formulas are also computed here (``summary``), so ``finsam validate`` can check
a workbook's values without a spreadsheet engine.

Money: ledger amounts are integer öre with SIE sign (debit positive); report values are
−amount, rounded to whole tkr once per row by :func:`finsam.money.report_tkr`; totals are
sums of rounded rows (seed: "Totalt").
"""

from __future__ import annotations

import re

from dataclasses import dataclass

import numpy as np
import pandas as pd

from finsam.money import largest_remainder, ore_part_to_tkr, parse_number, report_tkr, tkr, tkr_to_ore
from finsam.period import Period
from finsam.settings import CATEGORIES, Settings
from finsam.sources.ledger import result_lines

#: Avslutsorsak that means the registration was a mistake: it never happened, so it is neither
#: an inflow nor an outflow, and its person is not counted in unika (README "Definitions").
FELREGISTRERING = "felregistrering"
#: How registers write it, compared with letters only and without case: "Felregistrering",
#: "felregistrerad", "Fel registrering", "Fel-registrering", "Felreg.", "Felaktig registrering".
_FELREGISTRERING = re.compile(r"^(?:felreg|felaktigregistr)")
_NOT_LETTERS = re.compile(r"[^a-zåäöéü]")


def is_felregistrering(end_reason: pd.Series) -> pd.Series:
    """True where Avslutsorsak says *felregistrering*, however spelled (:data:`_FELREGISTRERING`
    over the text's letters, without case): a spelling that is missed would count a
    registration that never happened."""
    def rule(texts: pd.Series) -> pd.Series:
        letters = texts.astype(str).str.casefold().str.replace(_NOT_LETTERS, "", regex=True)
        return letters.str.contains(_FELREGISTRERING)

    codes, texts = pd.factorize(end_reason)  # few distinct texts: the rule runs once per text
    return pd.Series(np.append(rule(pd.Series(texts, dtype=object)).to_numpy(dtype=bool), False)[codes],
                     index=end_reason.index)

MUNICIPALITY_COLUMNS = ["inflode_antal", "inflode_unika", "utflode_antal", "utflode_unika"]


def table_municipality(names: pd.Series, settings: Settings) -> pd.Series:
    """The row of the municipality table each Folkbokföringskommun counts in: the member as
    the settings spell it (compared without case and surrounding spaces) or its kommunkod
    (``"1490"``: some registers give codes), else the "Annan ort" label. Same index as ``names``; one lookup per distinct spelling."""
    known = {m.name.casefold(): m.name for m in settings.municipalities}
    known.update({m.code: m.name for m in settings.municipalities if m.code})  # a register with kommunkoder
    codes, spellings = pd.factorize(names)  # missing → code -1, which picks the last entry
    rows = [known.get(str(v).strip().casefold(), settings.other_label) for v in spellings]
    return pd.Series(np.array(rows + [settings.other_label], dtype=object)[codes], index=names.index)


def person_codes(participants: pd.DataFrame) -> pd.Series:
    """Each registration's person as an int, the same int for the same personnummer, on the
    register's index: the ``pid`` column of :func:`~finsam.sources.participants.read_participants`,
    else factorized here; -1 where the personnummer is missing. Distinct counts (unika, deltagare) and de-duplication group by
    these ints: grouping 200 000 personnummer texts costs several times more."""
    if "pid" in participants:
        return participants["pid"]
    return pd.Series(pd.factorize(participants["person"])[0], index=participants.index)


def participants_by_municipality(participants: pd.DataFrame, period: Period, settings: Settings) -> pd.DataFrame:
    """Inflöde and utflöde per municipality (seed table "Statistik över hur många från
    respektive kommun", enligt folkbokföring).

    Input: the frame of :func:`finsam.sources.participants.read_participants` (``person``,
    ``municipality``, ``start``, ``end``, ``end_reason``).

    Output (index = member names in settings order, then ``settings.other_label``, then ``"Summa"``)::

                     inflode_antal  inflode_unika  utflode_antal  utflode_unika   (int64)
        Bollebygd                4              3              5              4
        …
        Annan ort                1              1              1              1
        Summa                  152            133             98             96

    Rules (README "Definitions"; ``sample/README.md``): inflöde = registrations whose start lies in the period,
    utflöde = whose end does (a registration starting and ending in it counts in both);
    registrations closed as *felregistrering* never happened: they count in neither, nor
    in unika (:func:`is_felregistrering`); ``antal`` counts registrations,
    ``unika`` distinct personnummer; municipalities that are not members count as "Annan
    ort". Summa antal = sum of rows; Summa unika = distinct personnummer over all rows (a
    person who moved between municipalities counts once).
    """
    rows = [m.name for m in settings.municipalities] + [settings.other_label]
    muni = table_municipality(participants["municipality"], settings)
    real = ~is_felregistrering(participants["end_reason"])
    flows = {
        "inflode": period.contains(participants["start"]) & real,
        "utflode": period.contains(participants["end"]) & real,
    }
    out = pd.DataFrame(0, index=rows + ["Summa"], columns=MUNICIPALITY_COLUMNS, dtype="int64")
    pid = person_codes(participants)
    pid = pid.where(pid >= 0)  # a missing personnummer is no person (NaN: nunique skips it)
    for flow, mask in flows.items():
        sel = pd.DataFrame({"m": muni[mask], "p": pid[mask]})
        antal = sel.groupby("m").size()
        unika = sel.groupby("m")["p"].nunique()
        out.loc[rows, f"{flow}_antal"] = antal.reindex(rows, fill_value=0).astype("int64").to_numpy()
        out.loc[rows, f"{flow}_unika"] = unika.reindex(rows, fill_value=0).astype("int64").to_numpy()
        out.loc["Summa", f"{flow}_antal"] = int(mask.sum())
        out.loc["Summa", f"{flow}_unika"] = int(sel["p"].nunique())
    return out


def anonymous_by_insats(anonymous: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Anonymously registered participants in the period, per insats (seed: "Utöver unikt
    registrerade deltagare finns anonymt registrerade"; never split by municipality, never
    de-duplicated).

    Input: ``insats``, ``month``, ``count``. Output: ``insats`` (str), ``count`` (int64), one row
    per insats in first-seen order.
    """
    sel = anonymous[period.contains(anonymous["month"])]
    out = sel.groupby("insats", sort=False)["count"].sum().astype("int64")
    return out.reset_index()


def period_result_ore(lines: pd.DataFrame, period: Period) -> pd.Series:
    """Sum of the period's result-account lines per cost centre, in öre, SIE sign.

    Output: Series indexed by ``cost_centre`` (str, ``""`` for lines without one), int64.
    """
    sel = result_lines(lines[period.contains(lines["date"])])
    return sel.groupby("cost_centre", sort=True)["amount_ore"].sum().astype("int64")


@dataclass
class Economy:
    """The money tables of one period.

    Attributes:
        cost_centres: one row per cost centre of the settings, in settings order: ``code``,
            ``name``, ``group`` (str), ``budget`` (int64 tkr), ``ackumulerat`` (int64 tkr),
            ``prognos_override`` (Int64 tkr, <NA> when prognos.csv has none), ``comment``
            (str / None, from prognos.csv).
        financing: one row per financing line: ``name``, ``budget`` (int64 tkr), ``ackumulerat``
            (Int64 tkr, <NA> when the line has no cost centre).
        unallocated_tkr: the period's result on cost centres the settings do not know and on
            lines without a cost centre ("ej fördelat / okänt kostnadsställe"), tkr: the sum
            of those codes' rounded values.
        unallocated_codes: those cost-centre codes with their amounts (tkr), ``""`` = none.
        ledger_result_tkr: the period's result of every cost centre in the ledger (and of
            lines without one), each rounded to tkr as its row is, summed: what the cost-centre
            tables, the financing lines and "ej fördelat" must add up to (the reconciliation).
    """

    cost_centres: pd.DataFrame
    financing: pd.DataFrame
    unallocated_tkr: int
    unallocated_codes: dict[str, int]
    ledger_result_tkr: int


def economy(
    settings: Settings,
    lines: pd.DataFrame,
    period: Period,
    budget: pd.DataFrame,
    financing_budget: pd.DataFrame,
    forecast: pd.DataFrame | None = None,
    budget_months_ore: pd.DataFrame | None = None,
) -> Economy:
    """Cost-centre tables, financing lines and the unallocated remainder for ``period``.

    Args:
        lines: ledger frame (:data:`finsam.sources.ledger.LEDGER_COLUMNS`).
        budget: ``cost_centre``, ``budget_tkr`` (from :func:`finsam.sources.budget.read_budget`).
        financing_budget: ``name``, ``budget_tkr``.
        forecast: ``cost_centre``, ``forecast_tkr``, ``comment`` (prognos.csv) or ``None``.
        budget_months_ore: the SIE file's monthly ``#PBUDGET`` lines when the budget comes
            from it (:attr:`finsam.sources.ledger.Ledger.budget_months`), else ``None``.

    ``cost_centres`` gets ``budget_perioden`` (int64 tkr, :func:`periodised_budget`) after
    ``budget``.

    Rules: Ackumulerat = −(period sum of result accounts, classes 3–8, per cost centre),
    rounded to whole tkr per row (sample README; seed "Nettokostnad och finansnetto"). Budget
    and prognos overrides are rounded to whole tkr by the same rule. A financing line with a
    cost centre takes that cost centre's Ackumulerat (seed: Parternas finansiering 3765).
    Cost centres in the ledger that are neither in the settings nor a financing cost centre,
    and lines without a cost centre, go to "ej fördelat" — never dropped.
    """
    result = period_result_ore(lines, period)
    budget_by_cc = budget.groupby("cost_centre")["budget_tkr"].sum()
    fc = forecast if forecast is not None else pd.DataFrame(columns=["cost_centre", "forecast_tkr", "comment"])
    fc = fc.drop_duplicates("cost_centre", keep="last").set_index("cost_centre")
    rows = []
    for c in settings.cost_centres:
        has_fc = c.code in fc.index and pd.notna(fc.at[c.code, "forecast_tkr"])
        comment = fc.at[c.code, "comment"] if c.code in fc.index else None
        rows.append(
            {
                "code": c.code,
                "name": c.name,
                "group": c.group,
                "budget": tkr(budget_by_cc.get(c.code, 0.0)),
                "ackumulerat": report_tkr(result.get(c.code, 0)),
                "prognos_override": tkr(fc.at[c.code, "forecast_tkr"]) if has_fc else pd.NA,
                "comment": comment if isinstance(comment, str) and comment.strip() else None,
            }
        )
    cc = pd.DataFrame(rows, columns=["code", "name", "group", "budget", "ackumulerat", "prognos_override", "comment"])
    cc = cc.astype({"budget": "int64", "ackumulerat": "int64", "prognos_override": "Int64"})
    cc.insert(4, "budget_perioden", periodised_budget(settings, budget, period, budget_months_ore).to_numpy())

    fin_budget = financing_budget.groupby("name")["budget_tkr"].sum()
    fin_rows = []
    for f in settings.financing:
        ack = report_tkr(result.get(f.cost_centre, 0)) if f.cost_centre else pd.NA
        fin_rows.append({"name": f.name, "budget": tkr(fin_budget.get(f.name, 0.0)), "ackumulerat": ack})
    fin = pd.DataFrame(fin_rows, columns=["name", "budget", "ackumulerat"]).astype({"budget": "int64", "ackumulerat": "Int64"})

    known = {c.code for c in settings.cost_centres} | {f.cost_centre for f in settings.financing if f.cost_centre}
    other = result[~result.index.isin(known)]
    return Economy(
        cost_centres=cc,
        financing=fin,
        unallocated_tkr=sum(report_tkr(v) for v in other.to_numpy()),
        unallocated_codes={str(k): report_tkr(v) for k, v in other.items()},
        ledger_result_tkr=sum(report_tkr(v) for v in result.to_numpy()),
    )


#: No forecast of an association reaches this (tkr); a larger "forecast" is a pasted number.
LARGEST_FORECAST_TKR = 10_000_000


def resolve_forecast(new_budget: int, override, existing, existing_budget) -> tuple[int | str, str]:
    """The forecast to write for one row, and why.

    Rules (README "Definitions": Prognos defaults to the budget): an override from
    prognos.csv wins (``"prognos.csv"``); else a forecast already in the workbook is the
    person's and is kept (``"arbetsboken"``) — unless it equals the workbook's previous
    budget, i.e. it is still the default, which then follows the new budget; an empty cell
    takes the budget (``"budget"``). A number typed as text (``"−260"``, ``"1 200"``) counts
    as that number; a formula the person typed (:class:`~finsam.layout.Formula`) is kept as
    written (``"formel"``); anything else — text, a date, TRUE, an absurd number such as a
    pasted personnummer — is kept too (``"text"``) so nothing typed is lost, and the caller
    warns that totals ignore it.
    """
    from finsam.layout import Formula

    if override is not None and not pd.isna(override):
        return int(override), "prognos.csv"
    if existing is None or (isinstance(existing, str) and not existing.strip()) or (
        isinstance(existing, float) and pd.isna(existing)
    ):
        return int(new_budget), "budget"
    if isinstance(existing, Formula):
        return existing, "formel"
    if isinstance(existing, str):
        number = parse_number(existing)
    elif isinstance(existing, (int, float)) and not isinstance(existing, bool):
        number = float(existing)
    else:  # a date, TRUE/FALSE: typed by mistake, kept for the person to see
        number = None
    if number is None or not abs(number) <= LARGEST_FORECAST_TKR:  # also a personnummer pasted as a number
        return existing, "text"
    if existing_budget not in (None, "") and parse_number(existing_budget) == number:
        return int(new_budget), "budget"
    return tkr(number), "arbetsboken"


def summary(settings: Settings, cost_centres: pd.DataFrame, financing: pd.DataFrame, unallocated_tkr: int = 0) -> pd.DataFrame:
    """Sammanställning (seed table "sammanställning förbundsmedel och projekt").

    Input: ``cost_centres`` with ``group``, ``budget``, ``ackumulerat``, ``prognos`` (tkr);
    ``financing`` with ``name``, ``budget``, ``ackumulerat``, ``prognos`` (tkr, <NA> allowed).

    Output: index = the groups' summary lines (e.g. "Totala kostnader"),
    :data:`~finsam.layout.UNALLOCATED_LABEL`, the financing lines, and "Årets finansiering
    med eget kapital"; columns ``budget``, ``ackumulerat``, ``prognos`` (Int64 tkr)::

                                             budget  ackumulerat  prognos
        Totala kostnader                     -24837        -1291   -24837
        Ej fördelat / okänt kostnadsställe     <NA>           -1     <NA>
        Parternas finansiering                15060         3765    15060
        …
        Årets finansiering med eget kapital     402         <NA>      402

    Cost lines = sums of their groups' rounded rows, exactly the tables' totals; the
    unallocated remainder (``unallocated_tkr``) is its own line, accumulated only. Årets
    finansiering med eget kapital = −(cost lines) − (financing lines), budget and prognos
    only (the seed leaves Ackumulerat empty), so the summary balances to zero.

    A row whose forecast only the workbook computes — a formula the person typed, or
    something that is no forecast (text, a date), which the workbook's SUM treats by its own
    rules — is flagged by the bool column ``prognos_i_arbetsboken`` (either input, optional):
    the Prognos of its line and of Årets finansiering med eget kapital is then <NA>, and
    those lines are listed in ``out.attrs["prognos_i_arbetsboken"]``, so nobody prints a
    figure the workbook does not show.
    """
    from finsam.layout import UNALLOCATED_LABEL

    groups = {g.name: g.summary_line for g in settings.groups}
    cc = cost_centres.assign(line=cost_centres["group"].map(groups))
    cols = ["budget", "ackumulerat", "prognos"]
    cost = cc.groupby("line", sort=False)[cols].sum().reindex(settings.summary_lines, fill_value=0).astype("Int64")
    fin = financing.set_index("name")[cols]
    equity = -(cost.sum()) - fin.fillna(0).sum()
    equity["ackumulerat"] = pd.NA
    unallocated = pd.DataFrame({"budget": [pd.NA], "ackumulerat": [unallocated_tkr], "prognos": [pd.NA]},
                               index=[UNALLOCATED_LABEL])
    equity_line = "Årets finansiering med eget kapital"
    out = pd.concat([cost, unallocated.astype("Int64"), fin.astype("Int64"),
                     equity.to_frame(equity_line).T.astype("Int64")]).astype("Int64")
    formula_lines = list(dict.fromkeys(cc.loc[_flags(cc), "line"]))
    formula_lines += list(financing.loc[_flags(financing), "name"])
    if formula_lines:
        formula_lines.append(equity_line)
        out.loc[formula_lines, "prognos"] = pd.NA
    out.attrs["prognos_i_arbetsboken"] = formula_lines
    return out


def _flags(frame: pd.DataFrame) -> pd.Series:
    """The ``prognos_i_arbetsboken`` column as booleans (all False when absent)."""
    if "prognos_i_arbetsboken" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["prognos_i_arbetsboken"].fillna(False).astype(bool)


def budget_months(period: Period, settings: Settings) -> int:
    """Months of budget that the outcome up to ``period`` should be compared with:
    max(0, the period's months − the settings' invoice lag). Invoices in this field arrive
    about a quarter late (seed report), so an association may set a lag; 0 by default."""
    return max(0, period.months - settings.invoice_lag_months)


def periodised_budget(
    settings: Settings, budget: pd.DataFrame, period: Period, monthly: pd.DataFrame | None = None
) -> pd.Series:
    """Budget t.o.m. perioden per cost centre (tkr, costs negative), one row per cost centre
    of the settings (index = code, settings order, int64).

    Rules (issue 12; municipal practice compares the outcome with the budget up to the
    period): n = :func:`budget_months`. When the budget comes from the SIE file
    (``monthly``: its ``#PBUDGET`` records, SIE 4B §8, each one month's change in öre, SIE
    sign), the first n months of the fiscal year are summed, −sum / 1000; else the year's
    budget (``budget``: ``cost_centre``, ``budget_tkr``) × n / 12. Either way each row is
    rounded once to whole tkr, half away from zero (:func:`finsam.money.ore_part_to_tkr`),
    and a table's total is the sum of its rows (a formula in the workbook).
    """
    n = budget_months(period, settings)
    codes = [c.code for c in settings.cost_centres]
    if monthly is not None:
        last = pd.Timestamp(period.start) + pd.DateOffset(months=n) - pd.Timedelta(days=1)
        sel = monthly[(monthly["date"] >= pd.Timestamp(period.start)) & (monthly["date"] <= last)]
        by_cc = sel.groupby("cost_centre")["amount_ore"].sum()
        values = [report_tkr(int(by_cc.get(code, 0))) if n else 0 for code in codes]
    else:
        by_cc = budget.groupby("cost_centre")["budget_tkr"].sum()
        values = [ore_part_to_tkr(tkr_to_ore(by_cc.get(code, 0.0)), n, 12) for code in codes]
    return pd.Series(values, index=pd.Index(codes, name="code"), dtype="int64")


#: The Kategorier line for cost centres whose category the settings leave empty.
NO_CATEGORY = "Ingen kategori angiven"


def categories(settings: Settings, cost_centres: pd.DataFrame) -> pd.DataFrame:
    """Kategorier (Sammanställning): budget, ackumulerat and prognos per category of
    Uppföljning Finsam (finsam.se: administration, individinriktade and strukturövergripande
    insatser), tkr, as sums of the cost centres' printed rows.

    Input: ``code``, ``budget``, ``ackumulerat``, ``prognos`` (tkr). Output: index =
    :data:`finsam.settings.CATEGORIES` then :data:`NO_CATEGORY`; columns ``budget``,
    ``ackumulerat``, ``prognos`` (int64)::

                               budget  ackumulerat  prognos
        administration          -1380         -118    -1380
        individinriktad         …
        strukturövergripande     -787            0    -1187
        Ingen kategori angiven      0            0        0

    The lines sum to the tables' totals (the workbook checks it).
    """
    category = {c.code: c.category or NO_CATEGORY for c in settings.cost_centres}
    cols = ["budget", "ackumulerat", "prognos"]
    cat = cost_centres["code"].map(category)
    out = cost_centres[cols].groupby(cat).sum().reindex(list(CATEGORIES) + [NO_CATEGORY], fill_value=0)
    return out.astype("int64")


def administration_share(cats: pd.DataFrame, column: str) -> float | None:
    """Administration's share of the total costs in ``column`` of :func:`categories`, as a
    fraction (0.0556 = 5.6 %), or ``None`` when there are no costs."""
    total = int(cats[column].sum())
    return None if total == 0 else int(cats.at["administration", column]) / total


def members(
    settings: Settings,
    contribution_budget: int,
    contribution_to_date: int | None,
    opening_equity: int | None,
    forecast_equity: int | None,
) -> pd.DataFrame:
    """Finansiering per medlem: each member's share (lag 2003:1210 §5) of the contributions
    and, by 9 § p. 8, of the equity, tkr.

    Output: index = members (:meth:`finsam.settings.Settings.member_shares`) then ``"Summa"``;
    columns ``andel`` (percent, float), ``bidrag_budget``, ``bidrag_tom``,
    ``eget_kapital_ingaende``, ``eget_kapital_prognos`` (Int64; <NA> when the total is
    unknown). Each column is split by :func:`finsam.money.largest_remainder`, so the rows
    sum to the Summa row, which is the total itself (sample Q1: Försäkringskassan 7 530,
    1 883, 3 327, 2 927).
    """
    shares = settings.member_shares()
    weights = [w for _, w in shares]
    out = pd.DataFrame(index=[n for n, _ in shares] + ["Summa"])
    out["andel"] = [float(w) for w in weights] + [float(sum(weights))]
    for col, total in (("bidrag_budget", contribution_budget), ("bidrag_tom", contribution_to_date),
                       ("eget_kapital_ingaende", opening_equity), ("eget_kapital_prognos", forecast_equity)):
        if total is None or pd.isna(total):
            out[col] = pd.array([pd.NA] * len(out), dtype="Int64")
        else:
            out[col] = pd.array(largest_remainder(int(total), weights) + [int(total)], dtype="Int64")
    return out


def equity_guideline(settings: Settings, size_tkr: int) -> int | None:
    """The highest equity (tkr) the settings' guideline allows an association of ``size_tkr``
    (members' contributions for the year): the last step whose ``from_tkr`` ≤ size, its
    ``max_tkr``, or ``max_pct`` % of the size rounded half away from zero. ``None`` when the
    guideline is not given (empty table: the Kontroller row says "ej angiven") or no step
    applies. Source of the steps: the settings' (Nationella rådet's recommendation
    2013-10-02 is a "trappa" by size; finsam ships no numbers for it).
    """
    steps = [x for x in settings.equity_guideline if x.from_tkr <= size_tkr]
    if not steps:
        return None
    step = steps[-1]
    if step.max_tkr is not None:
        return step.max_tkr
    return ore_part_to_tkr(tkr_to_ore(size_tkr), int(step.max_pct * 10_000), 1_000_000)
