"""The workbook as a file, through openpyxl: create it, populate it, save it atomically.

A failed run leaves the file byte-identical: everything is computed before anything is
written, and a save goes to a temporary file in the same folder that then replaces the
workbook (``os.replace``).
"""

from __future__ import annotations

import datetime as dt
import errno
import gc
import io
import os
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.writer.excel import ExcelWriter

from finsam import charts, layout, relayout
from finsam.book import NO_NAME, Block, is_formula_like, read_settings
from finsam.errors import WorkbookError, os_error_text, problem
from finsam.parts import carry_over, lost_parts
from finsam.saving import (
    FileStamp, check_not_open, check_writable_target, keep_mode_and_owner, replace_file, temp_dir, workbook_lock,
)
from finsam.settings import Settings

if TYPE_CHECKING:  # finsam.populate imports pandas, which 'finsam new' and the template do not need
    from finsam.populate import PopulateResult


class OpenpyxlBook:
    """:class:`finsam.book.BookIO` over an openpyxl workbook loaded from ``path``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.label = self.path.name
        self.folder = self.path.resolve().parent
        if not self.path.exists():
            raise WorkbookError(f"Arbetsboken {self.path} finns inte. Skapa den med 'finsam new'.")
        try:
            #: the file's bytes as read: the part list and the unchanged-check compare with them
            self.original: bytes = self.path.read_bytes()
            self.stamp = FileStamp.of(self.path, self.original)
        except PermissionError:
            raise WorkbookError(f"{self.label} går inte att öppna (låst). Stäng den i Excel och försök igen.") from None
        except OSError as exc:
            raise WorkbookError(f"{self.label} går inte att läsa: {os_error_text(exc)}.") from None
        try:
            self.wb: Workbook = load_workbook(io.BytesIO(self.original), keep_vba=self.path.suffix.lower() == ".xlsm")
        except Exception as exc:  # noqa: BLE001 - zip/xml errors: one clear message
            why = "filen är ingen zip-fil, alltså ingen .xlsx" if isinstance(exc, zipfile.BadZipFile) else "den är skadad"
            raise WorkbookError(f"{self.label} går inte att läsa som .xlsx-arbetsbok ({why}). Öppna den i Excel och "
                                "spara den som Excel-arbetsbok (.xlsx), eller skapa en ny med 'finsam new'.") from None

    def names(self) -> set[str]:
        """The workbook's defined names."""
        return set(self.wb.defined_names.keys())

    def settings_rows(self) -> list[list]:
        """The settings sheet's first three columns, 2D (:meth:`finsam.book.BookIO.settings_rows`)."""
        if layout.SHEET_SETTINGS not in self.wb.sheetnames:
            raise WorkbookError(f"{self.label} saknar bladet {layout.SHEET_SETTINGS}. Skapa arbetsboken med 'finsam new'.")
        ws = self.wb[layout.SHEET_SETTINGS]
        return [list(r) for r in ws.iter_rows(min_col=1, max_col=3, values_only=True)]

    def cells(self, name: str):
        """The openpyxl cells of a defined name, always 2D (rows × columns)."""
        if name not in self.wb.defined_names:
            raise WorkbookError(NO_NAME.format(label=self.label, name=name))
        (sheet, ref), = list(self.wb.defined_names[name].destinations)
        cells = self.wb[sheet][ref.replace("$", "")]
        if not isinstance(cells, tuple):
            return ((cells,),)
        if cells and not isinstance(cells[0], tuple):
            return (cells,)
        return cells

    def read(self, name: str) -> Block:
        """Values of a defined name; a formula cell comes back as :class:`~finsam.layout.Formula`."""
        return [[layout.Formula(c.value) if c.data_type == "f" and isinstance(c.value, str) else c.value for c in row]
                for row in self.cells(name)]

    def write(self, blocks: dict[str, Block]) -> None:
        """Write each block into its defined name; text that looks like a formula stays text."""
        for name, block in blocks.items():
            for row, values in zip(self.cells(name), block):
                for cell, value in zip(row, values):
                    cell.value = value
                    if is_formula_like(value):
                        cell.data_type = "s"  # text from a source never becomes a formula

    def save(self, *, force: bool = False) -> None:
        """Save atomically over the file it was loaded from, only if that file is unchanged
        since it was read; refuses to drop parts unless ``force`` (:func:`save_atomic`)."""
        save_atomic(self.wb, self.path, original=self.original, stamp=self.stamp, force=force)


