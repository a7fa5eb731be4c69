"""Test-session setup shared by every test module.

xlwings decides at import time whether its PRO part (the "remote" engine behind
``xw.Book(json=…)``, ``xlwings.server``) is available, from the licence key. The tests use
xlwings' noncommercial key, so it must be set before any test module imports xlwings; only
the tests set it, never finsam itself.
"""

import os

os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"
