"""R18: one division answering 403 (the user lost access to that company) is reported once and
skipped; the other divisions are read in full with exact STATE, the skipped one keeps its state, and
the exit code says so (77, or 0 with ``unreachable_divisions: warn``). Before: the whole run died.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tap_exact.divisions import EXIT_UNREACHABLE_DIVISION

from .helpers import Output, catalog, run, tap_cmd, tap_config, write_json

pytestmark = pytest.mark.reliability

STREAMS = ["items", "accounts"]


def run_tap(
    sb: Any,
    tmp_path: Path,
    streams: list[str],
    state: dict[str, Any] | None = None,
    **config: Any,
) -> Output:
    n = len(list(tmp_path.glob("tap-*.json")))
    cmd = tap_cmd(
        tap_config(sb, tmp_path / f"tap-{n}.json", **config),
        catalog(tmp_path / f"catalog-{n}.json", streams),
        write_json(tmp_path / f"state-{n}.json", state) if state is not None else None,
    )
    return run(cmd, tmp_path)


def by_stream(out: Output) -> dict[str, list[dict[str, Any]]]:
    records: dict[str, list[dict[str, Any]]] = {}
    for line in out.stdout.splitlines():
        message = json.loads(line)
        if message.get("type") == "RECORD":
            records.setdefault(message["stream"], []).append(message["record"])
    return records


def _partitions(state: dict[str, Any], stream: str) -> dict[int, dict[str, Any]]:
    parts = state["bookmarks"][stream].get("partitions", [])
    return {p["context"]["Division"]: p for p in parts}


def _new_item(code: str) -> dict[str, Any]:
    return {"ID": str(uuid.uuid4()), "Code": code, "Description": f"item {code}"}


def test_a_division_answering_403_is_skipped_and_the_others_are_read(
    fresh_sandbox: Callable[..., Any], tmp_path: Path
) -> None:
    sb = fresh_sandbox(divisions=3, no_rate_limits=True)
    a, lost, c = sb.divisions_list
    first = run_tap(sb, tmp_path, STREAMS)
    assert first.returncode == 0, first.stderr[-3000:]
    before = first.states[-1]

    new_a = sb.insert_rows(a, "logistics/Items", [_new_item("NEW-A")])[0]
    new_lost = sb.insert_rows(lost, "logistics/Items", [_new_item("NEW-LOST")])[0]
    sb.control("POST", f"divisions/{lost}/revoke")
    sb.reset_calls()
    second = run_tap(sb, tmp_path, STREAMS, state=before)

    assert second.returncode == EXIT_UNREACHABLE_DIVISION, second.stderr[-3000:]
    assert "Traceback" not in second.stderr
    reported = [line for line in second.stderr.splitlines() if "is unreachable" in line]
    assert len(reported) == 1 and f"Division {lost}" in reported[0] and "403" in reported[0]
    assert f"Unreachable divisions skipped: {lost} (HTTP 403" in second.stderr
    # One call found the division unreachable; it was not asked again by any stream.
    assert sb.calls()["by_division"].get(str(lost)) == 1
    records = by_stream(second)
    assert [r["ID"] for r in records["items"]] == [new_a["ID"]]
    assert "accounts" not in records  # nothing new there, in the divisions still reachable
    after = second.states[-1]
    for stream in STREAMS:
        old, new = _partitions(before, stream), _partitions(after, stream)
        assert new[lost] == old[lost], stream  # the skipped division's state is untouched
        assert new[c] == old[c], stream  # nothing changed in c
    items_a = _partitions(after, "items")[a]
    assert items_a["replication_key_value"] == new_a["Timestamp"]  # a: exactly the new row

    # Access back: the next run continues the skipped division from its kept state.
    sb.control("POST", f"divisions/{lost}/grant")
    third = run_tap(sb, tmp_path, STREAMS, state=after)
    assert third.returncode == 0, third.stderr[-3000:]
    records = by_stream(third)
    assert [r["ID"] for r in records["items"]] == [new_lost["ID"]]
    assert "accounts" not in records


def test_warn_setting_exits_zero_but_still_names_the_division(
    fresh_sandbox: Callable[..., Any], tmp_path: Path
) -> None:
    sb = fresh_sandbox(divisions=2, no_rate_limits=True)
    home, lost = sb.divisions_list
    sb.control("POST", f"divisions/{lost}/revoke")
    out = run_tap(sb, tmp_path, ["items"], unreachable_divisions="warn")
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"Unreachable divisions skipped: {lost} (HTTP 403" in out.stderr
    items = by_stream(out)["items"]
    assert {r["Division"] for r in items} == {home}
    assert len(items) == sb.stats()[str(home)]["logistics/Items"]
