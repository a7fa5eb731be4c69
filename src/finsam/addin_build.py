"""Build ``finsam_addin.xlam``, the Excel ribbon add-in, without Excel.

The add-in is xlwings' ribbon add-in template (``quickstart_addin_ribbon.xlam``, the file
``xlwings quickstart NAME --addin --ribbon`` copies to ``NAME/NAME.xlam`` next to a
``NAME.py``) with three parts of its zip package changed and every other part copied byte
for byte (the VBA project ``xl/vbaProject.bin`` included, so no Excel is needed)::

    customUI/customUI.xml     ribbon: replaced by addin_files/customUI.xml
    xl/workbook.xml           sheet "_myaddin.conf" renamed "myaddin.conf" (activates it)
    xl/worksheets/sheet1.xml  that sheet: values for Interpreter_Win, Interpreter_Mac,
                              PYTHONPATH in column B (inline strings, so
                              xl/sharedStrings.xml stays as it is)

What the template's VBA (xlwings 0.37.8, read with ``olevba``) does, and why the names
here are what they are:

* The ribbon callback is ``RibbonMyAddin.RunMain(control As IRibbonControl)``. It runs
  ``RunPython "import <m>; <m>.main()"`` where ``<m>`` is ``ThisWorkbook.Name`` up to its
  last dot, so ``finsam_addin.xlam`` imports ``finsam_addin`` and calls ``main()``. The
  file must keep that name; :data:`ADDIN_MODULE` is copied next to it.
* Module ``xlwings`` declares ``PROJECT_NAME = "myaddin"``; ``GetConfig`` reads the sheet
  ``PROJECT_NAME & ".conf"`` of the active workbook, then of the add-in, then the files
  ``myaddin.conf`` next to the active workbook and ``%USERPROFILE%\\.myaddin\\myaddin.conf``
  (macOS: ``~/Library/Containers/com.microsoft.Excel/Data/myaddin.conf``). The sheet holds
  keys in column A from A1 down without gaps, values in column B; keys are compared in
  upper case. Changing ``PROJECT_NAME`` would mean editing VBA source, which needs Excel,
  so the sheet keeps the template's name.
* ``Interpreter_Win``/``Interpreter_Mac`` is the Python that runs the command;
  ``PYTHONPATH`` (``;``-separated) is prepended to ``sys.path`` by
  ``xlwings.utils.prepare_sys_path``, after the folders of the active workbook and of the
  add-in itself.
* The VBA module is made for one xlwings version (``XLWINGS_VERSION = "0.37.8"``, DLL and
  AppleScript names carry it), so the build refuses any other installed xlwings.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import zipfile
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from finsam.errors import FinsamError

XLWINGS_VERSION = "0.37.8"
"""The xlwings version whose template (and its VBA module) the add-in is built from."""

TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"
ADDIN_NAME = "finsam_addin.xlam"
ADDIN_MODULE = "finsam_addin.py"
"""The module RunMain imports: the add-in's file name with ``.py`` for ``.xlam``."""

VBA_PROJECT_NAME = "myaddin"
"""``PROJECT_NAME`` in the template's VBA module ``xlwings``."""
CONFIG_SHEET = f"{VBA_PROJECT_NAME}.conf"
TEMPLATE_CONFIG_SHEET = f"_{CONFIG_SHEET}"
"""The template ships the config sheet inactive, under an underscore-prefixed name."""

RIBBON_PART = "customUI/customUI.xml"
WORKBOOK_PART = "xl/workbook.xml"
CONFIG_SHEET_PART = "xl/worksheets/sheet1.xml"
SHARED_STRINGS_PART = "xl/sharedStrings.xml"
CHANGED_PARTS = frozenset({RIBBON_PART, WORKBOOK_PART, CONFIG_SHEET_PART})
"""The only zip members that differ from the template; all others are copied unchanged."""


class AddinBuildError(FinsamError):
    """The add-in cannot be built (wrong xlwings version, template missing or changed)."""


