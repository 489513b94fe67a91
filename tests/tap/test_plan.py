"""``tap-exact --plan`` (#13 item 4): its estimate equals the calls the sandbox counts, for a first
run of small streams and for a run with nothing new, and printing it makes no call at all (no
token call either)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from .conftest import catalog_for, run_tap, write_config

# Small in the demo company: one page each in each division.
STREAMS = ["items", "warehouses", "units", "gl_accounts", "deleted", "sales_invoice_lines"]


def _plan(sb: Any, tmp_path: Path, state: dict[str, Any] | None) -> dict[str, Any]:
    config = write_config(sb, tmp_path)
    catalog = tmp_path / "plan-catalog.json"
    catalog.write_text(json.dumps(catalog_for(STREAMS)))
    cmd = [sys.executable, "-m", "tap_exact", "--config", str(config), "--catalog", str(catalog)]
    if state is not None:
        path = tmp_path / "plan-state.json"
        path.write_text(json.dumps(state))
        cmd += ["--state", str(path)]
    before = sb.calls()
    done = subprocess.run(
        [*cmd, "--plan"], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    after = sb.calls()
    assert (after["total"], after["token"]) == (before["total"], before["token"])  # no call
    assert "Plan of the next run" in done.stderr
    return dict(json.loads(done.stdout))


def _counted(sb: Any, before: dict[str, Any]) -> dict[str, int]:
    after = sb.calls()["by_division"]
    return {d: n - before.get(d, 0) for d, n in after.items() if n != before.get(d, 0)}


def test_plan_equals_counted_calls(sandbox: Any, tmp_path: Path) -> None:
    divisions = [str(d) for d in sandbox.divisions_list]
    first_plan = _plan(sandbox, tmp_path, None)
    before = sandbox.calls()["by_division"]
    first = run_tap(sandbox, tmp_path, STREAMS)
    assert first.returncode == 0, first.stderr[-3000:]
    counted = _counted(sandbox, before)
    # 5 streams + the shared sync/Deleted per division, system/Divisions once (first division)
    assert counted == {divisions[0]: 7, divisions[1]: 6}
    assert first_plan["calls_per_division"] == counted
    assert not first_plan["exact"]  # a first read is a floor: pages depend on row counts

    state = first.states[-1]
    second_plan = _plan(sandbox, tmp_path, state)
    before = sandbox.calls()["by_division"]
    second = run_tap(sandbox, tmp_path, STREAMS, state=state)
    assert second.returncode == 0, second.stderr[-3000:]
    counted = _counted(sandbox, before)
    # items, sales_invoice_lines, sync/Deleted; the reference streams wait for their interval
    assert counted == {d: 3 for d in divisions}
    assert second_plan["calls_per_division"] == counted
    assert second_plan["exact"]
    lines = {(x["stream"], x["division"]): x for x in second_plan["lines"]}
    assert lines[("units", int(divisions[0]))]["calls"] == 0
    assert lines[("items", int(divisions[1]))]["calls"] == 1
