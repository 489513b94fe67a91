"""The sync's collector settings hold inside the block and are undone after it, even on error."""

from __future__ import annotations

import gc

import pytest

from tap_exact.collector import YOUNG_THRESHOLD, sync_collector


def test_settings_inside_and_undone_after() -> None:
    before = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    with sync_collector():
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        assert gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() > frozen_before  # what start-up built is frozen
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_undone_when_the_sync_raises() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), sync_collector():
        raise RuntimeError("stop")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_process_that_froze_its_start_up_keeps_it_frozen() -> None:
    gc.freeze()  # as the tap-exact command does after its imports
    try:
        frozen = gc.get_freeze_count()
        with sync_collector():
            pass
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()


def test_garbage_cycles_made_during_the_sync_are_still_collected() -> None:
    class Node:
        other: object = None

    with sync_collector():
        a, b = Node(), Node()
        a.other, b.other = b, a
        del a, b
        assert gc.collect() >= 2
