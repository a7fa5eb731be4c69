"""xlwings Lite: the ``main.py`` that ``finsam lite`` writes, run on CPython against the
remote engine (``xw.Book(json=…)``, the same kind of book Lite passes a script).

The generated file is imported as Lite would: ``from xlwings import script`` is the real
script decorator there (here xlwings gives a no-op one unless it runs on a server, so the
test puts ``xlwings.server.script`` in its place), and the scripts are found and called
through ``xlwings.server``'s own ``custom_scripts_meta``/``custom_scripts_call``. The
actions the scripts return are applied to the workbook file, LibreOffice recalculates it,
and every seed figure (``tests/data/sjuharad/expected.json``) must be there.

What this cannot prove without Excel and Lite: that Lite installs the requirements
(micropip, Pyodide's own pandas/numpy/pyarrow), mounts folders, applies the actions, and
shows the status sheet — see addin/README.md ("Vad testerna inte bevisar").
"""

from __future__ import annotations

import asyncio
import importlib.util
import re
import shutil
import tomllib
from pathlib import Path

import pytest
import xlwings as xw
import xlwings.server
from openpyxl import load_workbook
from packaging.requirements import Requirement
from typer.testing import CliRunner

from finsam import lite
from finsam.cli import app
from finsam.settings import load_settings
from finsam.workbook import new_workbook
from recalc import assert_report, values
from xlwings_payload import SAMPLE, apply_actions, payload_from_xlsx

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = load_settings(SAMPLE / "sjuharad.toml")
FIGURES = 4 * 10 + 3 * 30 + 3 * 2 + 3 * 4 + 1 + 1  # as in test_main_job.py
PYODIDE_BUILT = {"pandas", "numpy", "pyarrow", "ssl"}  # Pyodide's own builds: never pinned
#: Standard-library modules Pyodide ships as separate packages (pyodide.org, "Unvendored
#: standard library modules"): loaded only when requirements.txt names them. (lzma is one
#: too, but the standard library's shutil imports it inside try/except ImportError.)
PYODIDE_UNVENDORED = {"ssl", "sqlite3"}

runner = CliRunner()


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lite")
    r = runner.invoke(app, ["lite", str(folder)])
    assert r.exit_code == 0, r.output
    return folder


@pytest.fixture
def main(generated, monkeypatch):
    """The generated main.py as a module, with Lite's @script decorator."""
    monkeypatch.setattr(xw, "script", xlwings.server.script)
    spec = importlib.util.spec_from_file_location("lite_main", generated / "main.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return new_workbook(tmp_path_factory.mktemp("bok") / "uppföljning 2013.xlsx", SETTINGS)


def settings_edits(template: Path, **labels: str) -> dict:
    ws = load_workbook(template)["Inställningar"]
    edits = {}
    for row in ws.iter_rows(min_col=1, max_col=1):
        for start, value in labels.items():
            if isinstance(row[0].value, str) and row[0].value.startswith(start.replace("_", " ")):
                edits[("Inställningar", f"B{row[0].row}")] = value
    assert len(edits) == len(labels), labels
    return edits


def run_script(module, name: str, book: xw.Book) -> list[dict]:
    asyncio.run(xlwings.server.custom_scripts_call(module, name, typehint_to_value={xw.Book: book}))
    return book.json()["actions"]


def _status_write(actions: list[dict], book: xw.Book) -> list[list]:
    names = [s.name for s in book.sheets]
    index = names.index(lite.OWN_STATUS_SHEET if lite.OWN_STATUS_SHEET in names else lite.STATUS_SHEET)
    [write] = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == index]
    return write["values"]


def status_rows(actions: list[dict], book: xw.Book) -> list[str]:
    """The status sheet's column A as written (leading apostrophes removed)."""
    return [str(r[0])[1:] if isinstance(r[0], str) and r[0] else "" for r in _status_write(actions, book)]


def status_result(actions: list[dict], book: xw.Book) -> str:
    """The state written next to "Resultat" (OK, VARNING or FEL)."""
    label, state = _status_write(actions, book)[3]
    assert label == "'Resultat"
    return state[1:]


