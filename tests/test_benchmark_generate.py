"""benchmarks/generate.py writes a sources folder that is internally consistent and in the
sample's formats: balanced vouchers, the same lines in CSV and SIE, valid personnummer,
every cost centre present, deterministic per seed."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from stdnum.se import personnummer

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "finsam" / "sample"
N, M, SEED = 2000, 300, 7


def _load_generate():
    spec = importlib.util.spec_from_file_location("benchmarks_generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while it executes
    spec.loader.exec_module(module)
    return module


generate = _load_generate()
SETTINGS = tomllib.loads((ROOT / "workbook" / "sjuharad.toml").read_text(encoding="utf-8"))
COST_CENTRES = {k["kod"] for k in SETTINGS["kostnadsstallen"]}
PARTIES_CC = next(f["kostnadsstalle"] for f in SETTINGS["finansiering"] if f.get("kostnadsstalle"))
MEMBERS = {k["namn"] for k in SETTINGS["kommuner"]}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("seed7")
    generate.generate(folder, N, M, seed=SEED)
    return folder


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _ore(text: str) -> int:
    """'-1234,56' or '-1234.56' → -123456, exactly."""
    assert re.fullmatch(r"-?\d+[.,]\d\d", text), text
    return int(text.replace(",", "").replace(".", ""))


SIE_VER = re.compile(r'^#VER A (\d+) (\d{8}) "([^"]*)" (\d{8})$')
SIE_TRANS = re.compile(r'^   #TRANS (\d{4}) \{(?:1 "(\d+)")?\} (-?\d+\.\d\d)$')


def _sie_lines(path: Path) -> list[tuple[str, str, str, str, int]]:
    """(voucher 'A n', date YYYY-MM-DD, account, cost centre or '', öre) per #TRANS line."""
    text = path.read_bytes().decode("cp437")
    lines, voucher, date = [], None, None
    for line in text.split("\r\n"):
        if m := SIE_VER.match(line):
            voucher, d = f"A{m[1]}", m[2]
            date = f"{d[:4]}-{d[4:6]}-{d[6:]}"
        elif line.startswith("   #TRANS"):
            m = SIE_TRANS.match(line)
            assert m, line
            lines.append((voucher, date, m[1], m[2] or "", _ore(m[3])))
    return lines


def _csv_lines(path: Path) -> list[tuple[str, str, str, str, int]]:
    return [(r["Verifikation"], r["Datum"], r["Konto"], r["Kostnadsställe"], _ore(r["Belopp"]))
            for r in _csv_rows(path)]


# ------------------------------------------------------------------------------ ledger


def test_ledger_has_n_lines_in_csv_and_sie(out):
    assert len(_csv_rows(out / "huvudbok.csv")) == N
    assert len(_sie_lines(out / "huvudbok.se")) == N


def test_csv_is_in_the_sample_format(out):
    raw = (out / "huvudbok.csv").read_bytes()
    sample = (SAMPLE / "huvudbok.csv").read_bytes()
    assert raw.split(b"\r\n")[0] == sample.split(b"\r\n")[0]
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    for r in _csv_rows(out / "huvudbok.csv"):
        assert re.fullmatch(r"A\d+", r["Verifikation"])
        dt.date.fromisoformat(r["Datum"])
        assert (r["Kostnadsställe"] == "") == (r["Konto"] == "1930")


def test_every_voucher_balances(out):
    totals = Counter()
    for voucher, _, _, _, ore in _csv_lines(out / "huvudbok.csv"):
        totals[voucher] += ore
    assert len(totals) > N / 5
    assert set(totals.values()) == {0}


def test_every_voucher_has_result_lines_then_one_bank_line(out):
    by_voucher: dict[str, list[str]] = {}
    for voucher, _, account, _, _ in _csv_lines(out / "huvudbok.csv"):
        by_voucher.setdefault(voucher, []).append(account)
    for accounts in by_voucher.values():
        assert accounts[-1] == "1930" and "1930" not in accounts[:-1]
        assert all(a[0] in "345678" for a in accounts[:-1])


