"""`python -m benchmarks.budget --quick` completes, its --plan estimates equal the sandbox's counts
for the three kinds of nothing-new runs of a day, and the seed-001 streams every 30 minutes stay
within 1,000 calls per division per day (#13 item 3). Call counts only; no timings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_budget_benchmark_fits_the_day(tmp_path: Path) -> None:
    out = tmp_path / "budget.json"
    p = subprocess.run(
        [sys.executable, "-m", "benchmarks.budget", "--quick", "--work", str(tmp_path / "work"),
         "--out", str(out)],
        capture_output=True, text=True, timeout=900, cwd=ROOT, check=False,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    result = json.loads(out.read_text())
    default = result["settings"]["default"]
    assert default["plan_matches"] and result["settings"]["no_intervals"]["plan_matches"]
    # 20 streams read every run per division; system/Divisions hourly in the first division;
    # the 7 reference streams once a day.
    first, second = sorted(default["per_day"])
    assert default["every_run"]["calls"] == {first: 20, second: 20}
    assert default["hourly"]["calls"] == {first: 21, second: 20}
    assert default["daily"]["calls"] == {first: 28, second: 27}
    assert default["per_day"] == {first: 991, second: 967}
    assert max(default["per_day"].values()) <= 1000
