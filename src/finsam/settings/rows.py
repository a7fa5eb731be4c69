"""The settings sheet (``Inställningar``) as rows: :func:`settings_to_rows` writes them,
:func:`settings_from_rows` reads them back (possibly edited by a person)."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal

from finsam.errors import SettingsError
from finsam.settings.model import (RESULT_CATEGORIES, SEXES, SOURCE_KINDS, AgeBand, CostCentre, EquityStep,
                                   FinancingLine, Group, MunicipalShare, Municipality, Settings)
from finsam.settings.validation import _validate
from finsam.settings.values import _int, _names_list, _pct


_KEYS = [
    # (label on the sheet, attribute)
    ("Förbund", "association"),
    ("År", "year"),
    ("Räkenskapsårets startmånad", "fiscal_start_month"),
    ("Rapportperiod (kvartal/tertial)", "period_kind"),
    ("Period att fylla i (t.ex. 2013-Q1; tom = senaste hela perioden)", "period"),
    ("Benämning för övriga kommuner", "other_label"),
    ("Eget kapital ingående (tkr)", "opening_equity_tkr"),
    ("Eget kapital per datum", "opening_equity_date"),
    ("SIE-dimension för kostnadsställe", "cost_centre_dimension"),
    ("Källmapp (relativt arbetsboken)", "sources_folder"),
    ("Region", "region"),
    ("Andel Försäkringskassan (%)", "share_fk_pct"),
    ("Andel regionen (%)", "share_region_pct"),
    ("Andel kommunerna (%)", "share_municipalities_pct"),
    ("Kommunandelar: befolkning per datum", "population_date"),
    ("Kommunandelar: källa", "population_source"),
    ("Finansieringspost med medlemmarnas bidrag (tom = den första)", "contributions_line"),
    ("Fakturaförskjutning (månader)", "invoice_lag_months"),
    ("Riktlinje eget kapital: källa", "equity_guideline_source"),
]

#: Section titles of the settings sheet that layout's formulas refer to.
SECTION_MUNICIPAL_SPLIT = "Kommunandelar"
SECTION_CATEGORIES = "Kategorier"
SECTION_EQUITY_GUIDELINE = "Riktlinje eget kapital"
_SOURCE_LABEL = "Källfil: "


def _sheet_number(v):
    """A Decimal as the sheet holds numbers (int when whole, else float)."""
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


#: Rows the settings sheet keeps for the equity guideline's steps (blank ones for the person to fill in).
EQUITY_GUIDELINE_ROWS = 6


def _municipal_split_rows(s: Settings) -> list[list]:
    """[Kommunandelar]: one row per member municipality, in the members' order (the
    Finansiering per medlem formulas refer to them by position); the figures empty when the
    settings give no split, for the person to fill in."""
    split = {m.name.casefold(): m for m in s.municipal_split}
    rows = []
    for m in s.municipalities:
        part = split.get(m.name.casefold())
        rows.append([m.name, part.population if part else None, _sheet_number(part.share_pct) if part else None])
    return rows


def key_label(attr: str) -> str:
    """The label of a key row of the settings sheet (layout's formulas find the row by it)."""
    return next(label for label, a in _KEYS if a == attr)


def settings_to_rows(s: Settings) -> list[list]:
    """The settings as rows for the settings sheet (2D list, text and numbers only)."""
    rows: list[list] = [["Inställning", "Värde", None]]
    for label, attr in _KEYS:
        v = getattr(s, attr)
        rows.append([label, "" if v is None else _sheet_number(v), None])
    for kind in SOURCE_KINDS:
        rows.append([_SOURCE_LABEL + kind, s.source_patterns[kind], None])
    sections = [  # Kostnadsställen last: the list a person most often adds rows to
        ("Avslutsorsaker", ["Avslutsorsak i registret", "Resultat (" + "/".join(RESULT_CATEGORIES) + ")", None],
         [[t, c, None] for t, c in s.result_mapping]),
        ("Åldersgrupper", ["Från (år)", "Till (år)", None], [[b.low, b.high, None] for b in s.age_bands]),
        ("Kön", ["Värde i registret", "Kön (" + "/".join(SEXES) + ")", None], [[v, k, None] for v, k in s.sex_values]),
        ("Kommuner", ["Kommun", "Kommunkod", None], [[m.name, m.code, None] for m in s.municipalities]),
        (SECTION_MUNICIPAL_SPLIT, ["Kommun", "Invånare", "Andel (%)"], _municipal_split_rows(s)),
        ("Grupper", ["Grupp", "Rubrik", "Summeringsrad"], [[g.name, g.title, g.summary_line] for g in s.groups]),
        ("Finansiering", ["Post", "Kostnadsställe i huvudboken", None], [[x.name, x.cost_centre, None] for x in s.financing]),
        (SECTION_EQUITY_GUIDELINE, ["Storlek från (tkr medlemsbidrag)", "Högsta eget kapital (%)", "Högsta eget kapital (tkr)"],
         [[x.from_tkr, _sheet_number(x.max_pct), x.max_tkr] for x in s.equity_guideline]
         + [[None, None, None]] * max(0, EQUITY_GUIDELINE_ROWS - len(s.equity_guideline))),
        (SECTION_CATEGORIES, ["Kostnadsställe", "Kategori", "Insats i registret (tom = benämningen; flera: skilj med ;)"],
         [[c.code, c.category, "; ".join(c.insatser)] for c in s.cost_centres]),
        ("Kostnadsställen", ["Kostnadsställe", "Benämning", "Grupp"], [[c.code, c.name, c.group] for c in s.cost_centres]),
    ]
    for title, header, items in sections:  # a blank row, "[Title]", the column names, the items
        rows += [[None, None, None], [f"[{title}]", None, None], header, *items]
    return rows


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime.datetime) and v.time() == datetime.time():
        v = v.date()  # a date typed on the sheet (Excel turns 2013-03-31 into a date)
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def settings_from_rows(rows: list[list], source: str = "Inställningar") -> Settings:
    """Parse the settings sheet's values (as :func:`settings_to_rows` wrote them, possibly
    edited by a person: extra blank rows and numbers typed as numbers are fine).

    Raises:
        SettingsError: a required key or section is missing or a value is not understood.
    """
    labels = {label: attr for label, attr in _KEYS}
    values: dict[str, str] = {}
    patterns = {k: f"{k}.*" for k in SOURCE_KINDS}
    sections: dict[str, list[list[str]]] = {}
    row_of: dict[int, int] = {}  # id of a section row's cells → its row on the sheet
    current: str | None = None
    skip_header = False
    for number, raw in enumerate(rows, start=1):
        cells = [_text(c) for c in (list(raw) + [None, None, None])[:3]]
        if not any(cells):
            continue
        if cells[0].startswith("[") and cells[0].endswith("]"):
            current = cells[0][1:-1]
            sections[current] = []
            skip_header = True
            continue
        if current is None:
            if cells[0] in labels:
                values[labels[cells[0]]] = cells[1]
            elif cells[0].startswith(_SOURCE_LABEL) and cells[1]:
                patterns[cells[0][len(_SOURCE_LABEL):]] = cells[1]
            continue
        if skip_header:
            skip_header = False
            continue
        sections[current].append(cells)
        row_of[id(cells)] = number

    def num(attr: str, default=None):
        v = values.get(attr, "")
        if v == "":
            if default is None:
                raise SettingsError(f"Bladet {source} saknar ett värde för {attr!r}. Fyll i det.")
            return default
        label = next((lab for lab, a in _KEYS if a == attr), attr)
        return _int(v, label, f"Bladet {source}")  # "6 655" is 6655; "6,655" and "6.655" are refused

    for needed in ("Kommuner", "Grupper", "Kostnadsställen"):
        if needed not in sections:
            raise SettingsError(
                f"Bladet {source} saknar avsnittet [{needed}]. Skapa arbetsboken på nytt med 'finsam new'."
            )
    if not values.get("association"):
        raise SettingsError(f"Bladet {source} saknar förbundets namn.")
    eq = values.get("opening_equity_tkr", "")
    members = [r for r in sections["Kommuner"] if r[0]]
    sheet = f"Bladet {source}"

    def at(r: list[str]) -> str:
        return f"rad {row_of[id(r)]}"

    where = {attr: f"{label!r} ({sheet})" for label, attr in _KEYS}
    categories: dict[str, list[str]] = {}
    codes = {r[0] for r in sections["Kostnadsställen"] if r[0]}
    for r in sections.get(SECTION_CATEGORIES, []):
        # a row for a cost centre removed from [Kostnadsställen] is left over, not an error: it
        # matches no row on Ekonomi; a mistyped code leaves the real one without a category,
        # which Kontroller shows (Ingen kategori angiven)
        if r[0] in codes:
            categories[r[0]] = r

    def cost_centre(r: list[str]) -> CostCentre:
        cat = categories.get(r[0], r)
        return CostCentre(r[0], r[1], r[2], cat[1].casefold() if cat is not r else "",
                          _names_list(cat[2], "Insats", sheet) if cat is not r else (),
                          f"{at(cat)} ([{SECTION_CATEGORIES}], kostnadsställe {r[0]})")

    def pct(attr: str, default: int) -> Decimal:
        v = values.get(attr, "")
        return Decimal(default) if v == "" else _pct(v, where[attr], source)

    s = Settings(
        association=values["association"],
        year=num("year"),
        municipalities=tuple(Municipality(r[0], r[1]) for r in members),
        groups=tuple(Group(r[0], r[1] or r[0], r[2] or "Totala kostnader") for r in sections["Grupper"] if r[0]),
        cost_centres=tuple(cost_centre(r) for r in sections["Kostnadsställen"] if r[0]),
        financing=tuple(FinancingLine(r[0], r[1]) for r in sections.get("Finansiering", []) if r[0]),
        other_label=values.get("other_label") or "Annan ort",
        fiscal_start_month=num("fiscal_start_month", 1),
        period_kind=values.get("period_kind") or "kvartal",
        opening_equity_tkr=None if eq == "" else num("opening_equity_tkr"),
        opening_equity_date=values.get("opening_equity_date", ""),
        cost_centre_dimension=num("cost_centre_dimension", 1),
        sources_folder=values.get("sources_folder") or "källor",
        source_patterns=patterns,
        period=values.get("period", ""),
        region=values.get("region") or "Regionen",
        share_fk_pct=pct("share_fk_pct", 50),
        share_region_pct=pct("share_region_pct", 25),
        share_municipalities_pct=pct("share_municipalities_pct", 25),
        municipal_split=tuple(
            MunicipalShare(
                r[0],
                _int(r[1], f"{at(r)}: Invånare", sheet) if r[1] else None,
                _pct(r[2], f"{at(r)}: Andel (%)", sheet) if r[2] else None,
                f"{at(r)} ([{SECTION_MUNICIPAL_SPLIT}])",
            )
            for r in sections.get(SECTION_MUNICIPAL_SPLIT, []) if r[0] and (r[1] or r[2])
        ),
        population_date=values.get("population_date", ""),
        population_source=values.get("population_source", ""),
        contributions_line=values.get("contributions_line", ""),
        invoice_lag_months=num("invoice_lag_months", 0),
        equity_guideline=tuple(
            EquityStep(
                _int(r[0], f"{at(r)}: Storlek från", sheet),
                _pct(r[1], f"{at(r)}: Högsta eget kapital (%)", sheet) if r[1] else None,
                _int(r[2], f"{at(r)}: Högsta eget kapital (tkr)", sheet) if r[2] else None,
            )
            for r in sections.get(SECTION_EQUITY_GUIDELINE, []) if any(r[:3])
        ),
        equity_guideline_source=values.get("equity_guideline_source", ""),
    )
    # Sections added later (issue 11): a workbook made before them keeps the defaults.
    if "Avslutsorsaker" in sections:
        s = replace(s, result_mapping=tuple((r[0], r[1]) for r in sections["Avslutsorsaker"] if r[0]))
    if "Åldersgrupper" in sections:
        s = replace(s, age_bands=tuple(
            AgeBand(_int(r[0], "Från (år)", f"Bladet {source}, rad {row_of[id(r)]}"),
                    _int(r[1], "Till (år)", f"Bladet {source}, rad {row_of[id(r)]}"))
            for r in sections["Åldersgrupper"] if r[0] or r[1]))
    if "Kön" in sections:
        s = replace(s, sex_values=tuple((r[0], r[1]) for r in sections["Kön"] if r[0]))
    return _validate(s, source, [f"rad {row_of[id(r)]}" for r in members], where)
