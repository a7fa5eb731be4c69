"""Saving without losing anything: a file changed since it was read, two runs at once,
signals and kill -9 during a save, disk full, a 254-byte name, owner and mode, and every
package part a person (or Excel, SharePoint, Power Query) added."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from typer.testing import CliRunner

from finsam import layout
from finsam.cli import app
from finsam.errors import WorkbookError
from finsam.populate import populate_io
from finsam.saving import lock_path, workbook_lock
from finsam.settings import load_settings
from finsam.workbook import OpenpyxlBook, new_workbook, populate_workbook

PARTS = Path(__file__).parent / "data" / "parts"
SRC = str(Path(__file__).parents[1] / "src")
runner = CliRunner()


@pytest.fixture()
def book(sample_sources) -> Path:
    """A new workbook beside a copy of the sample sources (folder ``källor``)."""
    path = sample_sources.parent / "bok.xlsx"
    new_workbook(path, load_settings(sample_sources / "sjuharad.toml"))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ours(folder: Path) -> list[str]:
    """finsam's temporary and lock files left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".finsam-"))


def run_cli(*args: str, cwd: Path, prelude: str = "", **kw) -> subprocess.CompletedProcess:
    """``finsam ARGS`` in a fresh interpreter (signals and resource limits are per process);
    ``prelude`` is Python run first."""
    code = f"import sys\n{prelude}\nfrom finsam.cli import main\nsys.argv = ['finsam', *{list(args)!r}]\nmain()\n"
    env = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "80"}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, **kw)


# --- a file changed since it was read ---------------------------------------------------

def test_an_edit_saved_during_a_populate_is_not_overwritten(book):
    populate_workbook(book, period="2013-Q1")
    io = OpenpyxlBook(book)  # populate reads the file ...
    populate_io(io, period="2013-Q1")
    wb = load_workbook(book)  # ... meanwhile the person saves a comment in Excel
    (sheet, ref), = list(wb.defined_names["fs_g1_kommentar"].destinations)
    wb[sheet][ref.replace("$", "").split(":")[0]] = "Skrivet i Excel under körningen"
    wb.save(book)
    edited = sha(book)
    with pytest.raises(WorkbookError, match="medan finsam arbetade.*inget har skrivits"):
        io.save()
    assert sha(book) == edited
    assert ours(book.parent) == []


def test_a_touched_but_unchanged_file_is_saved(book):
    io = OpenpyxlBook(book)
    populate_io(io, period="2013-Q1")
    os.utime(book, (time.time() + 5, time.time() + 5))  # a sync client touching the file
    before = sha(book)
    io.save()
    assert sha(book) != before


# --- two runs at once -----------------------------------------------------------------------

HOLD = textwrap.dedent("""
    import sys, time
    from finsam.saving import workbook_lock
    with workbook_lock(sys.argv[1]):
        print("held", flush=True)
        time.sleep(60)
""")


def test_a_second_run_on_the_same_workbook_is_refused_and_a_dead_holder_never_blocks(book):
    populate_workbook(book, period="2013-Q1")
    before = sha(book)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(book)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": SRC})
    try:
        assert holder.stdout.readline().strip() == "held"
        res = runner.invoke(app, ["populate", str(book), "--period", "2013-Q1"])
        assert res.exit_code == 1
        assert res.stderr.startswith(f"Fel: bok.xlsx används just nu av en annan finsam-körning (process {holder.pid})")
        assert sha(book) == before
    finally:
        holder.kill()  # kill -9: the holder cannot clean up; its lock file stays
        holder.wait()
    assert lock_path(book).exists()
    populate_workbook(book, period="2013-Q1")
    assert ours(book.parent) == []  # the lock file is gone with the run that took it over


def test_the_lock_is_held_within_one_process_too(book):
    with workbook_lock(book):
        with pytest.raises(WorkbookError, match="annan finsam-körning"):
            populate_workbook(book, period="2013-Q1")
    populate_workbook(book, period="2013-Q1")


# --- signals, kill -9, disk full ------------------------------------------------------------

