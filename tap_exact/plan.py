"""``tap-exact --plan``: the API calls of the next run, per stream and division, from config,
catalog and state alone — no token, no network — so an orchestrator can size its schedule.

Each line is the number of calls when nothing changed since the state was written, and whether
that is exact (``exact``) or a floor (``at_least``: a first read or a full table, whose pages
depend on row counts only the API knows; a 1,000-row sync/bulk page or a 60-row plain page each
add a call). Shared lookups get their own lines: ``system/Divisions`` (counted against the first
division), ``sync/Deleted`` (one read per division shared by ``deleted`` and the tombstones),
``current/Me`` (free: Exact does not count it). The rules mirror the streams' own (streams.py,
budget.py, divisions.py); tests/tap/test_plan.py holds the estimate against the sandbox's count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol

from tap_exact.client import DIVISION_KEY, PER_USER_SERVICE, ExactStream
from tap_exact.divisions import MOVE_CHECK_INTERVAL, MOVE_CHECKED_KEY, MOVE_DATE_KEY
from tap_exact.edm_schema import has_tombstones
from tap_exact.streams import (
    KEYS_AT_BOOKMARK,
    CurrentStream,
    DeletedStream,
    FunctionStream,
    ModifiedStream,
    SyncStream,
)

if TYPE_CHECKING:
    from singer_sdk.streams import Stream

    from tap_exact.runtime import TapRuntime


class PlannedTap(Protocol):
    """What the plan reads of the tap (a Protocol: tap.py imports this module)."""

    @property
    def runtime(self) -> TapRuntime: ...
    @property
    def state(self) -> Mapping[str, Any]: ...
    @property
    def streams(self) -> Mapping[str, Stream]: ...

SHARED_DIVISIONS = "(system/Divisions)"
SHARED_DELETED = "(sync/Deleted)"
SHARED_ME = "(current/Me, free)"


@dataclass(frozen=True)
class PlanLine:
    stream: str
    division: int | None
    calls: int
    exact: bool
    why: str


def plan(tap: PlannedTap) -> list[PlanLine]:
    """The next run's calls, without calling the API."""
    settings = tap.runtime.settings
    configured = list(settings.divisions)
    known: list[int] = configured or _divisions_in_state(tap.state)
    divisions: list[int | None] = [*known] or [None]
    lines: list[PlanLine] = []
    needs_listing = not configured
    deleted_due: set[int | None] = set()
    streams = [s for s in tap.streams.values() if s.selected and isinstance(s, ExactStream)]
    for stream in streams:
        if not stream.endpoint.needs_division:
            lines.append(PlanLine(stream.name, None, 1, not isinstance(stream, FunctionStream)
                                  or isinstance(stream, CurrentStream), "no division"))
            continue
        targets = divisions[:1] if stream.entity.service == PER_USER_SERVICE else divisions
        for division in targets:
            line, checks_move, reads_deleted = _partition(stream, division)
            lines.append(line)
            if line.calls and checks_move:
                needs_listing = True
            if line.calls and reads_deleted:
                deleted_due.add(division)
    for division in divisions:
        if division in deleted_due:
            lines.append(PlanLine(SHARED_DELETED, division, 1, True,
                                  "one read for `deleted` and every stream's tombstones"))
    if needs_listing:
        why = "lists the divisions" if not configured else "division move check (hourly)"
        lines.append(PlanLine(SHARED_DIVISIONS, divisions[0], 1, True, why))
    if not configured:
        lines.append(PlanLine(SHARED_ME, None, 1, True, "the current division; not counted"))
    return lines


def _divisions_in_state(state: Mapping[str, Any]) -> list[int]:
    found: set[int] = set()
    for bookmark in (state.get("bookmarks") or {}).values():
        for partition in bookmark.get("partitions") or ():
            value = (partition.get("context") or {}).get(DIVISION_KEY)
            if value is not None:
                found.add(int(value))
    return sorted(found)


def _partition(stream: ExactStream, division: int | None) -> tuple[PlanLine, bool, bool]:
    """(line, whether it checks for a division move, whether it reads sync/Deleted)."""
    name = stream.name
    gate = getattr(stream, "switched_on", None)
    if gate is not None and not gate():
        return PlanLine(name, division, 0, True, "off (HotGlue flag)"), False, False
    state = stream.get_context_state({DIVISION_KEY: division}) if division is not None else {}
    if division is not None and not stream.is_due_in(division):
        return PlanLine(name, division, 0, True, "not due (minimum interval)"), False, False
    if isinstance(stream, DeletedStream):
        return PlanLine(name, division, 0, True, "its read is the shared sync/Deleted"), (
            _move_check_due(state)), True
    if isinstance(stream, SyncStream):
        tombstones = stream.emits_tombstones and has_tombstones(stream.entity)
        checks = _move_check_due(state)
        if _rk(state, "Timestamp") is not None:
            return PlanLine(name, division, 1, True, "Timestamp bookmark"), checks, tombstones
        extra = 1 if stream.runtime.settings.start_date and stream.entity.sync_timestamp_endpoint \
            else 0
        why = "first read" + (" + SyncTimestamp" if extra else "")
        return PlanLine(name, division, 1 + extra, False, why), checks, tombstones
    if isinstance(stream, ModifiedStream):
        if _rk(state, "Modified") is not None:
            settled = KEYS_AT_BOOKMARK in state
            why = "settled Modified bookmark" if settled else "Modified bookmark, rows at it again"
            return PlanLine(name, division, 1, settled, why), False, False
        return PlanLine(name, division, 1, False, "first read"), False, False
    if isinstance(stream, FunctionStream):
        return PlanLine(name, division, 1, False, "function"), False, False
    return PlanLine(name, division, 1, False, "full table: every page, every run"), False, False


def _rk(state: dict[str, Any], key: str) -> Any:
    return state.get("replication_key_value") if state.get("replication_key") == key else None


def _move_check_due(state: dict[str, Any]) -> bool:
    if MOVE_DATE_KEY not in state:
        return True  # the first read records the division's move date
    checked = state.get(MOVE_CHECKED_KEY)
    if not checked:
        return True
    try:
        at = datetime.fromisoformat(str(checked).replace("Z", "+00:00"))
    except ValueError:
        return True
    return datetime.now(timezone.utc) - at >= MOVE_CHECK_INTERVAL


def as_json(lines: list[PlanLine]) -> dict[str, Any]:
    """The plan as printed: lines, totals per division (shared lookups included), total."""
    per_division: dict[str, int] = {}
    for line in lines:
        if line.stream == SHARED_ME or line.division is None:
            continue
        key = str(line.division)
        per_division[key] = per_division.get(key, 0) + line.calls
    counted = [line for line in lines if line.stream != SHARED_ME]
    return {
        "calls_per_division": per_division,
        "total_calls": sum(line.calls for line in counted),
        "exact": all(line.exact for line in lines),
        "lines": [asdict(line) for line in lines],
    }


def table(lines: list[PlanLine]) -> str:
    width = max([len("stream"), *(len(line.stream) for line in lines)])
    rows = [f"{'stream':<{width}}  {'division':>9}  {'calls':>6}  why"]
    for line in lines:
        calls = f"{'' if line.exact else '>='}{line.calls}"
        division = "" if line.division is None else str(line.division)
        rows.append(f"{line.stream:<{width}}  {division:>9}  {calls:>6}  {line.why}")
    return "\n".join(rows)
