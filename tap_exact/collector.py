"""Python's cyclic garbage collector at start-up and during the sync.

Start-up (``gc_paused``): a run imports singer-sdk and its dependencies (~550 modules), and
``--discover`` builds ~340 streams and their catalog: a few hundred thousand objects that all stay
alive. Each time allocations pass the collector's threshold it walks them to free nothing, and the
interpreter's exit walks them all once more. Measured on ``import singer_sdk`` (min of 11 runs, CPU
seconds): 0.39 as is, 0.28 with the collector paused during the import and its objects frozen after
it. Reference counting frees everything else as usual while the collector is paused.

During the sync (``sync_collector``): a run's records are acyclic dicts freed as soon as they are
written; the cycle collector finds nothing in them but walks every one (~75 values each) while it is
young. With CPython's default first threshold (700 allocations) a 1,000-row page is walked several
times before it is written, and each full collection also walks everything start-up built (the SDK,
the registry, the schemas: ~70,000 objects that live for the whole run). Measured on a 50,000-row
run: 0.28 CPU s of ~3 in the collector, ~0.07 with this (docs/benchmarks.md). The threshold is
restored when the sync ends; the freeze is undone only when nothing was frozen before it, so a
process that runs the tap in-process (tests, orchestrators) keeps its own settings, while the
``tap-exact`` command, which froze its start-up already (``__main__.py``), keeps everything frozen
to its exit.
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

# Container allocations between two young collections: a page's worth and more, so a page is
# mostly written (and freed) before the collector looks at it. Memory held by cyclic garbage in
# between stays small (a few thousand objects).
YOUNG_THRESHOLD = 5_000


@contextmanager
def sync_collector(young: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """Freeze what exists now and raise the first threshold, for the ``with`` block."""
    before = gc.get_threshold()
    # process_frozen() first: the command froze its start-up, and counting frozen objects walks
    # them all (~10 ms).
    frozen_before = process_frozen() or gc.get_freeze_count()
    gc.freeze()
    gc.set_threshold(max(young, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if not frozen_before:
            gc.unfreeze()
