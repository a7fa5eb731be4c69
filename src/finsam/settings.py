"""Settings of one association and one year.

Where they come from, in order of precedence (first wins):
command-line option > the workbook's settings sheet (``Inställningar``) > the TOML file given
to ``finsam new`` > the defaults below. ``finsam new`` copies the TOML file into the
settings sheet; from then on the workbook carries its own settings, so populating (from the
CLI or the Excel button) needs only the workbook and its sources folder.

The settings sheet is a list of rows (:func:`settings_to_rows` / :func:`settings_from_rows`):
key/value rows first, then one section per list, each headed by a row ``[Section]`` and a row
of column names. Both openpyxl and xlwings read it as a plain 2D list of values.
"""

from __future__ import annotations

import datetime
import sys
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from finsam.errors import SettingsError, parser_position
from finsam.money import parse_number
from finsam.municipalities import canonical_name, closest_municipality, municipality_codes


@dataclass(frozen=True)
class Municipality:
    """A member municipality (kommun): name as SUS writes it, and its kommunkod."""

    name: str
    code: str = ""


#: The categories of Uppföljning Finsam (finsam.se): each cost centre is administration or
#: pays for an insats that is individinriktad or strukturövergripande (an insats that is both
#: is registered as two). Empty = not given (shown as "Ingen kategori angiven").
CATEGORIES = ("administration", "individinriktad", "strukturövergripande")


@dataclass(frozen=True)
class CostCentre:
    """A kostnadsställe: code as text, name, the group (table) it belongs to, its category
    (:data:`CATEGORIES` or ``""``) and the insats name(s) in the participant register it pays
    for (empty = the cost centre's name)."""

    code: str
    name: str
    group: str
    category: str = ""
    insatser: tuple[str, ...] = ()
    where: str = field(default="", compare=False)

    @property
    def insats_names(self) -> tuple[str, ...]:
        """The register's insats names this cost centre pays for (default: its own name)."""
        return self.insatser or ((self.name,) if self.name else ())


@dataclass(frozen=True)
class MunicipalShare:
    """One member municipality's part of the municipalities' contribution: its population on
    the settings' date (``population``), or an explicit share of the association's whole
    financing in percent (``share_pct``). ``where`` names the settings row (for messages)."""

    name: str
    population: int | None = None
    share_pct: Decimal | None = None
    where: str = field(default="", compare=False)


@dataclass(frozen=True)
class EquityStep:
    """One step of the equity guideline (Nationella rådet 2013-10-02, a "trappa" by size):
    from the association's size ``from_tkr`` (members' contributions for the year, tkr) the
    equity should not exceed ``max_pct`` percent of that size, or ``max_tkr`` tkr when that
    is given instead. The steps are the settings' (no source finsam can cite holds them)."""

    from_tkr: int
    max_pct: Decimal | None = None
    max_tkr: int | None = None


@dataclass(frozen=True)
class Group:
    """A cost-centre table (e.g. "Förbundsmedel", "Projekt Krut") and the summary line it feeds."""

    name: str
    title: str
    summary_line: str = "Totala kostnader"


@dataclass(frozen=True)
class FinancingLine:
    """A financing line of the summary (Sammanställning).

    ``cost_centre``: when set, the line's Ackumulerat is that cost centre's period result in
    the ledger (income positive, e.g. 1000 → Parternas finansiering 3765 tkr in the seed);
    when empty the Ackumulerat cell stays empty, as the seed prints it for ESF grants.
    """

    name: str
    cost_centre: str = ""


SOURCE_KINDS = ("deltagare", "anonyma", "huvudbok", "budget", "prognos", "struktur")

#: Result categories of the table "Avslutade deltagare" (rows, in this order); the last one
#: takes every Avslutsorsak the mapping does not name (README "Definitions").
RESULT_CATEGORIES = ("Arbete", "Studier", "Arbetssökande", "Övrigt")
#: Kön as the participant tables count it; the register's values are mapped by ``Settings.sex_values``.
SEXES = ("Kvinna", "Man")


@dataclass(frozen=True)
class AgeBand:
    """An age band of the ages table, whole years, both ends included (``16``–``19``)."""

    low: int
    high: int

    @property
    def label(self) -> str:
        """The band as a column heading, e.g. ``"16–29"``."""
        return f"{self.low}\u2013{self.high}"


