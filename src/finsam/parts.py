"""The workbook's package parts before and after openpyxl writes it: what is carried over,
what would be lost.

An ``.xlsx`` is a zip of parts. openpyxl reads the ones it understands and writes its own
package, so a part a person (or Excel, SharePoint, Power Query, a signed macro) added can
vanish. :func:`carry_over` copies back what can be copied safely; :func:`lost_parts`
compares the FULL part list of the original with what will be written and names every part
that would vanish, so :func:`finsam.workbook.save_atomic` stops before anything is written.

Carried over (copied byte for byte from the original, with their relationships and content
types):

- ``customXml/…``: SharePoint column values and content-type schema, sensitivity-label
  data, Power Query's query definitions (``DataMashup``) — data parts no cell refers to;
- ``xl/_rels/vbaProject.bin.rels`` and the ``xl/vbaProjectSignature*.bin`` content types:
  the signature of a signed VBA project (it signs the VBA project, which openpyxl keeps
  byte for byte, not the sheets).

``docProps/custom.xml`` (custom document properties, the sensitivity label's
``MSIP_Label_…``) is kept by openpyxl itself; its property names are compared.

Not compared by name because openpyxl writes them again (perhaps renumbered), and counted
instead (:data:`COUNTED`): worksheets, comments, charts, images, drawings. Dropped without a
word (:data:`REGENERATED`): what Excel rebuilds on its own (``calcChain.xml``, printer
driver settings, the preview thumbnail, a chart's style and colour palette parts). Everything else that would vanish is named, e.g.
``xl/connections.xml`` (Power Query connections), ``xl/embeddings/…`` (embedded objects).
"""

from __future__ import annotations

import io
import re
import zipfile

#: Parts openpyxl always writes itself (structure, not content a person added).
STRUCTURE = re.compile(
    r"^(\[Content_Types\]\.xml|(.*/)?_rels/.*\.rels|docProps/(app|core)\.xml|xl/workbook\.xml|xl/styles\.xml"
    r"|xl/theme/theme\d*\.xml|xl/sharedStrings\.xml)$"
)
#: Parts Excel rebuilds by itself; losing them changes nothing a person sees.
REGENERATED = re.compile(
    r"^(xl/calcChain\.xml|xl/printerSettings/.*|docProps/thumbnail\.\w+|xl/charts/(style|colors)\d*\.xml)$"
)
#: Parts openpyxl writes again under another name; what they hold is judged by :data:`COUNTED`
#: (the comments' VML drawings become ``commentsDrawing<N>.vml``).
RENUMBERED = re.compile(r"^xl/drawings/\w+\.vml$")
#: Parts copied back from the original by :func:`carry_over`.
CARRIED = re.compile(r"^(customXml/.*|xl/_rels/vbaProject\.bin\.rels)$")

#: What openpyxl writes again under other names, counted per kind: (Swedish label, part
#: name pattern, text counted inside the part or "" to count the parts). Any count that
#: drops is a loss. Comments and their VML are rewritten by openpyxl (kept), charts and
#: images are read back by openpyxl 3.1 (kept); shapes, Excel 2010 data validation /
#: conditional formats (``x14`` in ``extLst``), sparklines, slicers, threaded comments,
#: form controls and a ribbon part (``customUI``) are not.
COUNTED: list[tuple[str, str, str]] = [
    ("kalkylblad", r"^xl/worksheets/sheet\d*\.xml$", ""),
    ("diagramblad", r"^xl/chartsheets/sheet\d*\.xml$", ""),
    ("diagram", r"^xl/charts/chart\d*\.xml$", ""),
    ("bilder", r"^xl/media/", ""),
    ("ritytor", r"^xl/drawings/drawing\d*\.xml$", ""),
    ("former och textrutor", r"^xl/drawings/drawing\d*\.xml$", "<xdr:sp>|<xdr:sp |<xdr:cxnSp"),
    ("datavalidering (Excel 2010)", r"^xl/worksheets/sheet\d*\.xml$", "<x14:dataValidation[ >]"),
    ("villkorsstyrd formatering (Excel 2010)", r"^xl/worksheets/sheet\d*\.xml$", "<x14:conditionalFormatting[ >]"),
    ("minidiagram (sparklines)", r"^xl/worksheets/sheet\d*\.xml$", "<x14:sparklineGroup[ >]"),
    ("kommentarer", r"^xl/comments\d*\.xml$|^xl/comments/comment\d*\.xml$", "<comment "),
    ("trådade kommentarer", r"^xl/threadedComments/", ""),
    ("personer i trådade kommentarer", r"^xl/persons/", ""),
    ("utsnitt (slicers)", r"^xl/slicers/|^xl/slicerCaches/", ""),
    ("tidslinjer", r"^xl/timelines/|^xl/timelineCaches/", ""),
    ("formulärkontroller", r"^xl/ctrlProps/|^xl/activeX/", ""),
    ("pivottabeller", r"^xl/pivotTables/|^xl/pivotCache/", ""),
    ("tabeller", r"^xl/tables/", ""),
    ("externa länkar", r"^xl/externalLinks/externalLink\d*\.xml$", ""),
    ("menyflikar (customUI)", r"^customUI/customUI(14)?\.xml$", ""),
    ("makron (VBA)", r"^xl/vbaProject\.bin$", ""),
    ("VBA-signatur", r"^xl/vbaProjectSignature\w*\.bin$", ""),
]