def _write_failure(exc: BaseException) -> OSError | None:
    """The disk error behind a failed write, as a fresh :class:`OSError` (no traceback
    holding openpyxl's half-written streams), or ``None`` when it was none: an ``OSError``
    itself, or lxml's ``SerialisationError("IO_ENOSPC")`` when lxml writes the sheets."""
    if isinstance(exc, OSError):
        return OSError(exc.errno, exc.strerror)
    name = str(exc)
    if type(exc).__name__ == "SerialisationError" and name.startswith("IO_"):
        code = getattr(errno, name[3:], None)
        return OSError(code, name) if isinstance(code, int) else OSError(errno.EIO, name)
    return None


def package_bytes(wb: Workbook) -> bytes:
    """The ``.xlsx`` package of ``wb`` as bytes, written by openpyxl in memory.

    As ``Workbook.save``, except that a failed write leaves nothing that speaks later: the
    zip is closed however the writing ends, and openpyxl's half-written sheet streams
    (temporary files, which a full disk breaks) are collected quietly — each would
    otherwise print its own traceback after finsam's one-line message.

    Raises:
        OSError: openpyxl could not write its temporary files (disk full…).
    """
    buffer = io.BytesIO()
    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    failure, hook = None, sys.unraisablehook
    try:
        ExcelWriter(wb, archive).write_data()
    except Exception as exc:  # noqa: BLE001 - only a disk error is turned into OSError
        failure = _write_failure(exc)
        if failure is None:
            raise
        sys.unraisablehook = lambda unraisable: None
    finally:
        try:
            archive.close()
        except (OSError, ValueError):
            archive.fp = None  # nothing more to write; keeps __del__ quiet
    if failure is not None:
        try:
            gc.collect()  # the broken streams complain now, to nobody
        finally:
            sys.unraisablehook = hook
        raise failure
    return buffer.getvalue()


def save_atomic(
    wb: Workbook, path: Path, *, original: bytes | None = None, stamp: FileStamp | None = None, force: bool = False
) -> None:
    """Save ``wb`` over ``path`` without losing anything (:func:`finsam.saving.replace_file`).

    openpyxl writes the package in memory; with ``original`` (the bytes ``wb`` was loaded
    from) what can be carried over is copied back (:func:`finsam.parts.carry_over`) and the
    full part list is compared (:func:`finsam.parts.lost_parts`): when a part a person added
    would vanish, nothing is written unless ``force``. With ``stamp``, the file must still
    be as it was read.

    Raises:
        WorkbookError: the workbook is open in Excel, changed since it was read, read-only,
            parts would be lost, or the disk refused (full, no permission); nothing written.
    """
    path = Path(path).resolve()  # a link to the workbook: write its target, keep the link
    check_writable_target(path)
    try:
        data = package_bytes(wb)
    except OSError as exc:  # openpyxl writes each sheet to a temporary file first (lxml's errors too: package_bytes)
        raise WorkbookError(f"{path.name} gick inte att spara: {os_error_text(exc)}. Inget har ändrats.") from None
    if original is not None:
        data = carry_over(original, data)
        lost = lost_parts(original, data)
        if lost and not force:
            raise WorkbookError(
                f"{path.name} innehåller delar som skulle försvinna när finsam sparar: {'; '.join(lost)}. "
                "Inget har skrivits. Flytta dem till en annan arbetsbok, eller kör med --force om de får försvinna."
            )
    replace_file(data, path, stamp=stamp)


