"""One settings value as finsam reads it from TOML or the settings sheet: a whole number, a
percentage, a list of insats names, a code, a required key."""

from __future__ import annotations

from decimal import Decimal

from finsam.errors import SettingsError
from finsam.money import parse_number


def _require(d: dict, key: str, where: str):
    if key not in d or d[key] in (None, ""):
        raise SettingsError(f"Inställningarna saknar {key!r} under {where}. Lägg till värdet och försök igen.")
    return d[key]


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
