"""The collector paused during start-up (tap_exact/collector.py) and ``python -m tap_exact``."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from tap_exact import collector
from tap_exact.collector import gc_paused, process_frozen, sync_collector


def test_gc_paused_restores_the_collector() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # was off before: stays off
    finally:
        gc.enable()


def test_gc_paused_can_freeze_what_the_block_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector._Process, "frozen", False)  # undone after the test
    before = gc.get_freeze_count()
    try:
        with gc_paused(freeze=True):
            kept = [[i] for i in range(100)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= before + len(kept)
        assert process_frozen()
        with sync_collector():  # the command's freeze stays, without counting frozen objects
            pass
        assert gc.get_freeze_count() >= before + len(kept)
    finally:
        gc.unfreeze()  # the test process keeps collecting everything


def test_the_command_runs_through_main() -> None:
    # main() imports the tap with the collector paused and freezes at exit; --about still works.
    out = subprocess.run(
        [sys.executable, "-m", "tap_exact", "--about", "--format", "json"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    assert '"name": "tap-exact"' in out.stdout
