"""How long --mask-below's suppression takes on tables larger than finsam's own.

    python benchmarks/suppression.py

Random tables of counts (many of them small) with both totals published, the hardest case
for the audit (finsam.suppression): prints rows × columns, seconds, and how many counts
were hidden. Measured on the project's machine (2 shared cores): 12×4 ≈ 0.1 s, 20×6 ≈ 0.5–1.4 s,
30×8 ≈ 1–5 s; the municipality table (about 10 × 4, a Summa row only) takes milliseconds.
"""

from __future__ import annotations

import random
import time

from finsam.suppression import suppress


def main() -> None:
    rng = random.Random(1)
    for rows, cols in [(12, 4), (20, 6), (30, 8)]:
        for _ in range(3):
            table = [[rng.choice([0, 1, 1, 2, 3, 4, 5, 8, 12, 30]) for _ in range(cols)] for _ in range(rows)]
            start = time.perf_counter()
            pub = suppress(table, 3, row_totals=True, column_totals=True)
            hidden = sum(isinstance(v, str) for r in pub.cells for v in r)
            print(f"{rows}×{cols}: {time.perf_counter() - start:.2f} s, {hidden} of {rows * cols} hidden", flush=True)


if __name__ == "__main__":
    main()
