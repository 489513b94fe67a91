"""A run with nothing new costs one call per selected incremental stream and division, and
nothing more (#13 item 3): reference streams wait for their minimum interval, Modified bookmarks
that are settled ask `gt`, sales_invoice_lines reads the line-grained sync endpoint, and
system/Divisions is asked at most hourly when divisions are configured. Call counts are the
sandbox's own (deterministic)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tap_exact.budget import LAST_READ_KEY, REFERENCE_STREAMS
from tap_exact.divisions import MOVE_CHECKED_KEY
from tap_exact.seed_streams import SEED_001_STREAMS

from .conftest import expected_count, run_tap

SEED_REFERENCE = sorted(s for s in SEED_001_STREAMS if s in REFERENCE_STREAMS)
SEED_EVERY_RUN = sorted(s for s in SEED_001_STREAMS if s not in REFERENCE_STREAMS)


def _calls_by_division(sb: Any) -> dict[str, dict[str, int]]:
    """{division: {path after the division: calls}}."""
    out: dict[str, dict[str, int]] = {}
    for key, n in sb.calls()["by_path"].items():
        path = key.split(" ", 1)[1].removeprefix("/api/v1/")
        division, _, rest = path.partition("/")
        if division.isdigit():
            out.setdefault(division, {})[rest] = n
    return out


def _age(state: dict[str, Any], key: str, hours: float) -> dict[str, Any]:
    """A copy of ``state`` where every partition's ``key`` lies ``hours`` further back."""
    aged = copy.deepcopy(state)
    for bookmark in aged["bookmarks"].values():
        for partition in bookmark.get("partitions") or ():
            if key in partition:
                at = datetime.fromisoformat(partition[key]) - timedelta(hours=hours)
                partition[key] = at.isoformat(timespec="seconds")
    return aged


def test_nothing_new_costs_one_call_per_incremental_stream(
    fresh_sandbox: Any, tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    divisions = [str(d) for d in sb.divisions_list]
    first = run_tap(sb, tmp_path, SEED_001_STREAMS)
    assert first.returncode == 0, first.stderr[-3000:]
    assert len(first.records["sales_invoice_lines"]) == expected_count(
        sb.stats(), "sales_invoice_lines"
    )

    sb.reset_calls()
    second = run_tap(sb, tmp_path, SEED_001_STREAMS, state=first.states[-1])
    assert second.returncode == 0, second.stderr[-3000:]
    calls = _calls_by_division(sb)
    # 19 streams with an incremental path + assembly_orders (no incremental path: one page of a
    # small table) + the one sync/Deleted read shared by `deleted` and the tombstones.
    assert len(SEED_EVERY_RUN) == 20
    for division in divisions:
        assert sum(calls[division].values()) == 20, calls[division]
        # sales_invoices and sales_invoice_lines both read the line-grained sync endpoint
        assert calls[division].pop("sync/SalesInvoice/SalesInvoices") == 2
        assert all(n == 1 for n in calls[division].values()), calls[division]
        assert "system/Divisions" not in calls[division]  # checked less than an hour ago
        assert not any("SalesInvoiceLines" in path for path in calls[division])
        assert not any(path.startswith("vat/") for path in calls[division])
    assert sb.calls()["total"] == 20 * len(divisions)  # current/Me is not needed either
    assert set(second.records) <= {"assembly_orders"}  # the one full table, nothing else

    # A day later the reference streams are due again: one call each per division, and
    # system/Divisions once (its hourly move check is due too).
    state = _age(_age(second.states[-1], LAST_READ_KEY, 25), MOVE_CHECKED_KEY, 2)
    sb.reset_calls()
    third = run_tap(sb, tmp_path, SEED_001_STREAMS, state=state)
    assert third.returncode == 0, third.stderr[-3000:]
    calls = _calls_by_division(sb)
    assert len(SEED_REFERENCE) == 7
    assert sum(calls[divisions[0]].values()) == 20 + 7 + 1
    assert calls[divisions[0]]["system/Divisions"] == 1
    assert sum(calls[divisions[1]].values()) == 20 + 7
    assert calls[divisions[1]]["vat/VATCodes"] == 1
    reads = [
        p[LAST_READ_KEY]
        for p in third.states[-1]["bookmarks"]["vat_codes"]["partitions"]
    ]
    assert len(reads) == 2 and all(r > s for r, s in zip(reads, [
        p[LAST_READ_KEY] for p in state["bookmarks"]["vat_codes"]["partitions"]
    ]))


def test_intervals_per_stream_and_full_table_reference(
    sandbox: Any, tmp_path: Path
) -> None:
    streams = ["units", "vat_codes", "assembly_orders"]
    overrides = {"vat_codes": 0, "assembly_orders": 6}
    first = run_tap(sandbox, tmp_path, streams, stream_interval_hours=overrides)
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.counts["units"] == expected_count(sandbox.stats(), "units")
    state = first.states[-1]
    units = state["bookmarks"]["units"]["partitions"]
    assert len(units) == 2 and all(LAST_READ_KEY in p for p in units)  # a full table keeps it
    assert all(LAST_READ_KEY not in p for p in state["bookmarks"]["vat_codes"]["partitions"])

    before = sandbox.calls()["by_path"]
    second = run_tap(sandbox, tmp_path, streams, state=state, stream_interval_hours=overrides)
    assert second.returncode == 0, second.stderr[-3000:]
    after = sandbox.calls()["by_path"]
    read = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    # vat_codes (interval 0) is read in both divisions; units (reference, 24 h) and
    # assembly_orders (6 h) wait: 2 calls in all.
    assert sorted(read) == sorted(
        f"GET /api/v1/{d}/vat/VATCodes" for d in sandbox.divisions_list
    ), read
    assert set(read.values()) == {1}
    assert "minimum interval" in second.stderr


def test_bad_interval_setting_is_named(sandbox: Any, tmp_path: Path) -> None:
    run = run_tap(sandbox, tmp_path, ["units"], stream_interval_hours={"units": -1})
    assert run.returncode != 0
    assert "stream_interval_hours.units" in run.stderr
