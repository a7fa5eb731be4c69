"""The ``finsam`` command line: a thin layer over the library.

Each command parses its options, calls one library function and prints a short Swedish
summary. A :class:`~finsam.errors.FinsamError` becomes ``Fel: …`` on stderr and exit code 1;
data problems are printed as a table (severity, file, row, column, message).
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from contextlib import contextmanager
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.console import Console
from rich.table import Table
from finsam.cli_help import SwedishCommand, SwedishGroup
from finsam.errors import FinsamError, Problem, ProblemError, aggregate, count_text

app = typer.Typer(
    cls=SwedishGroup,
    add_completion=False,
    no_args_is_help=True,
    help="finsam: kvartalsuppföljning för samordningsförbund, från källfilerna till en arbetsbok med formler.",
)
# markup=False: messages quote cells from the sources, and "[/b]" in a cell must print as is.
out = Console(highlight=False, markup=False, emoji=False)  # ":x:" in a quoted cell stays text
err = Console(stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True)  # one message, one line

DEMO_PERIOD = "2013-Q1"
DEMO_FILE = "kvartalsuppfoljning-2013Q1.xlsx"


def problems_table(problems: list[Problem], title: str = "Problem") -> Table:
    """A rich table of problems: Allvar, Fil, Rad, Kolumn, Meddelande; many of one kind
    are summed up (:func:`finsam.errors.aggregate`)."""
    t = Table(title=title, show_lines=False)
    for col in ("Allvar", "Fil", "Rad", "Kolumn", "Meddelande"):
        t.add_column(col, overflow="fold")
    for p in aggregate(problems):  # at most FIRST_ROWS of a kind, then one row counting the rest
        t.add_row({"error": "FEL", "warning": "VARNING"}.get(p.severity, "INFO"),
                  p.source, "" if p.row is None else str(p.row), p.column or "", p.message)
    return t


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's errors into ``Fel: …`` and exit code 1."""
    try:
        yield
    except ProblemError as exc:
        err.print(problems_table(exc.problems, "Fel i källfilerna eller arbetsboken; inget har skrivits"))
        err.print(f"Fel: {exc}")
        raise typer.Exit(1) from None
    except FinsamError as exc:
        err.print(f"Fel: {exc}")
        raise typer.Exit(1) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - a bug or an input we did not foresee
        # No traceback to the user (it may quote a cell); a masked summary, and the detail on request.
        from finsam.personnummer import redact

        if os.environ.get("FINSAM_DEBUG"):
            err.print(redact(traceback.format_exc()))
        err.print(f"Fel: oväntat fel i finsam ({type(exc).__name__}: {redact(str(exc))[:300]}). "
                  "Kör igen med miljövariabeln FINSAM_DEBUG=1 för detaljer och rapportera felet.")
        raise typer.Exit(1) from None


def _fmt(v) -> str:
    try:
        import pandas as pd

        if v is None or pd.isna(v):
            return ""
    except (TypeError, ValueError):
        pass
    from finsam.money import format_int

    return format_int(int(v))


def _kr(v: float) -> str:
    """Kronor the Swedish way: no-break space between thousands, decimal comma."""
    return f"{v:,.2f}".replace(",", "\u00a0").replace(".", ",")


def print_populate(result, path: Path) -> None:
    """The short summary a populate prints: period, rows read per source, totals, notes."""
    from finsam.populate import PopulateResult

    assert isinstance(result, PopulateResult)
    out.print(f"{path} fylld för perioden {result.period.start}–{result.period.end} ({result.period.label}).")
    from finsam.coverage import source_files

    t = Table(title="Lästa källfiler")  # the file names say the kind; the table fits 80 columns
    t.add_column("Fil")
    t.add_column("Rader", justify="right")
    t.add_column("Sista datum", no_wrap=True)
    for f in source_files(result.sources):
        t.add_row(result.sources.label(f.kind), "" if f.rows is None else str(f.rows), f.last_text)
    out.print(t)
    for f, why in result.sources.ignored.items():
        out.print(f"{f.name} {why}.")
    m = result.municipalities.loc["Summa"]
    out.print(
        f"Deltagare: inflöde {m['inflode_antal']} ({m['inflode_unika']} unika), "
        f"utflöde {m['utflode_antal']} ({m['utflode_unika']} unika)."
    )
    if result.participants is not None:  # counts only, as everywhere
        pt = result.participants
        i, r = pt.by_insats.loc["Summa"], pt.results["totalt"]
        out.print(f"Deltagare per insats: {count_text(len(pt.by_insats) - 1, 'insats', 'insatser')}, {i['totalt']} deltagare under perioden "
                  f"({i['kvinnor']} kvinnor, {i['man']} män); av {r.sum()} avslutade gick {r['Arbete']} till arbete "
                  f"och {r['Studier']} till studier.")
    s = Table(title="Sammanställning (tkr)")
    for col in ("", "Budget", "Ackumulerat", "Prognos"):
        s.add_column(col, justify="right" if col else "left")
    in_book = result.summary.attrs.get("prognos_i_arbetsboken", [])
    for name, r in result.summary.iterrows():
        prognos = "se bladet*" if name in in_book else _fmt(r["prognos"])
        s.add_row(str(name), _fmt(r["budget"]), _fmt(r["ackumulerat"]), prognos)
    out.print(s)
    if in_book:  # the workbook computes these; a figure printed here could differ from it
        out.print("* En prognos i arbetsboken är en formel eller inget tal; prognosen för "
                  f"{', '.join(in_book)} räknas bara i arbetsboken. Se bladet Sammanställning.")
    for note in result.forecast_notes:
        out.print(f"Prognos: {note}")
    from finsam.checks import check_blocks

    warnings = [p for p in result.problems if p.severity != "error"]
    warnings += check_blocks(result.settings, result.blocks)  # what the Kontroller sheet will show
    if warnings:
        out.print(problems_table(warnings, "Varningar och kontroller"))


