"""BuyOrders against the sandbox: create, rerun, lost answers, bad records, dry run."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from exact_sandbox.testing import SandboxServer
from target.helpers import BUY_ORDER_SCHEMA, Run, messages


@pytest.fixture
def sb(fresh_sandbox: Callable[..., SandboxServer]) -> Iterator[SandboxServer]:
    yield fresh_sandbox(no_rate_limits=True)


def config(sb: SandboxServer, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    cfg = {k: v for k, v in sb.config.items() if k != "divisions"}
    cfg["division"] = sb.divisions_list[0]
    cfg["buy_orders_mode"] = "planner"  # our rules: YourRef = id, updates, lot size from Exact
    cfg.update(extra)
    return cfg


def supplier_and_items(
    sb: SandboxServer, n_items: int = 3
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    s = sb.session()
    sup = s.get(
        sb.api_url("{division}/crm/Accounts"),
        params={
            "$filter": "IsSupplier eq true",
            "$select": "ID,Code,PurchaseLeadDays,AccountManager",
            "$top": "1",
        },
    ).json()["d"]["results"][0]
    items = s.get(
        sb.api_url("{division}/logistics/Items"),
        params={"$filter": "IsPurchaseItem eq true", "$select": "ID,Code", "$top": str(n_items)},
    ).json()["d"]["results"]
    return sup, items


def po_rows(sb: SandboxServer, ref: str) -> list[dict[str, Any]]:
    s = sb.session()
    d = sb.divisions_list[0]
    r = s.get(
        sb.api_url("{division}/purchaseorder/PurchaseOrders"),
        params={
            "$filter": f"Division eq {d} and YourRef eq '{ref}'",
            "$select": "PurchaseOrderID,ReceiptDate",
            "$expand": "PurchaseOrderLines",
        },
    )
    r.raise_for_status()
    return list(r.json()["d"]["results"])


def order(
    sup: dict[str, Any], items: list[dict[str, Any]], ref: str, **extra: Any
) -> dict[str, Any]:
    return {
        "id": ref,
        "supplier_remoteId": sup["Code"].strip(),
        "transaction_date": "2024-03-08T10:00:00Z",
        "line_items": json.dumps(
            [
                {"product_remoteId": it["Code"].strip(), "quantity": 24, "lot_size": 12}
                for it in items
            ]
        ),
        **extra,
    }


def test_create_then_rerun_creates_nothing(
    sb: SandboxServer, tmp_path: Path, run_target: Callable[..., Run]
) -> None:
    sup, items = supplier_and_items(sb)
    text = messages("BuyOrders", BUY_ORDER_SCHEMA, [order(sup, items, "OP-1001")])
    first = run_target(config(sb, tmp_path), text)
    assert first.exit_code == 0, first.out
    assert first.summary("BuyOrders") == {"success": 1, "fail": 0, "existing": 0, "updated": 0}
    entry = first.bookmarks("BuyOrders")[0]
    assert entry["success"] is True and entry["externalId"] == "OP-1001" and entry["id"]
    rows = po_rows(sb, "OP-1001")
    assert len(rows) == 1
    second = run_target(config(sb, tmp_path), text)
    assert second.summary("BuyOrders") == {"success": 0, "fail": 0, "existing": 1, "updated": 0}
    assert len(po_rows(sb, "OP-1001")) == 1


def test_bad_records_are_isolated(
    sb: SandboxServer, tmp_path: Path, run_target: Callable[..., Run]
) -> None:
    sup, items = supplier_and_items(sb, 1)
    good = order(sup, items, "OP-2001")
    bad = [
        {**order(sup, items, "OP-2002"), "line_items": "[{broken"},
        {**order(sup, items, "OP-2003"), "supplier_remoteId": "NO-SUCH-SUPPLIER"},
        {**order(sup, items, "OP-2004"), "line_items": "[]"},
        {
            **order(sup, items, "OP-2005"),
            "line_items": json.dumps(
                [{"product_remoteId": items[0]["Code"].strip(), "quantity": 5, "lot_size": 0}]
            ),
        },
        {**order(sup, items, "OP-2006"), "transaction_date": 12},  # schema violation
    ]
    result = run_target(config(sb, tmp_path), messages("BuyOrders", BUY_ORDER_SCHEMA, [*bad, good]))
    assert result.exit_code == 1
    assert result.summary("BuyOrders")["success"] == 1
    assert result.summary("BuyOrders")["fail"] == 5
    errors = {b.get("externalId"): b.get("error", "") for b in result.bookmarks("BuyOrders")}
    assert errors["OP-2002"].startswith("line_items:")
    assert errors["OP-2003"].startswith("supplier_remoteId:")
    assert errors["OP-2004"].startswith("line_items:")
    assert errors["OP-2005"].startswith("line_items[0].lot_size:")
    assert "transaction_date" in errors["OP-2006"]
    assert len(po_rows(sb, "OP-2001")) == 1
    for ref in ("OP-2002", "OP-2003", "OP-2004", "OP-2005", "OP-2006"):
        assert po_rows(sb, ref) == []
    allowed = run_target(
        config(sb, tmp_path, allow_failures=True), messages("BuyOrders", BUY_ORDER_SCHEMA, bad[:1])
    )
    assert allowed.exit_code == 0


def test_lost_answer_creates_no_duplicate(
    sb: SandboxServer, tmp_path: Path, run_target: Callable[..., Run]
) -> None:
    sup, items = supplier_and_items(sb, 2)
    sb.set_faults("drop:method=POST,path=PurchaseOrders,times=1")
    result = run_target(
        config(sb, tmp_path),
        messages("BuyOrders", BUY_ORDER_SCHEMA, [order(sup, items, "OP-3001")]),
    )
    sb.clear_faults()
    assert result.exit_code == 0, result.out
    assert result.summary("BuyOrders")["success"] == 1
    assert len(po_rows(sb, "OP-3001")) == 1


def test_dry_run_prints_payload_and_writes_nothing(
    sb: SandboxServer, tmp_path: Path, run_target: Callable[..., Run]
) -> None:
    sup, items = supplier_and_items(sb, 2)
    result = run_target(
        config(sb, tmp_path, dry_run=True),
        messages("BuyOrders", BUY_ORDER_SCHEMA, [order(sup, items, "OP-4001")]),
    )
    lines = [json.loads(x) for x in result.out.splitlines() if '"DRY_RUN"' in x]
    assert len(lines) == 1
    body = lines[0]["body"]
    assert body["YourRef"] == "OP-4001"
    codes = [it["Code"].strip() for it in items]
    assert [ln["QuantityInPurchaseUnits"] for ln in body["PurchaseOrderLines"]] == [2, 2]
    assert len(body["PurchaseOrderLines"]) == len(codes)
    assert po_rows(sb, "OP-4001") == []
