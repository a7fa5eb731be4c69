"""LibreOffice headless: recalculate a workbook, or convert a document to PDF.

openpyxl writes formulas without their values; Excel computes them when a person opens and
saves the file. Where finsam needs the values itself (``finsam report`` reads the figures
the workbook shows) and the file has none cached, LibreOffice headless computes them:
``soffice --headless --convert-to xlsx``. The same call turns the report document into a
PDF (``--convert-to pdf``).

Each run gets a private LibreOffice profile in a temporary folder, so runs side by side (and
a LibreOffice a person has open) never share one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from finsam.errors import FinsamError

#: How long one conversion may take, seconds (a cold LibreOffice start is ~3 s here).
TIMEOUT_S = 180

#: The message when LibreOffice is needed but missing (Swedish: the person sees it).
MISSING = (
    "LibreOffice (soffice) finns inte på datorn. Installera det (t.ex. "
    "'apt-get install libreoffice-calc-nogui libreoffice-writer-nogui'), eller öppna arbetsboken i "
    "Excel och spara den så att formlernas värden sparas, och kör igen."
)


def soffice() -> str | None:
    """The LibreOffice program (``soffice``) on the PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(paths: list[Path], to: str, out_dir: Path) -> list[Path]:
    """Convert ``paths`` with one LibreOffice run; returns the new files, in order.

    ``to`` is LibreOffice's target (``"xlsx"``: a recalculated copy of a workbook; ``"pdf"``).

    Raises:
        FinsamError: LibreOffice is missing, fails, times out, or writes no file (Swedish).
    """
    program = soffice()
    if program is None:
        raise FinsamError(MISSING)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="finsam-lo-") as profile:
        env = dict(os.environ, HOME=profile)
        try:
            subprocess.run(
                [program, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--convert-to", to,
                 "--outdir", str(out_dir), *map(str, paths)],
                check=True, capture_output=True, timeout=TIMEOUT_S, env=env,
            )
        except subprocess.TimeoutExpired:
            raise FinsamError(f"LibreOffice svarade inte inom {TIMEOUT_S} s. Stäng andra LibreOffice-fönster och "
                              "försök igen.") from None
        except subprocess.CalledProcessError as exc:
            raise FinsamError(f"LibreOffice kunde inte konvertera {', '.join(Path(p).name for p in paths)} "
                              f"(slutkod {exc.returncode}).") from None
    suffix = "." + to.split(":")[0]
    out = [out_dir / (Path(p).stem + suffix) for p in paths]
    missing = [o.name for o in out if not o.exists()]
    if missing:
        raise FinsamError(f"LibreOffice skrev inte {', '.join(missing)}.")
    return out


def recalculated(path: Path, out_dir: Path) -> Path:
    """A copy of workbook ``path`` in ``out_dir`` with every formula's value computed.

    Raises:
        FinsamError: as :func:`convert`.
    """
    return convert([path], "xlsx", out_dir)[0]
