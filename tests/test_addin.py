"""The Excel add-in: the built .xlam is the xlwings template plus our ribbon and settings.

What is read from the VBA project here (with oletools, as Excel would run it) and not
assumed: the ribbon callback Subs, the config sheet name (``PROJECT_NAME & ".conf"``), the
config keys ``GetConfig`` asks for, how ``RunMain`` derives the module it imports, and the
xlwings version the VBA module was made for. What these tests cannot prove is listed in
``addin/README.md`` ("Vad testerna inte bevisar").
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
import types
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xlwings

from finsam import addin_build
from finsam.addin_build import build_addin
from finsam.errors import FinsamError

import oletools.olevba as oletools_olevba  # noqa: E402 - in the test extra

REPO = Path(__file__).resolve().parents[1]
ADDIN_DIR = REPO / "addin"
PACKAGED_DIR = REPO / "src" / "finsam" / "addin_files"
TEMPLATE = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
RIBBON_REL_TYPE = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"

# The parts the build may change; every other member must be byte-identical to the template.
CHANGED_PARTS = {"customUI/customUI.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/vbaProject.bin"}

INTERPRETER = r"C:\Users\Kansli Förbund\AppData\Local\Programs\Python\Python311\python.exe"
PYTHONPATH = r"C:\finsam & co\tillagg"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("addin")
    return build_addin(out, interpreter=INTERPRETER, pythonpath=PYTHONPATH)


@pytest.fixture(scope="module")
def vba(built) -> dict[str, str]:
    """VBA module name -> source code, as stored in the built add-in."""
    parser = oletools_olevba.VBA_Parser(str(built))
    try:
        return {
            Path(vba_filename).stem: code
            for _, _, vba_filename, code in parser.extract_macros()
        }
    finally:
        parser.close()


def _subs(code: str) -> dict[str, str]:
    """Sub name -> its parameter list, from ``[Public|Private] Sub name(params)`` lines."""
    pattern = re.compile(r"^\s*(?:Public\s+|Private\s+)?Sub\s+(\w+)\s*\(([^)]*)\)", re.M | re.I)
    return {m.group(1): m.group(2) for m in pattern.finditer(code)}


def _vba_constant(vba: dict[str, str], name: str) -> str:
    for code in vba.values():
        m = re.search(rf'Const\s+{name}\s+As\s+String\s*=\s*"([^"]*)"', code)
        if m:
            return m.group(1)
    raise AssertionError(f"constant {name} not found in the VBA project")


def _ribbon_xml(z: zipfile.ZipFile) -> ET.Element:
    rels = ET.fromstring(z.read("_rels/.rels"))
    targets = [r.get("Target") for r in rels.iter(f"{{{NS_PKG_REL}}}Relationship")
               if r.get("Type") == RIBBON_REL_TYPE]
    assert targets == ["customUI/customUI.xml"]
    return ET.fromstring(z.read(targets[0]))


def _sheet_cells(z: zipfile.ZipFile, sheet_name: str) -> dict[str, str]:
    """Cell reference -> text of one sheet, resolving shared and inline strings."""
    workbook = ET.fromstring(z.read("xl/workbook.xml"))
    sheets = {s.get("name"): s.get(f"{{{NS_REL}}}id")
              for s in workbook.iter(f"{{{NS_MAIN}}}sheet")}
    assert sheet_name in sheets, f"no sheet {sheet_name!r}, only {sorted(sheets)}"
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels.iter(f"{{{NS_PKG_REL}}}Relationship")
                  if r.get("Id") == sheets[sheet_name])
    shared = [
        "".join(t.text or "" for t in si.iter(f"{{{NS_MAIN}}}t"))
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(f"{{{NS_MAIN}}}si")
    ]
    cells = {}
    for c in ET.fromstring(z.read(f"xl/{target}")).iter(f"{{{NS_MAIN}}}c"):
        kind, v = c.get("t"), c.find(f"{{{NS_MAIN}}}v")
        if kind == "s":
            cells[c.get("r")] = shared[int(v.text)]
        elif kind == "inlineStr":
            cells[c.get("r")] = "".join(t.text or "" for t in c.iter(f"{{{NS_MAIN}}}t"))
        elif v is not None:
            cells[c.get("r")] = v.text
    return cells


def _config_as_vba_reads_it(cells: dict[str, str]) -> dict[str, str]:
    """GetConfigFromSheet: keys from A1 down to the first blank, upper-cased; values in B."""
    config, row = {}, 1
    while cells.get(f"A{row}"):
        config[cells[f"A{row}"].upper()] = cells.get(f"B{row}", "")
        row += 1
    return config


# --- the ribbon calls a macro that exists ------------------------------------------------


def test_every_ribbon_action_targets_a_ribbon_callback_sub_in_the_vba(built, vba):
    with zipfile.ZipFile(built) as z:
        ribbon = _ribbon_xml(z)
    actions = [el.get("onAction") for el in ribbon.iter() if el.get("onAction")]
    assert actions, "the ribbon has no button with an onAction"
    for action in actions:
        module, _, sub = action.rpartition(".")
        modules = [module] if module else list(vba)
        found = [m for m in modules if sub in _subs(vba.get(m, ""))]
        assert found, f"onAction {action!r}: no Sub {sub} in VBA modules {sorted(vba)}"
        params = _subs(vba[found[0]])[sub]
        assert re.fullmatch(r"\s*control\s+As\s+IRibbonControl\s*", params, re.I), params


def test_ribbon_has_the_swedish_tab_group_and_button(built):
    with zipfile.ZipFile(built) as z:
        ribbon = _ribbon_xml(z)
    ns = "{http://schemas.microsoft.com/office/2006/01/customui}"
    tab = ribbon.find(f"{ns}ribbon/{ns}tabs/{ns}tab")
    group = tab.find(f"{ns}group")
    buttons = group.findall(f"{ns}button")
    assert (tab.get("label"), group.get("label")) == ("Uppföljning", "finsam")
    assert [(b.get("label"), b.get("onAction")) for b in buttons] == [
        ("Uppdatera", "RibbonFinsam.RunMain"), ("Skapa rapport", "RibbonFinsam.RunReport")]


# --- the module the macro imports ----------------------------------------------------------


def test_runmain_imports_the_module_named_like_the_addin_file(built, vba):
    code = vba["RibbonFinsam"]
    # mymodule = Left(ThisWorkbook.Name, InStrRev(ThisWorkbook.Name, ".") - 1)
    assert re.search(r'mymodule\s*=\s*Left\(ThisWorkbook\.Name,\s*\(InStrRev\(ThisWorkbook\.Name,'
                     r'\s*"\.",', code), code
    assert re.search(r'RunPython\s+"import\s+"\s*&\s*mymodule\s*&\s*";"\s*&\s*mymodule\s*&\s*'
                     r'"\.main\(\)"', code), code
    # the report button's Sub: the same module, its function report()
    report_sub = code[code.index("Sub RunReport"):]
    assert re.search(r'mymodule\s*=\s*Left\(ThisWorkbook\.Name,\s*\(InStrRev\(ThisWorkbook\.Name,'
                     r'\s*"\.",', report_sub), code
    assert re.search(r'RunPython\s+"import\s+"\s*&\s*mymodule\s*&\s*";"\s*&\s*mymodule\s*&\s*'
                     r'"\.report\(\)"', report_sub), code
    module = built.name.rpartition(".")[0]
    assert module == "finsam_addin"
    for folder in (PACKAGED_DIR, built.parent):
        source = folder / f"{module}.py"
        assert source.is_file(), source
        functions = {n.name for n in ast.parse(source.read_text("utf-8")).body
                     if isinstance(n, ast.FunctionDef)}
        assert {"main", "report"} <= functions


# --- the config sheet --------------------------------------------------------------------


def test_config_sheet_has_the_name_the_vba_reads_and_the_values_passed(built, vba):
    project = _vba_constant(vba, "PROJECT_NAME")
    assert project == "finsam"
    assert re.search(r'wb\.Sheets\(PROJECT_NAME & "\.conf"\)', vba["xlwings"])
    with zipfile.ZipFile(built) as z:
        config = _config_as_vba_reads_it(_sheet_cells(z, f"{project}.conf"))
        names = [s.get("name") for s in
                 ET.fromstring(z.read("xl/workbook.xml")).iter(f"{{{NS_MAIN}}}sheet")]
    assert names == ["finsam.conf"]  # values given: the sheet is active
    assert config["INTERPRETER_WIN"] == INTERPRETER
    assert config["INTERPRETER_MAC"] == INTERPRETER
    assert config["PYTHONPATH"] == PYTHONPATH
    # and these are the keys the VBA asks for
    for key in ("INTERPRETER_WIN", "INTERPRETER_MAC", "PYTHONPATH"):
        assert f'GetConfig("{key}"' in vba["xlwings"], key
    # settings the template had stay as they were
    assert config["USE UDF SERVER"] == "0" and config["SHOW CONSOLE"] == "0"


@pytest.fixture(scope="module")
def default_build(tmp_path_factory) -> Path:
    return build_addin(tmp_path_factory.mktemp("standard") / "ut")


def test_by_default_the_interpreter_comes_from_finsam_conf_or_localappdata(default_build):
    """No value on the add-in's sheet (it would win over the user's finsam.conf even when
    empty): the sheet is inactive, and the VBA's own default is the guide's venv."""
    with zipfile.ZipFile(default_build) as z:
        names = [s.get("name") for s in ET.fromstring(z.read("xl/workbook.xml")).iter(f"{{{NS_MAIN}}}sheet")]
        vba_bin = z.read("xl/vbaProject.bin")
    assert names == ["_finsam.conf"]  # SheetExists(ThisWorkbook, "finsam.conf") is False
    code = _vba_of(default_build)["xlwings"]
    assert r'GetConfig("INTERPRETER_WIN", "%LOCALAPPDATA%\finsam\venv\Scripts\python.exe")' in code
    assert 'GetConfig("INTERPRETER_MAC", "$HOME/finsam/venv/bin/python")' in code
    # GetConfig: sheets, then the folder's and the user's finsam.conf, then that default
    assert 'Environ("USERPROFILE") & "\\." & PROJECT_NAME & "\\" & PROJECT_NAME & ".conf"' in code
    assert vba_bin  # read above through oletools
    assert (default_build.parent / "finsam_addin.py").is_file()


def _vba_of(path: Path) -> dict[str, str]:
    parser = oletools_olevba.VBA_Parser(str(path))
    try:
        return {Path(f).stem: code for _, _, f, code in parser.extract_macros()}
    finally:
        parser.close()


def _every_text(path: Path) -> list[tuple[str, bytes]]:
    """(where, bytes) of everything in the add-in as a reader sees it: each zip part raw,
    and inside the VBA project every stream name, every stream, the decompressed dir
    stream and module sources (MS-OVBA compression hides text from a raw search)."""
    import olefile
    from oletools.olevba import decompress_stream

    out = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            out.append((name, z.read(name)))
            out.append((f"{name} (name)", name.encode()))
        ole = olefile.OleFileIO(z.read("xl/vbaProject.bin"))
    for stream in ole.listdir():
        data = ole.openstream(stream).read()
        out.append(("/".join(stream) + " (stream name)", "/".join(stream).encode()))
        out.append(("/".join(stream), data))
        if stream[-1] == "dir":
            out.append(("dir (decompressed)", bytes(decompress_stream(bytearray(data)))))
    ole.close()
    for module, code in _vba_of(path).items():
        out.append((f"module {module}", code.encode("utf-8")))
    return out


def test_no_myaddin_is_left(default_build):
    for where, data in _every_text(default_build):
        for form in ("myaddin".encode(), "myaddin".encode("utf-16-le")):
            assert form not in data.lower(), where


def test_no_path_of_the_building_computer_is_in_the_addin(default_build):
    """Nothing of the machine that ran finsam addin: its Python, the output folder, the
    home folder, the user name; nor the template author's folder (x15ac:absPath)."""
    import getpass

    # the template's x15ac:absPath names its author's folder C:\Users\felix\Dev\…; its VBA
    # references name MSForms.exd in the author's temp folder (Excel finds references by GUID)
    needles = {sys.executable, str(default_build.parent), str(Path.home()), r"C:\Users\felix\Dev"}
    if len(getpass.getuser()) > 3:
        needles.add(getpass.getuser())
    for where, data in _every_text(default_build):
        for needle in needles:
            for form in (needle.encode(), needle.encode("utf-16-le")):
                assert form not in data, (where, needle)


