"""Generate a large, synthetic sources folder for the sample association, to benchmark finsam.

    python benchmarks/generate.py OUTDIR --ledger-lines N --registrations M [--seed S] [--year Y]

Writes, for the settings in ``workbook/sjuharad.toml`` (members, cost centres, groups,
financing lines), the six source files in the formats of ``src/finsam/sample/``:

=================  ===========================================================================
file               what is in it
=================  ===========================================================================
huvudbok.csv       N transaction lines (``Verifikation;Datum;Konto;Kontonamn;Kostnadsställe;
                   Text;Belopp``, UTF-8, CRLF, decimal comma, ISO dates, debit positive)
huvudbok.se        the same N lines as SIE 4 (``#FORMAT PC8`` = cp437, CRLF, one ``#VER`` block
                   per voucher, cost centres as ``{1 "kod"}``, bank lines ``{}``)
deltagare.xlsx     M registrations (Personnummer ``YYYYMMDD-NNNC`` with a Luhn check digit,
                   ages 16–64, about 1.3 registrations per person)
anonyma.csv        monthly counts per *Aktiv hälsa* insats
budget.xlsx        sheets Budget and Finansiering
prognos.csv        three forecast overrides
=================  ===========================================================================

The ledger: every voucher holds one to three result-account lines (cost accounts on the
settings' cost centres, or account 3590 on the parties' financing cost centre, credit) and
one balancing line on 1930 Bankkonto without cost centre, so every voucher sums to 0 öre.
Each cost centre's year total is about 80–100 % of its budget whatever N is (85–105 % drawn,
less 2 % of vouchers turned into credit notes; many small lines for a large N), and the parties' financing arrives as 16 vouchers (four parties, four quarters)
summing to its budget, so a workbook built from the output looks like a plausible year.

Same seed, same settings and same sizes give byte-identical CSV and SIE files. Each file
draws from its own child generator, so ``--registrations`` does not change the ledger and
``--ledger-lines`` does not change the register. Columns are built with numpy and formatted
by indexing small lookup tables of strings, so a million ledger lines take seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from stdnum import luhn

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = ROOT / "workbook" / "sjuharad.toml"

BANK = 1930
PARTIES_ACCOUNT = 3590
ACCOUNTS = {
    1930: ("Bankkonto", "T"),
    2010: ("Eget kapital", "S"),
    2440: ("Leverantörsskulder", "S"),
    3590: ("Bidrag från parterna", "I"),
    3990: ("Övriga intäkter", "I"),
    4010: ("Köpta tjänster, arbetslivsinriktade insatser", "K"),
    5010: ("Lokalhyra", "K"),
    6110: ("Kontorsmateriel", "K"),
    6230: ("Datakommunikation", "K"),
    6420: ("Revision", "K"),
    6530: ("Redovisningstjänster", "K"),
    6550: ("Konsultarvoden", "K"),
    6991: ("Trycksaker", "K"),
    7010: ("Löner", "K"),
    7240: ("Styrelsearvoden", "K"),
    7510: ("Arbetsgivaravgifter", "K"),
    8310: ("Ränteintäkter", "I"),
}
# Cost accounts a cost line is booked on, with their share of lines.
COST_ACCOUNTS = np.array([4010, 5010, 6110, 6230, 6420, 6530, 6550, 6991, 7010, 7240, 7510])
COST_ACCOUNT_P = np.array([0.40, 0.04, 0.08, 0.04, 0.02, 0.04, 0.06, 0.03, 0.15, 0.04, 0.10])
CREDIT_NOTE_SHARE = 0.02
LINES_PER_VOUCHER = np.array([2, 3, 4])  # result lines + the bank line
LINES_PER_VOUCHER_P = np.array([0.70, 0.20, 0.10])
PARTIES = ["Försäkringskassan", "Arbetsförmedlingen", "Västra Götalandsregionen", "Kommunerna"]
FINANCING_DAY = 15  # paid on the 15th of each quarter's first month

# Rough population, weight of a member municipality among participants (default 10 000).
POPULATION = {
    "Bollebygd": 8_600, "Borås": 105_000, "Herrljunga": 9_400, "Mark": 34_000,
    "Svenljunga": 10_300, "Tranemo": 11_600, "Ulricehamn": 23_000, "Vårgårda": 11_100,
}
NON_MEMBERS = ["Alingsås", "Gislaved", "Göteborg", "Jönköping"]
NON_MEMBER_SHARE = 0.015
REGISTRATIONS_PER_PERSON = 1.3
OWN_MUNICIPALITY_SHARE = 0.85  # registrations on an insats of the person's municipality
OPEN_SHARE = 0.40  # registrations without Utskrivningsdatum
MAX_DAYS = 720  # longest participation
REASONS = ["Arbete", "Studier", "Planerat avslut", "Annan insats", "Flytt", "Sjukdom",
           "Avbrott", "Felregistrering"]
REASON_P = np.array([0.17, 0.15, 0.12, 0.22, 0.13, 0.08, 0.11, 0.02])
ANONYMOUS_MARK = "Aktiv hälsa"
FORECAST_COMMENTS = [
    "Vakant tjänst under våren",
    "Utökad verksamhet under hösten",
    "Lägre kostnad för köpta tjänster än budgeterat",
    "Prognosen inkluderar nya insatser kring socialt företagande",
]


@dataclass(frozen=True)
class Ledger:
    """Transaction lines in file order, as parallel numpy arrays of equal length.

    voucher int64 (1…, numbered by date), date datetime64[D], account int64,
    cc int64 (index into ``cc_codes``; -1 = no cost centre), text int64 (index into
    ``texts``), ore int64 (debit positive). Every voucher sums to 0.
    """

    voucher: np.ndarray
    date: np.ndarray
    account: np.ndarray
    cc: np.ndarray
    text: np.ndarray
    ore: np.ndarray
    texts: np.ndarray  # object array of voucher texts
    cc_codes: np.ndarray  # object array: the settings' cost centres, then the parties' one

    def __len__(self) -> int:
        return len(self.voucher)


@dataclass(frozen=True)
class Settings:
    """What the generator needs from a settings file."""

    name: str
    year: int
    equity_tkr: int
    members: list[str]
    cost_centres: pd.DataFrame  # kod (str), namn, grupp
    parties_cc: str  # cost centre of the parties' financing (e.g. "1000")
    parties_name: str  # its financing line, e.g. "Parternas finansiering"
    financing: list[str]  # every financing line, in order


def load_settings(path: Path = SETTINGS) -> Settings:
    """Read the TOML settings (``[forbund]``, ``[[kommuner]]``, ``[[kostnadsstallen]]``,
    ``[[finansiering]]``). Raises ValueError when no financing line names a cost centre."""
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    parties = [f for f in raw["finansiering"] if f.get("kostnadsstalle")]
    if not parties:
        raise ValueError(f"{path}: no [[finansiering]] line has a kostnadsstalle")
    ccs = pd.DataFrame(raw["kostnadsstallen"], columns=["kod", "namn", "grupp"])
    ccs["kod"] = ccs["kod"].astype(str)
    return Settings(
        name=raw["forbund"]["namn"],
        year=int(raw["forbund"]["ar"]),
        equity_tkr=int(raw["forbund"].get("eget_kapital_ingaende_tkr", 0)),
        members=[k["namn"] for k in raw["kommuner"]],
        cost_centres=ccs,
        parties_cc=str(parties[0]["kostnadsstalle"]),
        parties_name=parties[0]["namn"],
        financing=[f["namn"] for f in raw["finansiering"]],
    )


# --------------------------------------------------------------------------- budget


def make_budget(s: Settings, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Budget per cost centre and financing lines, in whole tkr.

    Out: (Budget: Kostnadsställe int, Benämning, Grupp, Budget (tkr) int ≤ 0;
          Finansiering: Post, Budget (tkr) int ≥ 0). The financing covers the costs: the
    parties 60 %, the other financing lines share the rest equally.
    """
    n = len(s.cost_centres)
    tkr = np.clip(np.round(rng.lognormal(6.2, 1.0, n)), 20, 6000).astype(np.int64)
    budget = pd.DataFrame({
        "Kostnadsställe": s.cost_centres["kod"].astype(int),
        "Benämning": s.cost_centres["namn"],
        "Grupp": s.cost_centres["grupp"],
        "Budget (tkr)": -tkr,
    })
    total = int(tkr.sum())
    parties = round(total * 0.6)
    others = [f for f in s.financing if f != s.parties_name]
    rest = [(total - parties) // len(others)] * len(others) if others else []
    values = {s.parties_name: parties, **dict(zip(others, rest))}
    financing = pd.DataFrame({"Post": s.financing, "Budget (tkr)": [values[f] for f in s.financing]})
    return budget, financing


def write_budget(budget: pd.DataFrame, financing: pd.DataFrame, path: Path) -> None:
    wb = openpyxl.Workbook()
    for ws, df in ((wb.active, budget), (wb.create_sheet(), financing)):
        ws.title = "Budget" if df is budget else "Finansiering"
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append([v.item() if isinstance(v, np.generic) else v for v in row])
    wb.save(path)


def make_forecast(budget: pd.DataFrame, rng: np.random.Generator, n: int = 3) -> pd.DataFrame:
    """A few forecast overrides: Kostnadsställe (str), Prognos (tkr) (int), Kommentar."""
    rows = np.sort(rng.choice(len(budget), size=min(n, len(budget)), replace=False))
    b = budget["Budget (tkr)"].to_numpy()[rows]
    factor = rng.choice([0.7, 0.8, 1.15, 1.3], size=len(rows))
    forecast = np.round(b * factor).astype(np.int64)
    forecast = np.where(forecast == b, b - 10, forecast)
    comments = rng.choice(FORECAST_COMMENTS, size=len(rows))
    return pd.DataFrame({
        "Kostnadsställe": budget["Kostnadsställe"].to_numpy()[rows].astype(str),
        "Prognos (tkr)": forecast,
        "Kommentar": comments,
    })


# --------------------------------------------------------------------------- ledger


def _voucher_sizes(lines: int, rng: np.random.Generator) -> np.ndarray:
    """Lines per voucher (each ≥ 2), summing exactly to ``lines`` (≥ 2)."""
    sizes = rng.choice(LINES_PER_VOUCHER, size=lines // 2 + 1, p=LINES_PER_VOUCHER_P)
    ends = np.cumsum(sizes)
    k = int(np.searchsorted(ends, lines, side="right"))
    sizes = sizes[:k].copy()
    rest = lines - (int(ends[k - 1]) if k else 0)
    if rest >= 2:
        sizes = np.append(sizes, rest)
    elif rest == 1:
        sizes[-1] += 1
    return sizes


def make_ledger(s: Settings, budget: pd.DataFrame, financing: pd.DataFrame, lines: int,
                rng: np.random.Generator, year: int) -> Ledger:
    """Balanced vouchers over the whole year, ``lines`` transaction lines in all: each
    voucher's result lines, then its bank line. Every cost centre of the settings and the
    parties' one get at least one line.
    Raises ValueError when ``lines`` is too small for that.
    """
    ncc = len(s.cost_centres)
    n_fin = 4 * len(PARTIES)
    cost_lines_total = lines - 2 * n_fin
    if cost_lines_total < 2 * ncc:
        raise ValueError(f"--ledger-lines must be at least {2 * n_fin + 2 * ncc} "
                         f"({n_fin} financing vouchers and every one of {ncc} cost centres)")

    # Cost vouchers: sizes, dates, credit notes.
    sizes = _voucher_sizes(cost_lines_total, rng)
    n_cost_v = len(sizes)
    first = np.datetime64(f"{year}-01-01")
    days = int((np.datetime64(f"{year + 1}-01-01") - first).astype(int))
    v_date = first + rng.integers(0, days, size=n_cost_v).astype("timedelta64[D]")
    v_credit = rng.random(n_cost_v) < CREDIT_NOTE_SHARE
    v_invoice = rng.integers(10_000, 100_000, size=n_cost_v)

    # Cost lines: cost centre (weighted by budget, each at least once), account, amount.
    res_sizes = sizes - 1
    n_res = int(res_sizes.sum())
    line_v = np.repeat(np.arange(n_cost_v), res_sizes)
    budget_ore = -budget["Budget (tkr)"].to_numpy(np.int64) * 100_000
    cc = rng.choice(ncc, size=n_res, p=budget_ore / budget_ore.sum())
    cc[rng.choice(n_res, size=ncc, replace=False)] = np.arange(ncc)
    account = rng.choice(COST_ACCOUNTS, size=n_res, p=COST_ACCOUNT_P)
    weight = rng.lognormal(0.0, 1.0, size=n_res)
    target = np.round(budget_ore * rng.uniform(0.85, 1.05, size=ncc))
    share = weight / np.bincount(cc, weights=weight, minlength=ncc)[cc]
    ore = np.maximum(1, np.round(target[cc] * share)).astype(np.int64)
    ore = np.where(v_credit[line_v], -ore, ore)

    # Parties' financing: one voucher per party and quarter, credit on 3590.
    parties_ore = int(financing.loc[financing["Post"] == s.parties_name, "Budget (tkr)"].iloc[0]) * 100_000
    f_quarter = np.repeat(np.arange(4), len(PARTIES))
    f_party = np.tile(np.arange(len(PARTIES)), 4)
    f_date = np.array([f"{year}-{3 * q + 1:02d}-{FINANCING_DAY:02d}" for q in range(4)],
                      dtype="datetime64[D]")[f_quarter]
    f_ore = np.full(n_fin, -(parties_ore // n_fin), dtype=np.int64)

    # Texts: "Faktura n" / "Kreditfaktura n" per cost voucher, "Bidrag <party>" per financing.
    invoice_text = (np.where(v_credit, "Kreditfaktura ", "Faktura ").astype(object)
                    + v_invoice.astype(str).astype(object))
    texts, text_id = np.unique(np.concatenate([invoice_text, [f"Bidrag {p}" for p in PARTIES]]),
                               return_inverse=True)
    v_text = text_id[:n_cost_v]
    f_text = text_id[n_cost_v:][f_party]

    # All vouchers, numbered by date (financing vouchers after the cost ones of their day).
    all_date = np.concatenate([v_date, f_date])
    order = np.argsort(all_date, kind="stable")
    number = np.empty(len(order), dtype=np.int64)
    number[order] = np.arange(1, len(order) + 1)
    all_text = np.concatenate([v_text, f_text])

    # Result lines then one bank line per voucher.
    res_v = np.concatenate([line_v, n_cost_v + np.arange(n_fin)])
    res = {
        "v": res_v,
        "account": np.concatenate([account, np.full(n_fin, PARTIES_ACCOUNT)]),
        "cc": np.concatenate([cc, np.full(n_fin, ncc)]),
        "ore": np.concatenate([ore, f_ore]),
    }
    n_v = n_cost_v + n_fin
    bank = {
        "v": np.arange(n_v),
        "account": np.full(n_v, BANK),
        "cc": np.full(n_v, -1),
        "ore": -np.bincount(res_v, weights=res["ore"], minlength=n_v).astype(np.int64),
    }
    cols = {k: np.concatenate([res[k], bank[k]]) for k in res}
    is_bank = np.concatenate([np.zeros(len(res_v), bool), np.ones(n_v, bool)])
    sort = np.lexsort((is_bank, number[cols["v"]]))
    v = cols["v"][sort]
    ledger = Ledger(
        voucher=number[v],
        date=all_date[v],
        account=cols["account"][sort],
        cc=cols["cc"][sort],
        text=all_text[v],
        ore=cols["ore"][sort],
        texts=texts.astype(object),
        cc_codes=np.array([*s.cost_centres["kod"], s.parties_cc], dtype=object),
    )
    assert len(ledger) == lines
    return ledger


def _amounts(ore: np.ndarray, decimal: str) -> np.ndarray:
    """Integer öre → '-1234,56' strings (object array), exactly."""
    a = np.abs(ore)
    cents = np.array([f"{decimal}{i:02d}" for i in range(100)], dtype=object)
    sign = np.where(ore < 0, "-", "").astype(object)
    return sign + (a // 100).astype(str).astype(object) + cents[a % 100]


def _lookup(values: np.ndarray, fmt) -> np.ndarray:
    """Format each distinct value once, then index: fast for few distinct values."""
    uniq, inv = np.unique(values, return_inverse=True)
    return np.array([fmt(u) for u in uniq], dtype=object)[inv]


def _join(columns: list[np.ndarray], sep: str) -> list[str]:
    """Row strings from equal-length object arrays of strings: one join per row (faster than
    repeated array concatenation, which copies the growing strings once per column)."""
    return list(map(sep.join, zip(*(c.tolist() for c in columns))))


def write_ledger_csv(ledger: Ledger, path: Path) -> None:
    """The sample's ``huvudbok.csv`` format (UTF-8, CRLF, ``;``, decimal comma)."""
    codes = np.array([*ledger.cc_codes, ""], dtype=object)  # index -1 = no cost centre
    vouchers = np.array([f"A{v}" for v in range(ledger.voucher[-1] + 1)], dtype=object)
    rows = _join([
        vouchers[ledger.voucher],
        _lookup(ledger.date, str),
        _lookup(ledger.account, lambda a: f"{a};{ACCOUNTS[a][0]}"),
        codes[ledger.cc],
        ledger.texts[ledger.text],
        _amounts(ledger.ore, ","),
    ], ";")
    header = "Verifikation;Datum;Konto;Kontonamn;Kostnadsställe;Text;Belopp"
    path.write_bytes((header + "\r\n" + "\r\n".join(rows) + "\r\n").encode("utf-8"))


_LATIN1_TO_CP437 = bytes(
    (bytes([b]).decode("latin-1").encode("cp437", errors="replace") or b"?")[0] for b in range(256))


def _encode_pc8(text: str) -> bytes:
    """``text.encode("cp437")`` in a third of the time (latin-1 encode + byte translation),
    for text whose characters cp437 is known to hold."""
    try:
        return text.encode("latin-1").translate(_LATIN1_TO_CP437)
    except UnicodeEncodeError:  # a cp437 character outside latin-1 (e.g. box drawing)
        return text.encode("cp437")


def write_ledger_sie(ledger: Ledger, s: Settings, path: Path, year: int) -> None:
    """SIE 4 in the sample's dialect: header as the sample ``huvudbok.se``, then per voucher
    ``#VER A n date "text" date`` / ``{`` / ``   #TRANS acct {1 "cc"} 1234.56`` / ``}``;
    cp437, CRLF."""
    codes = ledger.cc_codes
    names = [*s.cost_centres["namn"], s.parties_name]
    equity = f"{-s.equity_tkr * 1000:.2f}"
    head = [
        "#FLAGGA 0",
        '#PROGRAM "finsam benchmarks/generate.py" 1.0',
        "#FORMAT PC8",
        f"#GEN {year + 1}0115",
        "#SIETYP 4",
        f'#FNAMN "{s.name}"',
        "#ORGNR 222000-0000",
        f"#RAR 0 {year}0101 {year}1231",
        f"#RAR -1 {year - 1}0101 {year - 1}1231",
        f"#KPTYP BAS{year}",
        "#VALUTA SEK",
        '#DIM 1 "Kostnadsställe"',
        *sorted(f'#OBJEKT 1 "{c}" "{n}"' for c, n in zip(codes, names)),
    ]
    for acct, (name, kind) in ACCOUNTS.items():
        head += [f'#KONTO {acct} "{name}"', f"#KTYP {acct} {kind}"]
    head += [f"#IB 0 2010 {equity}", f"#UB -1 2010 {equity}", f"#IB 0 1930 {equity.lstrip('-')}"]

    voucher = ledger.voucher
    first = np.flatnonzero(np.r_[True, voucher[1:] != voucher[:-1]])
    last = np.r_[first[1:] - 1, len(voucher) - 1]
    objects = np.array([*(f'{{1 "{c}"}}' for c in codes), "{}"], dtype=object)
    trans = _join([_lookup(ledger.account, lambda a: f"   #TRANS {a}"), objects[ledger.cc],
                   _amounts(ledger.ore, ".")], " ")
    ymd = _lookup(ledger.date[first], lambda d: str(d).replace("-", ""))
    texts = ledger.texts[ledger.text[first]]
    for i, n, d, t in zip(first.tolist(), voucher[first].tolist(), ymd.tolist(), texts.tolist()):
        trans[i] = f'#VER A {n} {d} "{t}" {d}\r\n{{\r\n{trans[i]}'
    for i in last.tolist():
        trans[i] += "\r\n}"
    text = "\r\n".join(head) + "\r\n" + "\r\n".join(trans) + "\r\n"
    # Every non-ASCII character comes from the header or the texts: check those strictly,
    # then encode the whole file the fast way.
    "".join([*head, *ledger.texts]).encode("cp437")
    path.write_bytes(_encode_pc8(text))


# --------------------------------------------------------------------------- participants


def participant_insatser(s: Settings) -> tuple[list[str], list[int]]:
    """Insatser with registered participants and the member each belongs to (index).

    A cost centre is such an insats when its name names a member municipality and it is not
    an *Aktiv hälsa* (those are counted anonymously); for the sample settings that gives the
    17 insatser of the sample ``deltagare.xlsx``.
    """
    names, member = [], []
    for n in s.cost_centres["namn"]:
        hits = [i for i, m in enumerate(s.members) if m in n]
        if hits and ANONYMOUS_MARK not in n:
            names.append(n)
            member.append(hits[0])
    if not names:
        names, member = list(s.cost_centres["namn"]), [0] * len(s.cost_centres)
    return names, member


def make_participants(s: Settings, registrations: int, rng: np.random.Generator,
                      year: int) -> pd.DataFrame:
    """``registrations`` rows in the sample ``deltagare.xlsx`` columns, sorted by start date.

    Personnummer str ``YYYYMMDD-NNNC`` (unique per person; the Luhn digit C from
    ``stdnum.luhn`` over ``YYMMDDNNN``; N's last digit odd = Man), Kön, Folkbokföringskommun
    (a person keeps one), Insats, Inskrivningsdatum / Utskrivningsdatum (datetime64[D], NaT =
    still active; spread over the year and the two before), Avslutsorsak (None when active).
    Everyone is 16–64 at every registration.
    """
    n_people = max(1, round(registrations / REGISTRATIONS_PER_PERSON))
    person = np.concatenate([np.arange(n_people),
                             rng.integers(0, n_people, size=registrations - n_people)])
    rng.shuffle(person)

    # People: birth date and serial from one unique slot, municipality.
    born_first = np.datetime64(f"{year - 64}-01-01")
    born_days = int((np.datetime64(f"{year - 18}-01-01") - born_first).astype(int))
    slot = rng.choice(born_days * 999, size=n_people, replace=False)
    born = born_first + (slot // 999).astype("timedelta64[D]")
    serial = slot % 999 + 1
    ymd = np.datetime_as_string(born, unit="D").astype(object)
    ymd = np.array([d.replace("-", "") for d in ymd], dtype=object)
    pnr = np.array([f"{d}-{n:03d}{luhn.calc_check_digit(f'{d[2:]}{n:03d}')}"
                    for d, n in zip(ymd, serial.tolist())], dtype=object)
    sex = np.where(serial % 2 == 1, "Man", "Kvinna").astype(object)
    places = np.array([*s.members, *NON_MEMBERS], dtype=object)
    weight = np.array([POPULATION.get(m, 10_000) for m in s.members], dtype=float)
    p = np.concatenate([weight / weight.sum() * (1 - NON_MEMBER_SHARE),
                        np.full(len(NON_MEMBERS), NON_MEMBER_SHARE / len(NON_MEMBERS))])
    place = rng.choice(len(places), size=n_people, p=p)

    # Insats: mostly one of the person's municipality, else any.
    insatser, insats_member = participant_insatser(s)
    insats = rng.integers(0, len(insatser), size=registrations)
    reg_place = place[person]
    own = rng.random(registrations) < OWN_MUNICIPALITY_SHARE
    for m in range(len(s.members)):
        choices = np.flatnonzero(np.array(insats_member) == m)
        pick = own & (reg_place == m)
        if len(choices) and pick.any():
            insats[pick] = rng.choice(choices, size=int(pick.sum()))

    # Dates: start over three years up to the year end, end within MAX_DAYS and the year.
    first = np.datetime64(f"{year - 2}-01-01")
    year_end = np.datetime64(f"{year}-12-31")
    span = int((year_end - first).astype(int)) + 1
    start = first + rng.integers(0, span, size=registrations).astype("timedelta64[D]")
    room = np.minimum(MAX_DAYS, (year_end - start).astype(int))
    end = start + np.floor(rng.random(registrations) * (room + 1)).astype("timedelta64[D]")
    open_ = rng.random(registrations) < OPEN_SHARE
    end = np.where(open_, np.datetime64("NaT"), end)
    reason = np.where(open_, None,
                      rng.choice(np.array(REASONS, dtype=object), size=registrations, p=REASON_P))

    df = pd.DataFrame({
        "Personnummer": pnr[person],
        "Kön": sex[person],
        "Folkbokföringskommun": places[reg_place],
        "Insats": np.array(insatser, dtype=object)[insats],
        "Inskrivningsdatum": start,
        "Utskrivningsdatum": end,
        "Avslutsorsak": reason,
    })
    return df.sort_values("Inskrivningsdatum", kind="stable", ignore_index=True)


def write_participants(df: pd.DataFrame, path: Path) -> None:
    """One sheet ``Deltagare``; dates as Excel dates formatted ``yyyy-mm-dd``, empty when
    missing. openpyxl write-only mode (streams rows)."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Deltagare")
    ws.append(list(df.columns))
    cols = [df[c].to_numpy().astype("datetime64[D]").tolist()
            if pd.api.types.is_datetime64_any_dtype(df[c])
            else df[c].astype(object).where(df[c].notna(), None).tolist() for c in df.columns]
    for row in zip(*cols):
        ws.append(row)
    wb.save(path)


def make_anonymous(s: Settings, rng: np.random.Generator, year: int) -> pd.DataFrame:
    """Monthly counts per *Aktiv hälsa* insats: Insats, Kommun, Månad (YYYY-MM), Antal deltagare."""
    rows = []
    for n in s.cost_centres["namn"]:
        if ANONYMOUS_MARK not in n:
            continue
        place = next((m for m in s.members if m in n), s.members[0])
        for month, count in enumerate(rng.integers(0, 30, size=12), start=1):
            rows.append((n, place, f"{year}-{month:02d}", int(count)))
    return pd.DataFrame(rows, columns=["Insats", "Kommun", "Månad", "Antal deltagare"])


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, sep=";", index=False, encoding="utf-8", lineterminator="\r\n")


# --------------------------------------------------------------------------- driver


def generate(outdir: Path, ledger_lines: int, registrations: int, seed: int = 0,
             year: int | None = None, settings_path: Path = SETTINGS,
             log=None) -> dict[str, float]:
    """Write the six source files into ``outdir`` (created if needed).

    Returns {step: seconds}: one step per file written (its name) plus "ledger (build)" and
    "deltagare (build)", the in-memory generation the writers share or precede. ``log``
    (e.g. ``print``) is called with one line per step. Raises ValueError for sizes that
    cannot be honoured.
    """
    if registrations < 1:
        raise ValueError("--registrations must be at least 1")
    s = load_settings(settings_path)
    year = s.year if year is None else year
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    rng_budget, rng_ledger, rng_people, rng_anon, rng_forecast = np.random.default_rng(seed).spawn(5)
    timings: dict[str, float] = {}

    def timed(step, fn, note=""):
        t = time.perf_counter()
        result = fn()
        timings[step] = time.perf_counter() - t
        if log:
            path = outdir / step
            size = f"{path.stat().st_size / 1e6:9.2f} MB" if path.is_file() else " " * 12
            log(f"{step:18} {size}  {timings[step]:6.2f} s  {note}".rstrip())
        return result

    budget, financing = make_budget(s, rng_budget)
    timed("budget.xlsx", lambda: write_budget(budget, financing, outdir / "budget.xlsx"))
    timed("prognos.csv", lambda: _write_csv(make_forecast(budget, rng_forecast), outdir / "prognos.csv"))
    ledger = timed("ledger (build)",
                   lambda: make_ledger(s, budget, financing, ledger_lines, rng_ledger, year),
                   f"{ledger_lines:,} lines")
    timed("huvudbok.csv", lambda: write_ledger_csv(ledger, outdir / "huvudbok.csv"))
    timed("huvudbok.se", lambda: write_ledger_sie(ledger, s, outdir / "huvudbok.se", year),
          f"{ledger.voucher[-1]:,} vouchers")
    people = timed("deltagare (build)", lambda: make_participants(s, registrations, rng_people, year),
                   f"{registrations:,} registrations")
    timed("deltagare.xlsx", lambda: write_participants(people, outdir / "deltagare.xlsx"),
          f"{people['Personnummer'].nunique():,} people")
    timed("anonyma.csv", lambda: _write_csv(make_anonymous(s, rng_anon, year), outdir / "anonyma.csv"))
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path, help="folder to write the source files into")
    parser.add_argument("--ledger-lines", type=int, required=True, metavar="N",
                        help="transaction lines in huvudbok.csv and huvudbok.se")
    parser.add_argument("--registrations", type=int, required=True, metavar="M",
                        help="rows in deltagare.xlsx")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--year", type=int, default=None,
                        help="fiscal year (default: the settings' [forbund] ar)")
    parser.add_argument("--settings", type=Path, default=SETTINGS, help=f"default {SETTINGS}")
    args = parser.parse_args(argv)
    t = time.perf_counter()
    try:
        generate(args.outdir, args.ledger_lines, args.registrations, args.seed, args.year,
                 args.settings, log=print)
    except (ValueError, OSError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    print(f"{'total':18} {'':12}  {time.perf_counter() - t:6.2f} s  -> {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
