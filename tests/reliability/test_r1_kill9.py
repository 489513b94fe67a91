"""R1: kill -9 at seeded random points during a sync; a rerun from the last emitted STATE completes
it: the union of both outputs is exactly the sandbox's contents (by key).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from exact_sandbox.testing import SandboxServer

from .conftest import Scale
from .helpers import (
    TL_STREAM,
    Output,
    catalog,
    record_ids,
    run,
    run_and_kill,
    sandbox_ids,
    seed_transaction_lines,
    tap_cmd,
    tap_config,
    write_json,
)

pytestmark = pytest.mark.reliability


def test_kill9_then_resume_loses_nothing(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path, scale: Scale
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    first = sb.divisions_list[0]
    seed_transaction_lines(sb, first, scale.kill_rows)
    truth = set().union(*(sandbox_ids(sb, d) for d in sb.divisions_list))
    config = tap_config(sb, tmp_path / "tap.json")
    cat = catalog(tmp_path / "catalog.json", [TL_STREAM])
    rng = random.Random(20240607)
    expected_lines = len(truth) + 10
    failures = []
    for trial in range(scale.kill_trials):
        work = tmp_path / f"trial{trial}"
        work.mkdir()
        kill_at = rng.randint(1, expected_lines)
        killed = run_and_kill(tap_cmd(config, cat), work, after_lines=kill_at)
        state = None
        if killed.states:
            state = write_json(work / "state.json", killed.states[-1])
        rerun: Output = run(tap_cmd(config, cat, state), work)
        assert rerun.returncode == 0, (
            f"trial {trial} (kill at line {kill_at}):\n{rerun.stderr[-3000:]}"
        )
        union = record_ids(killed.records) | record_ids(rerun.records)
        if union != truth:
            failures.append(
                f"trial {trial}: kill at line {kill_at}, state "
                f"{json.dumps(state and json.loads(state.read_text()))[:300]}: "
                f"missing {len(truth - union)}, extra {len(union - truth)}"
            )
    assert not failures, "\n".join(failures)


def test_kill9_with_divisions_in_parallel_then_resume_loses_nothing(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path, scale: Scale
) -> None:
    """R1 with three divisions read at once (``max_parallel_divisions: 3``): pages read ahead by
    the division readers are never a bookmark until their records were written, so a kill at any
    line loses nothing."""
    sb = fresh_sandbox(divisions=3, no_rate_limits=True)
    for division in sb.divisions_list:
        seed_transaction_lines(sb, division, scale.kill_rows)
    truth = set().union(*(sandbox_ids(sb, d) for d in sb.divisions_list))
    config = tap_config(sb, tmp_path / "tap.json", max_parallel_divisions=3)
    cat = catalog(tmp_path / "catalog.json", [TL_STREAM])
    rng = random.Random(20261202)
    failures = []
    for trial in range(max(3, scale.kill_trials // 2)):
        work = tmp_path / f"trial{trial}"
        work.mkdir()
        kill_at = rng.randint(1, len(truth) + 10)
        killed = run_and_kill(tap_cmd(config, cat), work, after_lines=kill_at)
        state = write_json(work / "state.json", killed.states[-1]) if killed.states else None
        rerun: Output = run(tap_cmd(config, cat, state), work)
        assert rerun.returncode == 0, f"trial {trial}:\n{rerun.stderr[-3000:]}"
        union = record_ids(killed.records) | record_ids(rerun.records)
        if union != truth:
            failures.append(
                f"trial {trial}: kill at line {kill_at}: missing {len(truth - union)}, "
                f"extra {len(union - truth)}"
            )
    assert not failures, "\n".join(failures)