#: How a part that would vanish is described, by its name (first match wins).
LABELS: list[tuple[str, str]] = [
    (r"^xl/connections\.xml$", "dataanslutningar (Power Query)"),
    (r"^xl/queryTables/", "frågetabeller (Power Query)"),
    (r"^xl/embeddings/", "inbäddade objekt"),
    (r"^xl/model/", "datamodell (Power Pivot)"),
    (r"^xl/metadata\.xml$", "metadata för dynamiska matrisformler"),
    (r"^xl/richData/", "bilder i celler och datatyper"),
    (r"^xl/webextensions/", "Office-tillägg i arbetsboken"),
    (r"^xl/customProperty\d*\.bin$", "egna bladegenskaper"),
    (r"^docProps/custom\.xml$", "egna dokumentegenskaper (t.ex. känslighetsetikett)"),
    (r"^customXml/", "SharePoint- och etikettmetadata (customXml)"),
]

_REL = re.compile(rb"<Relationship\b[^>]*?/>", re.S)
_OVERRIDE = re.compile(rb"<Override\b[^>]*?/>", re.S)
_DEFAULT = re.compile(rb"<Default\b[^>]*?/>", re.S)
_PROPERTY = re.compile(rb"<(?:\w+:)?property\b[^>]*?\bname=\"([^\"]*)\"")


def _attr(element: bytes, name: bytes) -> bytes | None:
    m = re.search(rb"\b" + name + rb"=\"([^\"]*)\"", element)
    return m.group(1) if m else None


def counts(z: zipfile.ZipFile) -> dict[str, int]:
    """Count, per kind of :data:`COUNTED`, what the open package ``z`` holds."""
    out = {label: 0 for label, _, _ in COUNTED}
    names = z.namelist()
    for label, part, inside in COUNTED:
        hits = [n for n in names if re.search(part, n)]
        if not inside:
            out[label] = len(hits)
            continue
        for n in hits:
            out[label] += len(re.findall(inside, z.read(n).decode("utf-8", errors="replace")))
    return out


def _custom_properties(z: zipfile.ZipFile) -> set[str]:
    if "docProps/custom.xml" not in z.namelist():
        return set()
    return {m.decode("utf-8", errors="replace") for m in _PROPERTY.findall(z.read("docProps/custom.xml"))}


def _label(name: str) -> str:
    for pattern, label in LABELS:
        if re.search(pattern, name):
            return f"{name} ({label})"
    return name


