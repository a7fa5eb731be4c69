"""The settings' dataclasses and their defaults (:class:`Settings` and its parts); reading
and checking them is in the sibling modules of :mod:`finsam.settings`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from finsam.errors import SettingsError


@dataclass(frozen=True)
class Municipality:
    """A member municipality (kommun): name as SUS writes it, and its kommunkod."""

    name: str
    code: str = ""


#: The categories of Uppföljning Finsam (finsam.se): each cost centre is administration or
#: pays for an insats that is individinriktad or strukturövergripande (an insats that is both
#: is registered as two). Empty = not given (shown as "Ingen kategori angiven").
CATEGORIES = ("administration", "individinriktad", "strukturövergripande")


@dataclass(frozen=True)
class CostCentre:
    """A kostnadsställe: code as text, name, the group (table) it belongs to, its category
    (:data:`CATEGORIES` or ``""``) and the insats name(s) in the participant register it pays
    for (empty = the cost centre's name)."""

    code: str
    name: str
    group: str
    category: str = ""
    insatser: tuple[str, ...] = ()
    where: str = field(default="", compare=False)

    @property
    def insats_names(self) -> tuple[str, ...]:
        """The register's insats names this cost centre pays for (default: its own name)."""
        return self.insatser or ((self.name,) if self.name else ())


@dataclass(frozen=True)
class MunicipalShare:
    """One member municipality's part of the municipalities' contribution: its population on
    the settings' date (``population``), or an explicit share of the association's whole
    financing in percent (``share_pct``). ``where`` names the settings row (for messages)."""

    name: str
    population: int | None = None
    share_pct: Decimal | None = None
    where: str = field(default="", compare=False)


@dataclass(frozen=True)
class EquityStep:
    """One step of the equity guideline (Nationella rådet 2013-10-02, a "trappa" by size):
    from the association's size ``from_tkr`` (members' contributions for the year, tkr) the
    equity should not exceed ``max_pct`` percent of that size, or ``max_tkr`` tkr when that
    is given instead. The steps are the settings' (no source finsam can cite holds them)."""

    from_tkr: int
    max_pct: Decimal | None = None
    max_tkr: int | None = None


@dataclass(frozen=True)
class Group:
    """A cost-centre table (e.g. "Förbundsmedel", "Projekt Krut") and the summary line it feeds."""

    name: str
    title: str
    summary_line: str = "Totala kostnader"


@dataclass(frozen=True)
class FinancingLine:
    """A financing line of the summary (Sammanställning).

    ``cost_centre``: when set, the line's Ackumulerat is that cost centre's period result in
    the ledger (income positive, e.g. 1000 → Parternas finansiering 3765 tkr in the seed);
    when empty the Ackumulerat cell stays empty, as the seed prints it for ESF grants.
    """

    name: str
    cost_centre: str = ""


SOURCE_KINDS = ("deltagare", "anonyma", "huvudbok", "budget", "prognos", "struktur")

#: Result categories of the table "Avslutade deltagare" (rows, in this order); the last one
#: takes every Avslutsorsak the mapping does not name (README "Definitions").
RESULT_CATEGORIES = ("Arbete", "Studier", "Arbetssökande", "Övrigt")
#: Kön as the participant tables count it; the register's values are mapped by ``Settings.sex_values``.
SEXES = ("Kvinna", "Man")


@dataclass(frozen=True)
class AgeBand:
    """An age band of the ages table, whole years, both ends included (``16``–``19``)."""

    low: int
    high: int

    @property
    def label(self) -> str:
        """The band as a column heading, e.g. ``"16–29"``."""
        return f"{self.low}\u2013{self.high}"


#: Defaults (issue 11): Avslutsorsak → result category; age bands; register Kön values → Kön.
DEFAULT_RESULT_MAPPING = (("Arbete", "Arbete"), ("Studier", "Studier"), ("Arbetssökande", "Arbetssökande"))
DEFAULT_AGE_BANDS = tuple(AgeBand(a, b) for a, b in ((16, 19), (20, 24), (25, 29), (30, 39), (40, 49), (50, 64)))
DEFAULT_SEX_VALUES = (("Kvinna", "Kvinna"), ("K", "Kvinna"), ("Man", "Man"), ("M", "Man"))
#: The one line for the municipalities when the settings give no split between them.
MUNICIPALITIES_LINE = "Kommunerna"



@dataclass(frozen=True)
class Settings:
    """Everything finsam needs to know about one association and one year.

    Attributes:
        association: the samordningsförbund's name (page headers, titles).
        year: the fiscal year (the year in which it starts), 1900–2200.
        municipalities: the members, in the order of the municipality table.
        groups: the cost-centre tables, in order.
        cost_centres: every cost centre shown, each in one group, in table order.
        financing: the summary's financing lines, in order.
        other_label: the row for non-members ("Annan ort").
        fiscal_start_month: 1–12; 1 = calendar year (a SIE ``#RAR 0`` overrides it).
        period_kind: ``"kvartal"`` or ``"tertial"``, for the default period.
        opening_equity_tkr: eget kapital at the previous year end, whole tkr (positive), or
            ``None`` (then the SIE file's ``#IB 0`` on 20xx, if any).
        opening_equity_date: ISO date of that balance, for the label.
        cost_centre_dimension: the SIE dimension holding cost centres (1 = kostnadsställe).
        sources_folder: the sources folder, relative to the workbook's folder.
        source_patterns: source kind (:data:`SOURCE_KINDS`) → glob pattern in that folder.
        period: the period to fill (``"2013-Q1"``, ``"2013-03-31"`` …) or ``""`` for the default.
        result_mapping: (Avslutsorsak as the register writes it, one of :data:`RESULT_CATEGORIES`);
            texts are compared without case and surrounding blanks.
        age_bands: the ages table's bands, ascending, not overlapping; other ages count in
            "Övriga åldrar".
        sex_values: (value of the register's Kön column, ``"Kvinna"`` or ``"Man"``).
        region: the member region's name (Finansiering per medlem).
        share_fk_pct / share_region_pct / share_municipalities_pct: each party's share of
            the financing in percent (lag 2003:1210 §5: Försäkringskassan half, also for
            Arbetsförmedlingen, the region a quarter, the municipalities together a quarter);
            they sum to 100.
        municipal_split: the municipalities' split of their share (population on
            ``population_date`` from ``population_source``, or explicit shares); empty = the
            municipalities appear as one line "Kommunerna".
        contributions_line: the financing line holding the members' contributions ("" = the
            first financing line).
        invoice_lag_months: months by which invoices lag (periodised budget, 0–11).
        equity_guideline: the equity guideline's steps, ascending by size (empty = not given).
        equity_guideline_source: where the steps come from (decision, date).
    """

    association: str
    year: int
    municipalities: tuple[Municipality, ...]
    groups: tuple[Group, ...]
    cost_centres: tuple[CostCentre, ...]
    financing: tuple[FinancingLine, ...] = ()
    other_label: str = "Annan ort"
    fiscal_start_month: int = 1
    period_kind: str = "kvartal"
    opening_equity_tkr: int | None = None
    opening_equity_date: str = ""
    cost_centre_dimension: int = 1
    sources_folder: str = "källor"
    source_patterns: dict[str, str] = field(
        default_factory=lambda: {k: f"{k}.*" for k in SOURCE_KINDS}
    )
    period: str = ""
    result_mapping: tuple[tuple[str, str], ...] = DEFAULT_RESULT_MAPPING
    age_bands: tuple[AgeBand, ...] = DEFAULT_AGE_BANDS
    sex_values: tuple[tuple[str, str], ...] = DEFAULT_SEX_VALUES
    region: str = "Regionen"
    share_fk_pct: Decimal = Decimal(50)
    share_region_pct: Decimal = Decimal(25)
    share_municipalities_pct: Decimal = Decimal(25)
    municipal_split: tuple[MunicipalShare, ...] = ()
    population_date: str = ""
    population_source: str = ""
    contributions_line: str = ""
    invoice_lag_months: int = 0
    equity_guideline: tuple[EquityStep, ...] = ()
    equity_guideline_source: str = ""

    @property
    def contributions(self) -> str:
        """The financing line holding the members' contributions (Parternas finansiering), or
        ``""`` when the settings have no financing lines."""
        return self.contributions_line or (self.financing[0].name if self.financing else "")

    def member_shares(self) -> list[tuple[str, Decimal]]:
        """Each member's share of the financing, percent (exact), in the order of the
        Finansiering per medlem table: Försäkringskassan, the region, then each municipality
        (settings order) or one line "Kommunerna" when no split is given.

        Rules: lag 2003:1210 §5 (the parties' contributions) and 9 § p. 8 (each member's
        share of assets, liabilities and costs in proportion to them). A municipality's
        share = the municipalities' share × its population / the members' population, or
        its explicit share. The shares sum to 100 (checked when the settings are read).
        """
        out = [("Försäkringskassan", self.share_fk_pct), (self.region, self.share_region_pct)]
        split = {m.name.casefold(): m for m in self.municipal_split}
        if not split:
            return out + [(MUNICIPALITIES_LINE, self.share_municipalities_pct)]
        total_pop = sum(m.population or 0 for m in self.municipal_split)
        for m in self.municipalities:
            part = split[m.name.casefold()]
            if part.population is not None:
                out.append((m.name, self.share_municipalities_pct * part.population / total_pop))
            else:
                out.append((m.name, part.share_pct))
        return out

    def cost_centres_of(self, group: str) -> list[CostCentre]:
        """The cost centres of one group, in settings order."""
        return [c for c in self.cost_centres if c.group == group]

    @property
    def summary_lines(self) -> list[str]:
        """Distinct cost lines of the summary, in the order the groups first name them."""
        return list(dict.fromkeys(g.summary_line for g in self.groups))

    def with_year(self, year: int) -> "Settings":
        """The same association for another year. The opening equity belongs to one year end,
        so it is cleared (then the SIE file's ``#IB 0`` or the person fills it in).

        Raises:
            SettingsError: the year is outside 1900–2200.
        """
        if year == self.year:
            return self
        if not 1900 <= year <= 2200:
            raise SettingsError(f"Året {year} ligger utanför 1900–2200. Ange året med fyra siffror.")
        return replace(self, year=year, opening_equity_tkr=None, opening_equity_date=f"{year - 1}-12-31", period="")
