"""The SIE 4 reader (finsam.sources.sie) and finsam inspect (finsam.inspect).

Each dialect or error case is one small named file under tests/data/sie/; the expected figures
below are written out by hand from those files (or, for the sample and the real files,
computed here by a deliberately simple parse that shares no code with the reader).
"""

from __future__ import annotations

import json
import re
import zlib
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from finsam.errors import SourceError
from finsam.inspect import inspect_source
from finsam.sources.ledger import LEDGER_COLUMNS, read_ledger
from finsam.sources.sie import read_sie

TESTS = Path(__file__).parent
SIE = TESTS / "data" / "sie"
REAL = TESTS / "data" / "sie-real"
SAMPLE = TESTS.parent / "src" / "finsam" / "sample"
EXPECTED = json.loads((TESTS / "data" / "sjuharad" / "expected.json").read_text("utf-8"))


FATAL = {
    "trans_outside_ver.se",
    "bad_amount.se",
    "ksumma_bad.se",
    "unclosed_ver.se",
    "bad_date.se",
    "odd_object_list.se",
    "type1_no_transactions.se",
    "bad_accounts.se",
}


def _lines(ledger) -> list[tuple]:
    df = ledger.lines
    return [
        (d.date(), a, c, int(o))
        for d, a, c, o in zip(df["date"], df["account"], df["cost_centre"], df["amount_ore"])
    ]


def _codes(ledger) -> list[tuple[str, int | None]]:
    return [(p.code, p.row) for p in ledger.problems if p.severity != "info"]


# ------------------------------------------------------------------------------------------
# The frame contract
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(SIE.glob("*.se")) if p.name not in FATAL] + [SAMPLE / "huvudbok.se"],
    ids=lambda p: p.name,
)
def test_lines_frame_has_the_ledger_contract(path):
    ledger = read_sie(path)
    df = ledger.lines
    assert list(df.columns) == LEDGER_COLUMNS
    assert str(df["date"].dtype) == "datetime64[ns]"
    assert str(df["amount_ore"].dtype) == "int64"
    assert df["account"].map(type).eq(str).all()
    assert df["cost_centre"].map(type).eq(str).all()
    assert ledger.kind == "sie"


# ------------------------------------------------------------------------------------------
# Dialects
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["utf8_declared_pc8.se", "cp1252.se", "cp437.se"])
def test_code_page_is_detected_not_trusted(name):
    # all three declare #FORMAT PC8; the bytes differ, the text must not
    ledger = read_sie(SIE / name)
    assert ledger.cost_centre_names == {"3001": "Målgrupp Ärende Östra"}
    assert _lines(ledger) == [
        (date(2024, 1, 15), "4010", "3001", 150000),
        (date(2024, 1, 15), "1930", "", -150000),
    ]
    assert _codes(ledger) == []


def test_replacement_characters_are_read_with_a_warning_on_the_first_line():
    ledger = read_sie(SIE / "replacement_char.se")
    assert _codes(ledger) == [("sie-ersattningstecken", 9)]
    assert [o for *_, o in _lines(ledger)] == [150000, -150000]


@pytest.mark.parametrize(
    "dimension, expected",
    [
        (1, ["3001", "3002", "3003", "AO", "3004", "3005", "", "", "3006", ""]),
        (6, ["", "", "", "", "P1", "P2", "P3", "", "", ""]),
    ],
)
def test_object_list_forms(dimension, expected):
    ledger = read_sie(SIE / "objects_forms.se", cost_centre_dimension=dimension)
    assert [c for _, _, c, _ in _lines(ledger)] == expected
    assert [o for *_, o in _lines(ledger)] == [
        10000, 20000, 30000, 40000, 50000, 60000, 70000, 80000, 90000, -450000,
    ]