def test_the_messages_the_user_may_see_from_the_vba_are_swedish(default_build):
    code = _vba_of(default_build)["xlwings"]
    assert "Could not find Interpreter!" not in code
    assert "To enable RunPython, please run" not in code
    assert addin_build.NO_APPLESCRIPT in code
    assert addin_build.NO_PYTHON.replace('"', '""') in code
    assert 'Replace("finsam hittar ingen Python: {path}' in code and '"{path}", PYTHON_WIN)' in code


def test_the_vba_project_is_named_finsam(default_build):
    import olefile

    with zipfile.ZipFile(default_build) as z:
        ole = olefile.OleFileIO(z.read("xl/vbaProject.bin"))
    project = ole.openstream("PROJECT").read().decode("cp1252")
    wm = ole.openstream("PROJECTwm").read()
    assert re.search(r'^Name="finsam"\r?$', project, re.M)
    assert re.search(r"^Module=RibbonFinsam\r?$", project, re.M)
    assert re.search(r"^RibbonFinsam=", project, re.M)
    assert b"RibbonFinsam\x00" + "RibbonFinsam".encode("utf-16-le") + b"\x00\x00" in wm
    assert ole.exists("VBA/RibbonFinsam") and not ole.exists("VBA/RibbonMyAddin")
    ole.close()


