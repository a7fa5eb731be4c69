"""Build ``finsam_addin.xlam``, the Excel ribbon add-in, without Excel.

The add-in is xlwings' ribbon add-in template (``quickstart_addin_ribbon.xlam``, the file
``xlwings quickstart NAME --addin --ribbon`` copies to ``NAME/NAME.xlam`` next to a
``NAME.py``), renamed as xlwings' "Renaming your add-in" (docs.xlwings.org, *Custom
Add-ins*) says, with four parts of its zip package changed and every other part copied
byte for byte, so no Excel is needed::

    xl/vbaProject.bin         VBA project "MyAddin" -> "finsam", module RibbonMyAddin ->
                              RibbonFinsam (plus Sub RunReport, the "Skapa rapport"
                              button's copy of RunMain), in module xlwings:
                              PROJECT_NAME "finsam", the interpreter defaults and two
                              messages in Swedish
                              (finsam.vba_project edits the file as MS-OVBA/MS-CFB say)
    customUI/customUI.xml     ribbon: replaced by addin_files/customUI.xml
    xl/workbook.xml           sheet "_myaddin.conf" renamed "_finsam.conf" (inactive), or
                              "finsam.conf" (active) when --interpreter/--pythonpath are
                              given; the template author's folder (x15ac:absPath) removed
    xl/worksheets/sheet1.xml  that sheet: the values given, in column B (inline strings,
                              so xl/sharedStrings.xml stays as it is)

What the template's VBA (xlwings 0.37.8, read with ``olevba``) does, and why the names
here are what they are:

* The ribbon callback is ``RibbonFinsam.RunMain(control As IRibbonControl)``. It runs
  ``RunPython "import <m>; <m>.main()"`` where ``<m>`` is ``ThisWorkbook.Name`` up to its
  last dot, so ``finsam_addin.xlam`` imports ``finsam_addin`` and calls ``main()``. The
  file must keep that name; :data:`ADDIN_MODULE` is copied next to it (xlwings puts the
  add-in's own folder on ``sys.path``).
* ``GetConfig`` reads a key from the sheet ``PROJECT_NAME & ".conf"`` of the active
  workbook, then of the add-in, then the files ``finsam.conf`` next to the active workbook
  and the user's (:data:`USER_CONFIG_WIN`, :data:`USER_CONFIG_MAC`), then the default;
  ``%VAR%`` (Windows) and a leading ``$HOME`` (macOS) are expanded. A key present on a
  sheet wins even when empty, so by default the add-in's sheet stays inactive and the
  interpreter comes from the user's ``finsam.conf`` or the default
  :data:`DEFAULT_INTERPRETER_WIN` / :data:`DEFAULT_INTERPRETER_MAC` (a virtual environment
  that the installation guide creates). Nothing of the computer that built the add-in is
  written into it.
* The VBA module is made for one xlwings version (``XLWINGS_VERSION = "0.37.8"``, DLL and
  AppleScript names carry it), so the build refuses any other installed xlwings, and
  ``finsam_addin.main()`` refuses to run with another xlwings.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from finsam.errors import FinsamError, os_error_text

XLWINGS_VERSION = "0.37.8"
"""The xlwings version whose template (and its VBA module) the add-in is built from."""

TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"
ADDIN_NAME = "finsam_addin.xlam"
ADDIN_MODULE = "finsam_addin.py"
"""The module RunMain imports: the add-in's file name with ``.py`` for ``.xlam``."""

PROJECT_NAME = "finsam"
"""``PROJECT_NAME`` in the VBA module ``xlwings`` and the VBA project's name."""
TEMPLATE_PROJECT_NAME = "myaddin"
RIBBON_MODULE = "RibbonFinsam"
TEMPLATE_RIBBON_MODULE = "RibbonMyAddin"
CONFIG_SHEET = f"{PROJECT_NAME}.conf"
INACTIVE_CONFIG_SHEET = f"_{CONFIG_SHEET}"
TEMPLATE_CONFIG_SHEET = f"_{TEMPLATE_PROJECT_NAME}.conf"
"""The template ships the config sheet inactive, under an underscore-prefixed name."""