def test_escaped_quotes_and_lone_backslashes():
    ledger = read_sie(SIE / "escaped_quotes.se")
    assert ledger.cost_centre_names == {"3001": 'Projekt "Ett" C:\\mapp'}
    assert _lines(ledger) == [
        (date(2024, 3, 1), "5010", "3001", 25050),
        (date(2024, 3, 1), "1930", "", -25050),
    ]


def test_type3_psaldo_never_counts_total_and_objects_twice():
    ledger = read_sie(SIE / "type3_psaldo.se")
    assert sorted(_lines(ledger)) == sorted(
        [
            (date(2024, 1, 31), "4010", "3001", 60000),
            (date(2024, 1, 31), "4010", "3002", 30000),
            (date(2024, 1, 31), "4010", "", 10000),  # the {} total less the objects
            (date(2024, 2, 29), "4010", "3001", 5000),
            (date(2024, 2, 29), "3590", "", -200000),
        ]
    )
    budget = ledger.budget_ore
    assert sorted(zip(budget["cost_centre"], budget["account"], budget["amount_ore"])) == [
        ("", "3590", -500000),
        ("3001", "4010", 100000),
    ]


def test_only_trans_counts_not_rtrans_or_btrans():
    ledger = read_sie(SIE / "rtrans.se")
    # the voucher's date, not the #TRANS's own transdat (20240415)
    assert _lines(ledger) == [
        (date(2024, 4, 10), "4010", "3001", 100000),
        (date(2024, 4, 10), "4010", "3002", 40000),
        (date(2024, 4, 10), "4010", "3001", -40000),
        (date(2024, 4, 10), "1930", "", -100000),
    ]
    assert _codes(ledger) == []


def test_broken_fiscal_year():
    ledger = read_sie(SIE / "broken_year.se")
    assert (ledger.fiscal_year_start, ledger.fiscal_year_end) == (date(2023, 7, 1), date(2024, 6, 30))
    assert [d for d, *_ in _lines(ledger)] == [date(2023, 7, 3)] * 2 + [date(2024, 6, 28)] * 2


def test_lf_tabs_unknown_labels_short_amounts_and_extra_fields():
    ledger = read_sie(SIE / "lf_only.se")
    assert _lines(ledger) == [
        (date(2024, 1, 15), "4010", "3001", 150000),
        (date(2024, 1, 15), "1930", "", -150000),
        (date(2024, 2, 16), "4010", "3001", 50),
        (date(2024, 2, 16), "1930", "", -50),
    ]


def test_unbalanced_voucher_is_a_warning_on_its_ver_line():
    ledger = read_sie(SIE / "unbalanced.se")
    assert _codes(ledger) == [("sie-verifikation-obalans", 14)]
    assert ledger.problems[0].severity == "warning"
    assert len(ledger.lines) == 4


def _independent_ksumma(path: Path) -> tuple[int, int]:
    """(declared, computed) CRC-32 over label + field contents between the #KSUMMA records."""
    text = path.read_bytes().decode("cp437").replace("\r\n", "\n").split("\n")
    start = text.index("#KSUMMA")
    end = next(i for i, t in enumerate(text) if t.startswith("#KSUMMA "))
    token = re.compile(r'"((?:[^"\\]|\\.)*)"|([^\s"{}]+)')
    crc = 0
    for line in text[start + 1 : end]:
        content = "".join(q.replace('\\"', '"') if q else b for q, b in token.findall(line))
        crc = zlib.crc32(content.encode("cp437"), crc)
    return int(text[end].split()[1]), crc


def test_ksumma_ok():
    declared, computed = _independent_ksumma(SIE / "ksumma_ok.se")
    assert declared == computed
    assert [o for *_, o in _lines(read_sie(SIE / "ksumma_ok.se"))] == [150000, -150000]


def test_ksumma_missing_closing_record_is_fatal(tmp_path):
    cut = tmp_path / "avklippt.se"
    data = (SIE / "ksumma_ok.se").read_bytes()
    cut.write_bytes(data[: data.rindex(b"#KSUMMA ")])
    with pytest.raises(SourceError, match=r"^avklippt\.se, rad 2: "):
        read_sie(cut)


