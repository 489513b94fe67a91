"""R16: STATE output grows with the number of records, not with its square.

Each STATE during the run carries the results since the previous one plus the running summary;
the last one carries every result. So all STATE lines together are at most about twice the final
state (every result printed once in a progress state and once in the final one). Before, every
STATE repeated every result so far: 10,000 orders printed 69.7 MB of STATE in dry_run.
``dry_run`` keeps the run short (codes are still resolved against the sandbox, nothing is
written); the size of a result differs from a real write only in its ``id``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.target_orders import buy_order_messages, pick_suppliers_and_items
from exact_sandbox.testing import SandboxServer

from .conftest import Scale
from .helpers import run, write_json

pytestmark = pytest.mark.reliability
BYTES_PER_ORDER = 400  # a result is about 115 bytes and is printed twice


def test_state_output_is_linear_in_the_number_of_orders(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path, scale: Scale
) -> None:
    n = 10_000 if scale.name == "large" else 2_000
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    suppliers, items = pick_suppliers_and_items(sb, 50, 500)
    cfg = {k: v for k, v in sb.config.items() if k != "divisions"}
    cfg["buy_orders_mode"] = "planner"  # string ids as YourRef (our rules)
    cfg.update(division=sb.divisions_list[0], dry_run=True)
    config = write_json(tmp_path / "target.json", cfg)
    result = run(
        [sys.executable, "-m", "target_exact", "--config", str(config)],
        tmp_path,
        stdin=buy_order_messages(suppliers, items, n, prefix="R16-"),
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith("{") and "DRY_RUN" not in ln]
    states = [json.loads(ln) for ln in lines]
    total = sum(len(ln) + 1 for ln in lines)
    final = states[-1]

    assert len(states) == n // 100 + 1  # one per batch of 100, then the final one
    assert "results_partial" not in final
    assert [m["externalId"] for m in final["bookmarks"]["BuyOrders"]] == [
        f"R16-{i:06d}" for i in range(n)
    ]
    assert final["summary"]["BuyOrders"] == {"success": n, "fail": 0, "existing": 0, "updated": 0}
    progress = [m["externalId"] for s in states[:-1] for m in s["bookmarks"]["BuyOrders"]]
    assert progress == [f"R16-{i:06d}" for i in range(n)]  # each result once
    assert total <= 2.2 * (len(lines[-1]) + 1)
    assert total <= BYTES_PER_ORDER * n, f"{total} bytes of STATE for {n} orders"
    print(f"R16: {n} orders, {len(states)} STATE lines, {total} bytes of STATE")
