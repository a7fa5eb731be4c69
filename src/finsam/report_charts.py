"""The report's charts as images (matplotlib): participants per municipality and the
economy per group. Drawn from the same workbook values as the tables
(:class:`finsam.report.WorkbookValues`), never recomputed."""

from __future__ import annotations

from pathlib import Path

from finsam.money import format_int, round_half_away
from finsam.report import WorkbookValues

#: Colours: inflöde/utflöde; budget/ackumulerat/prognos (colour-blind safe, Okabe–Ito).
COLOURS = ("#0072B2", "#E69F00", "#009E73")


def _plt():
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    return plt


def _number(v) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0.0


def municipality_chart(values: WorkbookValues, work_dir: Path) -> Path | None:
    """A bar chart of inflöde and utflöde (antal) per municipality row; a PNG in ``work_dir``,
    or None when the table holds no counts (a publication copy's masked cells are text)."""
    from finsam.blocks import PARTICIPANTS

    sheet, r0, _, r1, _ = values.area(PARTICIPANTS.name(""))
    ws = values.wb[sheet]
    labels = [ws.cell(r, PARTICIPANTS.column_of("kommun")).value for r in range(r0, r1 + 1)]
    block = values.read("fs_deltagare")
    inflow = [_number(r[0]) for r in block]
    outflow = [_number(r[2]) for r in block]
    if not any(inflow) and not any(outflow):
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=150)
    x = range(len(labels))
    ax.bar([i - 0.2 for i in x], inflow, width=0.4, label="Inflöde (antal)", color=COLOURS[0])
    ax.bar([i + 0.2 for i in x], outflow, width=0.4, label="Utflöde (antal)", color=COLOURS[1])
    ax.set_xticks(list(x), [str(v) for v in labels], rotation=30, ha="right", fontsize=8)
    return _save(plt, fig, ax, "Deltagare per kommun", Path(work_dir) / "deltagare.png")


def economy_chart(values: WorkbookValues, tables: dict, work_dir: Path) -> Path | None:
    """Budget, ackumulerat and prognos per cost-centre group (the tables' Totalt rows, costs
    shown as positive tkr); a PNG in ``work_dir``, or None without groups."""
    from finsam.blocks import ECONOMY

    groups, series = [], ([], [], [])
    for i, g in enumerate(values.settings.groups, start=1):
        name = ECONOMY.name("totalt", i)
        if name not in values.names():
            continue
        sheet, row, _, _, _ = values.area(name)
        ws = values.wb[sheet]
        groups.append(g.title)
        for s, key in zip(series, ("budget", "ackumulerat", "prognos")):
            s.append(-_number(ws.cell(row, ECONOMY.column_of(key)).value))
    if not groups:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 3.4), dpi=150)
    x = range(len(groups))
    for k, (label, s) in enumerate(zip(("Budget", "Ackumulerat", "Prognos"), series)):
        ax.bar([i + (k - 1) * 0.27 for i in x], s, width=0.27, label=label, color=COLOURS[k])
    ax.set_xticks(list(x), groups, fontsize=9)
    ax.set_ylabel("Nettokostnad, tkr", fontsize=8)
    ax.yaxis.set_major_formatter(lambda v, _: format_int(round_half_away(v)))
    return _save(plt, fig, ax, "Budget, ackumulerat utfall och prognos per område", Path(work_dir) / "ekonomi.png")


def _save(plt, fig, ax, title: str, out: Path) -> Path:
    """Title, legend and the house look (no top/right frame), then the PNG ``out``."""
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out
