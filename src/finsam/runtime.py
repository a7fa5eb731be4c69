"""Where finsam runs: may it start a thread?

finsam reads the ledger in a worker thread beside the register (both parsers work outside
the GIL, so the ledger costs almost nothing extra; see the README's *Speed*). xlwings Lite
runs Python inside Excel with Pyodide (WebAssembly, ``sys.platform == "emscripten"``),
where a thread cannot be started: "Packages that depend on the multiprocessing or threading
modules aren't currently supported" (xlwings Lite docs, *Limitations*). There the same work
runs one step after the other, with the same result.

The choice is made here only:

* ``sys.platform`` is ``"emscripten"`` or ``"wasi"`` (Pyodide, WebAssembly): sequential;
* the environment variable :data:`THREADS_ENV` is ``0``/``nej``/``no``/``false``/``off``:
  sequential (for tests, and for IT on a machine that forbids threads);
* starting the thread fails (``RuntimeError: can't start new thread``): sequential;
* otherwise one worker thread.

The same answer turns off the thread pool of Arrow's CSV reader (``use_threads``) that
reads the ledger (``sources/ledger_csv.py``, ``sources/sie.py``). finsam starts no process
anywhere.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

T = TypeVar("T")

THREADS_ENV = "FINSAM_THREADS"
"""Environment variable: ``0`` (or ``nej``, ``no``, ``false``, ``off``) turns threads off."""

_OFF = frozenset({"0", "nej", "no", "false", "off"})
_NO_THREAD_PLATFORMS = frozenset({"emscripten", "wasi"})


def threads_available() -> bool:
    """Whether finsam may start a worker thread here (see the module docstring)."""
    if os.environ.get(THREADS_ENV, "").strip().lower() in _OFF:
        return False
    return sys.platform not in _NO_THREAD_PLATFORMS


class Pending(Generic[T]):
    """Work started by :func:`beside`; :meth:`result` returns its value or raises its error."""

    def __init__(self, fn: Callable[..., T], args: tuple, kwargs: dict[str, Any]):
        self._call = (fn, args, kwargs)
        self._pool: ThreadPoolExecutor | None = None
        self._future: Future | None = None
        self.threaded = False
        """Whether the work runs in a worker thread (else it runs in :meth:`result`)."""

    def _start(self) -> None:
        if not threads_available():
            return
        fn, args, kwargs = self._call
        pool = ThreadPoolExecutor(max_workers=1)
        try:
            self._future = pool.submit(fn, *args, **kwargs)
        except RuntimeError:  # "can't start new thread": run it in result() instead
            pool.shutdown(wait=False)
            return
        self._pool, self.threaded = pool, True

    def result(self) -> T:
        """The work's return value; its exception is raised here, in the caller's thread."""
        if self._future is not None:
            return self._future.result()
        fn, args, kwargs = self._call
        return fn(*args, **kwargs)

    def __enter__(self) -> Pending[T]:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def beside(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Pending[T]:
    """Start ``fn(*args, **kwargs)`` beside the caller's own work; use as a context manager::

        with beside(read_ledger, path) as pending:
            register = read_register(...)      # meanwhile
            ledger = pending.result()

    With threads (:func:`threads_available`) ``fn`` runs in one worker thread from here on
    and leaving the ``with`` block waits for it; without, ``fn`` runs inside
    :meth:`Pending.result`. Either way ``result()`` returns the same value or raises the
    same exception.
    """
    pending = Pending(fn, args, kwargs)
    pending._start()
    return pending


__all__ = ["THREADS_ENV", "threads_available", "beside", "Pending"]
