"""The registry of problem codes: every :class:`~finsam.errors.Problem` code finsam can report.

As in frictionless (``frictionless.errors``: each error class has a ``type``, a ``title``
and a ``description``), each code is declared once here with its severity, a Swedish title
and what the person should do; the message of one problem (naming the file, row, value) is
written where it is found. ``validate --json`` reports these codes; they are stable (a code
is never renamed or reused for another meaning) and listed in ``docs/problem-codes.md``,
which :func:`markdown` writes and a test keeps in step.

Severity: ``error`` stops a populate (nothing is written) and makes ``validate`` fail;
``warning`` is reported; ``info`` is a note. A :class:`~finsam.errors.Problem` with a code
that is not here, or with another severity than here, is refused when it is made.

Adding a code is one line in :data:`CODES` (then regenerate the docs page:
``python -c "import finsam.problems as p; print(p.markdown())" > docs/problem-codes.md``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    """One problem code: ``severity`` (``"error"``, ``"warning"`` or ``"info"``), a Swedish
    ``title`` and ``fix`` (what the person does about it), and ``where`` (the file, sheet or
    step that reports it: ``"deltagare"``, ``"huvudbok"``, ``"arbetsbok"``…)."""

    code: str
    severity: str
    where: str
    title: str
    fix: str


#: Every problem code, grouped by where it is found. One line per code.
CODES: dict[str, Code] = {c.code: c for c in (
    # Any tabular source (CSV/xlsx): numbers and dates (sources/tabular.py, sources/dates.py, sources/xlsx.py)
    Code("tal-ogiltigt", "error", "källfil", "Inget tal", "Rätta cellen i källfilen."),
    Code("tal-tusenpunkt", "error", "källfil", "Tusenpunkt eller decimalpunkt?", "Skriv talet utan tusentalspunkt (t.ex. -1500)."),
    Code("tal-decimaler", "error", "källfil", "För många decimaler för ett belopp", "Rätta beloppet (högst två decimaler för kronor)."),
    Code("tal-orimligt", "error", "källfil", "Orimligt stort tal", "Rätta cellen i källfilen."),
    Code("datum-ogiltigt", "error", "källfil", "Inget datum", "Skriv datumet som ÅÅÅÅ-MM-DD."),
    Code("datum-tvetydigt", "error", "källfil", "Datum som kan läsas på två sätt", "Skriv datumen som ÅÅÅÅ-MM-DD."),
    Code("formel-utan-varde", "error", "källfil", "Formel utan uträknat värde", "Öppna filen i Excel, spara den och exportera igen."),
    Code("summarad", "warning", "källfil", "Summarad i tabellen", "Inget: raden läses inte som data. Ta bort den om den inte hör dit."),
    Code("rad-utan-nyckel", "warning", "budget, prognos", "Belopp utan kostnadsställe eller post", "Fyll i koden eller ta bort raden."),
    # Deltagarregistret (sources/participants.py, personnummer.py)
    Code("personnummer-saknas", "error", "deltagare", "Personnummer saknas", "Fyll i det, eller registrera deltagaren som anonym."),
    Code("personnummer-ogiltigt", "error", "deltagare", "Ogiltigt personnummer", "Rätta personnumret i registret."),
    Code("personnummer-nolla-saknas", "error", "deltagare", "Personnummer sparat som tal", "Spara kolumnen som text i registret och exportera igen."),
    Code("personnummer-exponent", "error", "deltagare", "Personnummer i exponentform", "Spara kolumnen som text i registret och exportera igen."),
    Code("personnummer-reservnummer", "warning", "deltagare", "Reservnummer i stället för personnummer", "Byt till personnummer när det finns."),
    Code("dubblettrad", "warning", "deltagare", "Exakt kopia av en annan rad", "Ta bort dubbletten i registret."),
    Code("startdatum-saknas", "error", "deltagare", "Inskrivningsdatum saknas", "Fyll i datumet i registret och exportera igen."),
    Code("avslutsorsak-utan-slutdatum", "warning", "deltagare", "Avslutsorsak utan utskrivningsdatum", "Fyll i utskrivningsdatumet i registret."),
    Code("slut-fore-start", "error", "deltagare", "Utskrivning före inskrivning", "Rätta datumen i registret."),
    Code("kolumn-saknas", "warning", "deltagare", "Kolumn saknas i registret", "Byt rubrik på kolumnen eller ta med den i exporten."),
    Code("kommun-saknas", "warning", "deltagare", "Folkbokföringskommun saknas", "Fyll i kommunen i registret om den är känd."),
    Code("kommun-okand", "warning", "deltagare", "Okänd kommun", "Rätta stavningen i registret."),
    Code("flera-kommuner", "warning", "deltagare", "Samma person i flera kommuner", "Kontrollera folkbokföringen i registret."),
    Code("deltagare-tom-period", "warning", "deltagare", "Inga in- eller utskrivningar i perioden", "Kontrollera perioden och att registret är aktuellt."),
    Code("deltagare-inaktuell", "warning", "deltagare", "Registret slutar mer än en månad före periodens slut", "Exportera registret igen efter periodens slut."),
    Code("insats-saknas", "warning", "deltagare", "Insats saknas", "Fyll i insatsen i registret."),
    Code("insats-stavningar", "warning", "deltagare", "Samma insats skriven på flera sätt", "Skriv insatsen likadant överallt i registret."),
    Code("insats-utan-kostnadsstalle", "warning", "deltagare", "Insats som inget kostnadsställe har", "Skriv insatsen som kostnadsstället heter, eller ange den under kostnadsstället i inställningarna."),
    Code("kon-okant", "warning", "deltagare", "Okänt kön", "Rätta Kön i registret eller lägg till värdet under [Kön] i Inställningar."),
    Code("kon-okant-antal", "warning", "anonyma", "Okänt kön för anonyma", "Rätta Kön i filen eller lägg till värdet under [Kön] i Inställningar."),
    Code("avslutsorsak-okand", "warning", "deltagare", "Okänd avslutsorsak", "Lägg till orsaken under [Avslutsorsaker] i Inställningar."),
    # Anonyma deltagare (sources/anonymous.py, populate.py)
    Code("antal-saknas", "error", "anonyma", "Antal saknas", "Fyll i antalet (0 om inga)."),
    Code("antal-ogiltigt", "error", "anonyma", "Inget antal deltagare", "Skriv ett heltal, 0 eller mer."),
    Code("manad-saknas", "error", "anonyma", "Månad saknas", "Fyll i månaden (ÅÅÅÅ-MM)."),
    Code("anonyma-for-manga", "error", "anonyma", "Fler insatser än arbetsboken har plats för", "Slå ihop insatser i filen."),
    # Huvudboken (sources/ledger_csv.py, sources/sie.py, source_checks.py, populate.py)
    Code("konto-saknas", "error", "huvudbok", "Konto saknas", "Rätta exporten."),
    Code("konto-ogiltigt", "error", "huvudbok", "Inget kontonummer", "Rätta exporten."),
    Code("belopp-saknas", "error", "huvudbok", "Belopp saknas", "Rätta exporten."),
    Code("datum-saknas", "error", "huvudbok", "Datum saknas", "Rätta exporten."),
    Code("huvudbok-tom-period", "error", "huvudbok", "Inga rader i perioden", "Exportera huvudboken för rätt räkenskapsår eller ange rätt period."),
    Code("huvudbok-ignorerad", "warning", "huvudbok", "En av två huvudböcker används inte", "Flytta bort den gamla huvudboken ur källmappen."),
    Code("kostnadsstalle-okant", "warning", "huvudbok", "Resultat på okänt kostnadsställe", "Lägg till kostnadsstället i Inställningar eller rätta konteringen."),
    Code("sie-teckenkodning", "info", "huvudbok", "Annan teckenkodning än #FORMAT anger", "Inget: filen har lästs i den kodning den är skriven i."),
    Code("sie-ersattningstecken", "warning", "huvudbok", "Ersättningstecken i filen", "Exportera SIE-filen på nytt från bokföringsprogrammet."),
    Code("sie-verifikation-obalans", "warning", "huvudbok", "Verifikation som inte balanserar", "Rätta verifikationen i bokföringen och exportera igen."),
    Code("sie-verifikation-utan-klammer", "warning", "huvudbok", "#TRANS utan { } runt", "Exportera SIE-filen på nytt; kontrollera beloppen."),
    Code("sie-res-avviker", "warning", "huvudbok", "#RES 0 skiljer sig från verifikationerna", "Exporten verkar ofullständig: exportera hela året igen."),
    # Budget (sources/budget.py, source_checks.py)
    Code("budget-tom", "warning", "budget", "Kostnadsställe utan budget", "Fyll i budgeten (0 om den är noll)."),
    Code("budget-dubblett", "warning", "budget", "Kostnadsställe på flera rader", "Ta bort dubbletten om det inte är meningen."),
    Code("budget-saknas", "warning", "budget", "Budgetrad saknas", "Lägg till raden i budgetfilen."),
    Code("budget-okant-kostnadsstalle", "warning", "budget", "Budget på okänt kostnadsställe", "Lägg till kostnadsstället i Inställningar eller rätta budgeten."),
    Code("finansiering-budget-saknas", "warning", "budget", "Finansieringspost utan budget", "Lägg till posten i bladet Finansiering."),
    Code("finansiering-okand", "error", "budget", "Okänd finansieringspost", "Skriv namnet som i Inställningar eller lägg till posten där."),
    # Prognos (sources/forecast.py, source_checks.py)
    Code("prognos-dubblett", "warning", "prognos", "Kostnadsställe flera gånger med samma prognos", "Ta bort de andra raderna: den sista gäller."),
    Code("prognos-motstridig", "error", "prognos", "Kostnadsställe flera gånger med olika prognoser", "Behåll en rad per kostnadsställe."),
    Code("prognos-okant-kostnadsstalle", "warning", "prognos", "Prognos på okänt kostnadsställe", "Rätta koden i prognosfilen."),
    Code("prognos-enhet", "error", "prognos", "Prognos som inte kan vara tkr", "Skriv prognosen i tkr."),
    Code("prognos-tecken", "warning", "prognos", "Prognos med motsatt tecken mot budgeten", "Kontrollera tecknet: kostnader med minus."),
    # The workbook (checks.py, validate.py, populate.py)
    Code("unika-over-antal", "error", "arbetsbok", "Fler unika än inskrivningar", "Kör populate igen från registret."),
    Code("summa-unika", "error", "arbetsbok", "Summa unika större än radernas", "Kör populate igen."),
    Code("prognos-ej-tal", "warning", "arbetsbok", "Prognos som inte är ett tal", "Skriv prognosen i tkr."),
    Code("prognos-utan-kommentar", "warning", "arbetsbok", "Prognos som avviker utan kommentar", "Skriv en kommentar i kolumnen Kommentar."),
    Code("ej-fordelat", "warning", "arbetsbok", "Resultat på okända kostnadsställen", "Lägg till kostnadsstället i Inställningar eller rätta konteringen."),
    Code("huvudbok-inaktuell", "warning", "arbetsbok", "Huvudboken slutar mer än en månad före periodens slut", "Exportera huvudboken igen efter periodens slut."),
    Code("anonyma-tomda", "warning", "arbetsbok", "Anonyma deltagare töms (filen saknas)", "Lägg anonyma-filen i källmappen och kör igen."),
    Code("kalla-saknas", "info", "källmapp", "Valfri källfil saknas", "Inget, om filen inte behövs; annars lägg den i källmappen."),
    Code("budget-fran-sie", "info", "källmapp", "Budgeten tas från huvudbokens #PBUDGET", "Inget; lägg budget.xlsx i källmappen för finansieringens budget."),
    Code("huvudbok-stammer-inte", "error", "arbetsbok", "Tabellerna stämmer inte med huvudboken", "Kör populate igen; ändra inte Ackumulerat för hand."),
    Code("eget-kapital-over-riktlinjen", "warning", "arbetsbok", "Eget kapital över riktlinjen", "Se över prognosen och förbundets planer för det egna kapitalet; riktlinjen står i Inställningar."),
    Code("summa-ej-formel", "error", "arbetsbok", "Summacell utan formel", "Kopiera formeln från cellen bredvid eller skapa arbetsboken på nytt."),
    Code("installningar-inforda", "info", "arbetsbok", "Ändrade kostnadsställen införda", "Inget: prognoser, kommentarer och noteringar följde med. Kontrollera bladet Ekonomi."),
    # The sheet Deltagare per insats (participant_sheet.py, populate.py)
    Code("insatser-for-manga", "error", "deltagare", "Fler insatser än arbetsboken har plats för", "Slå ihop insatser i registret."),
    Code("struktur-for-manga", "error", "struktur", "Fler strukturövergripande insatser än arbetsboken har plats för", "Slå ihop insatser i filen."),
    Code("insatser-saknas-i-arbetsboken", "error", "arbetsbok", "Bladet Deltagare per insats saknas (äldre arbetsbok)", "Skapa en ny arbetsbok med 'finsam new NY.xlsx --settings GAMMAL.xlsx' och för över prognoser och kommentarer."),
    Code("kon-over-totalt", "error", "arbetsbok", "Fler kvinnor + män än totalt", "Kör populate igen."),
    Code("summa-personer", "error", "arbetsbok", "Summa personer större än radernas", "Kör populate igen."),
    Code("avslutade-utflode", "error", "arbetsbok", "Summa avslutade skiljer sig från summa utflöde", "Kör populate igen."),
    Code("insatser-flode", "error", "arbetsbok", "Inflöde/utflöde per insats skiljer sig från deltagartabellen", "Kör populate igen."),
    Code("aldrar-inflode", "error", "arbetsbok", "Summa per åldersgrupp skiljer sig från summa unika, inflöde", "Kör populate igen."),
    Code("publiceringskopia", "error", "arbetsbok", "Arbetsboken är en publiceringskopia", "Fyll i originalet, eller ange --mask-below igen."),
    Code("personnummer-i-arbetsboken", "warning", "arbetsbok", "Personnummer i en cell som en person skriver i", "Ta bort det; nästa uppdatering maskerar det."),
    Code("personnummer-maskerat", "info", "arbetsbok", "Ett inskrivet personnummer maskerades", "Skriv inga personnummer i arbetsboken."),
)}


def markdown() -> str:
    """``docs/problem-codes.md``: every code with its severity, where it is found, title and fix."""
    lines = [
        "# Problem codes",
        "",
        "Every problem finsam reports (`finsam validate --json`, the populate output, the Excel",
        "button's message) has one of these codes. Codes are stable. Severity `error` stops a",
        "populate (nothing is written); `warning` is reported; `info` is a note. Generated from",
        "`src/finsam/problems.py` (the registry); a test keeps this page in step.",
        "",
        "| code | severity | found in | title | what to do |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| `{c.code}` | {c.severity} | {c.where} | {c.title} | {c.fix} |" for c in CODES.values()]
    return "\n".join(lines) + "\n"


__all__ = ["Code", "CODES", "markdown"]
