"""target-exact honours a HotGlue token pair (access_token + refresh_token + expires_in) like the
tap: an EMPTY store is seeded with it, so a token minted moments ago is used, never refreshed
(Exact would refuse the refresh as too early)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from exact_sandbox.testing import SandboxServer
from target.helpers import Run, target_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("absolute", [True, False], ids=["epoch", "relative"])
def test_fresh_hotglue_token_is_used_not_refreshed(
    fresh_sandbox: Callable[..., SandboxServer],
    tmp_path: Path,
    run_target: Callable[..., Run],
    absolute: bool,
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    pair = sb.token_pair()
    store = tmp_path / "store" / "tokens.json"
    expires_in: Any = int(time.time()) + 600 if absolute else pair["expires_in"]
    config = target_config(
        sb,
        token_store_path=str(store),
        refresh_token=pair["refresh_token"],
        access_token=pair["access_token"],
        expires_in=expires_in,
        current_division=str(sb.divisions_list[0]),  # HotGlue writes it as a string
    )
    del config["division"]
    sb.reset_calls()
    run = run_target(config, (EXAMPLES / "BuyOrders.jsonl").read_text())
    assert run.exit_code == 0, run.out[-2000:]
    summary = run.summary("BuyOrders")
    assert summary["fail"] == 0 and summary["success"] >= 1, summary
    calls = sb.calls()
    assert calls["token"] == 0  # no refresh: the config's token is valid
    assert any(key.startswith("POST ") for key in calls["by_path"])  # it did write
    saved = json.loads(store.read_text())
    assert saved["access_token"] == pair["access_token"]
    assert saved["refresh_token"] == pair["refresh_token"]


def test_current_division_must_be_numeric(sandbox: SandboxServer) -> None:
    from target_exact.target import TargetExact

    config = target_config(sandbox, current_division="3001-001")
    del config["division"]
    with pytest.raises(ValueError, match="current_division must be a division number"):
        TargetExact(config=config, validate_config=True)



def test_too_early_refresh_without_a_valid_token_stops_with_a_clear_message(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    # Only the refresh token of a pair minted moments ago: Exact refuses the refresh as too early
    # and there is no access token to keep using. The record's result says what to do.
    sb = fresh_sandbox(no_rate_limits=True)
    pair = sb.token_pair()
    config = target_config(
        sb, token_store_path=str(tmp_path / "tokens.json"), refresh_token=pair["refresh_token"]
    )
    config_path = tmp_path / "target.json"
    config_path.write_text(json.dumps(config))
    proc = subprocess.run(
        [sys.executable, "-m", "target_exact", "--config", str(config_path)],
        input=(EXAMPLES / "ShopOrders.jsonl").read_text(),
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "Stopped: " in proc.stderr and "run again in 10 minutes" in proc.stderr
    errors = {entry["error"] for entry in Run(proc.stdout, proc.returncode).bookmarks("ShopOrders")}
    assert errors and all("run again in 10 minutes" in e for e in errors), errors
    assert sb.calls()["token"] <= 2  # once per attempt (batched lookups, the record), no loop
    assert pair["refresh_token"] not in proc.stdout + proc.stderr
