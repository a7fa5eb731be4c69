"""The report document itself (python-docx): sections in the seed report's order, tables and
charts from :mod:`finsam.report`'s workbook values. See :func:`build_document`."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from finsam import report_text
from finsam.blocks import SUMMARY
from finsam.layout import SUMMARY_LINES
from finsam.report import WorkbookValues, placeholder_values, report_sheets, seed_tables, show, table_rows

#: The document's body font and size (the seed is set in a plain sans serif; ≥ 9 pt in tables).
FONT = "Calibri"
BODY_PT = 10.5
TABLE_PT = 9


def build_document(values: WorkbookValues, work_dir: Path):
    """The report as a python-docx ``Document`` and the notes for the person (Swedish):
    placeholders the text used that the workbook does not know, sections left empty.

    Sections (the seed's order): Inledning, Verksamhet, Deltagare (text, table per
    municipality, chart), Anonymt registrerade deltagare (text, table), Ekonomisk uppföljning
    (text; per group: heading, table with comments as footnotes, text; a chart), Eget kapital,
    Sammanställning (table, text), Fotnoter; then each further table sheet of the workbook."""
    from finsam.report_charts import economy_chart, municipality_chart

    doc = Document()
    _page(doc, values)
    _properties(doc, values)
    texts = _texts(values)
    fills = placeholder_values(values)
    notes: list[str] = []

    def text(key: str) -> None:
        raw = texts.get(key, "")
        filled, unknown = report_text.fill(raw, fills)
        for u in unknown:
            notes.append(f"Rapporttext '{key}': platshållaren {{{u}}} är okänd eller saknar värde och står kvar som den är.")
        for para in [p for p in filled.split("\n") if p.strip()]:
            doc.add_paragraph(para.strip())

    doc.add_heading(f"{values.settings.association}", level=0)
    doc.add_paragraph(f"Kvartalsuppföljning {_period_label(values)}").runs[0].bold = True
    text("inledning")
    doc.add_heading("Verksamhet", level=1)
    text("verksamhet")

    tables = seed_tables(values)
    doc.add_heading("Deltagare", level=1)
    text("deltagare")
    head, body, tot = tables["kommuner"]
    _table(doc, head, body, tot)
    _picture(doc, municipality_chart(values, work_dir))
    doc.add_heading("Anonymt registrerade deltagare", level=2)
    text("anonyma")
    head, body, tot = tables["anonyma"]
    if body:
        _table(doc, *_without_empty_columns(head, body, tot))

    doc.add_heading("Ekonomisk uppföljning och helårsprognos", level=1)
    text("ekonomi")
    for i, _ in enumerate(values.settings.groups, start=1):
        if f"grupp_{i}" not in tables:
            continue
        head, body, tot, title, comments = tables[f"grupp_{i}"]
        doc.add_heading(title, level=2)
        marks = _footnote_marks(comments)
        # the seed prints code and name in one column: "1001 Styrelse (arvoden …)"
        head = [[" ".join(x for x in h[:2] if x), *h[2:]] for h in head]
        body = [[f"{r[0]} {r[1]} {marks[n]}".strip(), *r[2:]] for n, r in enumerate(body)]
        tot = [" ".join(x for x in tot[:2] if x), *tot[2:]]
        _table(doc, head, body, tot)
        for n, c in enumerate(comments):
            if marks[n]:
                p = doc.add_paragraph(f"{marks[n]} {c}")
                p.runs[0].italic = True
        text(f"grupp_{i}")
    _picture(doc, economy_chart(values, tables, work_dir))
    doc.add_heading("Eget kapital", level=2)
    text("eget_kapital")

    doc.add_heading("Sammanställning", level=1)
    _summary(doc, values)
    text("sammanstallning")
    if texts.get("fotnoter", "").strip():
        doc.add_heading("Fotnoter", level=2)
        text("fotnoter")

    for sheet in report_sheets(values):
        _sheet(doc, values, sheet)
    return doc, notes


def _texts(values: WorkbookValues) -> dict[str, str]:
    """The Rapporttext sheet's texts by key (masked; empty when the sheet is missing)."""
    if report_text.NAME not in values.names():
        return {}
    keys = [r[0] for r in values.read(report_text.KEYS_NAME)]
    return {str(k): show(t[0]) for k, t in zip(keys, values.read(report_text.NAME)) if k}


