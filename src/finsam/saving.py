"""Replacing a workbook file without losing anything: the rules of the file, not of its cells.

:mod:`finsam.workbook` decides *what* to write; this module makes sure writing it cannot
lose a person's work:

- **One finsam at a time** (:func:`workbook_lock`): an OS-level lock (``fcntl.flock``, on
  Windows ``msvcrt.locking``) on a small file of ours beside the workbook,
  ``.finsam-lock-<name>``. The operating system releases it when the process dies, so a
  lock left by a killed run never blocks; the file is removed on release.
- **Nobody else changed it** (:class:`FileStamp`): the workbook's size and SHA-256 when it
  was read are compared with the file just before it is replaced (an edit saved in Excel
  meanwhile, a run that did not take the lock).
- **Excel has it open** (:func:`excel_owner_file`): Excel's owner file ``~$<name>``; the
  message says who opened it, when, and how to tell a stale one from a real one.
- **No half-written file** (:func:`replace_file`): the bytes are written to a temporary file
  ``.finsam-<pid>-<random>.xlsx`` in the same folder, flushed, given the old file's mode
  and owner, then ``os.replace``-d over the workbook. SIGTERM/SIGINT/SIGHUP while the lock
  is held raise :class:`Interrupted`, so the temporary file is removed; temporary files a
  killed run (``kill -9``, power cut) left are removed by the next run
  (:func:`remove_stale_temp_files`).
- **OS errors in Swedish** (:func:`finsam.errors.os_error_text`): disk full, no permission.

Parts of the package a person added that openpyxl drops are compared in
:mod:`finsam.parts`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from finsam.errors import WorkbookError, os_error_text

#: Longest file name (bytes) most file systems take (ext4, NTFS in UTF-16 units, APFS).
NAME_MAX = 255
#: A temporary file of ours is stale when its process is gone and it is older than this
#: (seconds); one older than :data:`STALE_ANY` is stale whatever its process id says (a pid
#: reused, or a run on another computer sharing the folder).
STALE_DEAD = 60
STALE_ANY = 24 * 60 * 60
TEMP_PREFIX = ".finsam-"
_TEMP_NAME = re.compile(r"^\.finsam-(?:(\d+)-)?[A-Za-z0-9_]+(?:\.xlsx|\.xlsm)?$")

class Interrupted(WorkbookError):
    """finsam got SIGTERM, SIGINT or SIGHUP while it held a workbook's lock."""


# --- who else has the workbook -----------------------------------------------------------

def excel_owner_file(path: Path) -> Path | None:
    """Excel's owner file of the workbook at ``path`` when it exists, else ``None``.

    Excel writes ``~$<name>`` beside a workbook it opens; when that name would be longer
    than :data:`NAME_MAX` bytes it drops the name's first two characters. A name the file
    system cannot hold is no owner file (never an error: a 254-byte workbook name is legal).
    """
    path = Path(path)
    name = "~$" + path.name
    if len(name.encode("utf-8")) > NAME_MAX:
        name = "~$" + path.name[2:]
    owner = path.with_name(name)
    try:
        return owner if owner.is_file() else None
    except OSError:
        return None


def _owner_user(owner: Path) -> str | None:
    """The user name Excel wrote in its owner file (first byte: its length, then the name in
    the system code page), when it reads as a plain name."""
    try:
        data = owner.read_bytes()[:64]
    except OSError:
        return None
    n = data[0] if data else 0
    if not 0 < n < len(data):
        return None
    user = data[1 : 1 + n].decode("cp1252", errors="replace").strip()
    return user if user and user.isprintable() and "\ufffd" not in user else None