def test_csv_and_sie_hold_the_same_lines(out):
    csv_lines = _csv_lines(out / "huvudbok.csv")
    sie_lines = _sie_lines(out / "huvudbok.se")
    sums_csv, sums_sie = Counter(), Counter()
    for sums, lines in ((sums_csv, csv_lines), (sums_sie, sie_lines)):
        for _, date, _, cc, ore in lines:
            sums[(cc, date[:7])] += ore
    assert sums_csv == sums_sie
    assert len({month for _, month in sums_csv}) == 12  # spread over the whole year
    assert csv_lines == sie_lines  # and line for line


def test_every_cost_centre_appears(out):
    used = {cc for _, _, _, cc, _ in _csv_lines(out / "huvudbok.csv")}
    assert used == COST_CENTRES | {PARTIES_CC, ""}
    assert {cc for _, _, _, cc, _ in _sie_lines(out / "huvudbok.se")} == used


def test_parties_financing_is_credit_on_3590_and_equals_its_budget(out):
    lines = [x for x in _csv_lines(out / "huvudbok.csv") if x[3] == PARTIES_CC]
    assert {account for _, _, account, _, _ in lines} == {"3590"}
    assert all(ore < 0 for *_, ore in lines)
    wb = openpyxl.load_workbook(out / "budget.xlsx", read_only=True)
    budget = dict(wb["Finansiering"].iter_rows(min_row=2, values_only=True))
    assert -sum(ore for *_, ore in lines) == budget["Parternas finansiering"] * 100_000


def test_sie_is_in_the_sample_dialect(out):
    raw = (out / "huvudbok.se").read_bytes()
    assert raw.startswith(b"#FLAGGA 0\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"") and raw.endswith(b"}\r\n")
    text = raw.decode("cp437")
    for line in ("#FORMAT PC8", "#SIETYP 4", "#RAR 0 20130101 20131231", '#DIM 1 "Kostnadsställe"',
                 '#OBJEKT 1 "3001" "Lotsen i Borås"', "#IB 0 2010 -6655000.00"):
        assert f"\r\n{line}\r\n" in text
    # The header labels appear in the sample's order.
    labels = lambda t: list(dict.fromkeys(re.findall(r"^#([A-Z]+)", t, re.M)))  # noqa: E731
    sample = (SAMPLE / "huvudbok.se").read_bytes().decode("cp437")
    assert labels(text) == labels(sample)
    assert "ä".encode("cp437") in raw  # cp437, not UTF-8


# ------------------------------------------------------------------------------ participants


