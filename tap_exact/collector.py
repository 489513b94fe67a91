"""The garbage collector during a sync: start-up objects frozen, young collections less often.

A run's records are acyclic dicts freed as soon as they are written; the cycle collector finds
nothing in them but walks every one (~75 values each) while it is young. With CPython's default
first threshold (700 allocations) a 1,000-row page is walked several times before it is written,
and each full collection also walks everything start-up built (the SDK, the registry, the
schemas: ~70,000 objects that live for the whole run). Measured on a 50,000-row run: 0.28 CPU s
of ~3 in the collector, ~0.07 with this (docs/benchmarks.md). The threshold is restored when the
sync ends; the freeze is undone only when nothing was frozen before it, so a process that runs the
tap in-process (tests, orchestrators) keeps its own settings, while the ``tap-exact`` command,
which froze its start-up already (``__main__.py``), keeps everything frozen to its exit.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from tap_exact.gc_pause import process_frozen

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