#: Defaults (issue 11): Avslutsorsak → result category; age bands; register Kön values → Kön.
DEFAULT_RESULT_MAPPING = (("Arbete", "Arbete"), ("Studier", "Studier"), ("Arbetssökande", "Arbetssökande"))
DEFAULT_AGE_BANDS = tuple(AgeBand(a, b) for a, b in ((16, 19), (20, 24), (25, 29), (30, 39), (40, 49), (50, 64)))
DEFAULT_SEX_VALUES = (("Kvinna", "Kvinna"), ("K", "Kvinna"), ("Man", "Man"), ("M", "Man"))
#: The one line for the municipalities when the settings give no split between them.
MUNICIPALITIES_LINE = "Kommunerna"



@dataclass(frozen=True)
class Settings:
    """Everything finsam needs to know about one association and one year.

    Attributes:
        association: the samordningsförbund's name (page headers, titles).
        year: the fiscal year (the year in which it starts), 1900–2200.
        municipalities: the members, in the order of the municipality table.
        groups: the cost-centre tables, in order.
        cost_centres: every cost centre shown, each in one group, in table order.
        financing: the summary's financing lines, in order.
        other_label: the row for non-members ("Annan ort").
        fiscal_start_month: 1–12; 1 = calendar year (a SIE ``#RAR 0`` overrides it).
        period_kind: ``"kvartal"`` or ``"tertial"``, for the default period.
        opening_equity_tkr: eget kapital at the previous year end, whole tkr (positive), or
            ``None`` (then the SIE file's ``#IB 0`` on 20xx, if any).
        opening_equity_date: ISO date of that balance, for the label.
        cost_centre_dimension: the SIE dimension holding cost centres (1 = kostnadsställe).
        sources_folder: the sources folder, relative to the workbook's folder.
        source_patterns: source kind (:data:`SOURCE_KINDS`) → glob pattern in that folder.
        period: the period to fill (``"2013-Q1"``, ``"2013-03-31"`` …) or ``""`` for the default.
        result_mapping: (Avslutsorsak as the register writes it, one of :data:`RESULT_CATEGORIES`);
            texts are compared without case and surrounding blanks.
        age_bands: the ages table's bands, ascending, not overlapping; other ages count in
            "Övriga åldrar".
        sex_values: (value of the register's Kön column, ``"Kvinna"`` or ``"Man"``).
        region: the member region's name (Finansiering per medlem).
        share_fk_pct / share_region_pct / share_municipalities_pct: each party's share of
            the financing in percent (lag 2003:1210 §5: Försäkringskassan half, also for
            Arbetsförmedlingen, the region a quarter, the municipalities together a quarter);
            they sum to 100.
        municipal_split: the municipalities' split of their share (population on
            ``population_date`` from ``population_source``, or explicit shares); empty = the
            municipalities appear as one line "Kommunerna".
        contributions_line: the financing line holding the members' contributions ("" = the
            first financing line).
        invoice_lag_months: months by which invoices lag (periodised budget, 0–11).
        equity_guideline: the equity guideline's steps, ascending by size (empty = not given).
        equity_guideline_source: where the steps come from (decision, date).
    """

    association: str
    year: int
    municipalities: tuple[Municipality, ...]
    groups: tuple[Group, ...]
    cost_centres: tuple[CostCentre, ...]
    financing: tuple[FinancingLine, ...] = ()
    other_label: str = "Annan ort"
    fiscal_start_month: int = 1
    period_kind: str = "kvartal"
    opening_equity_tkr: int | None = None
    opening_equity_date: str = ""
    cost_centre_dimension: int = 1
    sources_folder: str = "källor"
    source_patterns: dict[str, str] = field(
        default_factory=lambda: {k: f"{k}.*" for k in SOURCE_KINDS}
    )
    period: str = ""
    result_mapping: tuple[tuple[str, str], ...] = DEFAULT_RESULT_MAPPING
    age_bands: tuple[AgeBand, ...] = DEFAULT_AGE_BANDS
    sex_values: tuple[tuple[str, str], ...] = DEFAULT_SEX_VALUES
    region: str = "Regionen"
    share_fk_pct: Decimal = Decimal(50)
    share_region_pct: Decimal = Decimal(25)
    share_municipalities_pct: Decimal = Decimal(25)
    municipal_split: tuple[MunicipalShare, ...] = ()
    population_date: str = ""
    population_source: str = ""
    contributions_line: str = ""
    invoice_lag_months: int = 0
    equity_guideline: tuple[EquityStep, ...] = ()
    equity_guideline_source: str = ""

    @property
    def contributions(self) -> str:
        """The financing line holding the members' contributions (Parternas finansiering), or
        ``""`` when the settings have no financing lines."""
        return self.contributions_line or (self.financing[0].name if self.financing else "")

    def member_shares(self) -> list[tuple[str, Decimal]]:
        """Each member's share of the financing, percent (exact), in the order of the
        Finansiering per medlem table: Försäkringskassan, the region, then each municipality
        (settings order) or one line "Kommunerna" when no split is given.

        Rules: lag 2003:1210 §5 (the parties' contributions) and 9 § p. 8 (each member's
        share of assets, liabilities and costs in proportion to them). A municipality's
        share = the municipalities' share × its population / the members' population, or
        its explicit share. The shares sum to 100 (checked when the settings are read).
        """
        out = [("Försäkringskassan", self.share_fk_pct), (self.region, self.share_region_pct)]
        split = {m.name.casefold(): m for m in self.municipal_split}
        if not split:
            return out + [(MUNICIPALITIES_LINE, self.share_municipalities_pct)]
        total_pop = sum(m.population or 0 for m in self.municipal_split)
        for m in self.municipalities:
            part = split[m.name.casefold()]
            if part.population is not None:
                out.append((m.name, self.share_municipalities_pct * part.population / total_pop))
            else:
                out.append((m.name, part.share_pct))
        return out

    def cost_centres_of(self, group: str) -> list[CostCentre]:
        """The cost centres of one group, in settings order."""
        return [c for c in self.cost_centres if c.group == group]

    @property
    def summary_lines(self) -> list[str]:
        """Distinct cost lines of the summary, in the order the groups first name them."""
        return list(dict.fromkeys(g.summary_line for g in self.groups))

    def with_year(self, year: int) -> "Settings":
        """The same association for another year. The opening equity belongs to one year end,
        so it is cleared (then the SIE file's ``#IB 0`` or the person fills it in).

        Raises:
            SettingsError: the year is outside 1900–2200.
        """
        if year == self.year:
            return self
        if not 1900 <= year <= 2200:
            raise SettingsError(f"Året {year} ligger utanför 1900–2200. Ange året med fyra siffror.")
        return replace(self, year=year, opening_equity_tkr=None, opening_equity_date=f"{year - 1}-12-31", period="")