def excel_open_message(path: Path, owner: Path) -> str:
    """The Swedish message for a workbook Excel has open (or had, when Excel crashed):
    who and since when, and how to tell."""
    user = _owner_user(owner)
    try:
        since = dt.datetime.fromtimestamp(owner.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    except OSError:
        since = "okänd tid"
    by = f" av {user}" if user else ""
    return (
        f"{path.name} är öppen i Excel{by} sedan {since} (Excel har skrivit filen {owner.name} bredvid den). "
        "Stäng arbetsboken i Excel och kör igen. Är den inte öppen någonstans (Excel kraschade eller "
        "datorn stängdes av): kontrollera att ingen annan har den öppen, om mappen är delad, och ta "
        f"sedan bort {owner.name} och kör igen. Inget har ändrats."
    )


def check_not_open(path: Path) -> None:
    """Raise when Excel has the workbook open (its owner file exists).

    Raises:
        WorkbookError: with :func:`excel_open_message`.
    """
    owner = excel_owner_file(path)
    if owner is not None:
        raise WorkbookError(excel_open_message(path, owner))


# --- one finsam at a time ----------------------------------------------------------------

def lock_path(path: Path) -> Path:
    """The lock file of the workbook at ``path``: ``.finsam-lock-<name>`` beside it, or
    ``.finsam-lock-<hash>`` when that name would be too long for the file system."""
    path = Path(path)
    name = ".finsam-lock-" + path.name
    if len(name.encode("utf-8")) > NAME_MAX:
        name = ".finsam-lock-" + hashlib.sha256(path.name.encode("utf-8")).hexdigest()[:16]
    return path.with_name(name)


def _try_lock(fd: int) -> bool:
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _holder(lock: Path) -> str:
    try:
        text = lock.read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        return ""
    return f" (process {text[0]})" if text and text[0].isdigit() else ""


@contextmanager
def workbook_lock(path: Path) -> Iterator[None]:
    """Hold the workbook's lock (:func:`lock_path`) for the block; remove stale temporary
    files of ours in its folder first (:func:`remove_stale_temp_files`). While the lock is
    held, SIGTERM, SIGINT and SIGHUP raise :class:`Interrupted` (in the main thread), so a
    half-written temporary file is cleaned up on the way out.

    Raises:
        WorkbookError: another finsam run holds the lock (it is not waited for), or the lock
            file cannot be created (no write permission in the folder: the save would fail too).
    """
    path = Path(path).resolve()
    lock = lock_path(path)
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise WorkbookError(
                f"{path.name}: finsam kan inte skriva i mappen {path.parent} ({os_error_text(exc)}). "
                "Kontrollera behörigheten, eller kopiera arbetsboken till en mapp där du får skriva."
            ) from None
        if not _try_lock(fd):
            os.close(fd)
            raise WorkbookError(
                f"{path.name} används just nu av en annan finsam-körning{_holder(lock)}. Vänta tills den är "
                "klar och kör igen. (Låset släpps av sig självt när den körningen avslutas.)"
            )
        try:  # the holder before us may have removed the file we opened: lock the one on disk
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except OSError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        remove_stale_temp_files(path.parent)
        with _signals_interrupt(path):
            yield
    finally:
        try:
            os.unlink(lock)
        except OSError:
            pass  # Windows: still open; the next run reuses it
        os.close(fd)


@contextmanager
def _signals_interrupt(path: Path) -> Iterator[None]:
    """SIGTERM/SIGINT/SIGHUP → :class:`Interrupted` for the block (main thread only; elsewhere
    the block runs unchanged)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [getattr(signal, n) for n in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, n)]

    def handler(signum, frame):
        name = signal.Signals(signum).name
        raise Interrupted(f"finsam avbröts ({name}) innan {path.name} sparades. Arbetsboken är oförändrad.")

    old = {s: signal.signal(s, handler) for s in wanted}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


# --- temporary files ---------------------------------------------------------------------

def temp_name(suffix: str = "") -> str:
    """A temporary name of ours, short so it fits beside any workbook name:
    ``.finsam-<pid>-<random><suffix>``."""
    return f"{TEMP_PREFIX}{os.getpid()}-{os.urandom(4).hex()}{suffix}"


def _alive(pid: int) -> bool | None:
    """Whether process ``pid`` runs on this computer; ``None`` when that cannot be asked."""
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would end the process on Windows
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return None
    return True


def remove_stale_temp_files(folder: Path, *, now: float | None = None) -> list[str]:
    """Remove temporary files (and folders) of ours in ``folder`` that a killed run left:
    named like :func:`temp_name`, older than :data:`STALE_DEAD` seconds with their process
    gone, or older than :data:`STALE_ANY`. Returns the names removed; errors are ignored
    (the file stays, nothing else happens)."""
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        if not m:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            pid = int(m.group(1)) if m.group(1) else None
            if pid == os.getpid() or age < STALE_DEAD:
                continue
            if age < STALE_ANY and (pid is None or _alive(pid) is not False):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(entry.name)
        except OSError:
            continue
    return removed


@contextmanager
def temp_dir(folder: Path) -> Iterator[Path]:
    """A temporary folder of ours (:func:`temp_name`) in ``folder``, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=folder))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- has it changed since it was read -------------------------------------------------