def _page(doc, values: WorkbookValues) -> None:
    """A4 portrait, 2 cm margins, the body font; the association and period in the header,
    'Sida N av M' in the footer (Word fields, filled when the document is shown)."""
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_PT)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(2))
    sec.header.paragraphs[0].text = f"{values.settings.association} – kvartalsuppföljning {_period_label(values)}"
    foot = sec.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    foot.add_run("Sida ")
    _field(foot, "PAGE")
    foot.add_run(" av ")
    _field(foot, "NUMPAGES")


def _period_label(values: WorkbookValues) -> str:
    """The period as the report's title and page header print it: "Jan-Mars 2013"
    (``fs_periodetikett`` and the year of ``fs_period_till``)."""
    return f"{show(values.value('fs_periodetikett'))} {str(values.value('fs_period_till') or '')[:4]}"


#: The document's language (Word's spelling and hyphenation): the text is Swedish.
LANGUAGE = "sv-SE"


def _properties(doc, values: WorkbookValues) -> None:
    """The file's properties instead of python-docx's template's (author "python-docx",
    created 2013-12-23, language en-US): title = the report's title, author = the association,
    created/modified = now, last modified by finsam, no comment; the default run language
    (styles' ``w:docDefaults/w:rPrDefault``, and the theme font language in settings) Swedish."""
    now = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)  # core.xml holds UTC
    props = doc.core_properties
    props.title = f"Kvartalsuppföljning {_period_label(values)} – {values.settings.association}"
    props.author = values.settings.association
    props.comments = ""
    props.last_modified_by = "finsam"
    props.created = props.modified = now
    props.revision = 1
    styles = doc.styles.element
    defaults = _child(styles, "w:docDefaults", first=True)
    rpr = _child(_child(defaults, "w:rPrDefault", first=True), "w:rPr")
    lang = rpr.find(qn("w:lang"))
    if lang is None:  # the schema's order: w:lang before these
        lang = OxmlElement("w:lang")
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    lang.set(qn("w:val"), LANGUAGE)
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), LANGUAGE)


def _child(parent, tag: str, *, first: bool = False):
    """``parent``'s child ``tag``, added (first, or last) when missing."""
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        parent.insert(0, el) if first else parent.append(el)
    return el


def _field(paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) in ``paragraph``."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == code:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {code} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _table(doc, header: list[list[str]], body: list[list[str]], total: list[str], *, first_text_columns: int = 1):
    """A table: header rows bold, numbers right-aligned, the total row bold; 9 pt."""
    width = max(len(r) for r in [*header, *body, total] if r)
    rows = [*header, *body] + ([total] if total else [])
    t = doc.add_table(rows=len(rows), cols=width)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    _cell_margins(t, CELL_MARGIN_TWIPS)  # "Ackumulerat" fits a 2.6 cm column without breaking mid-word
    # number columns as wide as their longest word needs ("Ackumulerat"), at most 2.6 cm
    number_cm = _number_cm(rows, first_text_columns)
    text_cm = max(4.0, _page_cm(doc) - number_cm * (width - first_text_columns))
    text_widths = _text_widths(rows, first_text_columns, text_cm)
    for c, col in enumerate(t.columns):
        w = Cm(text_widths[c] if c < first_text_columns else number_cm)
        col.width = w  # the grid (LibreOffice reads it) and each cell (Word reads these)
        for cell in col.cells:
            cell.width = w
    for r, line in enumerate(rows):
        bold = r < len(header) or (total and r == len(rows) - 1)
        if r < len(header):  # the header rows repeat on every page and never end a page
            t.rows[r]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        t.rows[r]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for c in range(width):
            cell = t.cell(r, c)
            cell.text = line[c] if c < len(line) else ""
            p = cell.paragraphs[0]
            p.paragraph_format.keep_with_next = r < len(header)
            if c >= first_text_columns:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            for run in p.runs:
                run.font.size = Pt(TABLE_PT)
                run.bold = bool(bold)
    doc.add_paragraph()
    return t