def _require(d: dict, key: str, where: str):
    if key not in d or d[key] in (None, ""):
        raise SettingsError(f"Inställningarna saknar {key!r} under {where}. Lägg till värdet och försök igen.")
    return d[key]


def _validate_money(s: Settings, source: str, where: dict[str, str]) -> None:
    """The members' shares, the municipal split, the categories, the invoice lag and the
    equity guideline (issue 12). ``where`` names the settings row of a key attribute."""
    for c in s.cost_centres:
        if c.category and c.category not in CATEGORIES:
            raise SettingsError(
                f"{source}: {c.where or 'kostnadsställe ' + c.code}: kategorin {c.category!r} finns inte. "
                f"Skriv {', '.join(CATEGORIES[:-1])} eller {CATEGORIES[-1]} (eller lämna tomt)."
            )
    shares = (("share_fk_pct", s.share_fk_pct), ("share_region_pct", s.share_region_pct),
              ("share_municipalities_pct", s.share_municipalities_pct))
    for attr, value in shares:
        if not Decimal(0) <= value <= Decimal(100):
            raise SettingsError(f"{source}: {where.get(attr, attr)} = {value} ligger utanför 0–100 %. Rätta andelen.")
    total = sum(v for _, v in shares)
    if total != 100:
        raise SettingsError(
            f"{source}: {' + '.join(f'{where.get(a, a)} ({_pct_text(v)})' for a, v in shares)} = {_pct_text(total)} %, men "
            "parternas andelar ska vara 100 % tillsammans (lag 2003:1210 §5: normalt 50, 25 och 25). Rätta andelarna."
        )
    members = {m.name.casefold(): m.name for m in s.municipalities}
    seen: dict[str, str] = {}
    for part in s.municipal_split:
        key = part.name.casefold()
        if key not in members:
            raise SettingsError(
                f"{source}: {part.where}: {part.name!r} är ingen medlemskommun ({', '.join(members.values())}). "
                "Ta bort raden eller rätta namnet."
            )
        if key in seen:
            raise SettingsError(f"{source}: {part.where}: {part.name} står redan på {seen[key]}. Ta bort den ena raden.")
        seen[key] = part.where
        if (part.population is None) == (part.share_pct is None):
            raise SettingsError(f"{source}: {part.where}: ange för {part.name} antingen invånare eller andel (%), "
                                "inte båda och inte ingen.")
        if part.population is not None and part.population <= 0:
            raise SettingsError(f"{source}: {part.where}: invånarantalet för {part.name} måste vara större än 0.")
        if part.share_pct is not None and not Decimal(0) <= part.share_pct <= Decimal(100):
            raise SettingsError(f"{source}: {part.where}: andelen för {part.name} ligger utanför 0–100 %.")
    if s.municipal_split:
        kinds = {p.population is None for p in s.municipal_split}
        if len(kinds) > 1:
            raise SettingsError(f"{source}: kommunandelarna blandar invånare och andelar. Ange samma sak för alla kommuner.")
        missing = [name for key, name in members.items() if key not in seen]
        if missing:
            raise SettingsError(f"{source}: kommunandelarna saknar {', '.join(missing)}. Ange en rad per medlemskommun "
                                "(eller inga rader: då visas kommunerna som en rad, Kommunerna).")
        if not s.municipal_split[0].population:
            split_total = sum(p.share_pct for p in s.municipal_split)
            if split_total != s.share_municipalities_pct:
                raise SettingsError(
                    f"{source}: kommunandelarna är {_pct_text(split_total)} % tillsammans, men "
                    f"{where.get('share_municipalities_pct', 'andel_kommuner')} är {_pct_text(s.share_municipalities_pct)} %. "
                    "Rätta andelarna så att de stämmer."
                )
    if s.contributions_line and s.contributions_line not in {x.name for x in s.financing}:
        raise SettingsError(f"{source}: {where.get('contributions_line', 'bidrag_finansieringspost')} = "
                            f"{s.contributions_line!r} är ingen finansieringspost. Skriv postens namn.")
    if not 0 <= s.invoice_lag_months <= 11:
        raise SettingsError(f"{source}: {where.get('invoice_lag_months', 'fakturaforskjutning_manader')} ska vara 0–11 månader.")
    last = None
    for i, step in enumerate(s.equity_guideline, start=1):
        if (step.max_pct is None) == (step.max_tkr is None):
            raise SettingsError(f"{source}: riktlinjen för eget kapital, steg {i}: ange antingen högsta procent eller "
                                "högsta tkr, inte båda och inte ingen.")
        if last is not None and step.from_tkr <= last:
            raise SettingsError(f"{source}: riktlinjen för eget kapital, steg {i}: storleken ska öka från steg till steg.")
        last = step.from_tkr