@app.command(cls=SwedishCommand)
def new(
    path: Path = typer.Argument(..., metavar="ARBETSBOK", help="Arbetsboken som skapas (.xlsx)."),
    settings: Path = typer.Option(..., "--settings", "-s", help="Inställningsfil (TOML), t.ex. workbook/sjuharad.toml, eller en befintlig finsam-arbetsbok."),
    year: Optional[int] = typer.Option(None, "--year", help="År (annars inställningsfilens)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Skriv över en befintlig fil."),
) -> None:
    """Skapa en ny, tom uppföljningsarbetsbok från en inställningsfil."""
    from finsam.settings import load_settings
    from finsam.workbook import new_workbook

    with user_errors():
        s = load_settings(settings)
        written = new_workbook(path, s, year=year, overwrite=overwrite)
    out.print(f"Skapade {written}.")
    if year is not None and year != s.year or s.opening_equity_tkr is None:
        out.print("Eget kapital ingående är inte ifyllt: skriv beloppet (tkr) från årsredovisningen på bladet "
                  "Inställningar, annars tas det från SIE-filens #IB om en sådan används.")


@app.command(cls=SwedishCommand)
def populate(
    path: Path = typer.Argument(..., metavar="ARBETSBOK", help="Arbetsboken som fylls i."),
    sources: Optional[Path] = typer.Option(None, "--sources", help="Mapp med källfilerna (annars inställningarnas källmapp)."),
    period: Optional[str] = typer.Option(None, "--period", help="2013-Q1 … 2013-Q4 (kvartal), 2013-T1 … 2013-T3 (tertial), 2013-05 (till månadens slut) eller ett slutdatum 2013-03-31."),
    force: bool = typer.Option(
        False, "--force", help="Spara även om delar som finsam inte kan behålla (former, Excel 2010-validering…) försvinner."
    ),
    mask_below: Optional[int] = typer.Option(
        None, "--mask-below", min=2, help="Publiceringskopia: antal 1..N-1 (per kommun, insats, resultat och ålder) skrivs som texten '<N'."
    ),
) -> None:
    """Fyll arbetsbokens indata från källfilerna (formlerna räknar resten)."""
    from finsam.workbook import populate_workbook

    with user_errors():
        result = populate_workbook(path, sources=sources, period=period, force=force, mask_below=mask_below)
    print_populate(result, path)


@app.command(cls=SwedishCommand)
def validate(
    path: Path = typer.Argument(..., metavar="ARBETSBOK", help="Arbetsboken som kontrolleras."),
    sources: Optional[Path] = typer.Option(
        None, "--sources", help="Mapp med källfilerna (annars inställningarnas källmapp, om den finns)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Skriv ut rapporten som JSON."),
) -> None:
    """Kontrollera arbetsboken (samma kontroller som bladet Kontroller) och källfilerna; skriver inget.

    Slutkod 1 när något problem är ett fel.
    """
    import json

    from finsam.validate import validate_workbook

    with user_errors():
        report = validate_workbook(path, sources=sources)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        checked = (f" och källorna i {report.sources}" if report.sources else
                   " (källfilerna kontrollerades inte: ingen källmapp bredvid arbetsboken; ange den med --sources)")
        out.print(f"{path.name}{checked}: {count_text(report.errors, 'fel', 'fel')}, {count_text(report.warnings, 'varning', 'varningar')}.")
        if report.problems:
            out.print(problems_table(report.problems))
    if not report.valid:
        raise typer.Exit(1)