@pytest.mark.libreoffice
def test_libreoffice_reads_the_renamed_vba_project(default_build, tmp_path):
    """A third reader of the VBA project, an office suite's own (LibreOffice's compound-file
    and MS-OVBA code): opened as a macro workbook, it imports the project as the Basic
    library "finsam" with the module RibbonFinsam and our Swedish text intact."""
    import html
    import os
    import subprocess

    from recalc import SOFFICE

    assert SOFFICE, "LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui"
    xlsm = tmp_path / "tillagg.xlsm"  # the add-in as a visible macro workbook, so it opens
    with zipfile.ZipFile(default_build) as zin, zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"ms-excel.addin.macroEnabled.main", b"ms-excel.sheet.macroEnabled.main")
            elif info.filename == "xl/workbook.xml":
                data = data.replace(b'visibility="hidden" ', b"")
            zout.writestr(info, data)
    profile = tmp_path / "lo-profil"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "ods",
                    "--outdir", str(tmp_path / "ut"), str(xlsm)],
                   check=True, capture_output=True, timeout=180, env=dict(os.environ, HOME=str(profile)))
    with zipfile.ZipFile(tmp_path / "ut" / "tillagg.ods") as ods:
        libraries = {n.split("/")[1] for n in ods.namelist() if n.startswith("Basic/") and n.count("/") == 2}
        modules = {n.split("/")[2] for n in ods.namelist() if n.startswith("Basic/finsam/")}
        xlwings_module = html.unescape(ods.read("Basic/finsam/xlwings.xml").decode("utf-8"))
        ribbon_module = html.unescape(ods.read("Basic/finsam/RibbonFinsam.xml").decode("utf-8"))
    assert libraries == {"Standard", "finsam"}
    assert {"RibbonFinsam.xml", "xlwings.xml", "Dictionary.xml"} <= modules
    assert 'Public Const PROJECT_NAME As String = "finsam"' in xlwings_module
    # å/ä/ö through the project's code page (1252)
    assert addin_build.NO_PYTHON.split("{path}")[1] in xlwings_module and "rätt sökväg" in xlwings_module
    assert addin_build.NO_APPLESCRIPT in xlwings_module
    assert "Sub RunMain(control As IRibbonControl)" in ribbon_module
    assert "Sub RunReport(control As IRibbonControl)" in ribbon_module and '".report()"' in ribbon_module