def _pct_text(value: Decimal) -> str:
    """A percentage as a Swedish reads it: ``12,5``."""
    return format(value.normalize(), "f").replace(".", ",")


def _member_code(code: str) -> str:
    """A kommunkod as SCB writes it: four digits (``114``, a code that lost its leading zero
    in a spreadsheet, is ``0114``)."""
    return code.zfill(4) if code.isdigit() and len(code) == 3 else code


def _genitive(name: str) -> str:
    """Swedish genitive of a place name: "Tidaholms", but "Borås" stays "Borås"."""
    return name if name[-1:].casefold() in ("s", "x", "z") else name + "s"


def _check_members(s: Settings, source: str, where: list[str]) -> None:
    """Every member municipality must be one of Sweden's 290, its kommunkod (when given)
    that municipality's: a misspelt member ("Östersunds kommun") would silently move its
    people to "Annan ort". ``where[i]`` names member i's place in the settings.

    Raises:
        SettingsError: naming the settings row, the name or code, and the closest real one.
    """
    codes = municipality_codes()
    for m, at in zip(s.municipalities, where):
        real = canonical_name(m.name)
        if real is None:
            close = closest_municipality(m.name)
            raise SettingsError(
                f"{source}, {at}: kommunen {m.name!r} finns inte bland Sveriges 290 kommuner; dess deltagare "
                f"skulle räknas som {s.other_label!r}. Menade du {close!r}? Skriv kommunens namn som SCB och "
                f"registret skriver det, t.ex. {close!r}, och försök igen."
            )
        if not m.code:
            continue
        right = next(c for c, n in codes.items() if n == real)
        if m.code not in codes:
            raise SettingsError(
                f"{source}, {at}: kommunkoden {m.code!r} för {m.name} finns inte (en kommunkod är fyra siffror). "
                f"{real} har kommunkod {right}. Rätta koden eller lämna den tom."
            )
        if codes[m.code] != real:
            raise SettingsError(
                f"{source}, {at}: kommunkoden {m.code} är {_genitive(codes[m.code])}, inte {_genitive(m.name)}; {real} har kommunkod "
                f"{right}. Ett register med kommunkoder skulle annars räkna fel kommun. Rätta koden."
            )


