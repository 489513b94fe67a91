"""Progress lines (interval set to 0 through TAP_EXACT_PROGRESS_SECONDS: a line per page) and the
end-of-run summary records, whose API-call counts are exact: the total equals the sandbox's count,
and each division's line and METRIC record carry its calls and the budget Exact reported left."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tap_exact.progress import PROGRESS_SECONDS_ENV, SHARED_ROW

from .conftest import expected_count, run_tap

LINE = re.compile(
    r"items (progress|done) division (\d+): (\d+) rows, \d+ rows/s, (\d+) pages, \d+ calls, "
    r"budget left (\d+)/min (\d+)/day"
)


def _summary_row(stderr: str, name: str) -> tuple[int, int]:
    if name == "TOTAL":
        pattern = r"Summary total: (\d+) rows, (\d+) calls"
    else:
        pattern = rf"Summary stream {re.escape(name)}: (\d+) rows, (\d+) calls"
    match = re.search(pattern, stderr)
    assert match, f"no summary line for {name}:\n{stderr[-2000:]}"
    return int(match.group(1)), int(match.group(2))


def _metrics(stderr: str, metric: str) -> list[dict[str, Any]]:
    points = [json.loads(line.split("METRIC: ", 1)[1]) for line in stderr.splitlines()
              if "METRIC: " in line]
    return [p for p in points if p["metric"] == metric]


def test_progress_lines_and_summary(sandbox: Any, tmp_path: Path) -> None:
    before = sandbox.calls()["total"]
    before_by_division = sandbox.calls()["by_division"]
    run = run_tap(sandbox, tmp_path, ["items"], env={PROGRESS_SECONDS_ENV: "0"})
    assert run.returncode == 0, run.stderr[-3000:]
    api_calls = sandbox.calls()["total"] - before
    stats = sandbox.stats()

    lines = LINE.findall(run.stderr)
    divisions = sandbox.divisions_list
    for d in divisions:
        rows = stats[str(d)]["logistics/Items"]
        mine = [x for x in lines if int(x[1]) == d]
        assert ("progress", str(d), str(rows), "1") in [x[:4] for x in mine]
        assert mine[-1][:4] == ("done", str(d), str(rows), "1")
        assert all(int(x[4]) > 0 and int(x[5]) > 0 for x in mine)  # budget left is reported

    # items: one sync page per division + the shared sync/Deleted read (one per division).
    assert _summary_row(run.stderr, "items") == (expected_count(stats, "items"), 4)
    # current/Me + system/Divisions: not a stream's calls.
    assert _summary_row(run.stderr, SHARED_ROW) == (0, 2)
    assert _summary_row(run.stderr, "TOTAL") == (expected_count(stats, "items"), api_calls)

    # Per division: its calls (items page + sync/Deleted; system/Divisions in the first) and the
    # budget left from Exact's headers, as a line and as a METRIC record; every line one line.
    by_division = sandbox.calls()["by_division"]
    divisions_metric = {p["tags"]["division"]: p for p in _metrics(run.stderr, "exact_division")}
    assert sorted(divisions_metric) == sorted(divisions)
    for d in divisions:
        point = divisions_metric[d]
        assert point["type"] == "counter" and point["value"] == point["tags"]["calls"]
        assert point["tags"]["minute_remaining"] > 0 and point["tags"]["day_remaining"] > 0
        line = re.search(rf"Summary division {d}: (\d+) calls, budget left (\d+)/min (\d+)/day",
                         run.stderr)
        assert line and int(line.group(1)) == point["tags"]["calls"]
    assert sum(p["tags"]["calls"] for p in divisions_metric.values()) == sum(
        int(n) for key, n in by_division.items() if key not in (None, "None", "")
    ) - sum(int(n) for key, n in before_by_division.items() if key not in (None, "None", ""))
    (run_point,) = _metrics(run.stderr, "exact_run")
    assert run_point["value"] == api_calls
    assert "Sync summary:\n" not in run.stderr  # no multi-line table any more
