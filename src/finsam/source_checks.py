"""Checks on the source files that need the settings or the period.

The readers (:mod:`finsam.sources`) already report what one row can show on its own (a bad
personnummer, a date that is no date, end before start, a duplicate row, an amount that is
no number). :func:`check_sources` adds what needs the association's settings or the period:

==========================  =======  ================================================================
code                        level    when
==========================  =======  ================================================================
``kommun-okand``            warning  a Folkbokföringskommun that is neither a member nor one of
                                     Sweden's 290 municipalities (a spelling?), or a member
                                     written otherwise ("Borås kommun"): the message names the
                                     closest member; the rows count as "Annan ort"
``kommun-saknas``           warning  Folkbokföringskommun empty (counted as "Annan ort")
``flera-kommuner``          warning  one person registered in two municipalities in the period;
                                     Summa unika counts the person once
==========================  =======  ================================================================

Unknown cost centres in the ledger (``kostnadsstalle-okant``) are reported by
:func:`finsam.populate.compute_blocks`, where "Ej fördelat" is computed.
"""

from __future__ import annotations

import difflib
from itertools import islice

import pandas as pd

from finsam.coverage import last_dates, ledger_last_date, month_before
from finsam.errors import FIRST_ROWS, Problem, aggregate, count_text
from finsam.municipalities import municipality_key as _key
from finsam.municipalities import swedish_municipalities
from finsam.period import Period
from finsam.settings import Settings
from finsam.sources.tabular import sheet_of, spreadsheet_row, spreadsheet_rows
from finsam.tables import is_felregistrering, table_municipality


def check_municipalities(settings: Settings, participants: pd.DataFrame, file: str) -> list[Problem]:
    """``kommun-okand`` and ``kommun-saknas`` (one problem per distinct name, at its first row)."""
    members = [m.name for m in settings.municipalities]
    exact = {m.strip().casefold() for m in members}  # as the table matches them
    member_keys = {_key(m) for m in members}
    sweden = {_key(k) for k in swedish_municipalities()}
    rows = spreadsheet_rows(participants.index)
    problems: list[Problem] = []
    names = participants["municipality"].fillna("").astype(str).str.strip()
    for name, idx in names.groupby(names, sort=False).groups.items():
        first = int(rows[idx[0]])
        count = len(idx)
        if not name:
            problems.append(Problem("kommun-saknas", "warning", file, first, "Folkbokföringskommun",
                                    f"Folkbokföringskommun saknas på {count_text(count, 'rad', 'rader')} (första: rad {first}); de räknas "
                                    f"som {settings.other_label!r}. Fyll i kommunen i registret om den är känd."))
            continue
        if table_municipality(pd.Series([name]), settings).iloc[0] != settings.other_label:
            continue  # a member, by name or kommunkod, as the table counts it
        if name.casefold() in exact or (_key(name) in sweden and _key(name) not in member_keys):
            continue  # a member as the table counts it, or another municipality (Annan ort)
        close = difflib.get_close_matches(name, members, n=1, cutoff=0.0)
        hint = f"Menade du {close[0]!r}? " if close else ""
        problems.append(Problem("kommun-okand", "warning", file, first, "Folkbokföringskommun",
                                f"{name!r} är varken en medlemskommun eller en svensk kommun ({count_text(count, 'rad', 'rader')}); "
                                f"raderna räknas som {settings.other_label!r}. {hint}Rätta stavningen i registret."))
    return problems


def check_moves(settings: Settings, participants: pd.DataFrame, period: Period, file: str) -> list[Problem]:
    """``flera-kommuner``: a person with registrations in the period (start or end in it) in two
    or more municipalities (members, or "Annan ort" for the rest); a *felregistrering* is no
    registration. The first :data:`~finsam.errors.FIRST_ROWS` persons one by one (their
    rows), the rest in one problem that counts them."""
    p = participants[participants["person"].notna() & ~is_felregistrering(participants["end_reason"])]
    in_period = period.contains(p["start"]) | period.contains(p["end"])
    p = p[in_period]
    muni = table_municipality(p["municipality"], settings)  # the rows the table counts them in
    rows = spreadsheet_rows(p.index)
    by_person = pd.DataFrame({"person": p["person"], "muni": muni, "row": rows})
    counts = by_person.groupby("person", sort=False)["muni"].nunique()
    movers = counts.index[counts > 1]
    if not len(movers):
        return []
    moved = by_person[by_person["person"].isin(movers)].drop_duplicates(["person", "muni"])
    problems: list[Problem] = []
    for _, sel in islice(moved.groupby("person", sort=False), FIRST_ROWS):  # not one problem per person
        where = ", ".join(f"{m} (rad {r})" for m, r in zip(sel["muni"], sel["row"]))
        problems.append(Problem("flera-kommuner", "warning", file, int(sel["row"].iloc[-1]), "Folkbokföringskommun",
                                f"Samma person är registrerad i flera kommuner under perioden: {where}. Personen räknas "
                                "i varje kommuns unika men en gång i Summa unika. Kontrollera folkbokföringen."))
    rest = len(movers) - len(problems)
    if rest:
        problems.append(Problem("flera-kommuner", "warning", file, None, "Folkbokföringskommun",
                                f"… och {count_text(rest, 'person', 'personer')} till som är registrerade i flera "
                                f"kommuner under perioden; {len(movers)} i allt. Kontrollera folkbokföringen.", count=rest))
    return problems


