"""``finsam report``: the board's quarterly report as a Word document (and PDF), from the workbook.

The document follows the seed report (``kvartalsuppfoljning-2013q1``): introduction and
activities (text), the participants per municipality (table and chart), the anonymous
participants, the economy with one table per cost-centre group (Budget / Ackumulerat /
Prognos, a forecast's comment as a footnote) and a chart, the equity, the summary, the
footnotes; then every further table sheet of the workbook (the newer tables) as it stands.
The association's name and the period stand in the page header, page numbers in the footer.

Every figure is read from the workbook as it shows it: the values Excel cached when it saved
the file, else a LibreOffice recalculation (:mod:`finsam.libreoffice`); never recomputed
here. The texts are the sheet *Rapporttext* (:mod:`finsam.report_text`) with placeholders
filled from the same values. Every text that goes in is masked for personnummer
(:func:`finsam.personnummer.redact`): only counts leave finsam.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils import range_boundaries

from finsam import report_text
from finsam.blocks import (ANONYMOUS, ECONOMY, PARTICIPANTS, SHEET_CHARTS, SHEET_CHECKS, SHEET_ECONOMY, SHEET_PARTICIPANTS,
                           SHEET_SETTINGS, SHEET_SUMMARY, SHEET_TEXT, Table)
from finsam.errors import FinsamError, WorkbookError
from finsam.money import format_int
from finsam.personnummer import redact
from finsam.settings import Settings, settings_from_rows

#: Sheets that are no part of the report (they remain sheets of the workbook).
NOT_REPORTED = {SHEET_CHECKS, SHEET_SETTINGS, SHEET_TEXT, SHEET_CHARTS, "Status"}  # the charts: as images


@dataclass
class WorkbookValues:
    """A workbook's values as it shows them (``data_only``), with its settings.

    ``recalculated`` says whether LibreOffice computed them (no values were cached)."""

    wb: openpyxl.Workbook
    settings: Settings
    path: Path
    recalculated: bool = False

    def names(self) -> set[str]:
        """The workbook's defined names."""
        return set(self.wb.defined_names.keys())

    def area(self, name: str) -> tuple[str, int, int, int, int]:
        """Sheet, first row, first column, last row, last column of defined name ``name``.

        Raises:
            WorkbookError: the name is missing (not a finsam workbook of this version)."""
        dn = self.wb.defined_names.get(name)
        if dn is None:
            laid_out = self._as_laid_out(name)
            if laid_out is None:
                raise WorkbookError(f"{self.path.name}: namnet {name} saknas i arbetsboken. Skapa arbetsboken med "
                                    "'finsam new' och fyll den med 'finsam populate'.")
            return laid_out
        return _area(dn)

    def _as_laid_out(self, name: str) -> tuple[str, int, int, int, int] | None:
        """Where this finsam's layout (:func:`finsam.layout.build_template` for the workbook's
        settings) puts ``name``, for a workbook made by an earlier finsam that lacks the name:
        only when every name the two share on that sheet stands in the same place (the sheet
        is laid out as this finsam lays it out), else ``None``."""
        from finsam.layout import build_template

        fresh = build_template(self.settings).defined_names
        if name not in fresh:
            return None
        want = _area(fresh[name])
        shared = [n for n in fresh if n in self.wb.defined_names and _area(fresh[n])[0] == want[0]]
        if not shared or any(_area(fresh[n]) != _area(self.wb.defined_names[n]) for n in shared):
            return None
        return want

    def read(self, name: str) -> list[list]:
        """The values of defined name ``name``, rows × columns."""
        sheet, r0, c0, r1, c1 = self.area(name)
        ws = self.wb[sheet]
        return [[ws.cell(r, c).value for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]

    def value(self, name: str, row: int = 0, col: int = 0):
        """One value of defined name ``name`` (``None`` when the name is missing)."""
        if name not in self.names():
            return None
        block = self.read(name)
        try:
            return block[row][col]
        except IndexError:
            return None


def _area(dn) -> tuple[str, int, int, int, int]:
    """Sheet, first row, first column, last row, last column of a defined name."""
    sheet, ref = next(iter(dn.destinations))
    c0, r0, c1, r1 = range_boundaries(ref.replace("$", ""))
    return sheet, r0, c0, r1, c1


def workbook_values(path: Path, work_dir: Path) -> WorkbookValues:
    """The values workbook ``path`` shows, recalculated with LibreOffice into ``work_dir``
    when the file holds no cached values (openpyxl, and so ``finsam populate``, saves none;
    Excel does).

    Raises:
        WorkbookError: not a populated finsam workbook.
        FinsamError: values are needed and LibreOffice is missing (:data:`finsam.libreoffice.MISSING`).
    """
    from finsam.libreoffice import recalculated

    path = Path(path)
    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one message
        raise WorkbookError(f"{path.name} kan inte läsas som en Excel-arbetsbok ({type(exc).__name__}).") from None
    if SHEET_SETTINGS not in wb.sheetnames or "fs_kontroller_status" not in wb.defined_names:
        raise WorkbookError(f"{path.name} är ingen finsam-arbetsbok. Skapa en med 'finsam new' och fyll den med "
                            "'finsam populate'.")
    again = False
    if _cached(wb) is None:
        wb = openpyxl.load_workbook(recalculated(path, work_dir), data_only=True)
        again = True
        if _cached(wb) is None:
            raise FinsamError(f"LibreOffice beräknade inte formlerna i {path.name}. Öppna arbetsboken i Excel, spara "
                              "den och kör igen.")
    rows = [list(r[:3]) for r in wb[SHEET_SETTINGS].iter_rows(values_only=True)]
    settings = settings_from_rows(rows, source=f"{path.name}: {SHEET_SETTINGS}")
    values = WorkbookValues(wb, settings, path, again)
    if values.value("fs_period", 0, 0) in (None, ""):
        raise WorkbookError(f"{path.name} är inte fylld ännu. Kör 'finsam populate {path.name}' först.")
    return values


def _cached(wb: openpyxl.Workbook):
    """The overall check status (a formula that always has a value once calculated), or None."""
    sheet, ref = next(iter(wb.defined_names["fs_kontroller_status"].destinations))
    return wb[sheet][ref.replace("$", "")].value


# --- formatting: what a reader of the document sees ---------------------------------------

def show(value, number_format: str = "") -> str:
    """A cell's value as the document prints it: whole numbers with the Swedish thousands
    space (:func:`finsam.money.format_int`), a percentage with a decimal comma, text masked
    for personnummer, nothing for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, (int, float)):
        if "%" in (number_format or ""):
            decimals = number_format.split(".")[1].count("0") if "." in number_format else 0
            return f"{value * 100:.{decimals}f}".replace(".", ",") + " %"
        if float(value).is_integer():
            return format_int(int(value))
        return f"{value:.1f}".replace(".", ",")
    return redact(str(value)).strip()


def placeholder_values(values: WorkbookValues) -> dict[str, str]:
    """Each :data:`finsam.report_text.PLACEHOLDERS` name → its value as printed, from the
    workbook (placeholders whose cell is missing or empty are left out)."""
    out = {"förbund": values.settings.association, "år": str(values.value("fs_period_till") or "")[:4]}
    for key, (name, r, c) in report_text.PLACEHOLDERS.items():
        v = values.value(name, r, c)
        if v not in (None, ""):
            out[key] = show(v)
    return out


# --- the document -------------------------------------------------------------------------

@dataclass
class Report:
    """What :func:`write_report` made: the files, and the notes for the person (Swedish)."""

    docx: Path
    pdf: Path | None = None
    notes: list[str] = field(default_factory=list)


def write_report(workbook: Path, *, out: Path | None = None, pdf: bool = False) -> Report:
    """Write the quarterly report of ``workbook`` as ``<workbook>-rapport.docx`` (or ``out``),
    and with ``pdf`` also as PDF beside it (LibreOffice).

    Raises:
        WorkbookError: not a populated finsam workbook; the document cannot be saved.
        FinsamError: LibreOffice is needed (no cached values, or ``pdf``) and missing.
    """
    from finsam.report_docx import build_document
    from finsam.saving import replace_file

    workbook = Path(workbook)
    out = Path(out) if out else workbook.with_name(f"{workbook.stem}-rapport.docx")
    if out.suffix.lower() != ".docx":
        raise FinsamError(f"Rapporten skrivs som Word-dokument: ge --out ett namn som slutar på .docx (inte {out.name}).")
    with tempfile.TemporaryDirectory(prefix="finsam-rapport-") as tmp:
        values = workbook_values(workbook, Path(tmp))
        doc, notes = build_document(values, Path(tmp))
        buf = io.BytesIO()
        doc.save(buf)
        replace_file(buf.getvalue(), out)
        report = Report(out, notes=notes)
        if pdf:
            from finsam.libreoffice import convert

            made = convert([out], "pdf", Path(tmp) / "pdf")[0]
            target = out.with_suffix(".pdf")
            replace_file(made.read_bytes(), target)
            report.pdf = target
    return report


def report_sheets(values: WorkbookValues) -> list[str]:
    """The table sheets the report prints after the seed's sections, in workbook order:
    every sheet but the seed's three, Rapporttext, Kontroller, Inställningar, hidden ones."""
    known = {SHEET_PARTICIPANTS, SHEET_ECONOMY, SHEET_SUMMARY} | NOT_REPORTED  # the seed's three, by name
    return [ws.title for ws in values.wb.worksheets if ws.title not in known and ws.sheet_state == "visible"]


def table_rows(values: WorkbookValues, table: Table, name: str, *, total: str | None = None,
               header_rows: int = 1, keys: list[str] | None = None) -> tuple[list[list[str]], list[list[str]], list[str]]:
    """A table of the workbook as printed text: header rows (read from the sheet above the
    block, as the workbook shows them), body rows (the rows of defined name ``name``), and
    the total row (the row of defined name ``total``, or empty). Columns: ``keys`` (default
    every column of ``table``), in the table's order.

    Returns ``(header, body, total_row)``; every cell is text (:func:`show`)."""
    sheet, r0, _, r1, _ = values.area(name)
    ws = values.wb[sheet]
    cols = [table.column_of(k) for k in (keys or [c.key for c in table.columns])]

    def line(r: int) -> list[str]:
        return [show(ws.cell(r, c).value, ws.cell(r, c).number_format) for c in cols]

    header = [line(r) for r in range(r0 - header_rows, r0)]
    body = [line(r) for r in range(r0, r1 + 1)]
    tot: list[str] = []
    if total and total in values.names():
        _, t0, _, _, _ = values.area(total)
        tot = line(t0)
        tot[0] = show(ws.cell(t0, table.first_column).value) or tot[0]
    return header, body, tot


def seed_tables(values: WorkbookValues) -> dict[str, tuple]:
    """The seed's tables from the workbook: ``"kommuner"``, ``"anonyma"`` and ``"grupp_<i>"``
    (each as :func:`table_rows` returns it, the group's also with its title and comments)."""
    out: dict[str, tuple] = {"kommuner": table_rows(values, PARTICIPANTS, PARTICIPANTS.name(""), total="fs_deltagare_summa",
                                                     header_rows=2)}
    head, body, tot = table_rows(values, ANONYMOUS, ANONYMOUS.name(""), total=ANONYMOUS.name("summa"))
    out["anonyma"] = (head, [r for r in body if any(r)], tot)
    printed = [c.key for c in ECONOMY.columns if c.kind != "formula" and (c.number or c.kind != "person")]
    for i, group in enumerate(values.settings.groups, start=1):
        name = ECONOMY.name("koder", i)
        if name not in values.names():
            continue
        head, body, _ = table_rows(values, ECONOMY, name, header_rows=3, keys=printed)
        _, tot_row, _, _, _ = values.area(ECONOMY.name("totalt", i))
        sheet = values.area(name)[0]
        ws = values.wb[sheet]
        total = [show(ws.cell(tot_row, ECONOMY.column_of(k)).value) for k in printed]
        total[0] = show(ws.cell(tot_row, ECONOMY.first_column).value)
        comments = [show(v[0]) for v in values.read(ECONOMY.name("kommentar", i))]
        out[f"grupp_{i}"] = (head, body, total, group.title, comments)
    return out


__all__ = ["WorkbookValues", "workbook_values", "show", "placeholder_values", "Report", "write_report",
           "report_sheets", "table_rows", "seed_tables"]