def test_main_declares_the_two_swedish_scripts(main):
    meta = {m["function_name"]: m["name"] for m in xlwings.server.custom_scripts_meta(main)}
    assert meta == {"fyll_i": "Fyll i", "kontrollera": "Kontrollera"}
    assert main.KALLROT == "/data"  # where Lite puts imported files


@pytest.fixture
def as_in_pyodide(monkeypatch):
    """What Pyodide lacks: python-calamine cannot be imported, no thread can start, and
    sys.platform is "emscripten" for finsam.runtime."""
    import sys
    import threading

    from finsam import runtime

    def no_thread(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setitem(sys.modules, "python_calamine", None)
    monkeypatch.setattr(threading.Thread, "start", no_thread)
    monkeypatch.setattr(runtime.sys, "platform", "emscripten")


def test_fyll_i_fills_the_sample_with_the_seed_figures(main, template, tmp_path, expected, capsys, as_in_pyodide):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data / "källor")
    main.KALLROT = str(data)
    book = xw.Book(json=payload_from_xlsx(template, edits=settings_edits(template, Period_att_fylla_i="2013-Q1")))
    actions = run_script(main, "fyll_i", book)

    assert {a["func"] for a in actions} == {"setValues", "addSheet", "activateSheet"}  # no alert in Lite
    status = status_rows(actions, book)
    assert status[:4] == ["finsam – senaste körning", "Skript", "Tid (UTC)", "Resultat"]
    assert "Arbetsboken är ifylld för Jan-Mars 2013 (2013-01-01–2013-03-31)." in status
    assert "Kontroller: alla kontroller är OK." in status
    assert status_result(actions, book) == "OK"
    out = capsys.readouterr().out
    assert "finsam: läser källfilerna i" in out and "finsam: kontrollerar" in out  # progress in Lite's output pane

    filled = tmp_path / "ut" / template.name
    filled.parent.mkdir()
    apply_actions(actions, template, filled)
    assert assert_report(values(filled), expected) == FIGURES
    assert load_workbook(filled).sheetnames[-1] == lite.STATUS_SHEET


def test_a_missing_sources_folder_is_reported_on_the_status_sheet_only(main, template, tmp_path):
    main.KALLROT = str(tmp_path / "data")  # nothing imported
    book = xw.Book(json=payload_from_xlsx(template))
    actions = run_script(main, "fyll_i", book)
    status_index = [s.name for s in book.sheets].index(lite.STATUS_SHEET)
    assert all(a["sheet_position"] == status_index for a in actions if a["func"] == "setValues")
    assert status_result(actions, book) == "FEL"
    message = " ".join(status_rows(actions, book))
    assert "Källmappen" in message and "Import/Export" in message and "Lokala mappar" in message
    assert f"{tmp_path / 'data' / 'källor'}" in message


def test_an_absolute_kallmapp_is_used_as_it_is(main, template, tmp_path):
    """A folder mounted under Lokala mappar: its full path at Källmapp."""
    mounted = tmp_path / "Samordningsförbundet Sjuhärad – Ekonomi" / "källor åäö"
    shutil.copytree(SAMPLE, mounted)
    main.KALLROT = str(tmp_path / "inget")
    edits = settings_edits(template, Källmapp=str(mounted), Period_att_fylla_i="2013-Q1")
    book = xw.Book(json=payload_from_xlsx(template, edits=edits))
    assert main.lite.fyll_i(book, root=main.KALLROT) == "OK"


