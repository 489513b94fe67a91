"""A HotGlue state file's bookmarks -> our per-division partition bookmarks (first run only).

hotgluexyz/tap-exact keeps ONE bookmark per stream at stream level (its child partitions are wiped
from every STATE):
``{"bookmarks": {"items": {"replication_key": "Modified", "replication_key_value":
"2024-05-01T10:11:12.347"}}}`` (classic streams: Exact's Amsterdam wall-clock text, no offset;
``bill_of_materials``: ``sysmodified``) or ``{"replication_key": "Timestamp",
"replication_key_value": "123456"}`` (sync streams, the integer as text). It reads one division
(``current_division``). :func:`seed_partition` moves that bookmark into the partition
``{"Division": N}``, the shape our streams resume from, so the swap reads only what changed.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from exact_online.timeconv import parse_iso_local

# A Modified-type bookmark our sync stream turns into a Timestamp (read/sync/Sync/SyncTimestamp).
SINCE_KEY = "hotglue_since"
_DATETIME_KEYS = frozenset({"Modified", "sysmodified", "OrderDate"})


def hotglue_bookmark(stream_state: dict[str, Any]) -> tuple[str, Any] | None:
    """(replication key, value) of a HotGlue stream-level bookmark, or None."""
    key = stream_state.get("replication_key")
    value = stream_state.get("replication_key_value")
    if not key or value in (None, ""):
        return None
    return str(key), value


def seed_partition(
    bookmark: tuple[str, Any], our_replication_key: str | None
) -> tuple[dict[str, Any], str | None]:
    """The partition state for HotGlue's ``bookmark``, and a warning when it cannot be used.

    Same key -> the value as ours (Modified as UTC text). A Modified-type bookmark on our
    Timestamp stream -> ``hotglue_since`` (turned into a Timestamp at sync time). A Timestamp
    bookmark on a Modified stream cannot be converted (a row version is not a date).
    """
    key, value = bookmark
    if our_replication_key is None:
        return {}, None  # a full table every run: nothing to resume
    if key == "Timestamp":
        if our_replication_key != "Timestamp":
            return {}, (
                f"HotGlue Timestamp bookmark {value} cannot seed a {our_replication_key} "
                "bookmark; this stream starts from start_date"
            )
        return {"replication_key": "Timestamp", "replication_key_value": int(value)}, None
    if key not in _DATETIME_KEYS:
        return {}, f"HotGlue bookmark on {key!r} is not understood; starting from start_date"
    when = _utc(value)
    if our_replication_key == "Modified":
        text = when.isoformat(timespec="microseconds")
        return {"replication_key": "Modified", "replication_key_value": text}, None
    return {SINCE_KEY: when.isoformat(timespec="microseconds")}, None


def _utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return when.astimezone(timezone.utc)
    # HotGlue stores Exact's text as read from Atom: Amsterdam wall clock, no offset.
    return parse_iso_local(str(value))


def since_of(partition_state: dict[str, Any]) -> datetime | None:
    """The seeded Modified-type start of a partition (``hotglue_since``), if any."""
    text = partition_state.get(SINCE_KEY)
    return datetime.fromisoformat(text) if text else None
