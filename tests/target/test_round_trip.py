"""A buy order written by target-exact comes back through tap-exact (issue #5, "done when")."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from exact_sandbox.testing import SandboxServer
from tap_exact.tap import TapExact
from target.helpers import BUY_ORDER_SCHEMA, PLANNER, Run, messages, target_config


def test_buy_order_round_trip(
    run_target: Callable[..., Run], fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    record = {
        "id": "RT-1",
        "supplier_remoteId": "20001",  # PurchaseLeadDays 13
        "transaction_date": "2024-03-08",
        "line_items": [
            {"product_remoteId": "TR-00009", "quantity": 30},  # supplier item factor 12
            {"product_remoteId": "PK-00002", "quantity": 4, "lot_size": 2},
        ],
    }
    config = target_config(sb, **PLANNER)
    written = run_target(config, messages("BuyOrders", BUY_ORDER_SCHEMA, [record]))
    assert written.exit_code == 0, written.out[-2000:]
    order_id = written.bookmarks("BuyOrders")[0]["id"]

    catalog = TapExact(config={"client_id": "x", "client_secret": "y"}, validate_config=False)
    cat = catalog.catalog_dict
    cat["streams"] = [s for s in cat["streams"] if s["tap_stream_id"] == "purchase_orders"]
    for meta in cat["streams"][0]["metadata"]:
        if meta["breadcrumb"] == []:
            meta["metadata"]["selected"] = True
    (tmp_path / "catalog.json").write_text(json.dumps(cat))
    cfg = {**sb.config, "divisions": [sb.divisions_list[0]]}
    (tmp_path / "tap.json").write_text(json.dumps(cfg))
    tap = subprocess.run(
        [
            *(sys.executable, "-m", "tap_exact"),
            *("--config", str(tmp_path / "tap.json")),
            *("--catalog", str(tmp_path / "catalog.json")),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert tap.returncode == 0, tap.stderr[-3000:]
    rows = [
        m["record"]
        for m in map(json.loads, tap.stdout.splitlines())
        if m["type"] == "RECORD" and str(m["record"].get("PurchaseOrderID")).lower() == order_id
    ]
    # sync/PurchaseOrder/PurchaseOrders: one row per line, header fields repeated
    got = sorted((r["ItemCode"].strip(), r["QuantityInPurchaseUnits"]) for r in rows)
    assert got == [("PK-00002", 2), ("TR-00009", 2.5)]
    assert {r["YourRef"] for r in rows} == {"RT-1"}
    # the tap emits UTC instants; Exact's dates are Amsterdam days
    assert {amsterdam_day(r["ReceiptDate"]) for r in rows} == {"2024-03-21"}
    assert {amsterdam_day(r["OrderDate"]) for r in rows} == {"2024-03-08"}


def amsterdam_day(value: str) -> str:
    instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return instant.astimezone(ZoneInfo("Europe/Amsterdam")).date().isoformat()
