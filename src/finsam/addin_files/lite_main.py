"""# finsam – kvartalsuppföljning

**Fyll i** läser källfilerna och fyller i uppföljningsarbetsboken, och kontrollerar den
sedan. **Kontrollera** kontrollerar bara arbetsbokens nuvarande värden.

Källfilerna läses från mappen under *Källmapp* på bladet Inställningar: ett mappnamn
(till exempel `källor`) letas efter bland filerna du har importerat i xlwings Lite
(*Filer → Import/Export*), en fullständig sökväg används som den står (en mapp du har
monterat under *Filer → Lokala mappar*).

Resultatet står på bladet **Status**. Alla summor och kontroller räknas av arbetsbokens
formler.
"""

import xlwings as xw
from xlwings import script

from finsam import lite

# Mappen där xlwings Lite lägger importerade filer. Ett mappnamn i Källmapp letas efter här.
KALLROT = "/data"


@script(name="Fyll i")
def fyll_i(book: xw.Book):
    """Läser källfilerna, fyller i arbetsboken och kontrollerar den. Resultatet står på bladet Status."""
    lite.fyll_i(book, root=KALLROT)


@script(name="Kontrollera")
def kontrollera(book: xw.Book):
    """Kontrollerar arbetsbokens värden. Resultatet står på bladet Status."""
    lite.kontrollera(book)