def lost_parts(original: bytes, written: bytes) -> list[str]:
    """Swedish descriptions of what the package ``original`` holds and ``written`` lacks:
    every part name that vanishes (except :data:`STRUCTURE`, :data:`REGENERATED` and the
    renumbered kinds of :data:`COUNTED`), every count of :data:`COUNTED` that drops, and
    every custom document property that vanishes. Empty when nothing is lost.

    Args:
        original: the workbook file as read (bytes of the zip).
        written: the file about to be saved (after :func:`carry_over`).
    """
    with zipfile.ZipFile(io.BytesIO(original)) as zb, zipfile.ZipFile(io.BytesIO(written)) as za:
        before, after = set(zb.namelist()), set(za.namelist())
        counted = [re.compile(p) for _, p, _ in COUNTED]
        lost = [
            _label(n) for n in sorted(before - after)
            if not STRUCTURE.match(n) and not REGENERATED.match(n) and not RENUMBERED.match(n) and not any(p.search(n) for p in counted)
            # custom properties are judged by name below (an empty part, as LibreOffice writes one, loses nothing)
            and n != "docProps/custom.xml"
        ]
        cb, ca = counts(zb), counts(za)
        lost += [f"{label} ({cb[label] - ca[label]} st)" for label in cb if ca[label] < cb[label]]
        props = sorted(_custom_properties(zb) - _custom_properties(za))
        if props:
            lost.append(f"dokumentegenskaper {', '.join(props)}")
    return lost


def carry_over(original: bytes, written: bytes) -> bytes:
    """``written`` with the parts of :data:`CARRIED` copied back from ``original`` (when
    ``written`` lacks them), together with their relationships (``customXml`` from the
    workbook part; the VBA signature from ``vbaProject.bin``) and content types. Returns
    ``written`` itself when there is nothing to carry.
    """
    with zipfile.ZipFile(io.BytesIO(original)) as zb, zipfile.ZipFile(io.BytesIO(written)) as za:
        have = set(za.namelist())
        carry = [n for n in zb.namelist() if CARRIED.match(n) and n not in have]
        if "xl/vbaProject.bin" not in have:
            carry = [n for n in carry if not n.startswith("xl/_rels/vbaProject")]
        if "xl/_rels/vbaProject.bin.rels" in carry:  # the signature parts it points to
            carry += [n for n in zb.namelist() if re.match(r"xl/vbaProjectSignature\w*\.bin$", n) and n not in have]
        if not carry:
            return written
        moved = {"/" + n for n in carry}
        if "xl/_rels/vbaProject.bin.rels" in carry:
            moved |= {"/" + n for n in zb.namelist() if re.match(r"xl/vbaProjectSignature\w*\.bin$", n)}
        rels = [r for r in _REL.findall(zb.read("xl/_rels/workbook.xml.rels"))
                if (_attr(r, b"Type") or b"").endswith(b"/customXml")] if "xl/_rels/workbook.xml.rels" in zb.namelist() else []
        types = zb.read("[Content_Types].xml")
        overrides = [o for o in _OVERRIDE.findall(types) if (_attr(o, b"PartName") or b"").decode() in moved]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zo:
            for item in za.infolist():
                data = za.read(item.filename)
                if item.filename == "xl/_rels/workbook.xml.rels" and rels:
                    taken = set(re.findall(rb'\bId="([^"]*)"', data))
                    extra = []
                    for i, r in enumerate(rels, start=1):
                        rid = b"rIdFinsamXml%d" % i
                        while rid in taken:
                            rid += b"x"
                        extra.append(re.sub(rb'\bId="[^"]*"', b'Id="' + rid + b'"', r))
                    data = data.replace(b"</Relationships>", b"".join(extra) + b"</Relationships>")
                if item.filename == "[Content_Types].xml":
                    present = {(_attr(o, b"PartName") or b"") for o in _OVERRIDE.findall(data)}
                    extensions = {(_attr(d, b"Extension") or b"").lower() for d in _DEFAULT.findall(data)}
                    add = [o for o in overrides if _attr(o, b"PartName") not in present]
                    for d in _DEFAULT.findall(types):
                        ext = (_attr(d, b"Extension") or b"").lower()
                        if ext not in extensions and any(n.lower().endswith("." + ext.decode()) for n in carry):
                            add.append(d)
                    data = data.replace(b"</Types>", b"".join(add) + b"</Types>")
                zo.writestr(item, data)
            for n in carry:
                zo.writestr(zb.getinfo(n), zb.read(n))
        return out.getvalue()


__all__ = ["COUNTED", "LABELS", "carry_over", "counts", "lost_parts"]
