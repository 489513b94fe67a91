"""``--state FILE`` on a first run: a missing or empty file means no state (a full read); a file
that is there but not a JSON object stops the tap before any API call, in one line naming the file
and never printing its content."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import catalog_for, expected_count, parse_messages, tap_command, write_config


def _run(sandbox: Any, tmp_path: Path, state: Path) -> subprocess.CompletedProcess[str]:
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(catalog_for(["items"])))
    return subprocess.run(
        tap_command(write_config(sandbox, tmp_path), catalog, state),
        capture_output=True, text=True, check=False, timeout=600,
    )


@pytest.mark.parametrize("content", [None, "", " \n\t\n"], ids=["missing", "empty", "blank"])
def test_missing_or_empty_state_file_is_a_first_run(
    sandbox: Any, tmp_path: Path, content: str | None
) -> None:
    state = tmp_path / "state.json"
    if content is not None:
        state.write_text(content)
    result = _run(sandbox, tmp_path, state)
    assert result.returncode == 0, result.stderr[-3000:]
    messages, records = parse_messages(result.stdout)
    assert len(records["items"]) == expected_count(sandbox.stats(), "items")
    final = [m["value"] for m in messages if m["type"] == "STATE"][-1]
    divisions = [p["context"]["Division"] for p in final["bookmarks"]["items"]["partitions"]]
    assert sorted(divisions) == sorted(sandbox.divisions_list)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"bookmarks": {"items": "SECRET-VALUE"', "is not JSON (Expecting ',' delimiter"),
        ('["SECRET-VALUE"]', "is not a JSON object"),
    ],
    ids=["truncated", "not-an-object"],
)
def test_state_file_that_is_not_a_json_object_is_one_clear_line(
    sandbox: Any, tmp_path: Path, content: str, problem: str
) -> None:
    state = tmp_path / "state.json"
    state.write_text(content)
    before = sandbox.calls()["total"]
    result = _run(sandbox, tmp_path, state)
    assert result.returncode == 1
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"Error: --state {state} ") and problem in errors[0]
    assert "SECRET-VALUE" not in result.stderr and "Traceback" not in result.stderr
    assert sandbox.calls()["total"] == before  # stopped before any API call
