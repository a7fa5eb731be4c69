"""Reading speed of the SIE reader: ``python tests/bench_sie.py [N]`` (not a pytest test).

Writes a cp437/CRLF SIE 4 file with about N (default 1,000,000) #TRANS lines in 1–4 line
vouchers plus a balancing bank line, reads it with ``read_sie`` and prints lines per second.
"""

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from finsam.sources.sie import read_sie  # noqa: E402


def write(path: Path, n: int) -> int:
    rnd = random.Random(1)
    out = ["#FLAGGA 0", "#FORMAT PC8", "#SIETYP 4", "#RAR 0 20240101 20241231", '#DIM 1 "Kostnadsställe"']
    count = voucher = 0
    while count < n:
        voucher += 1
        d = f"2024{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
        out += [f'#VER A {voucher} {d} "Faktura {voucher}" {d}', "{"]
        total = 0
        for _ in range(rnd.randint(1, 4)):
            ore = rnd.randint(1, 10**7)
            total += ore
            account = rnd.choice([4010, 5010, 6110, 7010])
            out.append(f'   #TRANS {account} {{1 "{rnd.randint(1000, 3032)}"}} {ore // 100}.{ore % 100:02d} {d} "rad"')
            count += 1
        out += [f"   #TRANS 1930 {{}} -{total // 100}.{total % 100:02d}", "}"]
        count += 1
    path.write_bytes(("\r\n".join(out) + "\r\n").encode("cp437"))
    return count


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.se"
        count = write(path, n)
        start = time.perf_counter()
        ledger = read_sie(path)
        seconds = time.perf_counter() - start
        assert len(ledger.lines) == count and ledger.lines["amount_ore"].sum() == 0
        size = path.stat().st_size / 1e6
        print(f"{count} #TRANS lines, {size:.1f} MB: {seconds:.2f} s, {count / seconds:,.0f} lines/s")
