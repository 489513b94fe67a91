"""R7: the daily limit runs out mid-run: a clean stop with STATE; the next run (next day) resumes
from it and completes with nothing lost.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from exact_sandbox.testing import SandboxServer

from .conftest import Scale
from .helpers import (
    TL_STREAM,
    catalog,
    record_ids,
    run,
    sandbox_ids,
    seed_transaction_lines,
    tap_cmd,
    tap_config,
    write_json,
)

pytestmark = pytest.mark.reliability


def test_daily_limit_stops_cleanly_and_resume_completes(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path, scale: Scale
) -> None:
    pages = scale.daily_rows // 1000 + 1
    # enough for a part of the pages only (the first division's limit runs out mid-stream)
    sb = fresh_sandbox(divisions=1, daily_limit=max(3, pages // 2 + 1), minutely_limit=1000)
    division = sb.divisions_list[0]
    seed_transaction_lines(sb, division, scale.daily_rows)
    cat = catalog(tmp_path / "catalog.json", [TL_STREAM])
    config = tap_config(sb, tmp_path / "tap.json")
    first = run(tap_cmd(config, cat), tmp_path)
    assert "Traceback" not in first.stderr, first.stderr[-3000:]
    assert "daily" in first.stderr.lower(), first.stderr[-3000:]
    assert first.states, "no STATE before the stop"
    truth = sandbox_ids(sb, division, reset_limits=True)
    got = record_ids(first.records)
    assert len(got) < len(truth)  # it really stopped part-way
    state = first.states[-1]
    for day in range(1, 11):  # bounded: each "day" gets a fresh daily budget
        sb.control("POST", "reset-limits")
        nxt = run(tap_cmd(config, cat, write_json(tmp_path / f"state{day}.json", state)), tmp_path)
        assert "Traceback" not in nxt.stderr, nxt.stderr[-3000:]
        got |= record_ids(nxt.records)
        state = nxt.states[-1] if nxt.states else state
        if nxt.returncode == 0 and "daily" not in nxt.stderr.lower():
            break
    assert nxt.returncode == 0, nxt.stderr[-3000:]
    assert got == truth