def test_an_unexpected_error_says_where_the_details_are(main, template, tmp_path, monkeypatch, capsys):
    def boom(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(lite.excel, "validate_book", boom)
    book = xw.Book(json=payload_from_xlsx(template))
    actions = run_script(main, "kontrollera", book)
    status = status_rows(actions, book)
    assert status_result(actions, book) == "FEL"
    assert lite.UNEXPECTED.format(kind="ZeroDivisionError").splitlines()[0] in status
    assert "ZeroDivisionError: division by zero" in capsys.readouterr().out


def test_kontrollera_writes_only_the_status(main, template):
    book = xw.Book(json=payload_from_xlsx(template))
    actions = run_script(main, "kontrollera", book)
    status_index = [s.name for s in book.sheets].index(lite.STATUS_SHEET)
    assert all(a["sheet_position"] == status_index for a in actions if a["func"] == "setValues")
    assert any(line.startswith("Kontroller:") for line in status_rows(actions, book))


def test_another_xlwings_version_is_named_on_the_status_sheet(main, template, monkeypatch):
    monkeypatch.setattr(xw, "__version__", "0.99.0")
    book = xw.Book(json=payload_from_xlsx(template))
    actions = run_script(main, "kontrollera", book)
    text = " ".join(status_rows(actions, book))
    assert status_result(actions, book) == "VARNING"
    assert "xlwings 0.99.0" in text and f"xlwings=={lite.XLWINGS_VERSION}" in text


def test_requirements_pin_pure_packages_and_leave_pyodides_own_unpinned(generated):
    reqs = [Requirement(line) for line in (generated / "requirements.txt").read_text("utf-8").splitlines()]
    by_name = {r.name: r for r in reqs}
    assert str(by_name["xlwings"].specifier) == f"=={lite.XLWINGS_VERSION}"
    assert str(by_name["finsam"].specifier) == f"=={lite.__version__}"
    for name in PYODIDE_BUILT:
        assert str(by_name[name].specifier) == "", name
    assert "python-calamine" not in by_name


def test_a_wheel_address_replaces_the_package_name(tmp_path):
    url = "https://intranat.example/finsam/finsam-0.1.0-py3-none-any.whl"
    r = runner.invoke(app, ["lite", str(tmp_path), "--wheel", url])
    assert r.exit_code == 0, r.output
    lines = (tmp_path / "requirements.txt").read_text("utf-8").splitlines()
    assert url in lines and not any(line.startswith("finsam==") for line in lines)


def test_no_dependency_of_finsam_needs_a_build_pyodide_lacks():
    """micropip resolves finsam's own dependencies in Pyodide (sys_platform "emscripten"):
    python-calamine (no WebAssembly build) must not be required there."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    env = {"sys_platform": "emscripten", "platform_system": "Emscripten", "python_version": "3.12"}
    needed = {Requirement(d).name for d in project["dependencies"]
              if Requirement(d).marker is None or Requirement(d).marker.evaluate(env)}
    assert "python-calamine" not in needed
    assert {"pandas", "openpyxl", "xlwings"} <= needed
    assert re.fullmatch(r"xlwings==[\d.]+", next(d for d in project["dependencies"] if d.startswith("xlwings")))


def test_a_status_sheet_of_the_persons_own_is_left_alone(main, template, tmp_path):
    from openpyxl import load_workbook as load

    own = tmp_path / "egen.xlsx"
    wb = load(template)
    wb.create_sheet("Status")["A1"] = "Mina anteckningar"
    wb.save(own)
    book = xw.Book(json=payload_from_xlsx(own))
    actions = run_script(main, "kontrollera", book)
    names = [s.name for s in book.sheets]
    assert names[-1] == lite.OWN_STATUS_SHEET
    status_index = names.index("Status")
    assert not any(a["func"] == "setValues" and a["sheet_position"] == status_index for a in actions)

    earlier = tmp_path / "tidigare.xlsx"  # finsam's own Status from an earlier run is reused
    wb = load(template)
    wb.create_sheet("Status")["A1"] = lite.STATUS_TITLE
    wb.save(earlier)
    again = xw.Book(json=payload_from_xlsx(earlier))
    actions = run_script(main, "kontrollera", again)
    assert "addSheet" not in {a["func"] for a in actions}
    assert status_result(actions, again) == "OK"


def test_requirements_name_every_unvendored_module_the_lite_path_imports(generated):
    import json
    import os
    import subprocess
    import sys

    code = ("import json, sys; import finsam.lite, finsam.populate, finsam.sources.sie, "
            "finsam.sources.ledger_csv, finsam.sources.xlsx; print(json.dumps(sorted(sys.modules)))")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    imported = {m.split(".")[0] for m in json.loads(out)}
    listed = {Requirement(line).name for line in (generated / "requirements.txt").read_text("utf-8").splitlines()}
    assert "ssl" in imported  # python-stdnum imports it: the check below is not empty
    assert imported & PYODIDE_UNVENDORED <= listed
