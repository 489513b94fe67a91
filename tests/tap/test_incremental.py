"""Incremental behaviour against a fresh sandbox: exact call counts, bookmarks, tombstones,
division moves, page-boundary STATE and resume after a kill."""

from __future__ import annotations

import json
import math
import subprocess
import uuid
from pathlib import Path
from typing import Any

from tap_exact.divisions import MOVE_CHECKED_KEY

from .conftest import (
    catalog_for,
    expected_count,
    path_calls,
    run_tap,
    tap_command,
    write_config,
)


def _new_items(n: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {"ID": str(uuid.uuid4()), "Code": f"{prefix}{i:05d}", "Description": f"{prefix} {i}"}
        for i in range(n)
    ]


def test_sync_call_counts_bookmarks_and_tombstones(fresh_sandbox: Any, tmp_path: Path) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    d1, d2 = sb.divisions_list
    sb.insert_rows(d1, "logistics/Items", _new_items(1000, "BULK"))  # division 1: two pages
    sb.reset_calls()

    first = run_tap(sb, tmp_path, ["items"])
    assert first.returncode == 0, first.stderr[-3000:]
    stats = sb.stats()
    assert len(first.records["items"]) == expected_count(stats, "items")
    assert {r["Division"] for r in first.records["items"]} == {d1, d2}
    calls = sb.calls()
    for d in (d1, d2):
        n = stats[str(d)]["logistics/Items"]
        # ceil(N/1000) pages of sync/Items + one read of sync/Deleted, per division.
        assert path_calls(calls, f"/{d}/sync/Logistics/Items") == max(1, math.ceil(n / 1000))
        assert path_calls(calls, f"/{d}/sync/Deleted") == 1
    # STATE at the page boundary of division 1 (after its first 1000 rows), before the end.
    assert len(first.states) >= 3

    # Nothing changed: no rows, one call per endpoint and division.
    sb.reset_calls()
    state = first.states[-1]
    second = run_tap(sb, tmp_path, ["items"], state=state)
    assert second.returncode == 0, second.stderr[-3000:]
    assert second.counts["items"] == 0
    assert path_calls(sb.calls(), f"/{d1}/sync/Logistics/Items") == 1

    # A new item and a deleted one: the new row, and a tombstone in the items stream itself.
    added = sb.insert_rows(d2, "logistics/Items", _new_items(1, "NEW"))[0]
    gone = first.records["items"][0]
    sb.delete_rows(gone["Division"], "logistics/Items", [gone["ID"]])
    third = run_tap(sb, tmp_path, ["items", "deleted"], state=second.states[-1])
    assert third.returncode == 0, third.stderr[-3000:]
    rows = third.records["items"]
    assert [r["ID"] for r in rows if not r.get("_sdc_deleted_at")] == [added["ID"]]
    tombstones = [r for r in rows if r.get("_sdc_deleted_at")]
    assert [(t["ID"], t["Division"]) for t in tombstones] == [(gone["ID"], gone["Division"])]
    assert [r["EntityKey"] for r in third.records["deleted"]] == [gone["ID"]]

    # The tombstone is not sent twice.
    fourth = run_tap(sb, tmp_path, ["items", "deleted"], state=third.states[-1])
    assert fourth.counts["items"] == 0 and fourth.counts["deleted"] == 0


def test_moved_division_is_read_again_in_full(fresh_sandbox: Any, tmp_path: Path) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    d2 = sb.divisions_list[1]
    first = run_tap(sb, tmp_path, ["items"])
    assert first.returncode == 0, first.stderr[-3000:]
    sb.move_division(d2)
    # The move check runs at most hourly (divisions.py): an hour later, as the schedule sees it.
    state = first.states[-1]
    for partition in state["bookmarks"]["items"]["partitions"]:
        partition[MOVE_CHECKED_KEY] = "2000-01-01T00:00:00+00:00"
    second = run_tap(sb, tmp_path, ["items"], state=state)
    assert second.returncode == 0, second.stderr[-3000:]
    assert {r["Division"] for r in second.records["items"]} == {d2}
    assert second.counts["items"] == sb.stats()[str(d2)]["logistics/Items"]
    assert "was moved" in second.stderr


def test_resume_after_kill_loses_no_row(fresh_sandbox: Any, tmp_path: Path) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    d1, _ = sb.divisions_list
    sb.insert_rows(d1, "logistics/Items", _new_items(1500, "KILL"))
    config = write_config(sb, tmp_path)
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(catalog_for(["items"])))
    proc = subprocess.Popen(
        tap_command(config, catalog), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    seen: set[str] = set()
    state = None
    for _ in range(100_000):  # bounded: the run has ~1600 rows
        line = proc.stdout.readline()
        if not line:
            break
        message = json.loads(line)
        if message["type"] == "RECORD":
            seen.add(message["record"]["ID"])
        elif message["type"] == "STATE":
            state = message["value"]
            proc.kill()
            break
    proc.wait(60)
    assert state is not None, "no STATE before the end of the first page"
    bookmark = state["bookmarks"]["items"]["partitions"][0]["replication_key_value"]
    assert len(seen) == 1000 and isinstance(bookmark, int)

    rerun = run_tap(sb, tmp_path, ["items"], state=state)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    seen |= {r["ID"] for r in rerun.records["items"]}
    assert len(seen) == expected_count(sb.stats(), "items")


def test_modified_stream_bookmark_is_inclusive_and_deduplicated(
    fresh_sandbox: Any, tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    first = run_tap(sb, tmp_path, ["warehouses"])
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.counts["warehouses"] == expected_count(sb.stats(), "warehouses")
    # Same data again: `Modified ge bookmark` re-reads the rows AT the bookmark; they are skipped.
    second = run_tap(sb, tmp_path, ["warehouses"], state=first.states[-1])
    assert second.returncode == 0, second.stderr[-3000:]
    assert second.counts["warehouses"] == 0


def test_empty_and_one_row_pages(fresh_sandbox: Any, tmp_path: Path) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    d1 = sb.divisions_list[0]
    first = run_tap(sb, tmp_path, ["items", "purchase_return_lines"])
    assert first.returncode == 0, first.stderr[-3000:]
    sb.insert_rows(d1, "logistics/Items", _new_items(1, "ONE"))
    second = run_tap(sb, tmp_path, ["items"], state=first.states[-1])
    assert second.returncode == 0, second.stderr[-3000:]
    # Division 1: a one-row page; division 2: an empty page.
    assert [r["Division"] for r in second.records["items"]] == [d1]
