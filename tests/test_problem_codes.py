"""Problem codes: one registry (finsam.problems.CODES), every code used in src registered and
documented, and nothing registered that nothing reports."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import finsam
from finsam.errors import Problem, problem
from finsam.problems import CODES, markdown

SRC = Path(finsam.__file__).parent
ROOT = Path(__file__).parent.parent
CODE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
#: Strings of a code's shape that are not problem codes.
NOT_CODES = {"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "finsam-version"}


def codes_in_src() -> dict[str, set[str]]:
    """Every code-shaped string constant in src/finsam (but the registry), with its files."""
    found: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        if path.name == "problems.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            hits = []
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
                hits.append(node.value)
            if isinstance(node, ast.Call):  # a code without a hyphen ("publiceringskopia")
                name = ast.unparse(node.func).split(".")[-1]
                at = {"Problem": 0, "problem": 0, "row_problems": 2}.get(name)
                if at is not None and len(node.args) > at and isinstance(node.args[at], ast.Constant):
                    hits.append(node.args[at].value)
            for code in hits:
                found.setdefault(code, set()).add(path.relative_to(SRC).as_posix())
    return {k: v for k, v in found.items() if k not in NOT_CODES}


def test_every_code_used_is_registered():
    unregistered = {code: sorted(files) for code, files in codes_in_src().items() if code not in CODES}
    assert not unregistered, f"add a line to finsam/problems.py CODES for: {unregistered}"


def test_every_registered_code_is_used():
    used = codes_in_src()
    assert sorted(set(CODES) - set(used)) == []


def test_registry_entries_are_complete():
    for c in CODES.values():
        assert c.severity in ("error", "warning", "info"), c
        assert c.title.strip() and c.fix.strip() and c.where.strip(), c
        assert c.fix.rstrip().endswith("."), c  # a sentence saying what to do


def test_docs_list_every_code():
    page = (ROOT / "docs" / "problem-codes.md").read_text(encoding="utf-8")
    assert page == markdown(), "regenerate docs/problem-codes.md from finsam.problems.markdown()"
    for code, c in CODES.items():
        assert f"| `{code}` | {c.severity} |" in page
    assert "docs/problem-codes.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_a_problem_goes_through_the_registry():
    with pytest.raises(ValueError, match="not in finsam.problems.CODES"):
        Problem("finns-inte", "error", "x.csv", 2, None, "text")
    with pytest.raises(ValueError, match="registered: error"):
        Problem("summa-ej-formel", "warning", "Ekonomi", 2, None, "text")
    p = problem("prognos-tecken", "prognos.csv", 3, "Prognos (tkr)", "Kontrollera tecknet.")
    assert (p.code, p.severity) == ("prognos-tecken", "warning")
