"""A DELETE whose answer was lost is repeated; the repeat's 404 means the first one deleted the
line: success. A 404 on a first attempt (nothing was lost) still fails."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from exact_sandbox.testing import SandboxServer
from target.helpers import BUY_ORDER_SCHEMA, PLANNER, Exact, Run, messages, target_config

Runner = Callable[..., Run]
LINES = "purchaseorder/PurchaseOrderLines"


def _order(ref: str, items: list[str]) -> dict[str, Any]:
    return {
        "id": ref,
        "supplier_remoteId": "20001",
        "transaction_date": "2024-03-08T10:00:00Z",
        "line_items": json.dumps(
            [{"product_remoteId": code, "quantity": 12, "lot_size": 12} for code in items]
        ),
    }


def _lines(exact: Exact, order_id: str) -> list[str]:
    rows = exact.get(
        LINES, **{"$filter": f"PurchaseOrderID eq guid'{order_id}'", "$select": "ID,Item"}
    )
    return sorted(str(r["Item"]) for r in rows)


def _calls(sb: SandboxServer, method: str) -> int:
    return sum(
        n for p, n in sb.calls()["by_path"].items() if p.startswith(f"{method} ") and "Lines" in p
    )


def test_delete_answered_404_after_a_lost_answer_is_success(
    fresh_sandbox: Callable[..., SandboxServer], run_target: Runner
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    exact = Exact(sb)
    first = run_target(
        target_config(sb, **PLANNER),
        messages("BuyOrders", BUY_ORDER_SCHEMA, [_order("DL-1", ["TR-00009", "TR-00010"])]),
    )
    assert first.exit_code == 0
    order_id = first.bookmarks("BuyOrders")[0]["id"]
    assert len(_lines(exact, order_id)) == 2

    # the update drops the TR-00010 line; its DELETE is applied, then the connection is cut
    sb.set_faults("drop:method=DELETE,path=PurchaseOrderLines,times=1")
    sb.reset_calls()
    second = run_target(
        target_config(sb, **PLANNER),
        messages("BuyOrders", BUY_ORDER_SCHEMA, [_order("DL-1", ["TR-00009"])]),
    )
    assert sb.control("GET", "faults")["faults"][0]["fired"] == 1
    assert _calls(sb, "DELETE") == 2  # the lost one and its repeat (answered 404)
    assert second.exit_code == 0, second.out
    (mark,) = second.bookmarks("BuyOrders")
    assert (mark["success"], mark["id"]) == (True, order_id), mark
    assert second.summary("BuyOrders")["updated"] == 1
    assert _lines(exact, order_id) == [exact.id_of("logistics/Items", "TR-00009")]


def test_delete_answered_404_at_once_still_fails(
    fresh_sandbox: Callable[..., SandboxServer], run_target: Runner
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    missing = "00000000-0000-0000-0000-00000000d1e7"
    record = {"PurchaseOrderID": missing, "_sdc_deleted_at": "2024-03-05T00:00:00Z"}
    schema = {
        "type": "object",
        "properties": {
            "PurchaseOrderID": {"type": "string"},
            "_sdc_deleted_at": {"type": ["string", "null"], "format": "date-time"},
        },
    }
    sb.reset_calls()
    run = run_target(
        target_config(sb, **PLANNER, allow_failures=True),
        messages("purchase_orders", schema, [record]),
    )
    (mark,) = run.bookmarks("purchase_orders")
    assert mark["success"] is False and "404" in mark["error"], mark
    assert sum(n for p, n in sb.calls()["by_path"].items() if p.startswith("DELETE")) == 1
