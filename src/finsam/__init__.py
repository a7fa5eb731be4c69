"""finsam: a samordningsförbund's quarterly follow-up workbook from its source files.

The library is the product; the ``finsam`` command line (:mod:`finsam.cli`) and the Excel
add-in (:mod:`finsam.excel`) only parse their inputs, call it and turn its errors into
messages. The public API, importable from the package root::

    from finsam import load_settings, new_workbook, populate_workbook, validate_workbook

    new_workbook("bok.xlsx", load_settings("sjuharad.toml"))
    result = populate_workbook("bok.xlsx", sources="källor", period="2013-Q1")
    report = validate_workbook("bok.xlsx")

* files: :func:`new_workbook`, :func:`populate_workbook` (:mod:`finsam.workbook`),
  :func:`validate_workbook` → :class:`Report` (:mod:`finsam.validate`);
* an open Excel workbook (xlwings): :func:`populate_book`, :func:`validate_book`
  (:mod:`finsam.excel`);
* the tables as pandas frames, without a workbook: :func:`participants_by_municipality`,
  :func:`anonymous_by_insats`, :func:`economy`, :func:`summary` (:mod:`finsam.tables`),
  :func:`participants_by_insats` (more in :mod:`finsam.participant_tables`: results, ages);
* settings and periods: :func:`load_settings`, :class:`Settings`, :func:`parse_period`,
  :class:`Period`; errors: :class:`FinsamError` (and its subclasses), :class:`Problem`.

Names are imported on first use (PEP 562), so ``import finsam`` and ``finsam --help`` stay fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: Public name → the module that defines it.
_EXPORTS = {
    "new_workbook": "finsam.workbook",
    "populate_workbook": "finsam.workbook",
    "validate_workbook": "finsam.validate",
    "Report": "finsam.validate",
    "populate_book": "finsam.excel",
    "validate_book": "finsam.excel",
    "participants_by_municipality": "finsam.tables",
    "anonymous_by_insats": "finsam.tables",
    "economy": "finsam.tables",
    "summary": "finsam.tables",
    "participants_by_insats": "finsam.participant_tables",
    "load_settings": "finsam.settings",
    "Settings": "finsam.settings",
    "parse_period": "finsam.period",
    "Period": "finsam.period",
    "PopulateResult": "finsam.populate",
    "FinsamError": "finsam.errors",
    "SourceError": "finsam.errors",
    "SettingsError": "finsam.errors",
    "WorkbookError": "finsam.errors",
    "PeriodError": "finsam.errors",
    "ProblemError": "finsam.errors",
    "Problem": "finsam.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    """The public names of :data:`__all__`, imported from their module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'finsam' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
