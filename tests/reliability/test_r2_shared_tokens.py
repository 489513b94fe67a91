"""R2: a tap and a target refresh from ONE token store at the same time, with a short access-token
TTL: the refresh-token chain never breaks ("Old refresh token used") and no refresh is too early.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.target_orders import (
    BUY_ORDER_SCHEMA,
    buy_orders,
    messages,
    pick_suppliers_and_items,
)
from exact_sandbox.testing import SandboxServer

from .helpers import TL_STREAM, Output, catalog, run, tap_cmd, tap_config, write_json

pytestmark = pytest.mark.reliability
TTL = (
    40  # seconds; the sandbox refuses a refresh within TTL-30 s of the last one (Exact: 570 of 600)
)
BAD = ("Old refresh token used", "TooEarlyToRefresh", "access_token not expired")


def test_tap_and_target_share_one_token_store(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, divisions=1, access_token_ttl=TTL)
    store = tmp_path / "shared-tokens.json"
    tap_cfg = tap_config(sb, tmp_path / "tap.json", token_store_path=str(store))
    cat = catalog(tmp_path / "catalog.json", [TL_STREAM, "items"])
    tcfg = {k: v for k, v in sb.config.items() if k != "divisions"}
    # planner: our buy-order rules (string ids as YourRef), not HotGlue's OrderNumber = id
    tcfg.update(
        division=sb.divisions_list[0], token_store_path=str(store), buy_orders_mode="planner"
    )
    target_cfg = write_json(tmp_path / "target.json", tcfg)
    suppliers, items = pick_suppliers_and_items(sb, 5, 20)
    sb.reset_calls()
    outputs: list[tuple[str, Output]] = []

    def tap_once(i: int) -> None:
        outputs.append((f"tap#{i}", run(tap_cmd(tap_cfg, cat), tmp_path)))

    def target_once(i: int) -> None:
        text = messages(
            "BuyOrders", BUY_ORDER_SCHEMA, buy_orders(suppliers, items, 3, prefix=f"R2-{i}-")
        )
        outputs.append(
            (
                f"target#{i}",
                run(
                    [sys.executable, "-m", "target_exact", "--config", str(target_cfg)],
                    tmp_path,
                    stdin=text,
                ),
            )
        )

    rounds = 0
    for rounds in range(1, 41):  # bounded; stops once three refreshes happened under contention
        threads = [
            threading.Thread(target=tap_once, args=(rounds,)),
            threading.Thread(target=target_once, args=(rounds,)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        if sb.calls()["token"] >= 4:  # the first token of the chain + three refreshes
            break
    calls = sb.calls()
    failed = [(name, o.returncode, o.stderr[-1500:]) for name, o in outputs if o.returncode != 0]
    assert not failed, failed
    seen_bad = [(name, b) for name, o in outputs for b in BAD if b in o.stderr]
    assert not seen_bad, seen_bad
    if "token_errors" in calls:  # sandbox-side counts, when the sandbox reports them
        assert not any(calls["token_errors"].values()), calls["token_errors"]
    assert calls["token"] >= 2, f"no refresh happened in {rounds} rounds: {calls}"
    # one more run after the rounds: the stored chain still works
    last = run(tap_cmd(tap_cfg, cat), tmp_path)
    assert last.returncode == 0, last.stderr[-2000:]
