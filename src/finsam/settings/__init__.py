"""Settings of one association and one year.

Where they come from, in order of precedence (first wins):
command-line option > the workbook's settings sheet (``Inställningar``) > the TOML file given
to ``finsam new`` > the defaults (in :mod:`~finsam.settings.model`). ``finsam new`` copies
the TOML file into the settings sheet; from then on the workbook carries its own settings, so populating (from the
CLI or the Excel button) needs only the workbook and its sources folder.

The settings sheet is a list of rows (:func:`settings_to_rows` / :func:`settings_from_rows`):
key/value rows first, then one section per list, each headed by a row ``[Section]`` and a row
of column names. Both openpyxl and xlwings read it as a plain 2D list of values.

The package: :mod:`~finsam.settings.model` (the dataclasses and defaults),
:mod:`~finsam.settings.load` (TOML file or workbook → :class:`Settings`),
:mod:`~finsam.settings.rows` (the settings sheet's rows, both ways),
:mod:`~finsam.settings.validation` (the checks both readers run: members among Sweden's 290
municipalities, cost centres, shares …) and :mod:`~finsam.settings.values` (one value: whole
number, percentage, code). Import the names below from ``finsam.settings``.
"""

from finsam.settings.model import (
    CATEGORIES,
    DEFAULT_AGE_BANDS,
    DEFAULT_RESULT_MAPPING,
    DEFAULT_SEX_VALUES,
    MUNICIPALITIES_LINE,
    RESULT_CATEGORIES,
    SEXES,
    SOURCE_KINDS,
    AgeBand,
    CostCentre,
    EquityStep,
    FinancingLine,
    Group,
    MunicipalShare,
    Municipality,
    Settings,
)
from finsam.settings.load import load_settings
from finsam.settings.rows import (
    EQUITY_GUIDELINE_ROWS,
    SECTION_CATEGORIES,
    SECTION_EQUITY_GUIDELINE,
    SECTION_MUNICIPAL_SPLIT,
    key_label,
    settings_from_rows,
    settings_to_rows,
)

__all__ = [
    "CATEGORIES", "DEFAULT_AGE_BANDS", "DEFAULT_RESULT_MAPPING", "DEFAULT_SEX_VALUES", "EQUITY_GUIDELINE_ROWS",
    "MUNICIPALITIES_LINE", "RESULT_CATEGORIES", "SECTION_CATEGORIES", "SECTION_EQUITY_GUIDELINE",
    "SECTION_MUNICIPAL_SPLIT", "SEXES", "SOURCE_KINDS", "AgeBand", "CostCentre", "EquityStep", "FinancingLine",
    "Group", "MunicipalShare", "Municipality", "Settings", "key_label", "load_settings", "settings_from_rows",
    "settings_to_rows",
]