def _without_empty_columns(header: list[list[str]], body: list[list[str]], total: list[str]):
    """``header, body, total`` without the figure columns empty in every body and total row:
    the anonymous table's Kvinnor and Män when anonyma.csv has no Kön column (the workbook
    leaves them empty, not 0) print as Insats | Antal, the workbook's older two-column table."""
    width = max(len(r) for r in [*header, *body, total])
    keep = [c for c in range(width) if c == 0 or any(c < len(r) and r[c] for r in [*body, total])]

    def cut(rows: list[list[str]]) -> list[list[str]]:
        return [[r[c] if c < len(r) else "" for c in keep] for r in rows]

    return cut(header), cut(body), cut([total])[0] if total else total


def _number_cm(rows: list[list[str]], first_text_columns: int) -> float:
    """The width (cm) of a table's number columns: their longest word ("Ackumulerat"), 1.8–2.6 cm."""
    words = [w for ln in rows for x in ln[first_text_columns:] for w in x.split()]
    return min(2.6, max(1.8, CM_PER_CHAR * max(map(len, words), default=0) + 0.3))


def _too_wide(ws, width: int) -> bool:
    """Whether a sheet's tables need more than a portrait page's width: the leading text
    columns (no figure anywhere below) at their longest word, the others as number columns."""
    lines = [line for row in ws.iter_rows(max_col=width) if any(line := [show(c.value, c.number_format) for c in row])]
    texts = max(1, next((c for c in range(width) if any(_figure(ln[c]) for ln in lines if c < len(ln))), 1))
    words = [min(4.5, CM_PER_CHAR * max([len(w) for ln in lines if c < len(ln) for w in ln[c].split()] + [4]) + 0.3)
             for c in range(texts)]
    return sum(words) + _number_cm(lines, texts) * (width - texts) > PORTRAIT_CM


def _page_cm(doc) -> float:
    """The width (cm) between the margins of the document's current (last) section."""
    sec = doc.sections[-1]
    return (sec.page_width - sec.left_margin - sec.right_margin) / 360000


def _orient(doc, *, landscape: bool) -> None:
    """Continue on landscape (or portrait) A4 pages: a new section, on a new page, when the
    current one is the other way; header and footer carry on (linked to the previous)."""
    sec = doc.sections[-1]
    if (sec.orientation == WD_ORIENT.LANDSCAPE) == landscape:
        return
    new = doc.add_section(WD_SECTION.NEW_PAGE)
    new.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    new.page_width, new.page_height = sec.page_height, sec.page_width


def _text_widths(rows: list[list[str]], n: int, total_cm: float) -> list[float]:
    """The widths (cm) of a table's ``n`` text columns sharing ``total_cm``: each first gets
    its longest word (so "individinriktad" is not broken), the rest goes to the columns with
    long texts (an insats name) in proportion to their longest text."""
    if n == 1:
        return [total_cm]
    cells = [[ln[c] for ln in rows if c < len(ln)] for c in range(n)]
    word = [min(4.5, CM_PER_CHAR * max([len(w) for x in col for w in x.split()] + [4]) + 0.3) for col in cells]
    if sum(word) >= total_cm:
        return [total_cm * w / sum(word) for w in word]
    longest = [max([len(x) for x in col] + [1]) for col in cells]
    extra = total_cm - sum(word)
    return [w + extra * k / sum(longest) for w, k in zip(word, longest)]


#: Width of one character of 9 pt table text, cm, on the safe side (bold, a wide fallback font).
CM_PER_CHAR = 0.22
#: Width between the margins of a portrait A4 page (21 cm − 2 × 2 cm), cm.
PORTRAIT_CM = 17.0
#: Left and right cell margins of the report's tables, twips (Word's default is 108 = 0.19 cm).
CELL_MARGIN_TWIPS = 57


def _cell_margins(table, twips: int) -> None:
    """The table's default left and right cell margins (``w:tblCellMar``)."""
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(twips))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    table._tbl.tblPr.append(mar)


def _footnote_marks(comments: list[str]) -> list[str]:
    """The seed marks a commented row with '*' and prints the comment under the table; with
    several comments: '*1', '*2', …"""
    n = sum(1 for c in comments if c)
    marks, k = [], 0
    for c in comments:
        if c:
            k += 1
            marks.append("*" if n == 1 else f"*{k}")
        else:
            marks.append("")
    return marks