@contextmanager
def sample_folder() -> Iterator[Path]:
    """The embedded sample sources (Sjuhärad, Q1 2013) as a real folder."""
    with resources.as_file(resources.files("finsam") / "sample") as folder:
        yield Path(folder)


@app.command(cls=SwedishCommand)
def demo(
    path: Path = typer.Argument(Path(DEMO_FILE), metavar="ARBETSBOK", help="Var arbetsboken skrivs."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Skriv över en befintlig fil."),
) -> None:
    """Exempel: Sjuhärads samordningsförbund, kvartal 1 2013, från de inbyggda källfilerna."""
    from finsam.settings import load_settings
    from finsam.workbook import new_and_populate

    with user_errors(), sample_folder() as folder:
        settings = replace(load_settings(folder / "sjuharad.toml"), period=DEMO_PERIOD)  # a later populate keeps Q1
        result = new_and_populate(path, settings, folder, period=DEMO_PERIOD, overwrite=overwrite)
    print_populate(result, path)
    out.print(f"Skrev {path.resolve()}")


@app.command(cls=SwedishCommand)
def inspect(
    file: Path = typer.Argument(..., metavar="KÄLLFIL", help="En källfil: huvudbok (.se/.csv), deltagare, anonyma, budget eller prognos."),
    as_json: bool = typer.Option(False, "--json", help="Skriv ut resultatet som JSON."),
    dimension: int = typer.Option(1, "--dimension", help="SIE-dimension för kostnadsställe."),
) -> None:
    """Visa vad finsam läser ur en källfil: typ, period, rader; för en huvudbok resultat per kostnadsställe och månad."""
    import json

    from finsam.inspect import inspect_source

    with user_errors():
        info = inspect_source(file, cost_centre_dimension=dimension)
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    kind = info["source"] if info["kind"] == info["source"] else f"{info['source']} ({info['kind'].upper()})"
    out.print(f"{info['file']}: {kind}, {count_text(info['rows'], 'rad', 'rader')}.")
    if info.get("period"):
        out.print(f"Datum i filen: {info['period']['from']} – {info['period']['to']}.")
    if info["source"] != "huvudbok":
        labels = {"persons": "Unika personer", "still_active": "Pågående (utan utskrivningsdatum)",
                  "registrations_by_municipality": "Inskrivningar per kommun", "count_by_insats": "Anonyma per insats",
                  "cost_centres": "Kostnadsställen", "budget_tkr": "Budget, summa (tkr)",
                  "financing_tkr": "Finansiering (tkr)", "forecast_tkr": "Prognoser (tkr)"}
        for key, label in labels.items():
            value = info.get(key)
            if isinstance(value, dict):
                t = Table(title=label)
                t.add_column({"count_by_insats": "Insats", "registrations_by_municipality": "Kommun"}.get(key, "Post"))
                t.add_column("Antal" if key.endswith(("insats", "municipality")) else "tkr", justify="right")
                for k, v in value.items():
                    t.add_row(k, _fmt(v))
                out.print(t)
            elif value is not None:
                out.print(f"{label}: {_fmt(value)}")
        if info["problems"]:
            out.print(problems_table([Problem(**p) for p in info["problems"]], "Problem"))
        return
    if info.get("fiscal_year"):
        out.print(f"Räkenskapsår: {info['fiscal_year']['from']} – {info['fiscal_year']['to']}.")
    data = info["result_by_cost_centre_month"]
    months = sorted({m for per in data.values() for m in per})
    t = Table(title="Resultatkonton per kostnadsställe och månad (kr, SIE-tecken: kostnad positiv)")
    t.add_column("Kostnadsställe")
    for m in months:
        t.add_column(m, justify="right")
    for cc in sorted(data):
        t.add_row(cc or "(utan)", *[_kr(data[cc].get(m, 0)) for m in months])
    out.print(t)


@app.command(cls=SwedishCommand)
def addin(
    folder: Path = typer.Argument(Path("."), metavar="MAPP", help="Mapp där finsam_addin.xlam skrivs."),
    interpreter: Optional[str] = typer.Option(
        None, "--interpreter",
        help="Python-tolken Excel ska använda, inskriven i tillägget (annars användarens finsam.conf eller %LOCALAPPDATA%\\finsam\\venv)."),
    pythonpath: Optional[str] = typer.Option(None, "--pythonpath", help="Fler mappar Python ska importera från (tilläggets mapp ingår alltid)."),
) -> None:
    """Bygg Excel-tillägget finsam_addin.xlam (fliken Uppföljning med knappen Uppdatera)."""
    from finsam.addin_build import build_addin

    with user_errors():
        written = build_addin(folder, interpreter=interpreter, pythonpath=pythonpath)
    out.print(f"Skrev {written}. Installera det enligt addin/README.md i finsams källkod.")


@app.command(cls=SwedishCommand)
def report(
    path: Path = typer.Argument(..., metavar="ARBETSBOK", help="Den fyllda arbetsboken (.xlsx) som rapporten skrivs från."),
    pdf: bool = typer.Option(False, "--pdf", help="Skriv även en PDF (kräver LibreOffice)."),
    out_path: Optional[Path] = typer.Option(None, "--out", help="Rapportens filnamn (.docx); annars <arbetsbok>-rapport.docx."),
) -> None:
    """Skriv kvartalsrapporten (Word, och PDF med --pdf) från arbetsbokens värden och bladet Rapporttext."""
    from finsam.report import write_report

    with user_errors():
        made = write_report(path, out=out_path, pdf=pdf)
    for note in made.notes:
        out.print(note)
    out.print(f"Skrev {made.docx}" + (f" och {made.pdf}" if made.pdf else "") + ".")


@app.command(cls=SwedishCommand)
def lite(
    folder: Path = typer.Argument(Path("."), metavar="MAPP", help="Mapp där main.py och requirements.txt skrivs."),
    wheel: Optional[str] = typer.Option(None, "--wheel", help="Webbadress till finsams hjulfil (annars finsam från PyPI)."),
) -> None:
    """Skriv main.py och requirements.txt för xlwings Lite (skripten Fyll i och Kontrollera)."""
    from finsam.lite import write_lite

    with user_errors():
        main, requirements = write_lite(folder, wheel=wheel)
    out.print(f"Skrev {main} och {requirements}. Klistra in dem i xlwings Lite enligt addin/README.md i finsams källkod.")


#: How a usage error names a command's argument (its metavar, as --help shows it, follows in brackets).
ARGUMENT_LABELS = {"path": "arbetsboken", "file": "källfilen", "folder": "mappen"}


def _usage_in_swedish(exc) -> str:
    """A command-line usage error (typer/click) as one Swedish line for the person; click's
    English text never reaches the user (an unforeseen one becomes "kommandoraden förstås inte")."""
    from typer._click import exceptions as ce

    param = getattr(exc, "param", None)
    is_option = param is not None and getattr(param, "param_type_name", "") == "option"
    name = ("--" + param.name.replace("_", "-") if is_option
            else (param.metavar or param.name.upper()) if param is not None else "")
    command = exc.ctx.command_path if getattr(exc, "ctx", None) else "finsam"
    message = exc.format_message()
    if isinstance(exc, ce.MissingParameter):
        what = f"flaggan {name} saknas" if is_option else f"{ARGUMENT_LABELS.get(param.name, 'ett argument')} saknas ({name})"
    elif isinstance(exc, ce.BadParameter):
        least = re.search(r"greater than or equal to (-?\d+)", message)
        if least:
            what = f"ogiltigt värde för {name}: ska vara minst {least.group(1)}"
        elif "valid integer" in message:
            what = f"ogiltigt värde för {name}: ska vara ett heltal"
        else:
            what = f"ogiltigt värde för {name}"
    elif isinstance(exc, ce.NoSuchOption):
        close = sorted(exc.possibilities or [])
        what = f"okänd flagga {exc.option_name}" + (f" (menade du {' eller '.join(close)}?)" if close else "")
    elif "No such command" in message:
        what = "okänt kommando"
    elif m := re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", message):
        what = f"för många argument: {m.group(1)}"
    elif m := re.match(r"Option '([^']+)' requires an argument", message):
        what = f"flaggan {m.group(1)} behöver ett värde"
    elif m := re.match(r"Option '([^']+)' does not take a value", message):
        what = f"flaggan {m.group(1)} tar inget värde"
    else:
        what = "kommandoraden förstås inte"
    return f"Fel: {what}. Se '{command} --help'."


def main() -> None:
    """Console-script entry point: usage errors in Swedish, ``Fel: …`` with exit code 2."""
    from typer._click import exceptions as ce

    try:
        code = app(prog_name="finsam", standalone_mode=False)
    except ce.NoArgsIsHelpError:
        code = 0
    except ce.UsageError as exc:
        err.print(_usage_in_swedish(exc))
        code = 2
    except typer.Abort:  # Ctrl-C outside a workbook's save (click turns it into Abort)
        err.print("Fel: avbrutet. Inget har ändrats.")
        code = 1
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
