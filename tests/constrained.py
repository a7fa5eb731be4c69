"""Run the finsam CLI as xlwings Lite would let it run: ``python constrained.py ARGS…``.

Before finsam is imported:

* ``python_calamine`` cannot be imported (it has no WebAssembly build in Pyodide), unless
  the first argument is ``--with-calamine``;
* starting a thread raises, as in Pyodide ("can't start new thread"), and
  ``FINSAM_THREADS=0`` is set, so a thread that finsam still tried would fail the run;
* starting a process (``subprocess``, ``os.fork``, ``os.system``) raises;
* the first step that breaks a rule prints ``VIOLATION: …`` and exits 3.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

KEEP_CALAMINE = sys.argv[1:2] == ["--with-calamine"]
if KEEP_CALAMINE:
    del sys.argv[1]
else:
    sys.modules["python_calamine"] = None  # import python_calamine -> ImportError
os.environ["FINSAM_THREADS"] = "0"


def _forbidden(what):
    def refuse(*args, **kwargs):
        print(f"VIOLATION: {what}", file=sys.stderr)
        sys.stderr.flush()
        os._exit(3)
    return refuse


threading.Thread.start = _forbidden("a thread was started")
subprocess.Popen.__init__ = _forbidden("a process was started")
os.system = _forbidden("a process was started (os.system)")
if hasattr(os, "fork"):
    os.fork = _forbidden("a process was forked")

if __name__ == "__main__":
    from finsam.cli import main

    sys.argv = ["finsam", *sys.argv[1:]]
    main()