@dataclass(frozen=True)
class FileStamp:
    """What a file was when finsam read it: size (bytes), modification time (ns since the
    epoch) and SHA-256 of the bytes read."""

    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path, data: bytes) -> "FileStamp":
        """The stamp of ``data`` just read from ``path`` (mtime from the file)."""
        return cls(len(data), os.stat(path).st_mtime_ns, hashlib.sha256(data).hexdigest())

    def changed(self, path: Path) -> bool:
        """True when the file at ``path`` no longer holds the bytes stamped (or is gone). An
        mtime change alone (a sync client touching the file) is no change."""
        try:
            st = os.stat(path)
            if st.st_size != self.size:
                return True
            with open(path, "rb") as fh:
                return hashlib.sha256(fh.read()).hexdigest() != self.sha256
        except OSError:
            return True


def check_unchanged(path: Path, stamp: FileStamp) -> None:
    """Raise when the workbook changed on disk since it was read.

    Raises:
        WorkbookError: naming when it was changed and what to do.
    """
    if not stamp.changed(path):
        return
    try:
        when = dt.datetime.fromtimestamp(os.stat(path).st_mtime).strftime("%H:%M:%S")
        what = f"sparades kl. {when} av någon annan"
    except OSError:
        what = "togs bort eller flyttades"
    raise WorkbookError(
        f"{Path(path).name} {what} medan finsam arbetade (t.ex. i Excel). finsam skriver inte över den "
        "ändringen: inget har skrivits. Stäng arbetsboken i Excel och kör igen."
    )


# --- writing the file ----------------------------------------------------------------------

def _file_mode(path: Path) -> int:
    """The permission bits the saved file gets: the existing file's, else the usual ones for
    a new file (0666 less the umask) — not the 0600 of a temporary file, so colleagues on a
    shared folder can open the workbook."""
    if path.exists():
        return stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def keep_mode_and_owner(new: Path, old: Path) -> None:
    """Give ``new`` the permission bits and (where allowed) owner and group of ``old`` (or,
    when ``old`` does not exist, the mode a new file gets)."""
    os.chmod(new, _file_mode(old))
    if os.name == "nt" or not old.exists():  # pragma: no cover - Windows has no chown
        return
    st = old.stat()
    for uid, gid in ((st.st_uid, st.st_gid), (-1, st.st_gid)):
        try:
            os.chown(new, uid, gid)
            return
        except PermissionError:
            continue  # only root may give a file away; keep at least the group


def check_writable_target(path: Path) -> None:
    """Refuse early when ``path`` cannot be a workbook we replace: a folder, a missing folder,
    a read-only file, or Excel has it open (:func:`check_not_open`).

    Raises:
        WorkbookError: which of these, and what to do.
    """
    if path.is_dir():
        raise WorkbookError(f"{path} är en mapp. Ange ett filnamn som slutar på .xlsx.")
    if not path.parent.is_dir():
        raise WorkbookError(f"Mappen {path.parent} finns inte (eller är en fil). Skapa mappen eller välj en annan sökväg.")
    check_not_open(path)
    if path.exists() and not path.stat().st_mode & 0o222:
        raise WorkbookError(f"{path.name} är skrivskyddad. Ta bort skrivskyddet (eller spara en kopia) och försök igen.")


def replace_file(data: bytes, path: Path, *, stamp: FileStamp | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then replace.

    The temporary file is flushed to disk and given the old file's mode and owner first;
    with ``stamp`` (the file as it was read) the file must still hold those bytes
    (:func:`check_unchanged`). Whatever happens, the temporary file is gone afterwards and
    the workbook either the old or the new bytes.

    Raises:
        WorkbookError: not writable (:func:`check_writable_target`), changed since read,
            Excel has it open, or an OS error (disk full…) — in Swedish, nothing changed.
    """
    path = Path(path)
    check_writable_target(path)
    tmp = path.with_name(temp_name(path.suffix))
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        keep_mode_and_owner(tmp, path)
        check_not_open(path)
        if stamp is not None:
            check_unchanged(path, stamp)
        os.replace(tmp, path)
    except PermissionError:
        raise WorkbookError(
            f"{path.name} går inte att skriva (låst, skrivskyddad eller i en mapp utan skrivrätt). "
            "Stäng den i Excel och kontrollera behörigheten, försök sedan igen."
        ) from None
    except OSError as exc:
        raise WorkbookError(f"{path.name} gick inte att spara: {os_error_text(exc)}. Inget har ändrats.") from None
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


__all__ = [
    "FileStamp", "Interrupted", "check_not_open", "check_unchanged", "check_writable_target", "excel_owner_file",
    "excel_open_message", "keep_mode_and_owner", "lock_path", "remove_stale_temp_files",
    "replace_file", "temp_dir", "temp_name", "workbook_lock",
]