def _validate(
    s: Settings, source: str, member_rows: list[str] | None = None, where: dict[str, str] | None = None
) -> Settings:
    """Check settings read from ``source``; ``member_rows`` names each member's place there
    (a sheet row, or the entry of ``[[kommuner]]``), ``where`` the place of the keys checked
    together (the members' shares). Returns the settings with kommunkoder
    in SCB's four-digit form.

    Raises:
        SettingsError: the first problem found, naming where it is and what to do.
    """
    s = replace(s, municipalities=tuple(Municipality(m.name, _member_code(m.code)) for m in s.municipalities))
    groups = {g.name for g in s.groups}
    if not s.municipalities:
        raise SettingsError(f"{source}: inga medlemskommuner angivna ([[kommuner]]).")
    _check_members(s, source, member_rows or [f"[[kommuner]] nr {i}" for i in range(1, len(s.municipalities) + 1)])
    if not s.groups:
        raise SettingsError(f"{source}: inga grupper angivna ([[grupper]]).")
    seen: set[str] = set()
    for c in s.cost_centres:
        if c.group not in groups:
            raise SettingsError(
                f"{source}: kostnadsställe {c.code} hör till gruppen {c.group!r}, som inte finns bland "
                f"grupperna ({', '.join(sorted(groups))}). Rätta gruppnamnet."
            )
        if c.code in seen:
            raise SettingsError(f"{source}: kostnadsställe {c.code} står två gånger. Ta bort den ena raden.")
        seen.add(c.code)
    names = [m.name.casefold() for m in s.municipalities]
    for m in s.municipalities:
        if names.count(m.name.casefold()) > 1:
            raise SettingsError(f"{source}: kommunen {m.name!r} står två gånger bland medlemmarna. Ta bort den ena raden.")
    if s.other_label.casefold() in names:
        raise SettingsError(f"{source}: benämningen för övriga kommuner ({s.other_label!r}) är samma som en "
                            "medlemskommun. Välj en annan, t.ex. 'Annan ort'.")
    fin_names = [x.name for x in s.financing]
    for name in dict.fromkeys(n for n in fin_names if fin_names.count(n) > 1):
        raise SettingsError(f"{source}: finansieringsposten {name!r} står två gånger. Ta bort den ena raden.")
    for x in s.financing:
        if x.cost_centre and x.cost_centre in seen:
            raise SettingsError(f"{source}: kostnadsställe {x.cost_centre} är både finansieringspost ({x.name}) och "
                                "kostnadsställe i en tabell; då räknas det två gånger. Välj det ena.")
    for kind, pattern in s.source_patterns.items():
        if not pattern.strip() or Path(pattern).is_absolute() or "/" in pattern or "\\" in pattern:
            raise SettingsError(f"{source}: Källfil för {kind} ({pattern!r}) ska vara ett filnamn eller mönster i "
                                f"källmappen, t.ex. {kind}.*")
    if not 1900 <= s.year <= 2200:
        raise SettingsError(f"{source}: året {s.year} ligger utanför 1900–2200.")
    if not 1 <= s.fiscal_start_month <= 12:
        raise SettingsError(f"{source}: räkenskapsårets startmånad måste vara 1–12.")
    if s.period_kind not in ("kvartal", "tertial"):
        raise SettingsError(f"{source}: rapportperiod måste vara 'kvartal' eller 'tertial'.")
    s = _check_participant_settings(s, source)
    _validate_money(s, source, where or {})
    return s


