"""Sweden's 290 municipalities (kommuner): names, kommunkoder, and the closest real name.

One list for every check that asks "is this a Swedish municipality?": the settings' member
municipalities (:func:`finsam.settings.load_settings`) and the register's
Folkbokföringskommun (:mod:`finsam.source_checks`). The data is package data
``data/kommuner.txt``: one ``kod namn`` line per municipality, grouped by län (SCB's
kommunkoder, 4 digits, the first two the län).
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def municipality_codes() -> dict[str, str]:
    """Kommunkod → name (without "kommun"), all 290, in the file's order (per län).

    Example: ``municipality_codes()["1490"] == "Borås"``.
    """
    text = (resources.files("finsam") / "data" / "kommuner.txt").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            code, name = line.strip().split(" ", 1)
            out[code] = name.strip()
    return out


def swedish_municipalities() -> tuple[str, ...]:
    """Sweden's 290 municipality names, without "kommun" (``"Borås"``, ``"Malung-Sälen"``)."""
    return tuple(municipality_codes().values())


def municipality_key(name: str) -> str:
    """The form names are compared in: blanks collapsed, case folded, a trailing " kommun"
    or " stad" dropped (``"Borås  Kommun"`` → ``"borås"``; ``"Göteborgs stad"`` →
    ``"göteborgs"``, a genitive that is *not* a municipality's name)."""
    key = " ".join(str(name).split()).casefold()
    for suffix in (" kommun", " stad"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    return key


@lru_cache(maxsize=1)
def _by_key() -> dict[str, str]:
    return {municipality_key(n): n for n in swedish_municipalities()}


def is_swedish_municipality(name: str) -> bool:
    """True when ``name`` is one of the 290, written as :func:`municipality_key` compares
    (``"Borås"``, ``"borås kommun"``); ``"Östersunds kommun"`` (genitive) is not."""
    return municipality_key(name) in _by_key()


def canonical_name(name: str) -> str | None:
    """The list's spelling of ``name`` (``"borås kommun"`` → ``"Borås"``), or ``None``."""
    return _by_key().get(municipality_key(name))


def closest_municipality(name: str) -> str:
    """The real municipality whose name is closest to ``name`` (``"Östersunds kommun"`` →
    ``"Östersund"``; difflib's ratio over :func:`municipality_key`), for a message's
    "Menade du …?"."""
    keys = list(_by_key())
    best = difflib.get_close_matches(municipality_key(name), keys, n=1, cutoff=0.0)
    return _by_key()[best[0]]