def new_workbook(path: Path, settings: Settings, *, year: int | None = None, overwrite: bool = False) -> Path:
    """Write a fresh, empty follow-up workbook for ``settings`` (optionally for another year).

    Raises:
        WorkbookError: ``path`` exists and ``overwrite`` is false, or it cannot be written.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise WorkbookError(f"{path.name}: finsam skapar arbetsböcker i formatet .xlsx. Ge filen ändelsen .xlsx.")
    if path.exists() and not overwrite:
        raise WorkbookError(f"{path} finns redan. Välj ett annat namn eller ange --overwrite.")
    if year is not None:
        settings = settings.with_year(year)
    wb = layout.build_template(settings)
    wb.properties.creator = "finsam"
    wb.properties.created = dt.datetime(settings.year, 1, 1)
    wb.properties.modified = dt.datetime(settings.year, 1, 1)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkbookError(f"Mappen {path.parent} går inte att skapa: {os_error_text(exc)}.") from None
    with workbook_lock(path):
        if path.exists() and not overwrite:  # made meanwhile by another run
            raise WorkbookError(f"{path} finns redan. Välj ett annat namn eller ange --overwrite.")
        save_atomic(wb, path)
    return path


def populate_workbook(
    path: Path,
    *,
    sources: Path | None = None,
    period: str | None = None,
    today: dt.date | None = None,
    force: bool = False,
    mask_below: int | None = None,
) -> PopulateResult:
    """Fill a workbook file's input blocks from the sources and save it atomically.

    Args:
        path: a workbook made by :func:`new_workbook` (``.xlsx`` or ``.xlsm``).
        sources: the folder of source files; default: the settings' folder relative to the workbook.
        period: e.g. ``"2013-Q1"`` or ``"2013-03-31"``; default: the settings' or the last complete one.
        force: save even when openpyxl would drop parts a person added (:func:`lost_parts`).
        mask_below: publication copy: counts 1..N-1 written as ``"<N"``
            (:func:`finsam.populate.compute_blocks`).

    Raises:
        FinsamError (a subclass): as :func:`finsam.populate.populate_io`, or
        :class:`WorkbookError` when the file is open in Excel, another finsam run has it
        (:func:`finsam.saving.workbook_lock`), it changed since it was read, or parts would be
        lost; the file is then unchanged (byte-identical).
    """
    from finsam.populate import populate_io  # pandas: imported only when populating

    with workbook_lock(path):
        check_not_open(Path(path))  # before the work, not only before the save
        book = OpenpyxlBook(path)
        settings = read_settings(book)
        changes = relayout.apply(book, settings)  # cost centres changed on the settings sheet
        result = populate_io(book, sources=sources, period=period, today=today, mask_below=mask_below, settings=settings)
        result.problems += [problem("installningar-inforda", book.label, None, layout.SHEET_ECONOMY, text)
                            for text in changes]
        charts.draw(book.wb, result.settings)  # finsam's own charts, over the tables as laid out now
        book.save(force=force)
    return result


def new_and_populate(
    path: Path, settings: Settings, sources: Path, *, period: str | None = None, overwrite: bool = False
) -> PopulateResult:
    """Create a workbook for ``settings`` and fill it from ``sources`` in one step (``finsam
    demo``). Built in a temporary file beside ``path`` that replaces it only when both steps
    succeed, so a failure leaves nothing behind and an existing file untouched.

    Raises:
        WorkbookError: ``path`` exists and ``overwrite`` is false, or is no ``.xlsx`` name;
        any error of :func:`new_workbook` or :func:`populate_workbook`.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise WorkbookError(f"{path} finns redan. Välj ett annat namn eller ange --overwrite.")
    if path.suffix.lower() != ".xlsx":
        raise WorkbookError(f"{path.name}: finsam skapar arbetsböcker i formatet .xlsx. Ge filen ändelsen .xlsx.")
    folder = path.resolve().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkbookError(f"Mappen {folder} går inte att skapa: {os_error_text(exc)}.") from None
    with workbook_lock(path), temp_dir(folder) as tmp:
        work = tmp / path.name
        new_workbook(work, settings)
        result = populate_workbook(work, sources=sources, period=period)
        if path.exists() and not overwrite:
            raise WorkbookError(f"{path} finns redan. Välj ett annat namn eller ange --overwrite.")
        check_writable_target(path.resolve())
        keep_mode_and_owner(work, path)
        try:
            os.replace(work, path)
        except OSError as exc:
            raise WorkbookError(f"{path.name} gick inte att spara: {os_error_text(exc)}. Inget har ändrats.") from None
    return result
