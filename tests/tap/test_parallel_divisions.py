"""Divisions in parallel (tap_exact/parallel.py): ``max_parallel_divisions`` 1 and N give the
same RECORD messages in the same order, the same final STATE and the same API calls; the sandbox
never sees two requests of one division at once; 403 and the daily limit end the run as with one
reader."""

from __future__ import annotations

import copy
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests

from exact_online.registry import load_registry
from exact_sandbox.testing import SandboxServer
from tap_exact.divisions import EXIT_UNREACHABLE_DIVISION, MOVE_CHECKED_KEY
from tap_exact.parallel import Fetched, PageBuffer
from tap_exact.tap import EXIT_DAILY_LIMIT
from tests.run_stamps import without_run_stamps

from .conftest import TapRun, run_tap, summary_calls

# Every stream family that reads ahead: sync (Timestamp), Modified, full table, plus the shared
# sync/Deleted read and its tombstones.
STREAMS = [
    "items", "gl_accounts", "warehouses", "goods_receipt_lines", "assembly_orders",
    "sales_invoice_lines", "deleted",
]
QUIET = {"TAP_EXACT_PROGRESS_SECONDS": "100"}


def _records(run: TapRun) -> list[tuple[str, dict[str, Any]]]:
    return [(m["stream"], m["record"]) for m in run.messages if m["type"] == "RECORD"]


def _run(sb: SandboxServer, work: Path, parallel: int, **kw: Any) -> tuple[TapRun, dict]:
    work.mkdir(parents=True, exist_ok=True)
    sb.reset_calls()
    run = run_tap(sb, work, kw.pop("streams", STREAMS), env=QUIET,
                  max_parallel_divisions=parallel, **kw)
    return run, sb.calls()


def _same(sb: SandboxServer, work: Path, n: int, **kw: Any) -> tuple[TapRun, dict]:
    """Runs with 1 and ``n`` readers; asserts they agree and return the parallel one."""
    since = datetime.now(timezone.utc)
    one, calls_one = _run(sb, work / "one", 1, **kw)
    many, calls_many = _run(sb, work / "many", n, **kw)
    assert one.returncode == many.returncode, many.stderr[-3000:]
    assert _records(many) == _records(one)
    # Every STATE message, not only the last (run-time stamps aside: the runs are apart).
    assert without_run_stamps(many.states, since) == without_run_stamps(one.states, since)
    assert calls_many["by_path"] == calls_one["by_path"]
    assert calls_many["by_division"] == calls_one["by_division"]
    assert set(calls_many["max_in_flight"].values()) == {1}
    assert "stream asks" not in many.stderr  # every page was served from the reader's guess
    # The summary's per-stream calls: the readers' calls are claimed by their stream.
    assert summary_calls(many.stderr) == summary_calls(one.stderr)
    return many, calls_many


def test_parallel_equals_sequential_first_and_incremental_runs(
    fresh_sandbox: Any, tmp_path: Path
) -> None:
    sb = fresh_sandbox(divisions=3, no_rate_limits=True)
    d1, d2, d3 = sb.divisions_list
    for division, n in ((d2, 2500), (d3, 1200)):  # several sync pages (1,000 rows each)
        rows = [{"ID": str(uuid.uuid4()), "Code": f"P{division}-{i:05d}", "Description": "x"}
                for i in range(n)]
        sb.insert_rows(division, "logistics/Items", rows)

    first, calls = _same(sb, tmp_path / "first", 3)
    assert first.returncode == 0, first.stderr[-3000:]
    assert {r["Division"] for r in first.records["items"]} == {d1, d2, d3}
    assert calls["by_path"][f"GET /api/v1/{d2}/sync/Logistics/Items"] == 3
    for stream in STREAMS:  # every family but sync/Deleted's shared read reads ahead
        ahead = {f"{stream}: division {d} read ahead" in first.stderr for d in (d2, d3)}
        assert ahead == ({False} if stream == "deleted" else {True}), stream

    # Incremental from the saved state: new and deleted rows, bookmarks of every family.
    state = first.states[-1]
    new = [{"ID": str(uuid.uuid4()), "Code": f"N{i}", "Description": "n"} for i in range(3)]
    sb.insert_rows(d3, "logistics/Items", new)
    gone = next(r["ID"] for r in first.records["items"] if r["Division"] == d2)
    sb.delete_rows(d2, "logistics/Items", [gone])
    second, _ = _same(sb, tmp_path / "second", 3, state=state)
    assert second.returncode == 0, second.stderr[-3000:]
    assert {r["ID"] for r in second.records["items"]} >= {r["ID"] for r in new}

    # A first run with start_date: each partition's SyncTimestamp is asked once, by a reader.
    third, calls = _same(sb, tmp_path / "third", 2, start_date="2020-01-01T00:00:00Z",
                         streams=["items", "gl_accounts"])
    assert third.returncode == 0, third.stderr[-3000:]
    asked = sum(bool(load_registry().by_stream(s).sync_timestamp_endpoint)
                for s in ("items", "gl_accounts"))
    assert calls["by_path"][f"GET /api/v1/{d3}/read/sync/Sync/SyncTimestamp"] == asked >= 1


