"""What an orchestrator sees when the daily API budget runs out under ``meltano run``, with the
real Meltano against the sandbox's daily limit: Meltano turns the tap's 75 into its own exit 1
("Extractor failed"), so docs/meltano.md says what to check instead, and this test checks each of
those signals: the one ``Stopped: Daily API limit`` line (no "unhandled error"), the tap's
``Summary`` lines, and the STATE Meltano kept, from which the rerun after the reset completes."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from exact_sandbox.testing import SandboxServer

from .conftest import ROOT, load_demo_module

ROWS = 4500  # five sync pages of division 1
STATE_ID = "sandbox:tap-exact-to-target-duckdb"
COUNT_ITEMS = (
    "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
    "db = con.execute('select current_database()').fetchone()[0]; "
    "print(con.execute(f'select count(*) from \"{db}\".\"exact\".\"items\"').fetchone()[0])"
)


@pytest.mark.slow
@pytest.mark.meltano
# Meltano refuses a second run of one state id at a time in one project (its system database):
# every test running this repository's own project is in one group, so they run one by one.
@pytest.mark.xdist_group("meltano-project")
def test_daily_limit_under_meltano_run(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path, meltano_bin: Path,
    meltano_project: None,
) -> None:
    demo = load_demo_module()
    # system/Divisions + 3 pages of division 1, then the budget is spent mid-stream.
    sb = fresh_sandbox(divisions=1, daily_limit=4, minutely_limit=1000)
    (division,) = sb.divisions_list
    sb.insert_rows(division, "logistics/Items", [
        {"ID": str(uuid.uuid4()), "Code": f"ML{i:05d}", "Description": "x"} for i in range(ROWS)
    ])
    total = int(sb.stats()[str(division)]["logistics/Items"])
    env: dict[str, Any] = demo.meltano_env(sb.config)
    env.update({
        "MELTANO_STATE_BACKEND_URI": (tmp_path / "state").as_uri(),
        "TARGET_DUCKDB_FILEPATH": str(tmp_path / "exact.duckdb"),
        "TAP_EXACT__SELECT": json.dumps(["items.*"]),
    })

    def meltano(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(meltano_bin), "--environment", "sandbox", *args], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=600, check=False,
        )

    # --force: each test has its own state backend, but Meltano's run check is per state id in
    # the project's system database, which other tests of this project share
    first = meltano("run", "--force", "tap-exact", "target-duckdb")
    log = first.stdout + first.stderr
    assert first.returncode == 1, log[-3000:]  # Meltano's own code: 75 does not survive
    stopped = [line for line in log.splitlines() if "Stopped: Daily API limit" in line]
    assert len(stopped) == 1 and "exit code 75" in stopped[0], log[-3000:]
    assert "unhandled error" not in log and "Traceback" not in log.split("Extractor failed")[0]
    assert "Summary total:" in log and f"Summary division {division}:" in log
    assert "Extractor failed" in log

    saved = meltano("state", "get", STATE_ID)
    assert saved.returncode == 0, saved.stderr[-2000:]
    state = json.loads(saved.stdout)
    (partition,) = state["singer_state"]["bookmarks"]["items"]["partitions"]
    assert partition["context"] == {"Division": division}
    assert partition["replication_key_value"] > 1  # the pages read before the stop

    sb.control("POST", "reset-limits")  # the next day
    second = meltano("run", "--force", "tap-exact", "target-duckdb")
    assert second.returncode == 0, (second.stdout + second.stderr)[-3000:]
    counted = subprocess.run(
        [str(demo.venv_bin(ROOT / ".meltano" / "loaders" / "target-duckdb" / "venv", "python")),
         "-c", COUNT_ITEMS, str(tmp_path / "exact.duckdb")],
        capture_output=True, text=True, timeout=120, check=True,
    )
    assert int(counted.stdout) == total  # resumed from the kept STATE: nothing lost or doubled