def _canonical(value: str, allowed: tuple[str, ...]) -> str | None:
    return next((a for a in allowed if a.casefold() == value.strip().casefold()), None)


def _check_participant_settings(s: Settings, source: str) -> Settings:
    """The participant tables' settings (issue 11): each result category one of
    :data:`RESULT_CATEGORIES` and each Kön one of :data:`SEXES` (any case, written back as
    spelt there), no register text mapped twice, age bands within 0–130, low ≤ high,
    ascending and not overlapping.

    Raises:
        SettingsError: naming the section, the value and what to write instead.
    """
    def mapping(pairs, allowed, section, what):
        out, seen = [], {}
        for text, target in pairs:
            canon = _canonical(target, allowed)
            if canon is None:
                raise SettingsError(f"{source}, [{section}]: {what} {target!r} för {text!r} ska vara en av "
                                    f"{', '.join(allowed)}. Rätta raden.")
            key = text.strip().casefold()
            if seen.get(key, canon) != canon:
                raise SettingsError(f"{source}, [{section}]: {text!r} står två gånger med olika värden "
                                    f"({seen[key]}, {canon}). Ta bort den ena raden.")
            seen[key] = canon
            out.append((text.strip(), canon))
        return tuple(out)

    results = mapping(s.result_mapping, RESULT_CATEGORIES, "Avslutsorsaker", "resultatet")
    sexes = mapping(s.sex_values, SEXES, "Kön", "könet")
    previous = None
    for band in s.age_bands:
        if not (0 <= band.low <= band.high <= 130):
            raise SettingsError(f"{source}, [Åldersgrupper]: åldersgruppen {band.low}–{band.high} ska ha "
                                "0 ≤ från ≤ till ≤ 130. Rätta raden.")
        if previous is not None and band.low <= previous.high:
            raise SettingsError(f"{source}, [Åldersgrupper]: åldersgruppen {band.label} börjar inte efter "
                                f"{previous.label}. Skriv grupperna i stigande ordning utan överlapp.")
        previous = band
    return replace(s, result_mapping=results, sex_values=sexes)


def _int(value, key: str, source: str, *, low: int | None = None, high: int | None = None) -> int:
    """A whole number from a settings value (TOML integer, a float that is whole, or text
    such as ``"6 655"``); anything else is a SettingsError naming the key."""
    ok = not isinstance(value, bool)
    number = None
    if ok and isinstance(value, int):
        number = value
    elif ok and isinstance(value, float) and value.is_integer():
        number = int(value)
    elif ok and isinstance(value, str):
        parsed = parse_number(value)  # the one number rule: "6 655" is 6655, "6.655" is refused
        if parsed is not None and parsed.is_integer():
            number = int(parsed)
    if number is None:
        raise SettingsError(f"{source}: {key} ska vara ett heltal, inte {value!r}. Rätta värdet.")
    if (low is not None and number < low) or (high is not None and number > high):
        raise SettingsError(f"{source}: {key} = {number} ligger utanför {low}–{high}. Rätta värdet.")
    return number


def _pct(value, key: str, source: str) -> Decimal:
    """A percentage (TOML number, or text ``"12,5"``) as an exact Decimal; a SettingsError
    naming the key otherwise."""
    from finsam.money import parse_number

    number = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = value
    elif isinstance(value, (str, Decimal)) and str(value).strip():
        number = parse_number(str(value).replace("%", ""))
    if number is None or number != number or abs(number) == float("inf"):
        raise SettingsError(f"{source}: {key} ska vara en andel i procent (t.ex. 25 eller 12,5), inte {value!r}. "
                            "Rätta värdet.")
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    return Decimal(number) if isinstance(number, int) else Decimal(str(number))


def _names_list(value, key: str, source: str) -> tuple[str, ...]:
    """Insats names: a TOML list of texts, or one text with names separated by ``;``."""
    if value in (None, ""):
        return ()
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        items = value.split(";")
    else:
        raise SettingsError(f"{source}: {key} ska vara ett namn eller en lista av namn, inte {value!r}.")
    return tuple(str(v).strip() for v in items if str(v).strip())