# --- nothing else changes ----------------------------------------------------------------


def test_all_other_parts_are_byte_identical_to_the_template(built):
    assert addin_build.CHANGED_PARTS == CHANGED_PARTS
    with zipfile.ZipFile(TEMPLATE) as t, zipfile.ZipFile(built) as b:
        assert [i.filename for i in b.infolist()] == [i.filename for i in t.infolist()]
        for name in t.namelist():
            if name not in CHANGED_PARTS:
                assert b.read(name) == t.read(name), name
        # the workbook part differs only by the sheet's new name and the author's folder
        before = re.sub(rb"<mc:AlternateContent.*?</mc:AlternateContent>", b"", t.read("xl/workbook.xml"))
        assert b.read("xl/workbook.xml") == before.replace(b'name="_myaddin.conf"', b'name="finsam.conf"')
        assert b.read("customUI/customUI.xml") == (PACKAGED_DIR / "customUI.xml").read_bytes()


def test_only_the_renamed_and_edited_modules_change(built):
    """Every module keeps its source except the two renamed/edited ones, and their changes
    are exactly the rename and addin_build.VBA_EDITS."""
    before, after = _vba_of(TEMPLATE), _vba_of(built)
    assert set(after) == set(before) - {"RibbonMyAddin"} | {"RibbonFinsam"}
    for module in set(before) - {"RibbonMyAddin", "xlwings"}:
        assert after[module] == before[module], module
    run_report = (
        "Sub RunReport(control As IRibbonControl)\r\n"
        '    mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, ".", -1, vbTextCompare) - 1))\r\n'
        '    RunPython "import " & mymodule & ";" & mymodule & ".report()"\r\n'
        "End Sub")
    renamed = before["RibbonMyAddin"].replace('Attribute VB_Name = "RibbonMyAddin"', 'Attribute VB_Name = "RibbonFinsam"')
    end = renamed.index("End Sub") + len("End Sub")  # RunMain's end: RunReport follows it
    assert after["RibbonFinsam"].replace("\r\n", "\n") == (
        renamed[:end] + "\r\n\r\n" + run_report + renamed[end:]).replace("\r\n", "\n")
    expected = before["xlwings"]
    for old, new in addin_build.VBA_EDITS:
        assert expected.count(old) == 1, old
        expected = expected.replace(old, new)
    assert after["xlwings"] == expected


