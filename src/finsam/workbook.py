"""The workbook as a file, through openpyxl: create it, populate it, save it atomically.

A failed run leaves the file byte-identical: everything is computed before anything is
written, and a save goes to a temporary file in the same folder that then replaces the
workbook (``os.replace``).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from finsam import layout
from finsam.errors import WorkbookError
from finsam.populate import Block, PopulateResult, is_formula_like, populate_io
from finsam.settings import Settings


class OpenpyxlBook:
    """:class:`finsam.populate.BookIO` over an openpyxl workbook loaded from ``path``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.label = self.path.name
        self.folder = self.path.resolve().parent
        if not self.path.exists():
            raise WorkbookError(f"Arbetsboken {self.path} finns inte. Skapa den med 'finsam new'.")
        try:
            self.wb: Workbook = load_workbook(self.path, keep_vba=self.path.suffix.lower() == ".xlsm")
        except PermissionError:
            raise WorkbookError(f"{self.label} går inte att öppna (låst). Stäng den i Excel och försök igen.") from None
        except Exception as exc:  # noqa: BLE001 - zip/xml errors: one clear message
            raise WorkbookError(f"{self.label} går inte att läsa som .xlsx-arbetsbok ({exc}).") from None

    def names(self) -> set[str]:
        return set(self.wb.defined_names.keys())

    def settings_rows(self) -> list[list]:
        if layout.SHEET_SETTINGS not in self.wb.sheetnames:
            raise WorkbookError(f"{self.label} saknar bladet {layout.SHEET_SETTINGS}. Skapa arbetsboken med 'finsam new'.")
        ws = self.wb[layout.SHEET_SETTINGS]
        return [list(r) for r in ws.iter_rows(min_col=1, max_col=3, values_only=True)]

    def _cells(self, name: str):
        if name not in self.wb.defined_names:
            raise WorkbookError(f"{self.label} saknar namnet {name}. Skapa arbetsboken på nytt med 'finsam new'.")
        (sheet, ref), = list(self.wb.defined_names[name].destinations)
        cells = self.wb[sheet][ref.replace("$", "")]
        if not isinstance(cells, tuple):
            return ((cells,),)
        if cells and not isinstance(cells[0], tuple):
            return (cells,)
        return cells

    def read(self, name: str) -> Block:
        return [[c.value for c in row] for row in self._cells(name)]

    def write(self, blocks: dict[str, Block]) -> None:
        for name, block in blocks.items():
            for row, values in zip(self._cells(name), block):
                for cell, value in zip(row, values):
                    cell.value = value
                    if is_formula_like(value):
                        cell.data_type = "s"  # text from a source never becomes a formula

    def save(self) -> None:
        save_atomic(self.wb, self.path)


def _lock_file(path: Path) -> Path:
    return path.with_name("~$" + path.name)


def save_atomic(wb: Workbook, path: Path) -> None:
    """Save ``wb`` to ``path`` through a temporary file in the same folder, then replace.

    Raises:
        WorkbookError: the workbook is open in Excel (its ``~$`` owner file exists, or the
            file cannot be replaced); nothing is written.
    """
    path = Path(path)
    if _lock_file(path).exists():
        raise WorkbookError(f"{path.name} är öppen i Excel ({_lock_file(path).name} finns). Stäng den och försök igen.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.resolve().parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except PermissionError:
        raise WorkbookError(f"{path.name} går inte att skriva (låst eller skrivskyddad). Stäng den i Excel och försök igen.") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def new_workbook(path: Path, settings: Settings, *, year: int | None = None, overwrite: bool = False) -> Path:
    """Write a fresh, empty follow-up workbook for ``settings`` (optionally for another year).

    Raises:
        WorkbookError: ``path`` exists and ``overwrite`` is false, or it cannot be written.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise WorkbookError(f"{path} finns redan. Välj ett annat namn eller ange --overwrite.")
    if year is not None:
        settings = settings.with_year(year)
    wb = layout.build_template(settings)
    wb.properties.creator = "finsam"
    wb.properties.created = dt.datetime(settings.year, 1, 1)
    wb.properties.modified = dt.datetime(settings.year, 1, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomic(wb, path)
    return path


def populate_workbook(
    path: Path, *, sources: Path | None = None, period: str | None = None, today: dt.date | None = None
) -> PopulateResult:
    """Fill a workbook file's input blocks from the sources and save it atomically.

    Args:
        path: a workbook made by :func:`new_workbook` (``.xlsx`` or ``.xlsm``).
        sources: the folder of source files; default: the settings' folder relative to the workbook.
        period: e.g. ``"2013-Q1"`` or ``"2013-03-31"``; default: the settings' or the last complete one.

    Raises:
        FinsamError (a subclass): as :func:`finsam.populate.populate_io`; the file is unchanged.
    """
    book = OpenpyxlBook(path)
    result = populate_io(book, sources=sources, period=period, today=today)
    book.save()
    return result