def _code(value) -> str:
    """A code (kostnadsställe, kommunkod) as text: ``1003``, ``1003.0`` and ``"1003"`` are all ``"1003"``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _from_toml(data: dict, source: str) -> "Settings":
    f = data.get("forbund", {})
    k = data.get("kallor", {})
    if not isinstance(f, dict) or not isinstance(k, dict):
        raise SettingsError(f"{source}: [forbund] och [kallor] ska vara tabeller (rubriker i hakparentes).")
    eq = f.get("eget_kapital_ingaende_tkr")
    med = data.get("medlemmar", {})
    if not isinstance(med, dict):
        raise SettingsError(f"{source}: [medlemmar] ska vara en tabell (rubrik i hakparentes).")
    for key in ("kommuner", "grupper", "finansiering", "kostnadsstallen", "avslutsorsaker", "aldersgrupper", "kon",
                "kommunandelar", "riktlinje_eget_kapital"):
        if not isinstance(data.get(key, []), list):
            raise SettingsError(f"{source}: {key} ska skrivas som [[{key}]] (en lista), inte [{key}].")
    s = Settings(
        association=str(_require(f, "namn", "[forbund]")),
        year=_int(_require(f, "ar", "[forbund]"), "ar", source, low=1900, high=2200),
        municipalities=tuple(
            Municipality(str(_require(m, "namn", "[[kommuner]]")).strip(), _code(m.get("kod", "")))
            for m in data.get("kommuner", [])
        ),
        groups=tuple(
            Group(
                str(_require(g, "namn", "[[grupper]]")),
                str(g.get("rubrik", g["namn"])),
                str(g.get("summeringsrad", "Totala kostnader")),
            )
            for g in data.get("grupper", [])
        ),
        cost_centres=tuple(
            CostCentre(
                _code(_require(c, "kod", "[[kostnadsstallen]]")),
                str(c.get("namn", "")),
                str(_require(c, "grupp", "[[kostnadsstallen]]")),
                str(c.get("kategori", "")).strip().casefold(),
                _names_list(c.get("insats"), f"[[kostnadsstallen]] kod = {c.get('kod')}: insats", source),
                f"[[kostnadsstallen]] kod = {_code(c.get('kod'))}",
            )
            for c in data.get("kostnadsstallen", [])
        ),
        financing=tuple(
            FinancingLine(str(_require(x, "namn", "[[finansiering]]")), _code(x.get("kostnadsstalle", "")))
            for x in data.get("finansiering", [])
        ),
        other_label=str(f.get("annan_ort", "Annan ort")).strip(),
        fiscal_start_month=_int(f.get("rakenskapsar_startmanad", 1), "rakenskapsar_startmanad", source, low=1, high=12),
        period_kind=str(f.get("rapportperiod", "kvartal")),
        opening_equity_tkr=None if eq in (None, "") else _int(eq, "eget_kapital_ingaende_tkr", source),
        opening_equity_date=str(f.get("eget_kapital_datum", "")),
        cost_centre_dimension=_int(f.get("kostnadsstalle_dimension", 1), "kostnadsstalle_dimension", source, low=1, high=9999),
        sources_folder=str(k.get("mapp", "källor")),
        source_patterns={kind: str(k.get(kind) or f"{kind}.*") for kind in SOURCE_KINDS},
        period=str(f.get("period", "")),
        region=str(med.get("region") or "Regionen").strip(),
        share_fk_pct=_pct(med.get("andel_forsakringskassan", 50), "[medlemmar] andel_forsakringskassan", source),
        share_region_pct=_pct(med.get("andel_region", 25), "[medlemmar] andel_region", source),
        share_municipalities_pct=_pct(med.get("andel_kommuner", 25), "[medlemmar] andel_kommuner", source),
        municipal_split=tuple(
            MunicipalShare(
                str(_require(m, "kommun", "[[kommunandelar]]")).strip(),
                None if m.get("invanare") in (None, "") else _int(m["invanare"], f"[[kommunandelar]] nr {i}: invanare", source),
                None if m.get("andel") in (None, "") else _pct(m["andel"], f"[[kommunandelar]] nr {i}: andel", source),
                f"[[kommunandelar]] nr {i} (kommun = {m.get('kommun')!r})",
            )
            for i, m in enumerate(data.get("kommunandelar", []), start=1)
        ),
        population_date=str(med.get("befolkning_datum", "")),
        population_source=str(med.get("befolkning_kalla", "")),
        contributions_line=str(med.get("bidrag_finansieringspost", "")).strip(),
        invoice_lag_months=_int(f.get("fakturaforskjutning_manader", 0), "fakturaforskjutning_manader", source, low=0, high=11),
        equity_guideline=tuple(
            EquityStep(
                _int(_require(x, "fran_tkr", "[[riktlinje_eget_kapital]]"), f"[[riktlinje_eget_kapital]] nr {i}: fran_tkr", source),
                None if x.get("hogst_procent") in (None, "") else _pct(x["hogst_procent"], f"[[riktlinje_eget_kapital]] nr {i}: hogst_procent", source),
                None if x.get("hogst_tkr") in (None, "") else _int(x["hogst_tkr"], f"[[riktlinje_eget_kapital]] nr {i}: hogst_tkr", source),
            )
            for i, x in enumerate(data.get("riktlinje_eget_kapital", []), start=1)
        ),
        equity_guideline_source=str(f.get("riktlinje_eget_kapital_kalla", "")),
    )
    if "avslutsorsaker" in data:
        s = replace(s, result_mapping=tuple(
            (str(_require(x, "orsak", "[[avslutsorsaker]]")), str(_require(x, "resultat", "[[avslutsorsaker]]")))
            for x in data["avslutsorsaker"]))
    if "aldersgrupper" in data:
        s = replace(s, age_bands=tuple(
            AgeBand(_int(_require(x, "fran", "[[aldersgrupper]]"), "fran", source),
                    _int(_require(x, "till", "[[aldersgrupper]]"), "till", source))
            for x in data["aldersgrupper"]))
    if "kon" in data:
        s = replace(s, sex_values=tuple(
            (str(_require(x, "varde", "[[kon]]")), str(_require(x, "kon", "[[kon]]"))) for x in data["kon"]))
    return s


#: Where the TOML file holds the keys that are checked together (messages name them).
_TOML_WHERE = {
    "share_fk_pct": "[medlemmar] andel_forsakringskassan",
    "share_region_pct": "[medlemmar] andel_region",
    "share_municipalities_pct": "[medlemmar] andel_kommuner",
    "contributions_line": "[medlemmar] bidrag_finansieringspost",
    "invoice_lag_months": "[forbund] fakturaforskjutning_manader",
}


def _from_workbook(path: Path) -> "Settings":
    """The settings sheet of an existing finsam workbook (to make next year's, or a new one
    after cost centres or members changed on the sheet)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook: one message
        raise SettingsError(f"{path.name} går inte att läsa som arbetsbok ({type(exc).__name__}).") from None
    if "Inställningar" not in wb.sheetnames:
        raise SettingsError(f"{path.name} har inget blad Inställningar. Ange en inställningsfil (.toml) eller en finsam-arbetsbok.")
    rows = [list(r) for r in wb["Inställningar"].iter_rows(min_col=1, max_col=3, values_only=True)]
    wb.close()
    return settings_from_rows(rows, source=f"{path.name}: Inställningar")


