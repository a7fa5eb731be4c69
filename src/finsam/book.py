"""The workbook contract and its cell rules, engine-neutral.

Every engine that holds a finsam workbook — openpyxl for the command line
(:mod:`finsam.workbook`), xlwings for the Excel button (:mod:`finsam.excel`) — implements
:class:`BookIO`: read the settings sheet, read a defined name's values, write a set of whole
blocks. The rules for what a cell may hold (text from a source, text that looks like a
formula, masked counts) live here too, so populate, validate and both writers share them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from finsam import layout
from finsam.errors import WorkbookError
from finsam.personnummer import as_text, redact
from finsam.settings import Settings, settings_from_rows

#: A block of cell values, always 2D (rows × columns), as read from or written to a defined name.
Block = list[list]

#: Text that a spreadsheet would take for a formula; writers store such values as text.
FORMULA_PREFIXES = ("=", "+", "-", "@")


class BookIO(Protocol):
    """What populate and validate need from a workbook, whatever engine holds it."""

    label: str  #: how messages name the workbook (file name)
    folder: Path | None  #: the workbook's folder (sources folder is relative to it)

    def settings_rows(self) -> list[list]:
        """The settings sheet's values as a 2D list (first three columns suffice)."""

    def names(self) -> set[str]:
        """The workbook's defined names."""

    def read(self, name: str) -> Block:
        """The values of a defined name's range, always 2D (rows × columns)."""

    def write(self, blocks: dict[str, Block]) -> None:
        """Write each block into its defined name, one write per block."""


#: A defined name the workbook lacks (every engine's message).
NO_NAME = "{label} saknar namnet {name}. Skapa arbetsboken på nytt med 'finsam new'."


@dataclass(frozen=True)
class Held:
    """What a workbook holds, read once (:func:`read_held`) before anything is computed: its
    defined names and the values of the names asked for. Populate computes from this and the
    sources only (:func:`finsam.populate.compute_blocks`)."""

    label: str  #: how messages name the workbook (:attr:`BookIO.label`)
    names: frozenset[str]  #: the workbook's defined names
    values: dict[str, Block]  #: defined name → its values (2D), for each name read that the workbook has

    def read(self, name: str) -> Block:
        """The values of ``name`` as they were read.

        Raises:
            WorkbookError: the workbook lacks ``name`` (:data:`NO_NAME`).
            KeyError: the workbook has ``name`` but it was not asked for (a bug: add it to the names read).
        """
        if name not in self.names:
            raise WorkbookError(NO_NAME.format(label=self.label, name=name))
        return self.values[name]


def read_held(io: BookIO, names: Iterable[str]) -> Held:
    """One read of each of ``names`` that the workbook has; the others are only absent."""
    present = frozenset(io.names())
    return Held(io.label, present, {n: io.read(n) for n in dict.fromkeys(names) if n in present})


def read_settings(io: BookIO) -> Settings:
    """The settings stored in the workbook's settings sheet.

    Raises:
        WorkbookError: the workbook is no finsam workbook (its defined names are missing).
        SettingsError: the settings sheet is missing or incomplete.
    """
    missing = [n for n in ("fs_period", "fs_deltagare") if n not in io.names()]
    if missing:
        raise WorkbookError(
            f"{io.label} är ingen finsam-arbetsbok (namnen {', '.join(missing)} saknas). "
            "Skapa en med 'finsam new' och fyll den med 'finsam populate'."
        )
    return settings_from_rows(io.settings_rows(), source=f"{io.label}: {layout.SHEET_SETTINGS}")


def check_shape(io: BookIO | Held, name: str, block: Block) -> None:
    """Refuse to write ``block`` into defined name ``name`` unless their shapes agree.

    Raises:
        WorkbookError: the workbook's range has another number of rows or columns (cost
            centres or municipalities changed since the workbook was made).
    """
    current = io.read(name)
    if len(current) != len(block) or (current and len(current[0]) != len(block[0])):
        raise WorkbookError(
            f"{io.label}: området {name} har {len(current)}×{len(current[0]) if current else 0} celler men "
            f"inställningarna ger {len(block)}×{len(block[0])}. Kostnadsställen eller kommuner har ändrats "
            f"sedan arbetsboken skapades: skapa en ny med 'finsam new NY.xlsx --settings {io.label}' "
            "(inställningarna följer med) och för över prognoser och kommentarer."
        )


def is_blank(value) -> bool:
    """True for an empty cell: ``None`` or text of only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def masker(mask_below: int | None):
    """A function count → cell value: counts 1..``mask_below``-1 become the text ``"<N"``
    (publication copies, Swedish official statistics practice); without ``mask_below`` the
    count as ``int``."""

    def mask(v):
        v = int(v)
        return f"<{mask_below}" if mask_below and 0 < v < mask_below else v

    return mask


def is_masked(block: Block) -> bool:
    """True when a block holds counts masked by ``mask_below`` (text like ``"<3"``)."""
    return any(isinstance(v, str) and (v.startswith("<") or v == "..") for row in block for v in row)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def source_text(value) -> str:
    """Text from a source file as it may go into the workbook: control characters (which a
    worksheet cannot hold) removed, and any personnummer masked — only counts leave finsam,
    even when someone typed a personnummer into a comment."""
    return redact(_CONTROL.sub("", str(value)))


def mask_person_value(value, *, text_cell: bool = True):
    """A value a person typed, with every personnummer in it masked (only counts leave
    finsam): text is masked (a :class:`~finsam.layout.Formula` stays a formula); in a text
    cell (``text_cell``: notes, comments) a number typed as such, ``198501011234``, becomes
    the masked text too. Anything else comes back as it is (``is`` the same object when
    nothing was masked)."""
    if isinstance(value, layout.Formula):
        masked = redact(value)
        return value if masked == value else layout.Formula(masked)
    if isinstance(value, str):
        masked = redact(value)
        return value if masked == value else masked
    if text_cell and isinstance(value, (int, float)) and not isinstance(value, bool):
        text = as_text(value)
        masked = redact(text)
        return value if masked == text else masked
    return value


def is_formula_like(value) -> bool:
    """True for text a spreadsheet would parse as a formula, which writers store as text —
    except a :class:`~finsam.layout.Formula` read from the workbook, which goes back as it was."""
    return isinstance(value, str) and not isinstance(value, layout.Formula) and value.startswith(FORMULA_PREFIXES)


__all__ = [
    "Block", "BookIO", "FORMULA_PREFIXES", "read_settings", "check_shape", "is_blank", "masker",
    "is_masked", "source_text", "is_formula_like", "mask_person_value",
]
