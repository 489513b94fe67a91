"""R14: Singer messages that are valid JSON but unusable (no ``stream``, no ``record``, no
``value``, a RECORD before its SCHEMA, a RECORD of a stream target-exact cannot write) among good
buy orders: each fails alone, named by line number and stream, never with its content; every good
order is written exactly once; the exit code says something failed."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks.target_orders import BUY_ORDER_SCHEMA, _all, buy_orders, pick_suppliers_and_items
from exact_sandbox.testing import SandboxServer

from .helpers import run, write_json

pytestmark = pytest.mark.reliability
SECRET = {"customer": "ACME-CONFIDENTIAL", "iban": "NL91ABNA0417164300"}
BAD: list[dict[str, Any]] = [
    {"type": "RECORD", "record": SECRET},
    {"type": "RECORD", "stream": "BuyOrders", "value": SECRET},
    {"type": "RECORD", "stream": "BuyOrders", "record": [SECRET]},
    {"type": "STATE", "bookmarks": SECRET},
    {"type": "RECORD", "stream": "customers", "record": SECRET},  # no SCHEMA, not writable
    {"type": "SCHEMA", "stream": "customers", "schema": {"properties": {}}},
    {"type": "RECORD", "stream": "customers", "record": SECRET},  # not writable
]


def _final_state(stdout: str) -> dict[str, Any]:
    states = [json.loads(ln) for ln in stdout.splitlines() if ln.startswith("{")]
    return states[-1] if states else {}


def test_malformed_messages_fail_alone(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    suppliers, items = pick_suppliers_and_items(sb, 5, 20)
    good = buy_orders(suppliers, items, 30, prefix="R14-")
    schema = {"type": "SCHEMA", "stream": "BuyOrders", "schema": BUY_ORDER_SCHEMA}
    early = {"type": "RECORD", "stream": "BuyOrders", "record": {**good[0], **SECRET}}
    messages: list[dict[str, Any]] = [early, schema]
    bad_lines = [1]  # the RECORD before the SCHEMA
    for i, record in enumerate(good):
        messages.append({"type": "RECORD", "stream": "BuyOrders", "record": record})
        if i % 5 == 2:
            bad = BAD[(i // 5) % len(BAD)]
            messages.append(bad)
            if bad.get("type") != "SCHEMA":
                bad_lines.append(len(messages))
    cfg = {k: v for k, v in sb.config.items() if k != "divisions"}
    cfg["buy_orders_mode"] = "planner"  # string ids as YourRef (our rules)
    cfg["division"] = sb.divisions_list[0]
    config = write_json(tmp_path / "target.json", cfg)
    result = run(
        [sys.executable, "-m", "target_exact", "--config", str(config)],
        tmp_path,
        stdin="\n".join(json.dumps(m) for m in messages) + "\n",
        LOGLEVEL="DEBUG",
    )

    assert result.returncode == 1, result.stderr[-2000:]
    final = _final_state(result.stdout)
    marks = {m["externalId"]: m["success"] for m in final["bookmarks"]["BuyOrders"]}
    assert marks == {r["id"]: True for r in good}
    rows = _all(
        sb.session(),
        sb.api_url("{division}/purchaseorder/PurchaseOrders"),
        {"$filter": f"Division eq {sb.divisions_list[0]}", "$select": "PurchaseOrderID,YourRef"},
        True,
        10**6,
    )
    refs = sorted(str(r["YourRef"]) for r in rows if str(r.get("YourRef")).startswith("R14-"))
    assert refs == sorted(r["id"] for r in good)  # each exactly once
    for number in bad_lines:
        assert f"Input line {number}: " in result.stderr, number
    assert f"{len(bad_lines)} input message(s) failed" in result.stderr
    for value in SECRET.values():
        assert value not in result.stderr and value not in result.stdout