# ------------------------------------------------------------------------------------------
# Fatal problems: file and line in the message
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, line, value",
    [
        ("trans_outside_ver.se", 14, "#TRANS"),
        ("bad_amount.se", 12, '"12,3x"'),
        ("ksumma_bad.se", 16, "2723997794"),
        ("unclosed_ver.se", 4, "}"),
        ("bad_date.se", 3, '"20241315"'),
        ("odd_object_list.se", 5, "{1}"),
    ],
)
def test_fatal_problems(name, line, value):
    with pytest.raises(SourceError) as err:
        read_sie(SIE / name)
    assert str(err.value).startswith(f"{name}, rad {line}: ")
    assert value in str(err.value)


def test_ksumma_bad_differs_from_ok_only_in_content():
    declared, computed = _independent_ksumma(SIE / "ksumma_bad.se")
    assert declared != computed


# ------------------------------------------------------------------------------------------
# The sample: the SIE file equals the CSV export of the same ledger
# ------------------------------------------------------------------------------------------


def _csv_2013() -> pd.DataFrame:
    csv = pd.read_csv(
        SAMPLE / "huvudbok.csv",
        sep=";",
        dtype={"Konto": str, "Kostnadsställe": str, "Belopp": str},
        keep_default_na=False,
    )
    csv = csv[csv["Datum"].str.startswith("2013")]
    return pd.DataFrame(
        {
            "month": csv["Datum"].str[:7],
            "account": csv["Konto"],
            "cost_centre": csv["Kostnadsställe"],
            "ore": [int(Decimal(b.replace(",", ".")) * 100) for b in csv["Belopp"]],
        }
    )


def test_sample_equals_csv_per_cost_centre_and_month():
    ledger = read_sie(SAMPLE / "huvudbok.se")
    sie = ledger.lines.assign(month=ledger.lines["date"].dt.strftime("%Y-%m"))
    got = sie.groupby(["cost_centre", "month"])["amount_ore"].sum().astype(int).to_dict()
    want = _csv_2013().groupby(["cost_centre", "month"])["ore"].sum().astype(int).to_dict()
    assert got == want
    assert len(got) > 10


