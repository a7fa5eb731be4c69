"""The report's text blocks: the sheet *Rapporttext*, its placeholders and how they are filled.

About half of the board's quarterly report (the seed, ``kvartalsuppfoljning-2013q1``) is
text around the tables: an introduction, the activities, the participants, the anonymous
participants, the economy, each group's table, the equity, footnotes. The workbook holds
those texts as person-editable cells on the sheet ``Rapporttext`` (one row per block, in
the seed's order), prefilled by ``finsam new`` with neutral starter text. ``finsam report``
puts them into the document with every ``{placeholder}`` replaced by the workbook's own value
(:data:`PLACEHOLDERS`), so the text and the tables never disagree.

Sheet ``Rapporttext``: column A the block's key (what ``finsam report`` looks for), B its
Swedish title, C the text (yellow: the person's). Defined name ``fs_rapporttext`` = the C
cells (blocks × 1). populate never writes them, except to mask a personnummer typed there
(as every person-editable text cell, :data:`finsam.layout.NOTES`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl.styles import Alignment
from openpyxl.workbook.workbook import Workbook

from finsam.blocks import SHEET_TEXT
from finsam.settings import Settings
from finsam.sheet import BOLD, INPUT_FILL, SMALL, TITLE, Names, print_setup, put, widths

#: The defined name of the text cells (blocks × 1).
NAME = "fs_rapporttext"
#: The defined name of the keys in column A (blocks × 1).
KEYS_NAME = "fs_rapporttext_nycklar"


@dataclass(frozen=True)
class TextBlock:
    """One text block: ``key`` (stable, in column A), Swedish ``title``, ``starter`` text."""

    key: str
    title: str
    starter: str


#: Placeholder → (defined name, row, column) of the value it stands for, read from the
#: recalculated workbook. Counts and tkr as the workbook shows them.
PLACEHOLDERS: dict[str, tuple[str, int, int]] = {
    "period": ("fs_periodetikett", 0, 0),
    "inflöde_antal": ("fs_deltagare_summa", 0, 0),
    "inflöde_unika": ("fs_deltagare_summa", 0, 1),
    "utflöde_antal": ("fs_deltagare_summa", 0, 2),
    "utflöde_unika": ("fs_deltagare_summa", 0, 3),
    "anonyma_antal": ("fs_anonyma_summa", 0, 0),
    "totala_kostnader_budget": ("fs_totala_kostnader", 0, 0),
    "totala_kostnader_ackumulerat": ("fs_totala_kostnader", 0, 1),
    "totala_kostnader_prognos": ("fs_totala_kostnader", 0, 2),
    "årets_finansiering_budget": ("fs_arets_finansiering_ek", 0, 0),
    "årets_finansiering_prognos": ("fs_arets_finansiering_ek", 0, 2),
    "eget_kapital_ingående": ("fs_eget_kapital", 0, 0),
    "eget_kapital_prognos": ("fs_eget_kapital_prognos", 0, 0),
}
#: Placeholders that are not a cell: the association's name and the year (from the settings).
SETTINGS_PLACEHOLDERS = ("förbund", "år")

_PLACEHOLDER = re.compile(r"\{([^{}\s]+)\}")


def text_blocks(settings: Settings) -> list[TextBlock]:
    """The text blocks in the seed report's order; one per cost-centre group after
    ``ekonomi`` (``grupp_1`` …), as the seed has a paragraph by each group's table."""
    blocks = [
        TextBlock("inledning", "Inledning",
                  "{förbund} finansierar samordnade insatser som ska hjälpa den enskilde att få, återfå, behålla "
                  "eller förbättra sin förmåga att förvärvsarbeta. Förbundsordningen anger att uppföljningar ska "
                  "upprättas kvartalsvis. Styrelsen översänder uppföljningen för {period} {år} enligt nedan."),
        TextBlock("verksamhet", "Verksamhet",
                  "Förbundets verksamheter bedrivs i enlighet med fastställd verksamhetsplan."),
        TextBlock("deltagare", "Deltagare",
                  "Under {period} skrevs deltagare in {inflöde_antal} gånger ({inflöde_unika} unika personer) och "
                  "ut {utflöde_antal} gånger ({utflöde_unika} unika personer). En deltagare kan delta i olika "
                  "insatser parallellt eller efter varandra, vilket visas i antal; unika visar antalet personer."),
        TextBlock("anonyma", "Anonymt registrerade deltagare",
                  "Utöver de registrerade deltagarna finns anonymt registrerade ({anonyma_antal} under perioden), "
                  "t.ex. vid deltagande i Aktiv hälsa där bara antal noteras. De ingår inte i tabellen över "
                  "kommunerna."),
        TextBlock("ekonomi", "Ekonomisk uppföljning",
                  "Nedan presenteras periodens ackumulerade nettokostnad för respektive kostnadsställe jämte "
                  "årsbudget och prognos. Utförande parter fakturerar generellt kvartalsvis i efterhand, så det "
                  "ackumulerade utfallet släpar efter."),
    ]
    for i, g in enumerate(settings.groups, start=1):
        blocks.append(TextBlock(f"grupp_{i}", f"Text till tabellen {g.title}", ""))
    blocks += [
        TextBlock("eget_kapital", "Eget kapital",
                  "Förbundet hade {eget_kapital_ingående} tkr i eget kapital vid föregående års slut enligt "
                  "årsredovisningen. Enligt prognosen är det eget kapitalet {eget_kapital_prognos} tkr vid årets "
                  "slut."),
        TextBlock("sammanstallning", "Sammanställning",
                  "Totala kostnader för året beräknas till {totala_kostnader_prognos} tkr mot budgeterade "
                  "{totala_kostnader_budget} tkr. Årets finansiering med eget kapital enligt prognos är "
                  "{årets_finansiering_prognos} tkr."),
        TextBlock("fotnoter", "Fotnoter", ""),
    ]
    return blocks


