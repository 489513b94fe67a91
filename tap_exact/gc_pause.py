"""Start-up work done with Python's cyclic garbage collector paused.

A run imports singer-sdk and its dependencies (~550 modules), and ``--discover`` builds ~340
streams and their catalog: a few hundred thousand objects that all stay alive. Each time
allocations pass the collector's threshold it walks them to free nothing, and the interpreter's
exit walks them all once more. Measured on ``import singer_sdk`` (min of 11 runs, CPU seconds):
0.39 as is, 0.28 with the collector paused during the import and its objects frozen after it.
Reference counting frees everything else as usual while the collector is paused.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused(*, freeze: bool = False) -> Iterator[None]:
    """The block runs without cyclic collections; the collector's state is restored after it.

    ``freeze``: what exists when the block ends (modules, classes: kept for the process's life)
    goes to the collector's permanent generation, never walked again, not even at exit. Only for
    a process's start-up: a cycle frozen this way is never freed.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()
