"""STATE without the stamps of the run that wrote it, for comparing the STATE of two runs.

A partition's state says when a run read it (``last_read_at``, tap_exact/budget.py) and when a
run looked up the division's move date (``division_checked_at``, tap_exact/divisions.py): wall
clock, so two runs a second apart differ there. A stamp written by the runs compared (at or
after ``since``) becomes a marker; an older one, kept from the input state, stays as it is, so
whether a run wrote a stamp still counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tap_exact.budget import LAST_READ_KEY
from tap_exact.divisions import MOVE_CHECKED_KEY

RUN_STAMP_KEYS = frozenset({LAST_READ_KEY, MOVE_CHECKED_KEY})
WRITTEN = "<written by the run>"


def without_run_stamps(state: Any, since: datetime) -> Any:
    """A copy of ``state`` (or of a list of states) with every run-time stamp at or after
    ``since`` (aware, UTC) replaced by a marker."""
    cutoff = since.replace(microsecond=0)  # stamps are written to the second
    if isinstance(state, list):
        return [without_run_stamps(item, since) for item in state]
    if not isinstance(state, dict):
        return state
    out: dict[str, Any] = {}
    for key, value in state.items():
        if key in RUN_STAMP_KEYS and isinstance(value, str) and _at(value) >= cutoff:
            out[key] = WRITTEN
        else:
            out[key] = without_run_stamps(value, since)
    return out


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