def _tkr(ore: int) -> int:
    return int((Decimal(ore) / 100000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_sample_q1_result_per_cost_centre_matches_the_published_report():
    lines = read_sie(SAMPLE / "huvudbok.se").lines
    q1 = lines[(lines["date"] >= "2013-01-01") & (lines["date"] <= "2013-03-31")]
    q1 = q1[q1["account"].str[0].isin(list("345678"))]
    sums = q1.groupby("cost_centre")["amount_ore"].sum()
    expected = {row["kostnadsstalle"]: row["ackumulerat"] for row in EXPECTED["kostnadsstallen"]}
    expected["1000"] = EXPECTED["sammanstallning"]["Parternas finansiering"]["ackumulerat"]
    got = {cc: _tkr(-int(sums.get(cc, 0))) for cc in expected}
    assert got == expected
    assert (got["1001"], got["3008"], got["1000"]) == (-58, -417, 3765)


def test_sample_opening_balance_and_fiscal_year():
    ledger = read_sie(SAMPLE / "huvudbok.se")
    assert ledger.opening_balances_ore["2010"] == -665500000
    assert -ledger.opening_balances_ore["2010"] // 100000 == EXPECTED["eget_kapital_ingaende_tkr"]
    assert (ledger.fiscal_year_start, ledger.fiscal_year_end) == (date(2013, 1, 1), date(2013, 12, 31))


# ------------------------------------------------------------------------------------------
# Real files from other programs, against a deliberately simple parse of their #VER/#TRANS
# ------------------------------------------------------------------------------------------

_VER = re.compile(r"^\s*#VER\s+\S+\s+\S+\s+\"?(\d{8})")
_TRANS = re.compile(r"^\s*#TRANS\s+\"?(\d+)\"?\s+\{([^}]*)\}\s+(\S+)")


def _simple_result_by_cost_centre_month(path: Path) -> dict:
    sums: dict = defaultdict(lambda: defaultdict(Decimal))
    month = None
    for line in path.read_bytes().decode("cp437").splitlines():
        if m := _VER.match(line):
            month = f"{m.group(1)[:4]}-{m.group(1)[4:6]}"
        elif m := _TRANS.match(line):
            account, objects, amount = m.groups()
            if account[0] not in "345678":
                continue
            tokens = [t.strip('"') for t in re.findall(r'"[^"]*"|\S+', objects)]
            pairs = dict(zip(tokens[0::2], tokens[1::2]))
            sums[pairs.get("1", "")][month] += Decimal(amount)
    return {cc: {m: float(v) for m, v in months.items()} for cc, months in sums.items()}


@pytest.mark.parametrize("name", ["BL0001_typ4.SE", "typ4.se"])
def test_real_files_month_sums_equal_a_simple_parse(name):
    got = inspect_source(REAL / name)["result_by_cost_centre_month"]
    assert got == _simple_result_by_cost_centre_month(REAL / name)
    assert len(got) > 1  # more than the lines without a cost centre


def test_real_bl_administration_broken_year_and_dimensions():
    ledger = read_sie(REAL / "BL0001_typ4.SE")
    assert (ledger.fiscal_year_start, ledger.fiscal_year_end) == (date(2009, 7, 1), date(2010, 6, 30))
    assert ledger.cost_centre_names["10"] == "Östervåla"
    assert ledger.budget_ore is not None and len(ledger.budget_ore) > 0


def test_real_edison_unquoted_dimension_and_objects():
    ledger = read_sie(REAL / "typ4.se")
    assert set(ledger.cost_centre_names) == {"AO", "IB", "LS", "YK"}
    assert {"AO", "IB", "LS", "YK"} <= set(ledger.lines["cost_centre"])


# ------------------------------------------------------------------------------------------
# finsam inspect
# ------------------------------------------------------------------------------------------


def test_inspect_sample():
    result = inspect_source(SAMPLE / "huvudbok.se")
    trans = sum(1 for t in (SAMPLE / "huvudbok.se").read_bytes().split(b"\n") if b"#TRANS" in t)
    assert result["kind"] == "sie"
    assert result["file"] == "huvudbok.se"
    assert result["rows"] == trans
    assert result["period"] == {"from": "2013-01-03", "to": "2013-04-10"}
    assert result["fiscal_year"] == {"from": "2013-01-01", "to": "2013-12-31"}
    assert result["cost_centre_dimension"] == 1
    csv = _csv_2013()
    jan_3008 = csv[(csv["cost_centre"] == "3008") & (csv["month"] == "2013-01")]["ore"].sum()
    assert result["result_by_cost_centre_month"]["3008"]["2013-01"] == int(jan_3008) / 100
    assert "1930" not in json.dumps(result["result_by_cost_centre_month"])  # no balance lines
    json.dumps(result)  # JSON-ready


def test_inspect_csv_gives_the_same_month_sums_as_the_sie_file():
    from_csv = inspect_source(SAMPLE / "huvudbok.csv")
    from_sie = inspect_source(SAMPLE / "huvudbok.se")
    assert from_csv["kind"] == "csv"
    sie_2013 = {cc: {m: v for m, v in months.items() if m.startswith("2013")}
                for cc, months in from_sie["result_by_cost_centre_month"].items()}
    csv_2013 = {cc: {m: v for m, v in months.items() if m.startswith("2013")}
                for cc, months in from_csv["result_by_cost_centre_month"].items()}
    assert csv_2013 == {cc: m for cc, m in sie_2013.items() if m}


def test_read_ledger_dispatches_sie_by_extension():
    assert read_ledger(SIE / "cp437.se").kind == "sie"
