"""Shared fixtures: the sample association, its expected figures, LibreOffice recalculation.

xlwings decides at import time whether its PRO part (the "remote" engine behind
``xw.Book(json=…)``, ``xlwings.server``) is available, from the licence key. The tests use
xlwings' noncommercial key, so it is set here, before any test module imports xlwings; only
the tests set it, never finsam itself.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tomllib
from pathlib import Path

import pytest

os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SAMPLE = ROOT / "src" / "finsam" / "sample"
SETTINGS = ROOT / "workbook" / "sjuharad.toml"

#: Synthetic personnummer the tests use (tests/data/personnummer/cases.toml): test data only.
PNR = tomllib.loads((DATA / "personnummer" / "cases.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def expected() -> dict:
    """The published Q1 2013 report's figures (the oracle)."""
    return json.loads((DATA / "sjuharad" / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def sample_sources(tmp_path) -> Path:
    """A copy of the embedded sample sources, both ledgers (SIE preferred)."""
    dst = tmp_path / "källor"
    shutil.copytree(SAMPLE, dst)
    return dst


@pytest.fixture
def csv_sources(sample_sources) -> Path:
    """The sample sources with the ledger as CSV only."""
    (sample_sources / "huvudbok.se").unlink()
    return sample_sources


@pytest.fixture
def sie_sources(sample_sources) -> Path:
    """The sample sources with the ledger as SIE 4 only."""
    (sample_sources / "huvudbok.csv").unlink()
    return sample_sources


@pytest.fixture(scope="session")
def settings():
    from finsam.settings import load_settings

    return load_settings(SETTINGS)


def edited_settings(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """A copy of the sample settings file with each ``(old, new)`` text replaced once (each
    ``old`` must be there, so a test cannot silently edit nothing)."""
    text = SETTINGS.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    f = tmp_path / "s.toml"
    f.write_text(text, encoding="utf-8")
    return f


@pytest.fixture
def addin_module():
    """The packaged add-in module ``finsam_addin.py``, loaded from its file as xlwings' RunPython
    imports it (it is no module of the finsam package)."""
    spec = importlib.util.spec_from_file_location("finsam_addin", ROOT / "src" / "finsam" / "addin_files" / "finsam_addin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
