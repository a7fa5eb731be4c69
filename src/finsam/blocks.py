"""The block contract: every table of the workbook declares its columns by name, once.

A :class:`Table` is one table on one sheet: its columns in sheet order, each a
:class:`Column` with a key (``"budget"``), its Swedish headings, and how the cell is filled:

* ``block="utfall"`` — the column is part of the defined name ``<prefix>_utfall`` (``""``:
  the name is the prefix itself). Adjacent columns with the same block form one defined
  name, written by populate in one write. ``kind`` says who fills it: ``"input"`` (populate,
  from the sources), ``"person"`` (the person; populate keeps what was typed) or
  ``"label"`` (laid out by ``finsam new`` from the settings, read back by populate);
* ``formula=`` — a formula on every row, ``{key}`` standing for the same row's cell of
  column ``key`` (``'=IF({prognos}="","",{prognos}-{budget})'``);
* ``total=`` — what the table's total row holds: ``"sum"`` (a SUM of the rows), ``"input"``
  (a value populate writes through ``total_name``, e.g. a distinct count) or a formula
  template over the total row's cells.

Everything else is derived: the column letters (:meth:`Table.letter`), the defined names and
their ranges (:meth:`Table.name`, :meth:`Table.span`), a column's position inside its block
(:meth:`Table.pos`), rows → blocks for the writers (:meth:`Table.blocks_of`) and blocks →
rows for the readers (:meth:`Table.rows_of`). :mod:`finsam.layout` lays the tables out from
these declarations; populate, the checks and validate address cells by key. Adding a column
is one :class:`Column` here (plus, for an input, its value in populate); see
``docs/architecture.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

Block = list[list]

SHEET_PARTICIPANTS = "Deltagare"
SHEET_INSATSER = "Deltagare per insats"
SHEET_ECONOMY = "Ekonomi"
SHEET_SUMMARY = "Sammanställning"
SHEET_CHECKS = "Kontroller"
SHEET_SETTINGS = "Inställningar"
SHEET_TEXT = "Rapporttext"
SHEET_CHARTS = "Diagram"
SHEET_MEMBERS = "Finansiering per medlem"  # issue 12, laid out by finsam.layout_money
SHEET_NATIONAL = "Uppföljning Finsam"  # issue 12, laid out by finsam.layout_money
#: The sheets in workbook order (Swedish, as the users see them; :mod:`finsam.layout`).
SHEETS = (SHEET_PARTICIPANTS, SHEET_INSATSER, SHEET_ECONOMY, SHEET_SUMMARY, SHEET_MEMBERS, SHEET_NATIONAL, SHEET_CHARTS,
          SHEET_TEXT, SHEET_CHECKS, SHEET_SETTINGS)


@dataclass(frozen=True)
class Column:
    """One column of a :class:`Table` (see the module docstring for the fields' rules)."""

    key: str  #: the column's name in code and in row dicts
    heading: str | None = None  #: header row 1 (Swedish)
    sub: str | None = None  #: header row 2 (Swedish, may be a formula such as ``"=fs_aretikett"``)
    unit: str | None = None  #: header row 3, e.g. ``"tkr"``
    block: str | None = None  #: the defined-name part it is read/written through; None: not in any
    kind: str = "input"  #: ``"input"`` | ``"person"`` | ``"label"`` | ``"formula"``
    formula: str | None = None  #: per-row formula template (``kind="formula"``)
    total: str | None = None  #: total row: ``"sum"`` | ``"input"`` | a formula template
    total_name: str | None = None  #: defined name of an ``"input"`` total cell
    number: bool = True  #: a number in tkr or a count (number format, right-aligned)
    width: float | None = None  #: column width on the sheet


@dataclass(frozen=True)
class Table:
    """A table's columns in sheet order, starting at sheet column ``first_column`` (1 = A).

    ``prefix`` is the defined-name prefix; ``{i}`` in it stands for the table's number when a
    sheet has one table per group (``"fs_g{i}"``)."""

    key: str
    sheet: str
    prefix: str
    columns: tuple[Column, ...]
    first_column: int = 1

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.key}: a column key is declared twice: {keys}")
        for b in self.blocks():
            cols = [self.column_of(k) for k in self.keys(b)]
            if cols != list(range(cols[0], cols[0] + len(cols))):
                raise ValueError(f"{self.key}: the columns of block {b!r} are not adjacent")

    def __getitem__(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(f"{self.key} has no column {key!r}")

    def column_of(self, key: str) -> int:
        """The sheet column number (1 = A) of column ``key``."""
        for n, c in enumerate(self.columns):
            if c.key == key:
                return self.first_column + n
        raise KeyError(f"{self.key} has no column {key!r}")

    def letter(self, key: str) -> str:
        """The sheet column letter of column ``key`` (``"C"``)."""
        return get_column_letter(self.column_of(key))

    def blocks(self, kinds: Iterable[str] | None = None) -> list[str]:
        """The table's blocks in sheet order (only those holding a column of ``kinds``)."""
        out: list[str] = []
        for c in self.columns:
            if c.block is not None and c.block not in out and (kinds is None or c.kind in kinds):
                out.append(c.block)
        return out

    def input_blocks(self) -> list[str]:
        """The blocks populate writes: those holding an ``"input"`` or ``"person"`` column."""
        return self.blocks(("input", "person"))

    def keys(self, block: str) -> list[str]:
        """The keys of ``block``'s columns, in order."""
        return [c.key for c in self.columns if c.block == block]

    def pos(self, key: str) -> int:
        """Position (0-based) of column ``key`` inside its block's 2D values."""
        return self.keys(self[key].block).index(key)

    def name(self, block: str, i: int | None = None) -> str:
        """The defined name of ``block`` (of table number ``i`` when the prefix has ``{i}``)."""
        prefix = self.prefix.format(i=i)
        return f"{prefix}_{block}" if block else prefix

    def span(self, block: str) -> tuple[int, int]:
        """First and last sheet column of ``block``."""
        cols = [self.column_of(k) for k in self.keys(block)]
        return cols[0], cols[-1]

    def total_keys(self, what: Iterable[str] = ("sum", "input")) -> list[str]:
        """Keys of the columns whose total row holds ``what`` (``"sum"``, ``"input"``, ``"formula"``)."""
        what = set(what)
        return [c.key for c in self.columns
                if c.total is not None and ("formula" if c.total not in ("sum", "input") else c.total) in what]

    def total_span(self) -> tuple[int, int]:
        """First and last sheet column of the total row's named range (the sum and input totals)."""
        cols = [self.column_of(k) for k in self.total_keys()]
        return cols[0], cols[-1]

    def formula(self, template: str, row: int, sheet: str | None = None) -> str:
        """``template`` with each ``{key}`` replaced by that column's cell on ``row``
        (``{key}`` → ``E12``; with ``sheet``, ``'Ekonomi'!E12``)."""
        where = f"{sheet}!" if sheet else ""
        return template.format(**{c.key: f"{where}{self.letter(c.key)}{row}" for c in self.columns})

    def range(self, key: str, first: int, last: int, sheet: str | None = None) -> str:
        """Column ``key``'s cells from row ``first`` to ``last`` (``E6:E12``, optionally with the sheet)."""
        where = f"{sheet}!" if sheet else ""
        col = self.letter(key)
        return f"{where}{col}{first}:{col}{last}"

    def blocks_of(self, rows: list[dict], i: int | None = None, blocks: Iterable[str] | None = None) -> dict[str, Block]:
        """Rows (dicts key → value; a missing key is an empty cell) as the 2D values of each
        block's defined name — what the writers write, one write per name."""
        return {self.name(b, i): [[row.get(k) for k in self.keys(b)] for row in rows]
                for b in (self.blocks() if blocks is None else blocks)}

    def rows_of(self, read: Callable[[str], Block], i: int | None = None, blocks: Iterable[str] = ()) -> list[dict]:
        """The rows of ``blocks`` as dicts key → value, read through ``read(defined name)``
        (a :class:`~finsam.book.BookIO`'s ``read``, or ``dict.get`` on blocks already read).
        Rows are as many as the longest block; a missing cell is ``None``."""
        values = {b: read(self.name(b, i)) or [] for b in blocks}
        n = max((len(v) for v in values.values()), default=0)
        rows: list[dict] = [{} for _ in range(n)]
        for b, block in values.items():
            keys = self.keys(b)
            for r in range(n):
                line = block[r] if r < len(block) and block[r] is not None else []
                for p, k in enumerate(keys):
                    rows[r][k] = line[p] if p < len(line) else None
        return rows


#: Deltagare: participants per municipality (enligt folkbokföring); the Summa row sums antal
#: and takes unika (a distinct count, not a sum) as an input. Keys = tables.MUNICIPALITY_COLUMNS.
PARTICIPANTS = Table("deltagare", SHEET_PARTICIPANTS, "fs_deltagare", (
    Column("kommun", "enligt folkbokföring", kind="label", number=False, width=44),
    Column("inflode_antal", "Inflöde", "antal", block="", total="sum", width=14),
    Column("inflode_unika", "Inflöde", "unika", block="", total="input", total_name="fs_deltagare_summa_unika_in",
           width=12),
    Column("utflode_antal", "Utflöde", "antal", block="", total="sum", width=12),
    Column("utflode_unika", "Utflöde", "unika", block="", total="input", total_name="fs_deltagare_summa_unika_ut",
           width=12),
))

#: Deltagare: anonymously registered participants per insats (not in the table above);
#: Kvinnor and Män only when anonyma.csv has a Kön column (issue 11), Antal = all.
ANONYMOUS = Table("anonyma", SHEET_PARTICIPANTS, "fs_anonyma", (
    Column("insats", "Insats", block="", number=False),
    Column("kvinnor", "Kvinnor", block="", total="sum"),
    Column("man", "Män", block="", total="sum"),
    Column("antal", '="Antal "&fs_periodetikett', block="", total="sum"),
))

#: Deltagare per insats (issue 11, the national Uppföljning Finsam; participant_tables.py):
#: distinct persons active in the period by kön (Summa = distinct over all insatser, an
#: input), then inflöde, utflöde, pågående (antal, Summa = SUM). Keys = INSATS_COLUMNS.
_PERSONS = "Deltagare under perioden"
INSATSER = Table("insatser", SHEET_INSATSER, "fs_insatser", (
    Column("insats", "Insats", block="", number=False, width=44),
    Column("kvinnor", _PERSONS, "Kvinnor", "personer", block="", total="input", total_name="fs_insatser_summa_kvinnor",
           width=11),
    Column("man", _PERSONS, "Män", "personer", block="", total="input", total_name="fs_insatser_summa_man", width=11),
    Column("totalt", _PERSONS, "Totalt", "personer", block="", total="input", total_name="fs_insatser_summa_totalt",
           width=11),
    Column("inflode", "Inflöde", "=fs_periodetikett", "antal", block="", total="sum", width=11),
    Column("utflode", "Utflöde", "=fs_periodetikett", "antal", block="", total="sum", width=11),
    Column("pagaende", "Pågående", "vid periodens slut", "antal", block="", total="sum", width=17),
))

#: Avslutade deltagare by result (rows = settings.RESULT_CATEGORIES): registrations ended in
#: the period; Andel = Totalt / Summa avslutade (named fs_avslutade_summa by the sheet).
AVSLUTADE = Table("avslutade", SHEET_INSATSER, "fs_avslutade", (
    Column("resultat", "Avslutade deltagare", "efter avslutsorsak", kind="label", number=False),
    Column("kvinnor", "Kvinnor", None, "antal", block="", total="sum"),
    Column("man", "Män", None, "antal", block="", total="sum"),
    Column("totalt", "Totalt", None, "antal", block="", total="sum"),
    Column("andel", "Andel", None, "%", kind="formula",
           formula='=IF(N(fs_avslutade_summa)=0,"",IF(ISNUMBER({totalt}),{totalt}/fs_avslutade_summa,".."))',
           total='=IF(N({totalt})=0,"",1)'),
))

#: Inflöde per åldersgrupp: distinct persons per age band (labels written by populate from
#: the settings) and kön; Summa = distinct persons with an inflow (an input).
ALDRAR = Table("aldrar", SHEET_INSATSER, "fs_aldrar", (
    Column("aldersgrupp", "Inflöde per åldersgrupp", "ålder vid inskrivning", block="", number=False),
    Column("kvinnor", "Kvinnor", None, "personer", block="", total="input", total_name="fs_aldrar_summa_kvinnor"),
    Column("man", "Män", None, "personer", block="", total="input", total_name="fs_aldrar_summa_man"),
    Column("totalt", "Totalt", None, "personer", block="", total="input", total_name="fs_aldrar_summa_totalt"),
))

#: Strukturövergripande insatser (struktur.csv): attendees per insats in the period.
STRUKTUR = Table("struktur", SHEET_INSATSER, "fs_struktur", (
    Column("insats", "Strukturövergripande insatser", "insats", block="", number=False),
    Column("kvinnor", "Kvinnor", None, "deltagare", block="", total="sum"),
    Column("man", "Män", None, "deltagare", block="", total="sum"),
    Column("totalt", "Totalt", None, "deltagare", block="", total="sum"),
))

#: Ekonomi: one table per group of cost centres (defined names ``fs_g<N>_…``), tkr.
ECONOMY = Table("ekonomi", SHEET_ECONOMY, "fs_g{i}", (
    Column("kod", "Kostnadsställe", block="koder", kind="label", number=False, width=15),
    Column("namn", "Nettokostnad och finansnetto", "i tkr per område", block="namn", number=False, width=44),
    Column("budget", "Budget", "=fs_aretikett", "tkr", block="utfall", total="sum", width=9),
    # issue 12: the budget up to the period (SIE #PBUDGET months, else budget × (months − lag)/12)
    Column("budget_perioden", "Budget t.o.m. perioden", "=fs_periodetikett", "tkr", block="utfall", total="sum",
           width=10),
    Column("ackumulerat", "Ackumulerat", "=fs_periodetikett", "tkr", block="utfall", total="sum", width=12),
    # informational (never FEL): invoices arrive late, so a low Ackumulerat is normal
    Column("avvikelse_perioden", "Avvikelse mot periodiserad budget", "ackumulerat − budget t.o.m.", "tkr",
           kind="formula", formula='=IF(OR({budget_perioden}="",{ackumulerat}=""),"",{ackumulerat}-{budget_perioden})',
           total="={ackumulerat}-{budget_perioden}", width=15),
    Column("prognos", "Prognos", "=fs_aretikett", "tkr", block="prognos", kind="person", total="sum", width=9),
    Column("avvikelse", "Avvikelse", "prognos − budget", "tkr", kind="formula",
           formula='=IF({prognos}="","",{prognos}-{budget})', total="={prognos}-{budget}", width=10),
    Column("kommentar", "Kommentar", block="kommentar", kind="person", number=False, width=60),
))

#: Sammanställning: the summary lines (formulas over Ekonomi's totals, column by column of
#: the same key) and the financing lines (inputs, ``fs_finansiering_…``), tkr.
SUMMARY = Table("sammanstallning", SHEET_SUMMARY, "fs_finansiering", (
    Column("rad", "Sammanställning", "förbundsmedel och projekt", kind="label", number=False, width=58),
    Column("budget", "Budget", "=fs_aretikett", "tkr", block="utfall", width=13),
    Column("ackumulerat", "Ackumulerat", "=fs_periodetikett", "tkr", block="utfall", width=13),
    Column("prognos", "Prognos", "=fs_aretikett", "tkr", block="prognos", kind="person", width=13),
))

#: Every table, for code that treats them alike (input names, docs).
TABLES = (PARTICIPANTS, ANONYMOUS, INSATSER, AVSLUTADE, ALDRAR, STRUKTUR, ECONOMY, SUMMARY)

__all__ = ["SHEETS", "SHEET_PARTICIPANTS", "SHEET_ECONOMY", "SHEET_SUMMARY", "SHEET_CHECKS",
           "SHEET_SETTINGS", "SHEET_TEXT", "SHEET_CHARTS", "SHEET_INSATSER", "Column", "Table", "PARTICIPANTS", "ANONYMOUS",
           "INSATSER", "AVSLUTADE", "ALDRAR", "STRUKTUR", "ECONOMY", "SUMMARY", "TABLES"]
