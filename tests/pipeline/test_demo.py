"""`make demo`'s script, run once in a temp dir: Exact -> DuckDB -> dbt build -> reorder proposals
-> target-exact -> Exact -> DuckDB again."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.planning.conftest import load_planning_module

from .conftest import ROOT, lock_for


@pytest.mark.slow
@pytest.mark.meltano
# Meltano refuses a second run of one state id at a time in one project (its system database):
# every test running this repository's own project is in one group, so they run one by one.
@pytest.mark.xdist_group("meltano-project")
def test_demo_round_trip(tmp_path: Path, meltano_bin: Path, meltano_project: None) -> None:
    with lock_for("venv-dbt"):  # the planning tests install the same venv
        load_planning_module().ensure_dbt()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_", "MELTANO_"))}
    env["EXACT_DEMO_DIR"] = str(tmp_path / "demo")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    steps = [line for line in out.splitlines() if line.startswith("- ")]
    expected = ("- starting exact-sandbox", "- meltano run tap-exact target-duckdb",
                "- dbt build of the planning model", "- placing ",
                "- meltano run tap-exact target-duckdb", "- dbt run of the planning model")
    assert len(steps) == len(expected), steps
    assert all(step.startswith(start) for step, start in zip(steps, expected, strict=True)), steps
    sent = re.search(r"Reorder proposals sent to target-exact: (\d+) \((\d+) placed, "
                     r"(\d+) already in Exact, 0 failed\)", out)
    assert sent, out[-3000:]
    proposals, placed, existing = (int(n) for n in sent.groups())
    assert proposals > 0 and (placed, existing) == (proposals, 0)
    # The second extract brings each placed order back, one line each, and closes the loop.
    assert f"Read back by the second extract: {proposals} purchase orders, {proposals} lines" in out
    assert "Reorder proposals left after the loop: 0" in out
    assert re.search(rf"reorder_proposals +{proposals} +0\n", out), out[-3000:]
    assert "<- differs" not in out
    assert (tmp_path / "demo" / "exact.duckdb").exists()
