"""The workbook as a file, through openpyxl: create it, populate it, save it atomically.

A failed run leaves the file byte-identical: everything is computed before anything is
written, and a save goes to a temporary file in the same folder that then replaces the
workbook (``os.replace``).
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import re
import tempfile
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from finsam import layout
from finsam.book import Block, is_formula_like
from finsam.errors import WorkbookError
from finsam.populate import PopulateResult, populate_io
from finsam.settings import Settings


class OpenpyxlBook:
    """:class:`finsam.book.BookIO` over an openpyxl workbook loaded from ``path``."""

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

    def cells(self, name: str):
        """The openpyxl cells of a defined name, always 2D (rows × columns)."""
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
        """Values of a defined name; a formula cell comes back as :class:`~finsam.layout.Formula`."""
        return [[layout.Formula(c.value) if c.data_type == "f" and isinstance(c.value, str) else c.value for c in row]
                for row in self.cells(name)]

    def write(self, blocks: dict[str, Block]) -> None:
        for name, block in blocks.items():
            for row, values in zip(self.cells(name), block):
                for cell, value in zip(row, values):
                    cell.value = value
                    if is_formula_like(value):
                        cell.data_type = "s"  # text from a source never becomes a formula

    def save(self, *, force: bool = False) -> None:
        """Save atomically over the file it was loaded from; refuses to drop parts unless ``force``."""
        save_atomic(self.wb, self.path, original=self.path, force=force)


def _lock_file(path: Path) -> Path:
    return path.with_name("~$" + path.name)


#: What a person may add to the workbook that openpyxl may not write back, as (Swedish
#: label, how to count it in the package). Counted in the original and in the file openpyxl
#: wrote; any count that drops is a loss. Comments and VML are rewritten by openpyxl (kept),
#: charts and images are read back by openpyxl 3.1 (kept), but shapes, Excel 2010 data
#: validation / conditional formats (``x14`` in ``extLst``), sparklines, slicers, threaded
#: comments, form controls and a ribbon part (``customUI``) are not.
_PART_KINDS: list[tuple[str, str, str]] = [
    # (label, part name regex, text counted inside the part or "" to count parts)
    ("diagram", r"xl/charts/chart\d*\.xml$", ""),
    ("bilder", r"xl/media/", ""),
    ("former och textrutor", r"xl/drawings/drawing\d*\.xml$", "<xdr:sp>|<xdr:sp |<xdr:cxnSp"),
    ("datavalidering (Excel 2010)", r"xl/worksheets/sheet\d*\.xml$", "<x14:dataValidation[ >]"),
    ("villkorsstyrd formatering (Excel 2010)", r"xl/worksheets/sheet\d*\.xml$", "<x14:conditionalFormatting[ >]"),
    ("minidiagram (sparklines)", r"xl/worksheets/sheet\d*\.xml$", "<x14:sparklineGroup[ >]"),
    ("kommentarer", r"xl/comments\d*\.xml$|xl/comments/comment\d*\.xml$", "<comment "),
    ("trådade kommentarer", r"xl/threadedComments/", ""),
    ("utsnitt (slicers)", r"xl/slicers/|xl/slicerCaches/", ""),
    ("tidslinjer", r"xl/timelines/", ""),
    ("formulärkontroller", r"xl/ctrlProps/|xl/activeX/", ""),
    ("pivottabeller", r"xl/pivotTables/", ""),
    ("tabeller", r"xl/tables/", ""),
    ("externa länkar", r"xl/externalLinks/externalLink\d*\.xml$", ""),
    ("menyflikar (customUI)", r"customUI/customUI(14)?\.xml$", ""),
    ("makron (VBA)", r"xl/vbaProject\.bin$", ""),
]


def package_inventory(path: Path) -> dict[str, int]:
    """Count, per kind of :data:`_PART_KINDS`, what the workbook file at ``path`` holds."""
    counts = {label: 0 for label, _, _ in _PART_KINDS}
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        for label, part, inside in _PART_KINDS:
            hits = [n for n in names if re.search(part, n)]
            if not inside:
                counts[label] = len(hits)
                continue
            for n in hits:
                counts[label] += len(re.findall(inside, z.read(n).decode("utf-8", errors="replace")))
    return counts


def lost_parts(original: Path, written: Path) -> list[str]:
    """Swedish labels (with counts) of what ``original`` holds and ``written`` lacks."""
    before, after = package_inventory(original), package_inventory(written)
    return [f"{label} ({before[label] - after[label]} st)" for label in before if after[label] < before[label]]


def _file_mode(path: Path) -> int:
    """The permission bits the saved file gets: the existing file's, else the usual ones for
    a new file (0666 less the umask) — not the 0600 of a temporary file, so colleagues on a
    shared folder can open the workbook."""
    if path.exists():
        return stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def save_atomic(wb: Workbook, path: Path, *, original: Path | None = None, force: bool = False) -> None:
    """Save ``wb`` to ``path`` through a temporary file in the same folder, then replace.

    With ``original`` (the file ``wb`` was loaded from), the written file is compared with it
    first (:func:`lost_parts`): when openpyxl dropped something a person added (shapes, Excel
    2010 validation…), nothing is replaced unless ``force``.

    Raises:
        WorkbookError: the workbook is open in Excel (its ``~$`` owner file exists, or the
            file cannot be replaced), or parts would be lost; nothing is written.
    """
    path = Path(path).resolve()  # a link to the workbook: write its target, keep the link
    if path.is_dir():
        raise WorkbookError(f"{path} är en mapp. Ange ett filnamn som slutar på .xlsx.")
    if not path.parent.is_dir():
        raise WorkbookError(f"Mappen {path.parent} finns inte (eller är en fil). Skapa mappen eller välj en annan sökväg.")
    if _lock_file(path).exists():
        raise WorkbookError(f"{path.name} är öppen i Excel ({_lock_file(path).name} finns). Stäng den och försök igen.")
    if path.exists() and not path.stat().st_mode & 0o222:
        raise WorkbookError(f"{path.name} är skrivskyddad. Ta bort skrivskyddet (eller spara en kopia) och försök igen.")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".finsam-", suffix=path.suffix, dir=path.parent)  # short: long names fit
        os.close(fd)
        wb.save(tmp)
        if original is not None and not force:
            lost = lost_parts(Path(original), Path(tmp))
            if lost:
                raise WorkbookError(
                    f"{path.name} innehåller delar som skulle försvinna när finsam sparar: {', '.join(lost)}. "
                    "Inget har skrivits. Flytta dem till en annan arbetsbok, eller kör med --force om de får försvinna."
                )
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except PermissionError:
        raise WorkbookError(
            f"{path.name} går inte att skriva (låst, skrivskyddad eller i en mapp utan skrivrätt). "
            "Stäng den i Excel och kontrollera behörigheten, försök sedan igen."
        ) from None
    except OSError as exc:
        raise WorkbookError(f"{path.name} gick inte att spara: {exc.strerror or exc}. Inget har ändrats.") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


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
        raise WorkbookError(f"Mappen {path.parent} går inte att skapa: {exc.strerror or exc}.") from None
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
        :class:`WorkbookError` when the file is open in Excel or parts would be lost; the
        file is then unchanged (byte-identical).
    """
    book = OpenpyxlBook(path)
    result = populate_io(book, sources=sources, period=period, today=today, mask_below=mask_below)
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
        raise WorkbookError(f"Mappen {folder} går inte att skapa: {exc.strerror or exc}.") from None
    with tempfile.TemporaryDirectory(dir=folder, prefix=".finsam-") as tmp:
        work = Path(tmp) / path.name
        new_workbook(work, settings)
        result = populate_workbook(work, sources=sources, period=period)
        os.chmod(work, _file_mode(path))
        os.replace(work, path)
    return result
