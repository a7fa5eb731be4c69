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
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from finsam.errors import SettingsError
from finsam.money import parse_number
from finsam.municipalities import canonical_name, closest_municipality, municipality_codes


@dataclass(frozen=True)
class Municipality:
    """A member municipality (kommun): name as SUS writes it, and its kommunkod."""

    name: str
    code: str = ""


@dataclass(frozen=True)
class CostCentre:
    """A kostnadsställe: code as text, name, and the group (table) it belongs to."""

    code: str
    name: str
    group: str


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


def _validate(s: Settings, source: str, member_rows: list[str] | None = None) -> Settings:
    """Check settings read from ``source``; ``member_rows`` names each member's place there
    (a sheet row, or the entry of ``[[kommuner]]``). Returns the settings with kommunkoder
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
    return _check_participant_settings(s, source)


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
    for key in ("kommuner", "grupper", "finansiering", "kostnadsstallen", "avslutsorsaker", "aldersgrupper", "kon"):
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
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"Inställningsfilen {path.name} går inte att läsa: {exc}.") from None
    try:
        s = _from_toml(data, path.name)
    except SettingsError:
        raise
    except (AttributeError, TypeError, KeyError) as exc:
        raise SettingsError(
            f"{path.name}: filen har inte rätt form ({type(exc).__name__}: {exc}). Jämför med "
            "workbook/sjuharad.toml: [forbund] och [kallor] är tabeller, [[kommuner]], [[grupper]], "
            "[[finansiering]] och [[kostnadsstallen]] listor av tabeller."
        ) from None
    return _validate(s, path.name)


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
]
_SOURCE_LABEL = "Källfil: "


def settings_to_rows(s: Settings) -> list[list]:
    """The settings as rows for the settings sheet (2D list, text and numbers only)."""
    rows: list[list] = [["Inställning", "Värde", None]]
    for label, attr in _KEYS:
        v = getattr(s, attr)
        rows.append([label, "" if v is None else v, None])
    for kind in SOURCE_KINDS:
        rows.append([_SOURCE_LABEL + kind, s.source_patterns[kind], None])
    sections = [  # Kostnadsställen last: the list a person most often adds rows to
        ("Avslutsorsaker", ["Avslutsorsak i registret", "Resultat (" + "/".join(RESULT_CATEGORIES) + ")", None],
         [[t, c, None] for t, c in s.result_mapping]),
        ("Åldersgrupper", ["Från (år)", "Till (år)", None], [[b.low, b.high, None] for b in s.age_bands]),
        ("Kön", ["Värde i registret", "Kön (" + "/".join(SEXES) + ")", None], [[v, k, None] for v, k in s.sex_values]),
        ("Kommuner", ["Kommun", "Kommunkod", None], [[m.name, m.code, None] for m in s.municipalities]),
        ("Grupper", ["Grupp", "Rubrik", "Summeringsrad"], [[g.name, g.title, g.summary_line] for g in s.groups]),
        ("Finansiering", ["Post", "Kostnadsställe i huvudboken", None], [[x.name, x.cost_centre, None] for x in s.financing]),
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
    s = Settings(
        association=values["association"],
        year=num("year"),
        municipalities=tuple(Municipality(r[0], r[1]) for r in members),
        groups=tuple(Group(r[0], r[1] or r[0], r[2] or "Totala kostnader") for r in sections["Grupper"] if r[0]),
        cost_centres=tuple(CostCentre(r[0], r[1], r[2]) for r in sections["Kostnadsställen"] if r[0]),
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
    return _validate(s, source, [f"rad {row_of[id(r)]}" for r in members])
