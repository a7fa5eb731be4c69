"""Everything the command line prints is Swedish: usage errors, bad periods, unreadable
settings or workbooks, and problem rows (no "rad nan"). Each wrong input is run through
the console entry point and must give one Swedish ``Fel:`` line."""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from finsam.cli import main
from finsam.errors import Problem, ProblemError
from finsam.settings import load_settings
from finsam.workbook import new_workbook

DATA = Path(__file__).parent / "data" / "cli"
#: English that click, Python or a library would print.
ENGLISH = re.compile(r"\b(Got|Error|Option|arguments?\(s\)|such|must|required|Traceback|Usage|nan|No space|Permission|"
                     r"denied|Expected|invalid|file)\b")


def run(capsys, monkeypatch, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["finsam", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    return exit_.value.code, capsys.readouterr().err


@pytest.fixture()
def book(sample_sources) -> Path:
    path = sample_sources.parent / "bok.xlsx"
    new_workbook(path, load_settings(sample_sources / "sjuharad.toml"))
    return path


@pytest.mark.parametrize("args, code, line", [
    (["populate", "{book}", "extra"], 2, "Fel: för många argument: extra. Se 'finsam populate --help'."),
    (["populate"], 2, "Fel: arbetsboken saknas (ARBETSBOK). Se 'finsam populate --help'."),
    (["inspect"], 2, "Fel: källfilen saknas (KÄLLFIL). Se 'finsam inspect --help'."),
    (["new", "{book}"], 2, "Fel: flaggan --settings saknas. Se 'finsam new --help'."),
    (["populate", "{book}", "--sources"], 2, "Fel: flaggan --sources behöver ett värde. Se 'finsam --help'."),
    (["populate", "{book}", "--force=ja"], 2, "Fel: flaggan --force tar inget värde. Se 'finsam --help'."),
    (["populate", "{book}", "--forse"], 2, "Fel: okänd flagga --forse (menade du --force?). Se 'finsam populate --help'."),
    (["populate", "{book}", "--mask-below", "1"], 2, "Fel: ogiltigt värde för --mask-below: ska vara minst 2. Se 'finsam populate --help'."),
    (["populate", "{book}", "--period", "2013-13"], 1, "Fel: Perioden '2013-13' är inget giltigt datum (månaden ska vara 01–12)."),
    (["populate", "{book}", "--period", "2013-02-30"], 1,
     "Fel: Perioden '2013-02-30' är inget giltigt datum (den dagen finns inte i månaden)."),
    (["new", "{tmp}/ny.xlsx", "--settings", f"{DATA}/trasig.toml"], 1,
     "Fel: Inställningsfilen trasig.toml är ingen giltig TOML-fil (rad 3, kolumn 6). Jämför med workbook/sjuharad.toml."),
    (["populate", f"{DATA}/inte-en-arbetsbok.xlsx"], 1,
     "Fel: inte-en-arbetsbok.xlsx går inte att läsa som .xlsx-arbetsbok (filen är ingen zip-fil, alltså ingen .xlsx). "
     "Öppna den i Excel och spara den som Excel-arbetsbok (.xlsx), eller skapa en ny med 'finsam new'."),
    (["inspect", f"{DATA}/citattecken.csv"], 1,
     "Fel: citattecken.csv går inte att läsa som CSV (citattecknet på rad 3 avslutas aldrig). "
     "Kontrollera citattecken och avgränsare nära den raden."),
])
def test_wrong_input_gives_one_swedish_line(capsys, monkeypatch, book, args, code, line):
    args = [a.format(book=book, tmp=book.parent) for a in args]
    got, err = run(capsys, monkeypatch, *args)
    assert (got, err.splitlines()) == (code, [line])
    assert ENGLISH.findall(line.replace("--force", "").replace("--help", "")) == []


def test_a_problem_row_from_pandas_is_a_plain_number_or_none():
    assert Problem("tal-ogiltigt", "error", "f.csv", np.int64(7), None, "m").row == 7
    assert type(Problem("tal-ogiltigt", "error", "f.csv", np.float64(7.0), None, "m").row) is int
    nan = Problem("tal-ogiltigt", "error", "f.csv", math.nan, "Kolumn", "Rätta cellen.")
    assert nan.row is None
    assert str(ProblemError([nan])) == "f.csv, kolumn Kolumn: Rätta cellen."