def build_addin(
    out_dir: Path,
    *,
    interpreter: str | None = None,
    pythonpath: str | None = None,
) -> Path:
    """Write ``finsam_addin.xlam`` and ``finsam_addin.py`` into ``out_dir``; return the .xlam.

    Args:
        out_dir: folder to write to; created if missing; existing files are overwritten.
        interpreter: Python executable the add-in runs, written to both ``Interpreter_Win``
            and ``Interpreter_Mac``; default :data:`sys.executable` of this process.
        pythonpath: folders (``;``-separated) Python should import from, written to
            ``PYTHONPATH``; default ``out_dir`` (absolute), where ``finsam_addin.py`` goes.

    Raises:
        AddinBuildError: the installed xlwings is not :data:`XLWINGS_VERSION`, or its
            template is missing or not shaped as expected, or ``out_dir`` cannot be
            written (e.g. the add-in is open in Excel on Windows).
    """
    template = template_path()
    out_dir = Path(out_dir).resolve()
    settings = {
        "Interpreter_Win": interpreter if interpreter is not None else sys.executable,
        "Interpreter_Mac": interpreter if interpreter is not None else sys.executable,
        "PYTHONPATH": pythonpath if pythonpath is not None else str(out_dir),
    }
    files = resources.files("finsam") / "addin_files"
    ribbon = (files / "customUI.xml").read_bytes()

    with zipfile.ZipFile(template) as zin:
        parts = {info.filename: zin.read(info) for info in zin.infolist()}
        infos = zin.infolist()
    missing = CHANGED_PARTS - parts.keys()
    if missing:
        raise _template_changed(template, f"delar saknas: {', '.join(sorted(missing))}")

    parts[RIBBON_PART] = ribbon
    parts[WORKBOOK_PART] = _activate_config_sheet(parts[WORKBOOK_PART], template)
    shared = _shared_strings(parts.get(SHARED_STRINGS_PART, b""))
    parts[CONFIG_SHEET_PART] = _fill_config_sheet(
        parts[CONFIG_SHEET_PART], shared, settings, template
    )

    target = out_dir / ADDIN_NAME
    partial = out_dir / f"{ADDIN_NAME}.tmp"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(partial, "w") as zout:
            for info in infos:
                zout.writestr(info, parts[info.filename])
        os.replace(partial, target)  # no half-written add-in if anything fails
        with resources.as_file(files / ADDIN_MODULE) as module:
            shutil.copyfile(module, out_dir / ADDIN_MODULE)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise AddinBuildError(
            f"Kunde inte skriva tillägget i {out_dir} ({err.strerror or err}). "
            "Stäng Excel om tillägget är öppet där, kontrollera att du får skriva i mappen "
            "och försök igen."
        ) from err
    return target


def template_path() -> Path:
    """The ribbon add-in template inside the installed xlwings, after the version check."""
    import xlwings

    if xlwings.__version__ != XLWINGS_VERSION:
        raise AddinBuildError(
            f"Tillägget byggs från xlwings {XLWINGS_VERSION}, men xlwings "
            f"{xlwings.__version__} är installerat. Installera rätt version "
            f"(pip install xlwings=={XLWINGS_VERSION}) och försök igen."
        )
    path = Path(xlwings.__file__).parent / TEMPLATE_NAME
    if not path.is_file():
        raise AddinBuildError(
            f"Mallen {TEMPLATE_NAME} saknas i xlwings-installationen ({path.parent}). "
            f"Installera om xlwings (pip install --force-reinstall xlwings=={XLWINGS_VERSION})."
        )
    return path


def _activate_config_sheet(xml: bytes, template: Path) -> bytes:
    """Rename the sheet ``_myaddin.conf`` to ``myaddin.conf`` (a text edit: nothing else moves)."""
    old = f'name="{TEMPLATE_CONFIG_SHEET}"'.encode()
    if xml.count(old) != 1:
        raise _template_changed(template, f"bladet {TEMPLATE_CONFIG_SHEET} finns inte en gång")
    return xml.replace(old, f'name="{CONFIG_SHEET}"'.encode())


_SI = re.compile(rb"<si>(.*?)</si>", re.S)
_T = re.compile(rb"<t(?:\s[^>]*)?>(.*?)</t>", re.S)
_ROW = re.compile(rb'<row r="(\d+)"([^>]*)>(.*?)</row>', re.S)
_CELL_A = re.compile(rb'<c r="A\d+"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_CELL_B = re.compile(rb'<c r="B\d+"[^>]*?(?:/>|>.*?</c>)', re.S)


def _shared_strings(xml: bytes) -> list[str]:
    return [
        "".join(t.decode() for t in _T.findall(si)) for si in _SI.findall(xml)
    ]


def _fill_config_sheet(
    xml: bytes, shared: list[str], settings: dict[str, str], template: Path
) -> bytes:
    """Put each setting's value in column B of the row whose A cell holds its key.

    The value is an inline string cell with the A cell's style; any B cell the row had is
    replaced. Only the rows of the keys change.
    """
    found: set[str] = set()

    def fill(row: re.Match) -> bytes:
        number, attrs, body = row.group(1), row.group(2), row.group(3)
        cell = _CELL_A.search(body)
        if not cell or b't="s"' not in cell.group(1):
            return row.group(0)
        value = re.search(rb"<v>(\d+)</v>", cell.group(2) or b"")
        key = shared[int(value.group(1))] if value else None
        if key not in settings:
            return row.group(0)
        found.add(key)
        style = re.search(rb'\ss="(\d+)"', cell.group(1))
        style_attr = b' s="' + style.group(1) + b'"' if style else b""
        text = escape(settings[key]).encode()
        b_cell = (
            b'<c r="B' + number + b'"' + style_attr + b' t="inlineStr"><is><t xml:space="preserve">'
            + text + b"</t></is></c>"
        )
        body = _CELL_B.sub(b"", body)
        body = body[: cell.end()] + b_cell + body[cell.end():]
        attrs = re.sub(rb'spans="\d+:\d+"', b'spans="1:2"', attrs)
        return b'<row r="' + number + b'"' + attrs + b">" + body + b"</row>"

    filled = _ROW.sub(fill, xml)
    missing = settings.keys() - found
    if missing:
        raise _template_changed(template, f"nycklar saknas: {', '.join(sorted(missing))}")
    return filled


def _template_changed(template: Path, detail: str) -> AddinBuildError:
    return AddinBuildError(
        f"Mallen {template} ser inte ut som i xlwings {XLWINGS_VERSION} ({detail}). "
        f"Installera xlwings=={XLWINGS_VERSION} och bygg tillägget igen."
    )
