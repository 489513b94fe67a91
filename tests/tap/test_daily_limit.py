"""The daily API budget runs out mid-stream: the tap stops with the final STATE, a message with the
reset time and exit code 75; after the sandbox's day rolls over, a rerun from that state completes
and the two runs together hold every row exactly once."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from tap_exact.tap import EXIT_DAILY_LIMIT

from .conftest import expected_count, run_tap


def test_daily_limit_stops_cleanly_and_resumes(fresh_sandbox: Any, tmp_path: Path) -> None:
    # 4 calls a day per division, 1 kept in reserve: system/Divisions + 2 pages of division 1.
    sb = fresh_sandbox(daily_limit=4)
    d1, d2 = sb.divisions_list
    rows = [
        {"ID": str(uuid.uuid4()), "Code": f"DL{i:05d}", "Description": "x"} for i in range(2000)
    ]
    sb.insert_rows(d1, "logistics/Items", rows)
    total = expected_count(sb.stats(), "items")

    first = run_tap(sb, tmp_path, ["items"], daily_call_reserve=1)
    assert first.returncode == EXIT_DAILY_LIMIT, first.stderr[-3000:]
    assert first.messages[-1]["type"] == "STATE"
    # One clear ERROR line, ours: not the SDK's "unhandled error" for the stream before it.
    errors = [line for line in first.stderr.splitlines() if " ERROR " in f" {line} "]
    assert len(errors) == 1, first.stderr[-3000:]
    assert "Stopped: Daily API limit" in errors[0] and "resets at" in errors[0]
    assert "exit code 75" in errors[0] and "unhandled error" not in first.stderr
    assert "Traceback" not in first.stderr
    assert "Summary total:" in first.stderr
    ids = [r["ID"] for r in first.records["items"]]
    assert len(ids) == 2000 and {r["Division"] for r in first.records["items"]} == {d1}
    parts = first.states[-1]["bookmarks"]["items"]["partitions"]
    assert [p["context"]["Division"] for p in parts] == [d1]
    assert max(r["Timestamp"] for r in first.records["items"]) == parts[0]["replication_key_value"]

    sb.set_clock(86_400)  # the sandbox's UTC day rolls over: a fresh budget
    second = run_tap(sb, tmp_path, ["items"], state=first.states[-1], daily_call_reserve=1)
    assert second.returncode == 0, second.stderr[-3000:]
    ids += [r["ID"] for r in second.records["items"]]
    assert len(ids) == len(set(ids)) == total
    assert {r["Division"] for r in second.records["items"]} == {d1, d2}