#: Sends ``SIG`` to the process itself when the save is about to replace the workbook: the
#: temporary file is written and flushed then (a real signal, at the worst moment).
AT_REPLACE = textwrap.dedent("""
    import os, signal
    def _hook(frame, event, arg):
        if event == "call" and frame.f_code.co_name == "check_unchanged":
            sys.setprofile(None)
            os.kill(os.getpid(), signal.{sig})
    sys.setprofile(_hook)
""")


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_signal_during_the_save_leaves_no_temporary_file(book, sig):
    populate_workbook(book, period="2013-Q1")
    before = sha(book)

    def at_replace(frame, event, arg):  # a real signal when the temporary file is written and flushed
        if event == "call" and frame.f_code.co_name == "check_unchanged":
            sys.setprofile(None)
            os.kill(os.getpid(), getattr(signal, sig))

    sys.setprofile(at_replace)
    try:
        res = runner.invoke(app, ["populate", str(book), "--period", "2013-Q1"])
    finally:
        sys.setprofile(None)
    assert res.exit_code == 1
    assert res.stderr.splitlines() == [f"Fel: finsam avbröts ({sig}) innan bok.xlsx sparades. Arbetsboken är oförändrad."]
    assert sha(book) == before
    assert ours(book.parent) == []
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the handlers are given back


def test_kill_9_during_the_save_leaves_a_temporary_file_the_next_run_removes(book):
    populate_workbook(book, period="2013-Q1")
    before = sha(book)
    run = run_cli("populate", str(book), "--period", "2013-Q1", cwd=book.parent, prelude=AT_REPLACE.format(sig="SIGKILL"))
    assert run.returncode == -signal.SIGKILL
    left = [n for n in ours(book.parent) if not n.startswith(".finsam-lock-")]
    assert len(left) == 1 and left[0].endswith(".xlsx")
    assert sha(book) == before
    old = time.time() - 120  # the killed run was two minutes ago
    os.utime(book.parent / left[0], (old, old))
    keep = book.parent / f".finsam-{os.getpid()}-abcd1234.xlsx"  # a live run's file
    keep.write_bytes(b"in use")
    os.utime(keep, (old, old))
    populate_workbook(book, period="2013-Q1")
    assert ours(book.parent) == [keep.name]


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")  # nothing speaks after the Fel: line
def test_a_full_disk_is_one_swedish_line_and_nothing_changes(book):
    import resource

    populate_workbook(book, period="2013-Q1")
    before = sha(book)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))  # no file may grow past 4 kB: the disk is "full"
    try:
        res = runner.invoke(app, ["populate", str(book), "--period", "2013-Q1"])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert res.exit_code == 1
    assert res.stderr.splitlines() == [
        "Fel: bok.xlsx gick inte att spara: filen blir större än filsystemet tillåter. Inget har ändrats."
    ]
    assert sha(book) == before
    assert ours(book.parent) == []


def test_os_errors_are_told_in_swedish():
    import errno

    from finsam.saving import os_error_text

    assert os_error_text(OSError(errno.ENOSPC, "No space left on device")) == "disken är full"
    assert os_error_text(OSError(errno.EACCES, "Permission denied")) == "behörighet saknas"
    assert "No such" not in os_error_text(OSError(errno.ENOENT, "No such file or directory"))


# --- names, owner and mode -------------------------------------------------------------------

def test_a_254_byte_workbook_name_is_populated_and_its_excel_owner_file_found(sample_sources):
    src, tmp_path = sample_sources, sample_sources.parent
    name = "kvartalsuppföljning-" + "x" * (254 - len("kvartalsuppföljning-".encode()) - len(".xlsx")) + ".xlsx"
    assert len(name.encode()) == 254
    path = tmp_path / name
    new_workbook(path, load_settings(src / "sjuharad.toml"))
    populate_workbook(path, period="2013-Q1")
    before = sha(path)
    owner = tmp_path / ("~$" + name[2:])  # "~$" + the whole name would not fit: Excel drops two characters
    owner.write_bytes(b"\x04Anna" + b" " * 50)
    with pytest.raises(WorkbookError, match=r"är öppen i Excel av Anna sedan .* ta sedan bort ~\$") as info:
        populate_workbook(path, period="2013-Q1")
    assert owner.name in str(info.value)
    assert sha(path) == before