def text_sheet(wb: Workbook, names: Names, settings: Settings) -> None:
    """Lay out the sheet ``Rapporttext`` (see the module docstring) in ``wb``; prefilled
    with :func:`text_blocks`' starter texts."""
    ws = wb[SHEET_TEXT]
    put(ws, 1, 1, "Rapportens text").font = TITLE
    help_text = ("Texterna i kolumn C hamnar i rapporten (finsam report) i denna ordning. Ord inom klamrar "
                 "ersätts med arbetsbokens värden: " + ", ".join("{" + p + "}" for p in
                                                                 (*SETTINGS_PLACEHOLDERS, *PLACEHOLDERS)) + ".")
    put(ws, 2, 1, help_text, wrap=True).font = SMALL
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=3)
    ws.row_dimensions[2].height = 45
    for c, head in enumerate(("Nyckel", "Avsnitt", "Text"), start=1):
        put(ws, 4, c, head, bold=True)
    first = 5
    blocks = text_blocks(settings)
    for r, b in enumerate(blocks, start=first):
        put(ws, r, 1, b.key, wrap=True).font = SMALL
        put(ws, r, 2, b.title, wrap=True).font = BOLD
        put(ws, r, 3, b.starter or None, fill=INPUT_FILL, wrap=True)
        ws.cell(row=r, column=3).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[r].height = 90
    last = first + len(blocks) - 1
    names.add(NAME, SHEET_TEXT, first, 3, last, 3)
    names.add(KEYS_NAME, SHEET_TEXT, first, 1, last, 1)
    widths(ws, {"A": 16, "B": 26, "C": 110})
    print_setup(ws, settings, "4:4")


def placeholders_in(text: str) -> list[str]:
    """The ``{placeholder}`` names in ``text``, in order."""
    return _PLACEHOLDER.findall(text or "")


def fill(text: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """``text`` with each ``{placeholder}`` replaced by ``values[placeholder]`` (already
    formatted text); returns the text and the placeholders it did not know (left as typed)."""
    unknown: list[str] = []

    def one(m: re.Match) -> str:
        if m.group(1) in values:
            return values[m.group(1)]
        unknown.append(m.group(1))
        return m.group(0)

    return _PLACEHOLDER.sub(one, text or ""), unknown
