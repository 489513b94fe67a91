"""`python -m benchmarks.run --quick` completes, and our tap reads each division in the minimal
number of calls: ceil(rows/1000) sync pages + 1 sync/Deleted per division, plus one
system/Divisions per run (it detects division moves). No timing assertions: speed belongs to the
benchmark's own report.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_benchmark_runs_with_minimal_calls(tmp_path: Path) -> None:
    out = tmp_path / "quick.json"
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--quick",
            "--no-peers",
            "--only",
            "extract,divisions",
            "--work",
            str(tmp_path / "work"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    results = json.loads(out.read_text())
    for res in results["extract"].values():
        ours = res["tools"]["ours"]
        assert ours["returncode"] == 0
        assert ours["records"] == res["rows_in_division"]
        pages = math.ceil(res["rows_in_division"] / 1000)
        assert ours["calls"]["entity_pages"] == pages
        assert ours["calls"]["division"] <= res["minimal_calls"] + 1
        loop = res["raw_loop"]  # the bare loop, in this process and as its own
        assert loop["records"] == loop["process"]["records"] == res["rows_in_division"]
        assert res["ours_vs_raw_process_cpu_ratio"] > 0
    for run in results["divisions"]["runs"].values():
        assert run["returncode"] == 0
        division_calls = sum(run["calls_by_division"].values())
        assert division_calls <= run["minimal_calls"] + 1, run