def test_move_checks_of_different_ages_as_with_one_reader(
    fresh_sandbox: Any, tmp_path: Path
) -> None:
    # Divisions configured: the first division's move date was checked minutes ago, the others'
    # two hours ago, and the first one moved since. A reader looking ahead at a due check must
    # not change what the main thread decides for the first division (not moved yet, as with
    # one reader: the move is noticed at its next check), nor when system/Divisions is asked.
    sb = fresh_sandbox(divisions=3, no_rate_limits=True)
    d1 = sb.divisions_list[0]
    for division in sb.divisions_list:  # deletion bookmarks past 1: where tombstones resume
        gone = str(uuid.uuid4())
        sb.insert_rows(division, "logistics/Items", [{"ID": gone, "Code": "G", "Description": "g"}])
        sb.delete_rows(division, "logistics/Items", [gone])
    base, _ = _run(sb, tmp_path / "base", 1, streams=["items", "gl_accounts"])
    assert base.returncode == 0, base.stderr[-3000:]
    sb.move_division(d1)  # noticed by the next check due in d1, with 1 or 3 readers alike
    state = copy.deepcopy(base.states[-1])
    for bookmark in state["bookmarks"].values():
        for partition in bookmark["partitions"]:
            if partition["context"]["Division"] != d1:
                at = datetime.fromisoformat(partition[MOVE_CHECKED_KEY]) - timedelta(hours=2)
                partition[MOVE_CHECKED_KEY] = at.isoformat(timespec="seconds")
    mixed, calls = _same(sb, tmp_path / "mixed", 3, streams=["items", "gl_accounts"],
                         state=state)
    assert mixed.returncode == 0, mixed.stderr[-3000:]
    assert sum(n for path, n in calls["by_path"].items() if path.endswith("/system/Divisions")) == 1


def test_unreachable_division_and_token_refresh_with_readers(
    fresh_sandbox: Any, tmp_path: Path
) -> None:
    # A 30 s access token with a 30 s margin: every request refreshes, from several threads.
    sb = fresh_sandbox(divisions=3, no_rate_limits=True, access_token_ttl=30,
                       token_calls_per_day=100_000)
    d1, d2, d3 = sb.divisions_list
    ok, _ = _same(sb, tmp_path / "ok", 3, streams=["items", "warehouses"])
    assert ok.returncode == 0, ok.stderr[-3000:]  # and no call more than with one thread

    sb.control("POST", f"divisions/{d2}/revoke")
    skipped, calls = _same(sb, tmp_path / "revoked", 3, streams=["items", "warehouses"])
    assert skipped.returncode == EXIT_UNREACHABLE_DIVISION, skipped.stderr[-3000:]
    assert {r["Division"] for r in skipped.records["items"]} == {d1, d3}
    assert calls["by_division"][str(d2)] == 1  # the one 403, then the division is skipped


def test_daily_limit_stops_as_with_one_reader(fresh_sandbox: Any, tmp_path: Path) -> None:
    # 4 calls a day per division, 1 in reserve: the run stops in the first division's items.
    sb = fresh_sandbox(divisions=3, daily_limit=4)
    rows = [{"ID": str(uuid.uuid4()), "Code": f"DL{i:05d}", "Description": "x"}
            for i in range(2000)]
    sb.insert_rows(sb.divisions_list[0], "logistics/Items", rows)
    runs = []
    since = datetime.now(timezone.utc)
    for parallel in (1, 3):
        sb.control("POST", "reset-limits")
        run, _ = _run(sb, tmp_path / f"p{parallel}", parallel, streams=["items"],
                      daily_call_reserve=1)
        assert run.returncode == EXIT_DAILY_LIMIT, run.stderr[-3000:]
        assert "Traceback" not in run.stderr
        runs.append(run)
    assert _records(runs[1]) == _records(runs[0])
    assert (
        without_run_stamps(runs[1].states[-1], since)
        == without_run_stamps(runs[0].states[-1], since)
    )


def test_page_buffer_spills_to_disk_in_order(sandbox: SandboxServer) -> None:
    session = sandbox.session()
    url = sandbox.api_url("{division}/logistics/Warehouses")
    answers = [session.get(url, timeout=30) for _ in range(5)]
    size = len(answers[0].content)
    buffer = PageBuffer(memory_bytes=size * 2)  # two in memory, the rest on disk
    for i, response in enumerate(answers):
        buffer.put(Fetched(f"{url}#{i}", response, calls=1))
    buffer.close()
    assert buffer.spilled == 3
    got = []
    while (item := buffer.get(lambda: False)) is not None:
        assert isinstance(item, Fetched)
        got.append(item)
    assert [g.url for g in got] == [f"{url}#{i}" for i in range(5)]
    assert [g.response.content for g in got] == [a.content for a in answers]
    assert all(isinstance(g.response, requests.Response) for g in got)
    assert all(g.response.request is None for g in got[2:])  # no token written to disk