def _read_participants(path: Path) -> list[dict]:
    """Rows of sheet Deltagare as dicts (read-only mode drops a row's trailing empty cells)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    header, *rows = wb["Deltagare"].iter_rows(values_only=True)
    return [dict(zip(header, r + (None,) * (len(header) - len(r)))) for r in rows]


@pytest.fixture(scope="module")
def participants(out) -> list[dict]:
    return _read_participants(out / "deltagare.xlsx")


def test_participants_columns_as_the_sample(out, participants):
    sample = openpyxl.load_workbook(SAMPLE / "deltagare.xlsx", read_only=True)
    assert openpyxl.load_workbook(out / "deltagare.xlsx", read_only=True).sheetnames == sample.sheetnames
    assert tuple(participants[0]) == next(sample["Deltagare"].iter_rows(values_only=True))
    assert len(participants) == M


def test_every_personnummer_is_valid_and_matches_sex(participants):
    for p in participants:
        assert re.fullmatch(r"\d{8}-\d{4}", p["Personnummer"])
        assert personnummer.is_valid(p["Personnummer"]), p["Personnummer"][:8]
        expected = "Man" if personnummer.get_gender(p["Personnummer"]) == "M" else "Kvinna"
        assert p["Kön"] == expected


def test_people_have_about_1_3_registrations_and_one_municipality(participants):
    people = Counter(p["Personnummer"] for p in participants)
    assert 1.2 < len(participants) / len(people) < 1.4
    homes = {}
    for p in participants:
        homes.setdefault(p["Personnummer"], set()).add(p["Folkbokföringskommun"])
    assert all(len(h) == 1 for h in homes.values())
    places = Counter(p["Folkbokföringskommun"] for p in participants)
    assert sum(n for place, n in places.items() if place in MEMBERS) > 0.9 * M


def test_dates_are_excel_dates_and_ages_16_to_64(participants):
    names = {k["namn"] for k in SETTINGS["kostnadsstallen"]}
    open_ = 0
    for p in participants:
        start, end = p["Inskrivningsdatum"], p["Utskrivningsdatum"]
        assert isinstance(start, dt.datetime)
        assert start.year <= 2013
        if end is None:
            open_ += 1
            assert p["Avslutsorsak"] is None
        else:
            assert start <= end <= dt.datetime(2013, 12, 31) and p["Avslutsorsak"]
        born = dt.datetime.strptime(p["Personnummer"][:8], "%Y%m%d")
        age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
        assert 16 <= age <= 64
        assert p["Insats"] in names
    assert 0.3 < open_ / M < 0.5


# ------------------------------------------------------------------------------ small files


@pytest.mark.parametrize("name", ["anonyma.csv", "prognos.csv"])
def test_small_csv_have_the_sample_header(out, name):
    header = lambda p: p.read_bytes().split(b"\r\n")[0]  # noqa: E731
    assert header(out / name) == header(SAMPLE / name)
    assert len(_csv_rows(out / name)) >= 1


def test_budget_has_the_sample_sheets_and_every_cost_centre(out):
    wb = openpyxl.load_workbook(out / "budget.xlsx", read_only=True)
    sample = openpyxl.load_workbook(SAMPLE / "budget.xlsx", read_only=True)
    assert wb.sheetnames == sample.sheetnames
    for sheet in wb.sheetnames:
        assert next(wb[sheet].iter_rows(values_only=True)) == next(sample[sheet].iter_rows(values_only=True))
    rows = list(wb["Budget"].iter_rows(min_row=2, values_only=True))
    assert {str(r[0]) for r in rows} == COST_CENTRES
    assert all(r[3] < 0 for r in rows)


# ------------------------------------------------------------------------------ determinism, CLI


BYTE_IDENTICAL = ["huvudbok.csv", "huvudbok.se", "anonyma.csv", "prognos.csv"]


def test_same_seed_same_bytes_other_seed_other_bytes(out, participants, tmp_path):
    generate.generate(tmp_path / "same", N, M, seed=SEED)
    generate.generate(tmp_path / "other", N, M, seed=SEED + 1)
    for name in BYTE_IDENTICAL:
        assert (tmp_path / "same" / name).read_bytes() == (out / name).read_bytes(), name
    for name in ["huvudbok.csv", "huvudbok.se"]:
        assert (tmp_path / "other" / name).read_bytes() != (out / name).read_bytes(), name
    assert _read_participants(tmp_path / "same" / "deltagare.xlsx") == participants


def test_cli_writes_the_folder_and_reports(tmp_path, capsys):
    assert generate.main([str(tmp_path), "--ledger-lines", "500", "--registrations", "50",
                          "--year", "2014"]) == 0
    printed = capsys.readouterr().out
    assert {p.name for p in tmp_path.iterdir()} == {
        "huvudbok.csv", "huvudbok.se", "deltagare.xlsx", "anonyma.csv", "budget.xlsx", "prognos.csv"}
    assert "huvudbok.se" in printed and "total" in printed
    assert {d[:4] for _, d, *_ in _csv_lines(tmp_path / "huvudbok.csv")} == {"2014"}
    assert "#RAR 0 20140101 20141231" in (tmp_path / "huvudbok.se").read_text(encoding="cp437")


def test_cli_refuses_too_few_lines(tmp_path, capsys):
    assert generate.main([str(tmp_path), "--ledger-lines", "10", "--registrations", "5"]) == 1
    assert capsys.readouterr().err.startswith("Error: --ledger-lines must be at least")
