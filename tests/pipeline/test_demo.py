"""`make demo`'s script, run once in a temp dir: Exact -> DuckDB, buy orders -> Exact, and back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.mark.slow
@pytest.mark.meltano
def test_demo_round_trip(tmp_path: Path, meltano_bin: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_", "MELTANO_"))}
    env["EXACT_DEMO_DIR"] = str(tmp_path / "demo")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Purchase orders created from buy orders this run: 3" in result.stdout
    assert "<- differs" not in result.stdout
    assert (tmp_path / "demo" / "exact.duckdb").exists()
