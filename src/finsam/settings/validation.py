"""Checks of settings read from a TOML file or the settings sheet: members among Sweden's
290 municipalities (and their kommunkoder), groups and cost centres, financing lines, the
participant tables' mappings and age bands, the members' shares and the equity guideline.
:func:`_validate` runs them all and is called by both readers."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from finsam.errors import SettingsError
from finsam.municipalities import canonical_name, closest_municipality, municipality_codes
from finsam.settings.model import CATEGORIES, RESULT_CATEGORIES, SEXES, Municipality, Settings


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