def check_budget(settings: Settings, budget: pd.DataFrame, financing: pd.DataFrame, file: str) -> list[Problem]:
    """The budget against the settings: ``budget-okant-kostnadsstalle`` (a row the tables do
    not show: its budget would be lost), ``budget-saknas`` (a cost centre of the settings with
    no budget row: 0), ``finansiering-okand`` (a Finansiering row no summary line takes, with
    the closest name; an error: its budget would be missing from the summary and the balancing
    item wrong) and ``finansiering-budget-saknas`` (a financing line without a budget:
    0, and the balancing item is wrong by that much)."""
    problems: list[Problem] = []
    codes = {c.code for c in settings.cost_centres}
    financing_ccs = {f.cost_centre for f in settings.financing if f.cost_centre}
    where = f"{file} ({sheet_of(budget) or 'Budget'})"
    for idx, code in budget["cost_centre"].items():
        if code not in codes and code not in financing_ccs:
            problems.append(Problem("budget-okant-kostnadsstalle", "warning", where, spreadsheet_row(budget.index, idx), "Kostnadsställe",
                                    f"Kostnadsställe {code} finns inte i inställningarna; dess budget kommer inte med i "
                                    "tabellerna. Lägg till kostnadsstället i inställningarna eller rätta koden."))
    present = set(budget["cost_centre"])
    for c in settings.cost_centres:
        if c.code not in present:
            problems.append(Problem("budget-saknas", "warning", where, None, "Kostnadsställe",
                                    f"Kostnadsställe {c.code} {c.name} saknar budgetrad; budgeten blir 0."))
    names = [f.name for f in settings.financing]
    where = f"{file} ({sheet_of(financing) or 'Finansiering'})"
    for idx, name in financing["name"].items():
        if name not in names:
            close = difflib.get_close_matches(str(name), names, n=1, cutoff=0.6)
            hint = f" Menade du {close[0]!r}?" if close else ""
            problems.append(Problem("finansiering-okand", "error", where, spreadsheet_row(financing.index, idx), "Post",
                                    f"Posten {name!r} finns inte bland inställningarnas finansieringsposter, så dess "
                                    "budget saknas i sammanställningen och årets finansiering med eget kapital blir fel."
                                    f"{hint} Skriv namnet som i inställningarna, eller lägg till posten i bladet "
                                    "Inställningar under [Finansiering] (Post, och i nästa kolumn kostnadsstället där "
                                    "den bokförs i huvudboken, t.ex. 1000 för Parternas finansiering)."))
    given = set(financing["name"])
    for name in names:
        if name not in given:
            problems.append(Problem("finansiering-budget-saknas", "warning", where, None, "Post",
                                    f"Finansieringsposten {name!r} har ingen budget i bladet Finansiering; den blir 0 "
                                    "och årets finansiering med eget kapital ändras lika mycket. Lägg till raden."))
    return problems


#: A forecast in tkr is never more than this many times its budget (or than this many times
#: :data:`FORECAST_FLOOR_TKR`, for a small or zero budget): a larger figure is in kronor
#: (``-687000`` for −687 tkr against a budget of −287: 2 394 times). Kronor are 1 000 times
#: tkr, so a factor of 100 leaves room for any real forecast and catches every kronor figure
#: above 10 000 kr.
FORECAST_UNIT_FACTOR = 100
FORECAST_FLOOR_TKR = 100


def forecast_not_tkr(forecast_tkr: float, budget_tkr: float) -> bool:
    """True when a forecast cannot be in tkr: |forecast| > :data:`FORECAST_UNIT_FACTOR` ×
    max(|budget|, :data:`FORECAST_FLOOR_TKR`). The one rule for prognos.csv and typed forecasts."""
    return abs(forecast_tkr) > FORECAST_UNIT_FACTOR * max(abs(budget_tkr), FORECAST_FLOOR_TKR)