def _summary(doc, values: WorkbookValues) -> None:
    """The Sammanställning table (:data:`finsam.blocks.SUMMARY`'s columns): its three header
    rows and lines (:data:`finsam.layout.SUMMARY_LINES`), then the equity lines under their
    heading (``fs_eget_kapital``, ``fs_eget_kapital_prognos``); every non-empty row."""
    head, lines, _ = table_rows(values, SUMMARY, SUMMARY_LINES, header_rows=3)
    equity_head, equity, _ = table_rows(values, SUMMARY, "fs_eget_kapital", header_rows=1)
    forecast = table_rows(values, SUMMARY, "fs_eget_kapital_prognos", header_rows=0)[1]
    _table(doc, head, [r for r in [*lines, *equity_head, *equity, *forecast] if any(r)], [])


def _figure(text: str) -> bool:
    """Whether a cell as printed (:func:`finsam.report.show`) is a figure: "-3 048", "50", "16 %"."""
    return bool(re.fullmatch(r"-?[\d\s\u00a0]+(,\d+)?( ?%)?", text))


def _blocks(values: WorkbookValues, sheet: str) -> list[tuple[int, int]]:
    """First and last row of each named block of ``sheet`` that spans rows (the block
    contract's input rows, e.g. ``fs_insatser``: 30 rows, most of them empty; the table's
    total row is the row under it)."""
    out = []
    for name in values.names():
        where, r0, _, r1, _ = values.area(name)
        if where == sheet and r1 > r0:
            out.append((r0, r1))
    return out


def _sheet(doc, values: WorkbookValues, sheet: str) -> None:
    """A further table sheet as it stands: its title rows as headings, every table as one
    table — its header rows (a row of one text among them, "efter avslutsorsak", is a header
    row), its rows, and its total row (the row under a named block, bold) even when empty
    rows of the block stand between; other empty rows end a table, and a row of one text in
    column A outside a table is a paragraph. A table whose named block is empty is left out
    (no source: the strukturövergripande table without struktur.csv)."""
    ws = values.wb[sheet]
    width = ws.max_column
    _orient(doc, landscape=_too_wide(ws, width))  # a wide sheet (Uppföljning Finsam) on landscape pages
    doc.add_heading(sheet, level=1)
    blocks = _blocks(values, sheet)
    inside = {r for r0, r1 in blocks for r in range(r0, r1 + 1)}
    total_rows = {r1 + 1: (r0, r1) for r0, r1 in blocks}
    run: list[list[str]] = []
    rows_of_run: list[int] = []
    total: list[str] = []
    block: tuple[int, int] | None = None

    def flush() -> None:
        nonlocal total, block
        # a table whose named block is empty has no source (struktur without struktur.csv): left out
        if run and not (block and not any(block[0] <= r <= block[1] for r in rows_of_run)):
            # header: the leading rows without a figure (heading, sub, unit: at most three);
            # text columns: the leading columns without a figure below the header
            head = next((n for n, line in enumerate(run[:3]) if any(map(_figure, line))),
                        min(3, len(run) if total else len(run) - 1))
            head = head if total else max(head, 1)
            body = run[head:]
            texts = next((c for c in range(len(run[0])) if any(_figure(ln[c]) for ln in [*body, total] if c < len(ln))), 1)
            _table(doc, run[:head], body, total, first_text_columns=max(texts, 1))
        run.clear()
        rows_of_run.clear()
        total, block = [], None

    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        r = row[0].row
        line = [show(c.value, c.number_format) for c in row[:width]]
        while line and not line[-1]:
            line.pop()
        if not line:
            if r not in inside:
                flush()
        elif total:  # the table ended with its total row
            flush()
        if not line:
            continue
        if r in total_rows and run:
            total, block = line, total_rows[r]
        elif len(line) == 1 and run and len(run) < 3 and not any(_figure(x) for ln in run for x in ln):
            run.append(line)  # a sub-heading among the header rows ("efter avslutsorsak")
            rows_of_run.append(r)
        elif len(line) == 1:
            flush()
            p = doc.add_paragraph(line[0])
            p.paragraph_format.keep_with_next = True  # a title or note stays with the table below it
            if row[0].font is not None and row[0].font.b:
                p.runs[0].bold = True
        else:
            run.append(line)
            rows_of_run.append(r)
    flush()


def _picture(doc, png: Path | None) -> None:
    if png is not None:
        doc.add_picture(str(png), width=Cm(16))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
