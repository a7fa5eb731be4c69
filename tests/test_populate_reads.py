"""Populate reads the workbook once, up front, then computes (issue 10): every defined name at
most once, every read before anything is computed from the sources, and the computation
takes only what was read (:class:`finsam.book.Held`), not the workbook."""

from __future__ import annotations

import pytest

from finsam import layout, populate, tables
from finsam.book import Held, read_held
from finsam.errors import WorkbookError
from finsam.workbook import OpenpyxlBook, new_workbook


class Recording:
    """A BookIO around an OpenpyxlBook that logs each read and write, in order."""

    def __init__(self, io: OpenpyxlBook, log: list):
        self.io, self.log = io, log
        self.label, self.folder = io.label, io.folder

    def settings_rows(self):
        self.log.append(("settings", None))
        return self.io.settings_rows()

    def names(self):
        return self.io.names()

    def read(self, name):
        self.log.append(("read", name))
        return self.io.read(name)

    def write(self, blocks):
        self.log.append(("write", sorted(blocks)))
        self.io.write(blocks)


@pytest.mark.parametrize("mask_below", [None, 3])
def test_every_name_is_read_once_and_before_computing(sample_sources, settings, tmp_path, monkeypatch, mask_below):
    book = new_workbook(tmp_path / "bok.xlsx", settings)
    log: list = []
    real = tables.participants_by_municipality

    def first_table(*args, **kwargs):  # the first table computed from the sources
        log.append(("compute", None))
        return real(*args, **kwargs)

    monkeypatch.setattr(tables, "participants_by_municipality", first_table)
    io = Recording(OpenpyxlBook(book), log)
    result = populate.populate_io(io, sources=sample_sources, period="2013-Q1", mask_below=mask_below)

    reads = [name for kind, name in log if kind == "read"]
    assert len(reads) == len(set(reads)), sorted(n for n in reads if reads.count(n) > 1)
    kinds = [kind for kind, _ in log]
    assert kinds.index("compute") > max(i for i, k in enumerate(kinds) if k == "read")
    assert kinds[-1] == "write" and kinds.count("write") == 1
    assert set(reads) <= set(layout.read_names(settings))
    assert set(result.blocks) <= set(reads)  # each block written was read first (its shape checked)
    if mask_below:
        assert "fs_deltagare_summa" in result.blocks and "fs_insatser_totalt" in result.blocks


def test_the_computation_takes_what_was_read_not_the_workbook(sample_sources, settings, tmp_path):
    """A forecast typed in the workbook is kept from the cells read up front; a change to the
    workbook after that read does not reach the result."""
    book = new_workbook(tmp_path / "bok.xlsx", settings)
    io = OpenpyxlBook(book)
    prognos = io.read("fs_g1_prognos")
    typed = [[-123]] + [[None]] * (len(prognos) - 1)
    io.write({"fs_g1_prognos": typed})
    held = read_held(io, layout.read_names(settings))
    io.write({"fs_g1_prognos": [[-999]] * len(prognos)})  # after the read: not seen

    from finsam.period import resolve_period
    from finsam.sources.folder import read_sources

    src = read_sources(settings, sample_sources, period="2013-Q1")
    result = populate.compute(held, settings, src, resolve_period("2013-Q1", settings, src.ledger, None))
    assert result.blocks["fs_g1_prognos"][0] == [-123]
    assert all(row != [-999] for row in result.blocks["fs_g1_prognos"])


def test_held_says_which_name_is_missing(settings, tmp_path):
    io = OpenpyxlBook(new_workbook(tmp_path / "bok.xlsx", settings))
    held = read_held(io, ["fs_period", "fs_saknas"])
    assert isinstance(held, Held) and set(held.values) == {"fs_period"}
    with pytest.raises(WorkbookError, match="saknar namnet fs_saknas"):
        held.read("fs_saknas")
    with pytest.raises(KeyError):  # in the workbook but not read up front: a bug, not the person's
        held.read("fs_deltagare")
