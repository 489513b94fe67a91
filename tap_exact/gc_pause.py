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


class _Process:
    frozen = False  # set by freeze_for_process, read in O(1) by process_frozen


def freeze_for_process() -> None:
    """Freeze what exists now for the rest of the process (the command's start-up and exit)."""
    gc.freeze()
    _Process.frozen = True


def process_frozen() -> bool:
    """Whether this process froze its start-up with :func:`freeze_for_process`.

    O(1): ``gc.get_freeze_count()`` walks every frozen object (~10 ms after the SDK's imports).
    """
    return _Process.frozen


@contextmanager
def gc_paused(*, freeze: bool = False) -> Iterator[None]:
    """The block runs without cyclic collections; the collector's state is restored after it.

    ``freeze``: what exists when the block ends (modules, classes: kept for the process's life)
    goes to the collector's permanent generation, never walked again, not even at exit
    (:func:`freeze_for_process`). Only for a process's start-up: a cycle frozen so is never freed.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            freeze_for_process()
        if was_enabled:
            gc.enable()
