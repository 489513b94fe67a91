"""Progress lines (interval set to 0 through TAP_EXACT_PROGRESS_SECONDS: a line per page) and the
end-of-run summary table, whose API-call counts are exact: TOTAL equals the sandbox's count."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tap_exact.progress import PROGRESS_SECONDS_ENV, SHARED_ROW

from .conftest import expected_count, run_tap

LINE = re.compile(
    r"items (progress|done) division (\d+): (\d+) rows, \d+ rows/s, (\d+) pages, "
    r"budget left (\d+)/min (\d+)/day"
)


def _summary_row(stderr: str, name: str) -> tuple[int, int]:
    match = re.search(rf"^{re.escape(name)}\s+(\d+)\s+(\d+)\s+[\d.]+$", stderr, re.MULTILINE)
    assert match, f"no summary row for {name}:\n{stderr[-2000:]}"
    return int(match.group(1)), int(match.group(2))


def test_progress_lines_and_summary(sandbox: Any, tmp_path: Path) -> None:
    before = sandbox.calls()["total"]
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