def test_the_saved_file_keeps_owner_and_mode(book):
    os.chmod(book, 0o640)
    os.chown(book, 4321, 8765)  # the tests run as root; a colleague's file on a shared folder
    populate_workbook(book, period="2013-Q1")
    st = book.stat()
    assert (oct(st.st_mode & 0o777), st.st_uid, st.st_gid) == ("0o640", 4321, 8765)


# --- package parts ------------------------------------------------------------------------------

def with_parts(path: Path, case: str) -> Path:
    """The workbook at ``path`` with the parts, relationships and content types of
    ``tests/data/parts/<case>.toml`` added (as .xlsm when the case says ``macro_enabled``)."""
    spec = tomllib.loads((PARTS / f"{case}.toml").read_text(encoding="utf-8"))
    out = path.with_suffix(".xlsm") if spec.get("macro_enabled") else path.with_name(f"{case}.xlsx")
    rels: dict[str, list[dict]] = {}
    for r in spec.get("relationship", []):
        rels.setdefault(r["rels"], []).append(r)
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                add = "".join(f'<Default Extension="{d["extension"]}" ContentType="{d["type"]}"/>' for d in spec.get("default", []))
                add += "".join(f'<Override PartName="{o["part"]}" ContentType="{o["type"]}"/>' for o in spec.get("override", []))
                if spec.get("macro_enabled"):
                    data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                data = data.replace(b"</Types>", add.encode() + b"</Types>")
            if item.filename in rels:
                add = "".join(f'<Relationship Id="rIdT{i}" Type="{r["type"]}" Target="{r["target"]}"/>'
                              for i, r in enumerate(rels[item.filename]))
                data = data.replace(b"</Relationships>", add.encode() + b"</Relationships>")
            zout.writestr(item, data)
        for part in spec.get("part", []):
            zout.writestr(part["name"], part["text"].encode("utf-8"))
    return out


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.mark.parametrize("case", ["powerquery", "embedded", "dynamic-array"])
def test_a_part_that_would_vanish_stops_the_save_and_is_named(book, case):
    spec = tomllib.loads((PARTS / f"{case}.toml").read_text(encoding="utf-8"))
    path = with_parts(book, case)
    before = sha(path)
    res = runner.invoke(app, ["populate", str(path), "--period", "2013-Q1"])
    assert res.exit_code == 1
    assert res.stderr.startswith(f"Fel: {path.name} innehåller delar som skulle försvinna när finsam sparar: ")
    lost = res.stderr.split("sparar: ", 1)[1].split(". Inget har skrivits")[0]
    assert lost.split("; ") == spec["lost"]
    assert "--force" in res.stderr
    assert sha(path) == before
    populate_workbook(path, period="2013-Q1", force=True)
    after = parts_of(path)
    assert [p["name"] for p in spec["part"] if p["name"].startswith("customXml/") and p["name"] not in after] == []


@pytest.mark.parametrize("case", ["sharepoint", "signed-vba"])
def test_metadata_and_a_vba_signature_are_carried_over(book, case):
    spec = tomllib.loads((PARTS / f"{case}.toml").read_text(encoding="utf-8"))
    path = with_parts(book, case)
    original = parts_of(path)
    populate_workbook(path, period="2013-Q1")
    populate_workbook(path, period="2013-Q1")  # twice: nothing doubled
    after = parts_of(path)
    assert {n: after.get(n) for n in spec["carried"]} == {n: original[n] for n in spec["carried"]}
    for r in spec["relationship"]:
        assert after[r["rels"]].count(f'Target="{r["target"]}"'.encode()) == 1
    for o in spec.get("override", []):
        assert after["[Content_Types].xml"].count(f'PartName="{o["part"]}"'.encode()) == 1
    for prop in spec.get("properties", []):
        assert f'name="{prop}"'.encode() in after["docProps/custom.xml"]
    assert OpenpyxlBook(path).read("fs_deltagare_summa_unika_in") == [[133]]  # still a workbook openpyxl reads


def test_printer_settings_excel_rebuilds_do_not_stop_the_save(book):
    path = with_parts(book, "printer")
    populate_workbook(path, period="2013-Q1")
    assert "xl/printerSettings/printerSettings1.bin" not in parts_of(path)
    assert load_workbook(path)[layout.SHEET_ECONOMY].page_setup.orientation == "landscape"
