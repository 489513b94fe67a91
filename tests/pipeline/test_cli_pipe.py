"""`tap-exact | planning system | target-exact` as three processes on ONE token store.

Access tokens live 30 s in this sandbox and the plugins refresh 30 s before expiry, so nearly every
API call of either process rotates the refresh token while the other is mid-run: the cross-process
lock and the re-read of the store must keep the single refresh-token chain intact.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from .conftest import project_script
from .singer_run import (
    SandboxServer,
    discover_catalog,
    entity_count,
    run_pipe,
    tap_config,
    write_json,
)

FILTER = Path(__file__).with_name("buy_orders_filter.py")
STREAMS = ("items", "accounts", "supplier_item", "stock_positions", "purchase_orders",
           "sales_orders", "transaction_lines")
ORDERS = 3


@pytest.mark.slow
def test_tap_pipe_target_share_one_token_store(tmp_path: Path) -> None:
    with SandboxServer(tmp_path / "sandbox", seed=11, divisions=2, scale="small",
                       no_rate_limits=True, access_token_ttl=30,
                       token_calls_per_day=100_000) as sandbox:
        store = tmp_path / "tokens.json"  # one store for both processes
        tap = project_script("tap-exact")
        tap_cfg = write_json(tmp_path / "tap.json",
                             tap_config(sandbox.config, token_store_path=str(store)))
        # planner: the filter's string ids are YourRefs (HotGlue's OrderNumber = id is an int)
        target_cfg = write_json(tmp_path / "target.json", tap_config(
            sandbox.config, token_store_path=str(store), division=sandbox.divisions_list[0],
            buy_orders_mode="planner"))
        catalog = discover_catalog(tap, tap_cfg, STREAMS, tmp_path / "catalog.json")
        orders_before = entity_count(sandbox.stats(), "purchase_orders")

        result = run_pipe(
            [
                [tap, "--config", str(tap_cfg), "--catalog", str(catalog)],
                [sys.executable, str(FILTER), str(ORDERS), "t1"],
                [project_script("target-exact"), "--config", str(target_cfg)],
            ],
            cwd=tmp_path,
        )
        logs = "\n".join(err[-3000:] for err in result.stderrs)
        assert result.returncodes == [0, 0, 0], logs
        assert "Old refresh token used" not in "".join(result.stderrs)
        assert entity_count(sandbox.stats(), "purchase_orders") == orders_before + ORDERS
        assert sandbox.calls()["token"] >= 10  # the chain rotated many times under contention

        # The chain is intact: a new run on the same store still authenticates.
        again = run_pipe([[tap, "--config", str(tap_cfg), "--catalog", str(catalog)]],
                         cwd=tmp_path)
        assert again.returncodes == [0], again.stderrs[0][-3000:]
        assert store.stat().st_mode & 0o777 == 0o600
        secret_free = "".join(result.stderrs) + again.stderrs[0]
        tokens = json.loads(store.read_text())
        for value in (sandbox.config["client_secret"], tokens.get("refresh_token"),
                      tokens.get("access_token")):
            assert value and value not in secret_free