def test_vba_module_is_made_for_the_pinned_xlwings_version(vba):
    assert _vba_constant(vba, "XLWINGS_VERSION") == addin_build.XLWINGS_VERSION == "0.37.8"


def test_a_different_xlwings_version_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(xlwings, "__version__", "0.38.0")
    with pytest.raises(FinsamError, match=r"0\.37\.8.*0\.38\.0"):
        build_addin(tmp_path / "ut")
    assert not (tmp_path / "ut").exists()


def test_an_unwritable_target_is_a_finsam_error(tmp_path):
    (tmp_path / "finsam_addin.xlam").mkdir()  # stands in for a file Excel holds open
    with pytest.raises(FinsamError, match="Kunde inte skriva tillägget"):
        build_addin(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["finsam_addin.xlam"]


# --- one copy of the add-in files ---------------------------------------------------------


def test_one_copy_of_each_addin_file():
    """The add-in module and the ribbon live only in the package; addin/ has the guide."""
    assert sorted(p.name for p in ADDIN_DIR.iterdir()) == ["README.md"]
    assert {"finsam_addin.py", "customUI.xml"} <= {p.name for p in PACKAGED_DIR.iterdir()}


def test_readme_keeps_the_sections_the_lead_and_the_release_check_need():
    text = (ADDIN_DIR / "README.md").read_text("utf-8")
    for heading in ("## xlwings Lite", "## Skrivbordstillägget", "## Felmeddelanden och vad du gör",
                    "## Excel på webben / utan lokal Python", "## For IT (English)",
                    "## För utvecklare: vad testerna inte bevisar"):
        assert f"\n{heading}" in text, heading
    steps = re.findall(r"^(\d+)\. ", text.split("## För utvecklare: vad testerna inte bevisar")[1], re.M)
    assert [int(s) for s in steps] == list(range(1, len(steps) + 1)) and len(steps) >= 10


def _user_messages() -> dict[str, str]:
    """Every message the add-in and the Lite/server scripts can show that is not about one
    source file: the upper-case text constants (with a blank) of the button's modules."""
    spec = importlib.util.spec_from_file_location("finsam_addin_msgs", PACKAGED_DIR / "finsam_addin.py")
    addin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(addin)
    from finsam import excel, excel_report, excel_scripts, lite

    found = {}
    for module in (addin, addin_build, excel, excel_report, excel_scripts, lite):
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and " " in value and len(value) >= 40:
                found[f"{module.__name__}.{name}"] = value
    return found


def test_the_guide_names_every_message_the_user_can_see():
    """Each message, with its placeholders shown as "…", contains one of the quotes in the
    first column of the guide's table of messages."""
    text = (ADDIN_DIR / "README.md").read_text("utf-8")
    table = text.split("## Felmeddelanden och vad du gör")[1].split("\n## ")[0]
    quotes = [q for q in re.findall(r'^\| "([^"]+)"', table, re.M) if len(q) >= 10]
    messages = _user_messages()
    assert len(messages) >= 14, sorted(messages)  # the ones listed in addin_build, excel, lite …
    for name, message in messages.items():
        shown = re.sub(r"\{[^}]*\}", "…", message)
        assert any(q in shown for q in quotes), f"{name}: {shown[:80]!r} is not in the guide's table"
# --- what the button does with errors ----------------------------------------------------


def test_another_xlwings_on_the_python_side_is_refused(addin_module, monkeypatch, tmp_path):
    book = FakeBook(str(tmp_path / "uppfoljning.xlsx"))
    calls = _fake_excel(monkeypatch, populate=lambda b: None)
    monkeypatch.setattr(addin_module.xw, "__version__", "0.38.1")
    addin_module.run(book)
    assert calls == []
    [(message, title)] = book.app.alerts
    assert "xlwings 0.37.8" in message and "xlwings 0.38.1" in message and title == "finsam"


class FakeApp:
    def __init__(self):
        self.alerts: list[tuple[str, str | None]] = []

    def alert(self, prompt, title=None, **kwargs):
        self.alerts.append((prompt, title))


class FakeBook:
    def __init__(self, fullname: str):
        self.fullname = fullname
        self.name = Path(fullname).name
        self.app = FakeApp()


def _fake_excel(monkeypatch, populate, validate=lambda book: None) -> list[str]:
    calls: list[str] = []
    fake = types.ModuleType("finsam.excel")
    fake.populate_book = lambda book, **kw: (calls.append("populate"), populate(book))[1]
    fake.validate_book = lambda book, **kw: (calls.append("validate"), validate(book))
    monkeypatch.setitem(sys.modules, "finsam.excel", fake)
    import finsam
    monkeypatch.setattr(finsam, "excel", fake, raising=False)
    return calls


def test_main_populates_then_validates_the_calling_book(addin_module, monkeypatch, tmp_path):
    book = FakeBook(str(tmp_path / "uppfoljning.xlsx"))
    monkeypatch.setattr(addin_module.xw.Book, "caller", staticmethod(lambda: book))
    calls = _fake_excel(monkeypatch, populate=lambda b: None)
    addin_module.main()
    assert calls == ["populate", "validate"]
    assert book.app.alerts == []


def test_a_finsam_error_is_shown_as_it_is(addin_module, monkeypatch, tmp_path):
    book = FakeBook(str(tmp_path / "uppfoljning.xlsx"))
    message = "huvudbok.se: filen finns inte. Kontrollera sökvägen på bladet Inställningar."

    def populate(b):
        raise FinsamError(message)

    calls = _fake_excel(monkeypatch, populate)
    addin_module.run(book)
    assert calls == ["populate"]
    assert book.app.alerts == [(message, "finsam")]
    assert not (tmp_path / "finsam-fel.log").exists()


def test_an_unexpected_error_is_logged_next_to_the_workbook(addin_module, monkeypatch, tmp_path):
    book = FakeBook(str(tmp_path / "uppfoljning.xlsx"))

    def validate(b):
        raise ZeroDivisionError("division by zero")

    _fake_excel(monkeypatch, populate=lambda b: None, validate=validate)
    addin_module.run(book)
    assert book.app.alerts == [(
        "Något oväntat gick fel. Detaljer finns i finsam-fel.log bredvid arbetsboken.", "finsam")]
    log = (tmp_path / "finsam-fel.log").read_text("utf-8")
    assert "Traceback" in log and "ZeroDivisionError: division by zero" in log
    assert "uppfoljning.xlsx" in log


def test_an_unsaved_workbook_logs_in_the_home_folder(addin_module, monkeypatch, tmp_path):
    monkeypatch.setattr(Path, "home", staticmethod(lambda: tmp_path))
    book = FakeBook("Bok1")

    def populate(b):
        raise KeyError("x")

    _fake_excel(monkeypatch, populate)
    addin_module.run(book)
    [(message, _)] = book.app.alerts
    assert message == f"Något oväntat gick fel. Detaljer finns i {tmp_path / 'finsam-fel.log'}."
    assert "KeyError" in (tmp_path / "finsam-fel.log").read_text("utf-8")
