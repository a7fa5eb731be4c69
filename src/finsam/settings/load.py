"""Reading the settings from a TOML file, or from the settings sheet of an existing finsam
workbook (:func:`load_settings`)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from finsam.errors import SettingsError, parser_position
from finsam.settings.model import (SOURCE_KINDS, AgeBand, CostCentre, EquityStep, FinancingLine, Group,
                                   MunicipalShare, Municipality, Settings)
from finsam.settings.rows import settings_from_rows
from finsam.settings.validation import _validate
from finsam.settings.values import _code, _int, _names_list, _pct, _require


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
