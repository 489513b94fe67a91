"""HotGlue's stream-level bookmarks -> our partition bookmarks (tap_exact/hotglue/state.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from tap_exact.hotglue.state import SINCE_KEY, hotglue_bookmark, seed_partition, since_of

UTC = timezone.utc


def test_timestamp_bookmark_seeds_a_sync_stream() -> None:
    bookmark = hotglue_bookmark({"replication_key": "Timestamp",
                                 "replication_key_value": "1234567", "partitions": []})
    assert bookmark == ("Timestamp", "1234567")
    assert seed_partition(bookmark, "Timestamp") == (
        {"replication_key": "Timestamp", "replication_key_value": 1234567}, None
    )


def test_modified_wall_clock_text_becomes_a_utc_modified_bookmark() -> None:
    # HotGlue keeps Exact's Atom text: Amsterdam wall clock, no offset (CEST here: UTC+2).
    seeded, warning = seed_partition(("Modified", "2026-10-20T00:00:00.347"), "Modified")
    assert warning is None
    assert seeded == {"replication_key": "Modified",
                      "replication_key_value": "2026-10-19T22:00:00.347000+00:00"}


def test_a_date_bookmark_on_a_sync_stream_waits_for_synctimestamp() -> None:
    seeded, warning = seed_partition(("sysmodified", "2026-01-15T12:00:00"), "Timestamp")
    assert warning is None and set(seeded) == {SINCE_KEY}
    assert since_of(seeded) == datetime(2026, 1, 15, 11, 0, tzinfo=UTC)


def test_what_cannot_be_converted_is_said() -> None:
    seeded, warning = seed_partition(("Timestamp", "99"), "Modified")
    assert seeded == {} and warning and "cannot seed" in warning
    assert seed_partition(("Modified", "2026-01-01T00:00:00"), None) == ({}, None)
    assert hotglue_bookmark({"partitions": []}) is None
    assert hotglue_bookmark({"replication_key": "Modified", "replication_key_value": None}) is None