DEFAULT_INTERPRETER_WIN = r"%LOCALAPPDATA%\finsam\venv\Scripts\python.exe"
DEFAULT_INTERPRETER_MAC = "$HOME/finsam/venv/bin/python"
"""The Python the add-in runs when no ``finsam.conf`` names one (the guide's venv)."""
USER_CONFIG_WIN = r"%USERPROFILE%\.finsam\finsam.conf"
USER_CONFIG_MAC = "~/Library/Containers/com.microsoft.Excel/Data/finsam.conf"

NO_PYTHON = (
    "finsam hittar ingen Python: {path} finns inte. Installera Python och finsam enligt "
    "installationsguiden (avsnittet Installera), eller skriv rätt sökväg vid Interpreter_Win "
    "i filen " + USER_CONFIG_WIN + "."
)
"""Shown by the add-in (VBA) when the interpreter file is missing; ``{path}`` is the path."""
NO_APPLESCRIPT = (
    "Excel får inte starta Python. Kör en gång i Terminal: xlwings runpython install "
    "(med den Python som har finsam), och försök igen."
)
"""Shown by the add-in (VBA, macOS) when xlwings' AppleScript is not installed."""

RIBBON_PART = "customUI/customUI.xml"
WORKBOOK_PART = "xl/workbook.xml"
CONFIG_SHEET_PART = "xl/worksheets/sheet1.xml"
VBA_PART = "xl/vbaProject.bin"
SHARED_STRINGS_PART = "xl/sharedStrings.xml"
CHANGED_PARTS = frozenset({RIBBON_PART, WORKBOOK_PART, CONFIG_SHEET_PART, VBA_PART})
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
        interpreter: Python executable the add-in runs, written to ``Interpreter_Win`` and
            ``Interpreter_Mac`` on the add-in's config sheet (which it then activates, and
            which then wins over the user's ``finsam.conf``). Default: none written; the
            user's ``finsam.conf`` or :data:`DEFAULT_INTERPRETER_WIN`/``_MAC`` applies.
        pythonpath: folders (``;``-separated) Python should import from, written to
            ``PYTHONPATH`` (also activates the sheet). Default: none; the add-in's folder,
            where ``finsam_addin.py`` goes, is on ``sys.path`` anyway.

    Raises:
        AddinBuildError: the installed xlwings is not :data:`XLWINGS_VERSION`, or its
            template is missing or not shaped as expected, or ``out_dir`` cannot be
            written (e.g. the add-in is open in Excel on Windows).
    """
    template = template_path()
    out_dir = Path(out_dir).resolve()
    settings = {}
    if interpreter is not None:
        settings["Interpreter_Win"] = settings["Interpreter_Mac"] = interpreter
    if pythonpath is not None:
        settings["PYTHONPATH"] = pythonpath
    files = resources.files("finsam") / "addin_files"
    ribbon = (files / "customUI.xml").read_bytes()

    with zipfile.ZipFile(template) as zin:
        parts = {info.filename: zin.read(info) for info in zin.infolist()}
        infos = zin.infolist()
    missing = CHANGED_PARTS - parts.keys()
    if missing:
        raise _template_changed(template, f"delar saknas: {', '.join(sorted(missing))}")

    parts[RIBBON_PART] = ribbon
    parts[VBA_PART] = _renamed_vba(parts[VBA_PART], template)
    parts[WORKBOOK_PART] = _rename_config_sheet(parts[WORKBOOK_PART], template,
                                                CONFIG_SHEET if settings else INACTIVE_CONFIG_SHEET)
    if settings:
        shared = _shared_strings(parts.get(SHARED_STRINGS_PART, b""))
        parts[CONFIG_SHEET_PART] = _fill_config_sheet(parts[CONFIG_SHEET_PART], shared, settings, template)

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
            f"Kunde inte skriva tillägget i {out_dir} ({os_error_text(err)}). "
            "Stäng Excel om tillägget är öppet där, kontrollera att du får skriva i mappen "
            "och försök igen."
        ) from err
    return target


def _vba_string(text: str) -> str:
    """``text`` as a VBA string literal (quotes doubled)."""
    return '"' + text.replace('"', '""') + '"'


#: (template text, replacement) in the VBA module ``xlwings``; each must occur exactly once.
VBA_EDITS = (
    (f'Public Const PROJECT_NAME As String = "{TEMPLATE_PROJECT_NAME}"',
     f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"'),
    ('interpreter = GetConfig("INTERPRETER_WIN", "")',
     f'interpreter = GetConfig("INTERPRETER_WIN", {_vba_string(DEFAULT_INTERPRETER_WIN)})'),
    ('interpreter = GetConfig("INTERPRETER_MAC", "")',
     f'interpreter = GetConfig("INTERPRETER_MAC", {_vba_string(DEFAULT_INTERPRETER_MAC)})'),
    ('MsgBox "Could not find Interpreter!", vbCritical',
     'MsgBox Replace(' + _vba_string(NO_PYTHON) + ', "{path}", PYTHON_WIN), vbCritical, "finsam"'),
    ("MsgBox \"To enable RunPython, please run 'xlwings runpython install' in a terminal once and try again.\", vbCritical",
     "MsgBox " + _vba_string(NO_APPLESCRIPT) + ', vbCritical, "finsam"'),
)


#: The ribbon module's RunMain, whose copy :func:`report_sub` makes the "Skapa rapport" callback.
RUN_MAIN = ("Sub RunMain(control As IRibbonControl)", 'mymodule & ".main()"')
RUN_REPORT = ("Sub RunReport(control As IRibbonControl)", 'mymodule & ".report()"')


def report_sub(source: str) -> str:
    """The ribbon module ``source`` with a Sub RunReport after it: RunMain's text with its
    name and the function it calls (``main`` → ``report`` of ``finsam_addin``) replaced.

    Raises:
        ValueError: RunMain is not in ``source`` once, as in the template.
    """
    start = source.find(RUN_MAIN[0])
    end = source.find("End Sub", start) + len("End Sub")
    if source.count(RUN_MAIN[0]) != 1 or start < 0 or end < start or source.count(RUN_MAIN[1]) != 1:
        raise ValueError("RunMain finns inte en gång i menyfliksmodulen")
    sub = source[start:end].replace(RUN_MAIN[0], RUN_REPORT[0]).replace(RUN_MAIN[1], RUN_REPORT[1])
    newline = "\r\n" if "\r\n" in source else "\n"
    return source[:end] + newline + newline + sub + source[end:]


def _renamed_vba(vba_bin: bytes, template: Path) -> bytes:
    """The template's VBA project renamed (project, ribbon module, PROJECT_NAME), with
    :data:`VBA_EDITS` applied and the report button's Sub added (:func:`report_sub`)."""
    from finsam.vba_project import rename_project

    def edit(source: str) -> str:
        for old, new in VBA_EDITS:
            if source.count(old) != 1:
                raise _template_changed(template, f"VBA-raden {old!r} finns inte en gång")
            source = source.replace(old, new)
        return source

    try:
        return rename_project(vba_bin, project=PROJECT_NAME, modules={TEMPLATE_RIBBON_MODULE: RIBBON_MODULE},
                              edits={"xlwings": edit, TEMPLATE_RIBBON_MODULE: report_sub})
    except ValueError as err:
        raise _template_changed(template, f"VBA-projektet: {err}") from err


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


_ABS_PATH = re.compile(rb"<mc:AlternateContent[^>]*><mc:Choice Requires=\"x15\"><x15ac:absPath [^>]*/>"
                       rb"</mc:Choice></mc:AlternateContent>")


def _rename_config_sheet(xml: bytes, template: Path, name: str) -> bytes:
    """Rename the sheet ``_myaddin.conf`` to ``name`` and drop the folder the template was
    last saved in (``x15ac:absPath``, Excel's hint only): text edits, nothing else moves."""
    old = f'name="{TEMPLATE_CONFIG_SHEET}"'.encode()
    if xml.count(old) != 1:
        raise _template_changed(template, f"bladet {TEMPLATE_CONFIG_SHEET} finns inte en gång")
    return _ABS_PATH.sub(b"", xml.replace(old, f'name="{name}"'.encode()))


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
