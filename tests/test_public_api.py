"""The public surface: the package root's API, docstrings on every public function, Swedish
help on every command."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest
import typer.main

import finsam
from finsam.cli import app

SRC = Path(finsam.__file__).parent


def test_the_root_exports_the_public_api():
    for name in ("new_workbook", "populate_workbook", "validate_workbook", "populate_book", "validate_book",
                 "participants_by_municipality", "anonymous_by_insats", "economy", "summary"):
        assert name in finsam.__all__, name
    for name in finsam.__all__:
        value = getattr(finsam, name)
        if name != "__version__":
            assert inspect.getdoc(value), f"finsam.{name} has no docstring"
            assert value.__module__.startswith("finsam."), name
    with pytest.raises(AttributeError):
        finsam.no_such_name  # noqa: B018


def _public_definitions():
    """(module, qualified name, node) of every public function, class and public method of a
    public class defined in src/finsam (the add-in's files excepted: they run inside Excel)."""
    for path in sorted(SRC.rglob("*.py")):
        if "addin_files" in path.parts:
            continue
        module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                yield module, node.name, node
                if isinstance(node, ast.ClassDef):
                    for item in node.body:
                        if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                            yield module, f"{node.name}.{item.name}", item


def test_every_public_function_has_a_docstring():
    found = list(_public_definitions())
    assert len(found) > 100  # the walk reaches the package
    missing = [f"{m}.{name}" for m, name, node in found if not ast.get_docstring(node)]
    assert missing == []


#: Words that make a help text Swedish (with å, ä, ö: any of them suffices).
SWEDISH = re.compile(r"[åäöÅÄÖ]|\b(och|som|med|till|eller|annars|en|ett|i|om|på|där|skrivs|mapp|fil)\b")
ENGLISH = re.compile(r"\b(the|and|with|file|folder|workbook|write|read|show)\b", re.IGNORECASE)


def _commands():
    group = typer.main.get_command(app)
    return sorted(group.commands.items())


def test_there_are_commands():
    assert {"new", "populate", "validate", "demo", "inspect", "addin"} <= {name for name, _ in _commands()}


@pytest.mark.parametrize("name,command", _commands())
def test_every_command_has_swedish_help(name, command):
    texts = {name: command.help or ""}
    texts.update({f"{name} {p.name}": getattr(p, "help", None) or "" for p in command.params if p.name != "help"})
    for where, text in texts.items():
        assert text.strip(), f"{where}: no help text"
        words = re.sub(r"\S*[/\\]\S*|--\S+", "", text)  # paths and options are no language
        assert SWEDISH.search(words) and not ENGLISH.search(words), f"{where}: not Swedish: {text!r}"


#: Issue 10's house rules: a module that grows past this does more than one job (the SIE reader
#: is the one exception: one file format, one module); populate.py only turns sources into blocks.
MODULE_LINES, POPULATE_LINES, EXEMPT = 450, 300, {"sources/sie.py"}


def test_no_module_outgrows_the_house_rules():
    src = Path(finsam.__file__).parent
    sizes = {p.relative_to(src).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in src.rglob("*.py")}
    assert {m: n for m, n in sizes.items() if n > MODULE_LINES and m not in EXEMPT} == {}
    assert sizes["populate.py"] <= POPULATE_LINES


def test_validate_does_not_import_populate():
    text = (Path(finsam.__file__).parent / "validate.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from finsam\.populate|from finsam import populate|import finsam\.populate)", text, re.M)
