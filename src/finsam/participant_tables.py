"""The participant tables of the national follow-up *Uppföljning Finsam* (issue 11): one pure
function per table, like :mod:`finsam.tables`.

* :func:`participants_by_insats` — Deltagare per insats: distinct persons active in the
  period by kön, inflöde, utflöde and pågående (antal) per insats.
* :func:`results` — Avslutade deltagare: the registrations that ended in the period by
  result category (Arbete, Studier, Arbetssökande, Övrigt) and kön.
* :func:`inflow_by_age` — Inflöde by age band and kön (distinct persons).
* :func:`counts_by_insats` — anonyma.csv / struktur.csv counts per insats, by kön when the
  file has a Kön column.

:func:`participant_tables` computes them all and the warnings they give. Definitions:
README "Definitions" (Deltagare per insats …). Registrations closed as *felregistrering*
(:func:`finsam.tables.is_felregistrering`) count nowhere.

Privacy: a person's birth date and age are computed here from the personnummer and never
leave this module; only counts do.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from finsam.errors import Problem, count_text
from finsam.period import Period
from finsam.settings import RESULT_CATEGORIES, Settings
from finsam.sources.tabular import normalise_header
from finsam.tables import is_felregistrering, person_codes

#: Columns of the Deltagare-per-insats table: distinct persons by kön, then antal.
INSATS_COLUMNS = ["kvinnor", "man", "totalt", "inflode", "utflode", "pagaende"]
#: Columns of the tables split by kön (results, ages, anonymous, struktur).
SEX_COLUMNS = ["kvinnor", "man", "totalt"]
#: Row for registrations without an insats.
NO_INSATS = "Insats saknas"
#: Row of the ages table for ages outside every band.
OTHER_AGES = "Övriga åldrar"
#: Label of a total row.
SUMMA = "Summa"

_SEX_COLUMN = {"Kvinna": "kvinnor", "Man": "man"}


def swedish_sort_key(name: str) -> str:
    """Sort key for Swedish names: case-blind, with å, ä, ö after z in that order
    (Unicode would put ä before å)."""
    return name.casefold().translate(str.maketrans({"å": "{", "ä": "|", "ö": "}"}))


def _per_distinct(values: pd.Series, rule) -> pd.Series:
    """``rule`` (a function of a Series of text) applied once per distinct value of
    ``values`` and spread back by position: a register has few distinct Kön, Avslutsorsak or
    Insats texts, so 200 000 rows cost a handful of string operations."""
    codes, uniques = pd.factorize(values)  # the column's own (Arrow) factorize; empty cells: -1
    mapped = rule(pd.Series([*uniques, ""], dtype=object)).to_numpy()  # "" for the empty cells, last
    return pd.Series(mapped[codes], index=values.index)


def _mapped(values: pd.Series, pairs: tuple[tuple[str, str], ...]) -> pd.Series:
    """``values`` (text, None) mapped by ``pairs`` compared without case and surrounding
    blanks; NaN where no pair matches."""
    return _per_distinct(values, lambda u: _mapped_texts(u, pairs))


def _mapped_texts(texts: pd.Series, pairs: tuple[tuple[str, str], ...]) -> pd.Series:
    """:func:`_mapped` for a Series of distinct texts."""
    lookup = {k.strip().casefold(): v for k, v in pairs}
    return texts.astype(str).str.strip().str.casefold().map(lookup)


def sex_per_person(participants: pd.DataFrame, settings: Settings) -> tuple[pd.Series, pd.Series]:
    """Each registration's kön, one per person (kön belongs to the person, not the row).

    Input: the register frame (``person``, ``sex``). The register's Kön values are mapped
    by ``settings.sex_values`` (Kvinna/Man/K/M by default, any case). A person's kön is the
    one their rows give; rows with an unknown or empty value are ignored for it; a person
    whose rows give both Kvinna and Man has no kön (counted in Totalt only), as has a person
    with no known value.

    Returns:
        ``(sex, conflict)``: Series on the register's index, ``"Kvinna"``, ``"Man"`` or NaN;
        and a bool Series, True on rows of persons whose rows disagree.
    """
    as_code = {"Kvinna": 1.0, "Man": 2.0}  # numbers: min and max per person in one cython pass
    code = _per_distinct(participants["sex"],
                         lambda u: _mapped_texts(u, settings.sex_values).map(as_code).astype("float64"))
    by_person = code.astype("float64").groupby(person_codes(participants).to_numpy())  # min/max skip NaN
    low, high = by_person.transform("min").to_numpy(), by_person.transform("max").to_numpy()
    agreed = np.where(low == high, low, 0.0)  # 0: no kön (none known, or rows disagree)
    sex = pd.Series(np.array([np.nan, "Kvinna", "Man"], dtype=object)[np.nan_to_num(agreed).astype(int)],
                    index=participants.index)
    return sex, pd.Series((low != high) & ~np.isnan(low), index=participants.index)


def _flags(participants: pd.DataFrame, period: Period) -> dict[str, pd.Series]:
    """The period rules (README "Definitions"), on the register's index:
    active = starts on or before the period end and has no end or ends on or after the
    period start; inflöde = starts in the period; utflöde = ends in it; pågående = starts on
    or before the period end and has no end or ends after it. Felregistrering: none of them."""
    real = ~_per_distinct(participants["end_reason"], is_felregistrering).astype(bool)
    start, end = participants["start"], participants["end"]
    p0, p1 = pd.Timestamp(period.start), pd.Timestamp(period.end)
    begun = (start <= p1) & real
    return {
        "active": begun & (end.isna() | (end >= p0)),
        "inflode": period.contains(start) & real,
        "utflode": period.contains(end) & real,
        "pagaende": begun & (end.isna() | (end > p1)),
    }


def insats_names(values: pd.Series, known: tuple[str, ...] = ()) -> tuple[pd.Series, dict[str, list[str]]]:
    """Each row's insats as the tables name it: blanks folded, and spellings that differ only
    in case or blanks (``"Lotsen i Borås"``, ``"Lotsen i borås "``) as one insats, named as the
    settings' cost centres name it (``known``), else by its most common spelling. Empty:
    :data:`NO_INSATS`.

    Returns ``(names, merged)``: the names (categorical, on ``values``' index) and, for each
    name written more than one way, the spellings found (for the ``insats-stavningar``
    warning)."""
    codes, texts = pd.factorize(values)
    folded = [re.sub(r"\s+", " ", str(t)).strip() for t in texts]
    counts = np.bincount(codes[codes >= 0], minlength=len(texts)) if len(texts) else np.zeros(0, int)
    spelled: dict[str, dict[str, int]] = {}
    for text, fold, n in zip(texts, folded, counts):
        spelled.setdefault(normalise_header(fold), {}).setdefault(str(text), 0)
        spelled[normalise_header(fold)][str(text)] += int(n)
    canon = {normalise_header(k): re.sub(r"\s+", " ", k).strip() for k in known}
    best = {key: re.sub(r"\s+", " ", canon.get(key) or max(sorted(ways), key=lambda w: ways[w]).strip())
            for key, ways in spelled.items()}
    named = [best[normalise_header(f)] or NO_INSATS for f in folded] + [NO_INSATS]  # the last: empty cells (code -1)
    merged = {best[key]: sorted(ways) for key, ways in spelled.items() if len(ways) > 1 and best[key]}
    # categorical: the tables group 200 000 rows by a handful of insatser (by int codes)
    return pd.Series(np.array(named, dtype=object)[codes], index=values.index).astype("category"), merged


def _by_sex(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Distinct persons per ``key`` value: columns kvinnor, man, totalt (int64). ``frame``
    holds ``key``, ``person``, ``sex`` (one kön per person)."""
    rows = frame.drop_duplicates([key, "person"])
    out = pd.DataFrame({
        "kvinnor": (rows["sex"] == "Kvinna").groupby(rows[key], observed=True).sum(),
        "man": (rows["sex"] == "Man").groupby(rows[key], observed=True).sum(),
        "totalt": rows.groupby(key, observed=True).size(),
    })
    return out.astype("int64")


def _distinct_summa(frame: pd.DataFrame) -> list[int]:
    persons = frame.drop_duplicates("person")
    return [int((persons["sex"] == "Kvinna").sum()), int((persons["sex"] == "Man").sum()), len(persons)]


def participants_by_insats(participants: pd.DataFrame, period: Period, sex: pd.Series, *,
                           flags: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """Deltagare per insats (Uppföljning Finsam: participants per insats split by kön).

    Input: the register frame (``person``, ``insats``, ``start``, ``end``, ``end_reason``)
    and each row's kön (:func:`sex_per_person`).

    Output: index = each insats with a registration active in the period, sorted by name
    (:func:`swedish_sort_key`; rows without an insats as :data:`NO_INSATS`), then
    :data:`SUMMA`; columns :data:`INSATS_COLUMNS` (int64)::

                          kvinnor  man  totalt  inflode  utflode  pagaende
        Krut Borås             19   22      41       26       20        21
        Lotsen i Borås         24   13      37       20       19        18
        Summa                 149  144     293      152       98       216

    Rules (README "Definitions"): kvinnor/man/totalt = distinct personnummer with an active
    registration in the insats (totalt also counts persons without a known kön); inflöde,
    utflöde, pågående = registrations (antal), see :func:`_flags`. Summa: kvinnor/man/totalt
    = distinct persons over all insatser (a person in two insatser counts once), the antal
    columns = the sum of the rows.
    """
    flags = flags or _flags(participants, period)  # ``flags``: already computed by the caller
    insats = participants["insats_label"] if "insats_label" in participants else insats_names(participants["insats"])[0]
    frame = pd.DataFrame({"insats": insats, "person": person_codes(participants), "sex": sex})
    active = frame[flags["active"]]
    out = _by_sex(active, "insats")
    out.index = out.index.astype(object)  # plain labels: the Summa row is added below
    for col in ("inflode", "utflode", "pagaende"):
        flows = flags[col].groupby(frame["insats"], observed=True).sum()
        out[col] = flows.set_axis(flows.index.astype(object)).reindex(out.index, fill_value=0).astype("int64")
    out = out.loc[sorted(out.index, key=lambda n: (n == NO_INSATS, swedish_sort_key(n)))]
    summa = _distinct_summa(active) + [int(out[c].sum()) for c in ("inflode", "utflode", "pagaende")]
    out.loc[SUMMA] = summa
    return out[INSATS_COLUMNS].astype("int64")


def result_category(end_reason: pd.Series, settings: Settings) -> tuple[pd.Series, pd.Series]:
    """Each Avslutsorsak's result category by ``settings.result_mapping`` (compared without
    case and surrounding blanks); texts the mapping does not name are Övrigt.

    Returns ``(category, unknown)``: category text per row and True where the text was not
    in the mapping (empty Avslutsorsak included).
    """
    category = _mapped(end_reason, settings.result_mapping)
    unknown = category.isna()
    return category.fillna(RESULT_CATEGORIES[-1]), unknown


def results(participants: pd.DataFrame, period: Period, sex: pd.Series, settings: Settings, *,
            flags: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """Avslutade deltagare by result (SUS's old standard report: work or studies after the insats).

    Output: index = :data:`~finsam.settings.RESULT_CATEGORIES` (Arbete, Studier,
    Arbetssökande, Övrigt), columns :data:`SEX_COLUMNS` (int64): registrations that ended
    in the period (utflöde, antal; felregistrering excluded) by the person's kön; totalt
    also counts those without a known kön. The rows add up to Summa utflöde of
    :func:`participants_by_insats`. Sample Q1 2013: Arbete 9 | 7 | 16, Studier 4 | 10 | 14.
    """
    ended = (flags or _flags(participants, period))["utflode"]
    category = (participants["result"] if "result" in participants
                else result_category(participants["end_reason"], settings)[0])
    frame = pd.DataFrame({"c": category[ended], "sex": sex[ended]})
    out = pd.DataFrame({
        "kvinnor": (frame["sex"] == "Kvinna").groupby(frame["c"]).sum(),
        "man": (frame["sex"] == "Man").groupby(frame["c"]).sum(),
        "totalt": frame.groupby("c").size(),
    })
    return out.reindex(list(RESULT_CATEGORIES), fill_value=0).fillna(0).astype("int64")


def ages_at(person: pd.Series, day: pd.Series) -> pd.Series:
    """Age in whole years on ``day`` (datetime64) of each 12-digit personnummer
    (``YYYYMMDDNNNC``); a samordningsnummer's day is 60 more than the birth day. Computed as
    (YYYYMMDD of the day − YYYYMMDD of the birth) // 10000, which is the completed years.
    Never write the result anywhere but into counts."""
    # the first 8 characters as bytes, digit by digit: a reservnummer's ``R`` makes it no date (NaN)
    # (shorter values are padded with NUL bytes, None reads "None": neither is all digits)
    head = np.array(person.to_numpy(dtype=object), dtype="S8").view(np.uint8).reshape(-1, 8).astype(np.int64) - 48
    digits = ((head >= 0) & (head <= 9)).all(axis=1)
    born = pd.Series(np.where(digits, head @ 10 ** np.arange(7, -1, -1), np.nan), index=person.index)
    born = born - 60 * ((born % 100) > 60)
    on = day.dt.year * 10000 + day.dt.month * 100 + day.dt.day
    return (on - born) // 10000


def age_labels(settings: Settings) -> list[str]:
    """Row labels of the ages table: each band of the settings, then :data:`OTHER_AGES`."""
    return [b.label for b in settings.age_bands] + [OTHER_AGES]


def inflow_by_age(participants: pd.DataFrame, period: Period, sex: pd.Series, settings: Settings, *,
                  flags: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """Inflöde (distinct persons) per age band and kön.

    Age = whole years at the registration's start (:func:`ages_at`), bands from
    ``settings.age_bands``; ages in no band count in :data:`OTHER_AGES`. A person counts once
    per band (twice only when two inflows in the period fall in different bands).

    Output: index = :func:`age_labels` then :data:`SUMMA`; columns :data:`SEX_COLUMNS`
    (int64). Summa = distinct persons with an inflow (= inflöde unika of the municipality
    table), not the sum of the rows.
    """
    inflow = (flags or _flags(participants, period))["inflode"]
    sel = participants[inflow]
    age = ages_at(sel["person"], sel["start"]).to_numpy()
    labels = age_labels(settings)
    band = np.full(len(sel), len(labels) - 1)
    for i, b in enumerate(settings.age_bands):
        band[(age >= b.low) & (age <= b.high)] = i
    frame = pd.DataFrame({"band": band, "person": person_codes(participants)[inflow].to_numpy(),
                          "sex": sex[inflow].to_numpy()})
    out = _by_sex(frame, "band").reindex(range(len(labels)), fill_value=0)
    out.index = labels
    out.loc[SUMMA] = _distinct_summa(frame)
    return out[SEX_COLUMNS].astype("int64")


def counts_by_insats(counts: pd.DataFrame, period: Period, settings: Settings) -> tuple[pd.DataFrame, bool]:
    """Counts per insats in the period (anonyma.csv, struktur.csv), by kön when the file has
    a Kön column.

    Input: ``insats``, ``month`` (datetime64), ``count`` (int64), ``sex`` (text / None).
    Output: ``(frame, by_sex)``: index = insats in first-seen order; columns
    :data:`SEX_COLUMNS` (int64; kvinnor/man 0 when not ``by_sex``); totalt = every count of
    the insats, also those whose Kön is unknown. ``by_sex`` is True when any row has a Kön.
    Counts are summed as given (never de-duplicated: they carry no personnummer).
    """
    sel = counts[period.contains(counts["month"])]
    sel = sel.assign(insats=insats_names(sel["insats"], _known_insatser(settings))[0].astype(object))
    by_sex = bool(counts["sex"].notna().any())
    sex = _mapped(sel["sex"], settings.sex_values)
    out = pd.DataFrame({
        "kvinnor": sel["count"].where(sex == "Kvinna", 0).groupby(sel["insats"], sort=False).sum(),
        "man": sel["count"].where(sex == "Man", 0).groupby(sel["insats"], sort=False).sum(),
        "totalt": sel.groupby("insats", sort=False)["count"].sum(),
    })
    return out[SEX_COLUMNS].astype("int64"), by_sex


def _known_insatser(settings: Settings) -> tuple[str, ...]:
    """The insats names the settings' cost centres give (Uppföljning Finsam looks them up)."""
    return tuple(n for c in settings.cost_centres if c.category != "administration" for n in c.insats_names)


def tables_of(sources, period: Period, settings: Settings) -> "ParticipantTables":
    """:func:`participant_tables` of a read sources folder (:class:`finsam.sources.folder.Sources`):
    the register, anonyma and struktur as read, each file named as it is on disk. Populate
    writes these tables; validate reports their warnings."""
    files = {k: p.name for k, p in sources.files.items()}
    return participant_tables(sources.participants, period, settings, file=files["deltagare"],
                              anonymous=sources.anonymous, structure=sources.structure, files=files)


@dataclass
class ParticipantTables:
    """The participant tables of one period (frames as their functions document them) and
    the warnings found computing them."""

    by_insats: pd.DataFrame
    results: pd.DataFrame
    ages: pd.DataFrame
    anonymous: pd.DataFrame | None = None
    anonymous_by_sex: bool = False
    structure: pd.DataFrame | None = None
    structure_by_sex: bool = False
    problems: list[Problem] = field(default_factory=list)


def _first_rows(participants: pd.DataFrame, where: pd.Series, n: int = 5) -> str:
    """" (rad 12, 57, 103 …)": the first register rows (1-based, header = 1) where ``where``
    holds, so the person finds them; empty when none."""
    from finsam.sources.tabular import spreadsheet_row
    labels = participants.index[where.to_numpy(dtype=bool)]
    rows = [spreadsheet_row(participants.index, i) for i in labels[:n]]
    return f" (rad {', '.join(map(str, rows))}{' …' if len(labels) > n else ''})" if rows else ""


def _quoted(texts) -> str:
    return ", ".join(repr(t) if t else "(tom)" for t in texts)


def participant_tables(
    participants: pd.DataFrame,
    period: Period,
    settings: Settings,
    *,
    file: str,
    anonymous: pd.DataFrame | None = None,
    structure: pd.DataFrame | None = None,
    files: dict[str, str] | None = None,
) -> ParticipantTables:
    """Every participant table, and warnings (``file`` names the register in them; ``files``
    the anonyma/struktur files by kind):

    ===========================  ==========================================================
    code                         when
    ===========================  ==========================================================
    ``kon-okant``                persons counted in the period without a known kön (empty
                                 Kön, a value the settings' [Kön] table lacks, or rows that
                                 disagree): counted in Totalt only
    ``avslutsorsak-okand``       registrations ended in the period whose Avslutsorsak the
                                 settings' [Avslutsorsaker] table lacks: counted as Övrigt
    ``insats-saknas``            registrations in the period without an insats
    ``kon-okant-antal``          anonyma/struktur rows in the period with a Kön that is not
                                 Kvinna or Man (when the file has a Kön column)
    ===========================  ==========================================================
    """
    files = files or {}
    # computed once and shared by every table: person ints, insats labels
    category, unknown = result_category(participants["end_reason"], settings)
    labels, merged = insats_names(participants["insats"], _known_insatser(settings))
    participants = participants.assign(pid=person_codes(participants), insats_label=labels, result=category)
    sex, conflict = sex_per_person(participants, settings)
    flags = _flags(participants, period)
    problems: list[Problem] = []
    active = flags["active"]
    unknown_sex = participants.loc[active & sex.isna()]
    if len(unknown_sex):
        values = sorted(set(participants.loc[active & sex.isna() & ~conflict, "sex"].fillna("").astype(str).str.strip()))
        persons = unknown_sex["pid"].nunique()
        disagree = participants.loc[active & conflict, "pid"].nunique()
        why = f"Kön {_quoted(values)}" if values else ""
        if disagree:
            why += (", och " if why else "") + f"{disagree} med olika kön på olika rader"
        problems.append(Problem("kon-okant", "warning", file, None, "Kön",
                                f"{persons} deltagare under perioden saknar känt kön ({why})"
                                f"{_first_rows(participants, active & sex.isna())} och räknas bara i "
                                "Totalt. Rätta Kön i registret, eller lägg till värdet under [Kön] i bladet "
                                "Inställningar."))
    ended = flags["utflode"]
    texts = participants.loc[ended & unknown, "end_reason"].fillna("").astype(str).str.strip()
    if len(texts):
        problems.append(Problem("avslutsorsak-okand", "warning", file, None, "Avslutsorsak",
                                f"{count_text(len(texts), 'avslut', 'avslut')} under perioden har en avslutsorsak som inte finns under "
                                f"[Avslutsorsaker] i bladet Inställningar ({_quoted(sorted(set(texts)))})"
                                f"{_first_rows(participants, ended & unknown)} och "
                                "räknas som Övrigt. Lägg till orsaken där med rätt resultat."))
    no_insats = int((active & (participants["insats_label"] == NO_INSATS)).sum())
    if no_insats:
        problems.append(Problem("insats-saknas", "warning", file, None, "Insats",
                                f"{count_text(no_insats, 'inskrivning', 'inskrivningar')} under perioden saknar insats"
                                f"{_first_rows(participants, active & (participants['insats_label'] == NO_INSATS))} "
                                "och redovisas som "
                                f"{NO_INSATS!r}. Fyll i insatsen i registret."))
    for name, ways in merged.items():
        problems.append(Problem("insats-stavningar", "warning", file, None, "Insats",
                                f"Insatsen skrivs på {len(ways)} sätt i registret ({_quoted(ways)}) och räknas som en: "
                                f"{name!r}. Skriv den likadant överallt i registret."))
    known = {normalise_header(n) for n in _known_insatser(settings)}
    unnamed = sorted({n for n in participants.loc[active, "insats_label"].unique()  # a handful of names
                      if n != NO_INSATS and normalise_header(n) not in known})
    if unnamed and known:
        problems.append(Problem("insats-utan-kostnadsstalle", "warning", file, None, "Insats",
                                f"{count_text(len(unnamed), 'insats', 'insatser')} i registret hör inte till något "
                                f"kostnadsställe ({_quoted(unnamed)}), så bladet Uppföljning Finsam visar inga deltagare "
                                "för dem. Skriv insatsen som kostnadsstället heter, eller ange den under kostnadsstället "
                                "(insats = [...]) i inställningarna."))
    out = ParticipantTables(
        by_insats=participants_by_insats(participants, period, sex, flags=flags),
        results=results(participants, period, sex, settings, flags=flags),
        ages=inflow_by_age(participants, period, sex, settings, flags=flags),
        problems=problems,
    )
    for kind, frame in (("anonyma", anonymous), ("struktur", structure)):
        if frame is None:
            continue
        table, by_sex = counts_by_insats(frame, period, settings)
        if by_sex:
            sel = frame[period.contains(frame["month"])]
            bad = sel[_mapped(sel["sex"], settings.sex_values).isna()]
            if len(bad):
                problems.append(Problem("kon-okant-antal", "warning", files.get(kind, kind), None, "Kön",
                                        f"{count_text(len(bad), 'rad', 'rader')} ({int(bad['count'].sum())} deltagare) har Kön "
                                        f"{_quoted(sorted(set(bad['sex'].fillna('').astype(str).str.strip())))} och "
                                        "räknas bara i Totalt. Skriv Kvinna eller Man, eller lägg till värdet under "
                                        "[Kön] i bladet Inställningar."))
        if kind == "anonyma":
            out.anonymous, out.anonymous_by_sex = table, by_sex
        else:
            out.structure, out.structure_by_sex = table, by_sex
    return out


__all__ = [
    "INSATS_COLUMNS", "SEX_COLUMNS", "NO_INSATS", "OTHER_AGES", "SUMMA", "ParticipantTables", "participant_tables",
    "tables_of", "insats_names",
    "participants_by_insats", "results", "inflow_by_age", "counts_by_insats", "sex_per_person", "result_category",
    "ages_at", "age_labels", "swedish_sort_key",
]