def check_forecast(settings: Settings, forecast: pd.DataFrame, file: str,
                   budget: pd.DataFrame | None = None) -> list[Problem]:
    """The forecast overrides against the settings and the budget (``cost_centre``,
    ``budget_tkr``, summed per cost centre):

    - ``prognos-okant-kostnadsstalle`` (warning): a row for a cost centre the tables do not
      show (it would be ignored);
    - ``prognos-enhet`` (error): a figure that cannot be tkr (:func:`forecast_not_tkr`),
      likely kronor; the message gives the figure divided by 1000;
    - ``prognos-tecken`` (warning): a forecast whose sign is opposite to its budget's (a cost
      written as income, or the reverse)."""
    codes = {c.code for c in settings.cost_centres}
    budgets = budget.groupby("cost_centre")["budget_tkr"].sum() if budget is not None else pd.Series(dtype="float64")
    problems = []
    for idx, code in forecast["cost_centre"].items():
        row = spreadsheet_row(forecast.index, idx)
        if code not in codes:
            hint = f" Menade du {code.lstrip('0')}?" if code.lstrip("0") in codes else ""
            problems.append(Problem("prognos-okant-kostnadsstalle", "warning", file, row, "Kostnadsställe",
                                    f"Kostnadsställe {code} finns inte i tabellerna; prognosen används inte.{hint}"))
            continue
        value, b = forecast.at[idx, "forecast_tkr"], float(budgets.get(code, 0.0))
        if pd.isna(value):
            continue
        if forecast_not_tkr(value, b):
            problems.append(Problem("prognos-enhet", "error", file, row, "Prognos (tkr)",
                                    f"Prognosen {value:g} för kostnadsställe {code} kan inte vara tkr: budgeten är "
                                    f"{b:g} tkr. Står den i kronor? Skriv prognosen i tkr (t.ex. {value / 1000:g})."))
        elif value * b < 0:
            problems.append(Problem("prognos-tecken", "warning", file, row, "Prognos (tkr)",
                                    f"Prognosen {value:g} för kostnadsställe {code} har motsatt tecken mot budgeten "
                                    f"{b:g} tkr. Kostnader skrivs med minus, intäkter utan. Kontrollera tecknet."))
    return problems


def check_period_coverage(sources, period: Period) -> list[Problem]:
    """When a source does not reach the period — a wrong period or an old export, which would
    otherwise give tables of zeros, or of an earlier period, without a word:
    ``huvudbok-tom-period`` (error: no ledger line dated in the period, so every Ackumulerat
    would be 0 and the reconciliation pass 0 = 0), ``deltagare-tom-period`` (warning: no
    registration starting or ending in it), ``deltagare-inaktuell`` (warning: the register's
    last date is more than a month before the period end, :func:`finsam.coverage.month_before`).
    A stale ledger is the Kontroller sheet's check (:func:`finsam.coverage.ledger_stale`)."""
    out = []
    lines = sources.ledger.lines
    ledger_errors = any(p.severity == "error" and p.source == sources.ledger.source.name for p in sources.problems)
    if not period.contains(lines["date"]).any() and not ledger_errors:  # a ledger with bad rows is read as empty
        last = ledger_last_date(sources.ledger)
        found = "den har inga rader alls" if last is None else f"dess sista rad är daterad {last}"
        out.append(Problem("huvudbok-tom-period", "error", sources.ledger.source.name, None, "Datum",
                           f"Huvudboken har inga transaktioner i perioden {period.start}–{period.end} ({found}), "
                           "så alla Ackumulerat skulle bli 0. Exportera huvudboken för rätt räkenskapsår, eller "
                           "ange rätt period med --period."))
    register = last_dates(sources).get("deltagare")
    if register is not None and register < month_before(period.end):
        out.append(Problem("deltagare-inaktuell", "warning", sources.files["deltagare"].name, None, None,
                           f"Registrets senaste in- eller utskrivningsdatum är {register}, mer än en månad före "
                           f"periodens slut {period.end}. Är exporten gammal? Exportera registret igen efter "
                           "periodens slut."))
    p = sources.participants
    if len(p) and not (period.contains(p["start"]).any() or period.contains(p["end"]).any()):
        out.append(Problem("deltagare-tom-period", "warning", sources.files["deltagare"].name, None, None,
                           f"Ingen inskrivning eller utskrivning i perioden {period.start}–{period.end}. "
                           "Kontrollera perioden och att registret är aktuellt."))
    return out


def check_sources(settings: Settings, sources, period: Period) -> list[Problem]:
    """Every settings- or period-dependent check on read sources (:class:`finsam.sources.folder.Sources`),
    at most :data:`~finsam.errors.FIRST_ROWS` of a kind (:func:`finsam.errors.aggregate`)."""
    file = sources.files["deltagare"].name
    problems = check_municipalities(settings, sources.participants, file) + check_moves(
        settings, sources.participants, period, file
    ) + check_period_coverage(sources, period)
    if "budget" in sources.files:
        problems += check_budget(settings, sources.budget, sources.financing_budget, sources.files["budget"].name)
    if sources.forecast is not None:
        problems += check_forecast(settings, sources.forecast, sources.files["prognos"].name, sources.budget)
    return aggregate(problems)