def load_settings(path: Path) -> Settings:
    """Read a TOML settings file (see ``workbook/sjuharad.toml`` for every key), or the
    settings sheet of an existing finsam workbook (``.xlsx``/``.xlsm``).

    Raises:
        SettingsError: the file is missing, not valid TOML, or lacks a required key.
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _from_workbook(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"Inställningsfilen {path} finns inte.") from None
    except UnicodeDecodeError:
        raise SettingsError(f"Inställningsfilen {path.name} är inte sparad som UTF-8. Spara om den som UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        where = parser_position(str(exc))
        raise SettingsError(f"Inställningsfilen {path.name} är ingen giltig TOML-fil{' (' + where + ')' if where else ''}. "
                            "Jämför med workbook/sjuharad.toml.") from None
    try:
        s = _from_toml(data, path.name)
    except SettingsError:
        raise
    except (AttributeError, TypeError, KeyError) as exc:
        raise SettingsError(
            f"{path.name}: filen har inte rätt form. Jämför med "
            "workbook/sjuharad.toml: [forbund] och [kallor] är tabeller, [[kommuner]], [[grupper]], "
            "[[finansiering]] och [[kostnadsstallen]] listor av tabeller."
        ) from None
    return _validate(s, path.name, where=_TOML_WHERE)


# --- the settings sheet ------------------------------------------------------------------

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
