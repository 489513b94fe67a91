"""Updates of WarehouseTransfers and SalesOrders diff their lines like buy orders: new lines are
POSTed, changed ones PUT, missing ones DELETEd, one by one; a transfer that is not open and a
completed sales order are reported and left alone.

All tests of this module share one sandbox: every record has its own reference.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from exact_sandbox.testing import SandboxServer
from target.helpers import Exact, Run, messages, schema_for, target_config

Runner = Callable[..., Run]
TRANSFERS, TRANSFER_LINES = "inventory/WarehouseTransfers", "inventory/WarehouseTransferLines"
ORDERS, ORDER_LINES = "salesorder/SalesOrders", "salesorder/SalesOrderLines"
ITEMS = ("TR-00010", "TR-00011", "TR-00012")


def write(run_target: Runner, sb: SandboxServer, stream: str, record: dict[str, Any]) -> Run:
    result = run_target(target_config(sb), messages(stream, schema_for(*record), [record]))
    assert result.exit_code == 0, result.out[-3000:]
    return result


def writes(sb: SandboxServer) -> Counter[str]:
    """Write calls since the last reset, as "METHOD entity" (keys stripped)."""
    out: Counter[str] = Counter()
    for key, n in sb.calls()["by_path"].items():
        method, path = key.split(" ", 1)
        if method != "GET":
            out[f"{method} {path.split('/', 4)[-1].split('(')[0]}"] += n
    return out


def lines_of(
    exact: Exact, path: str, parent: str, doc_id: str, select: str = "ID,Item,Quantity"
) -> dict[str, Any]:
    rows = exact.get(path, **{"$filter": f"{parent} eq guid'{doc_id}'", "$select": select})
    return {str(r["Item"]).lower(): r for r in rows}


def test_transfer_lines_are_diffed_on_update(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    a, b, c = (exact.id_of("logistics/Items", code).lower() for code in ITEMS)
    record: dict[str, Any] = {
        "id": "WTL-1",
        "transaction_date": "2024-03-04",
        "warehouse_from_id": "1",
        "warehouse_to_id": "2",
        "line_items": [
            {"product_remoteId": ITEMS[0], "quantity": 5},
            {"product_remoteId": ITEMS[1], "quantity": 3},
        ],
    }
    created = write(run_target, module_sandbox, "WarehouseTransfers", record)
    (entry,) = created.bookmarks("WarehouseTransfers")
    transfer_id = entry["id"]
    before = lines_of(exact, TRANSFER_LINES, "TransferID", transfer_id)
    assert {k: v["Quantity"] for k, v in before.items()} == {a: 5, b: 3}

    # A (named by its remoteId) 5 -> 6, B gone, C new.
    record["line_items"] = [
        {"product_remoteId": ITEMS[0], "quantity": 6, "remoteId": before[a]["ID"]},
        {"product_remoteId": ITEMS[2], "quantity": 2},
    ]
    module_sandbox.reset_calls()
    updated = write(run_target, module_sandbox, "WarehouseTransfers", record)
    assert updated.summary("WarehouseTransfers")["updated"] == 1
    assert writes(module_sandbox) == {
        f"POST {TRANSFER_LINES}": 1,
        f"PUT {TRANSFER_LINES}": 1,
        f"DELETE {TRANSFER_LINES}": 1,
    }
    after = lines_of(exact, TRANSFER_LINES, "TransferID", transfer_id)
    assert {k: v["Quantity"] for k, v in after.items()} == {a: 6, c: 2}
    assert after[a]["ID"] == before[a]["ID"]  # changed in place, not replaced

    module_sandbox.reset_calls()
    again = write(run_target, module_sandbox, "WarehouseTransfers", record)
    assert again.summary("WarehouseTransfers")["existing"] == 1
    assert writes(module_sandbox) == {}


def test_transfer_that_is_not_open_is_reported(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    record: dict[str, Any] = {
        "id": "WTL-2",
        "warehouse_from_id": "1",
        "warehouse_to_id": "2",
        "line_items": [{"product_remoteId": ITEMS[0], "quantity": 1}],
    }
    (entry,) = write(run_target, module_sandbox, "WarehouseTransfers", record).bookmarks(
        "WarehouseTransfers"
    )
    put = exact.session.put(
        module_sandbox.api_url(f"{{division}}/{TRANSFERS}(guid'{entry['id']}')"),
        json={"Status": 30},
        timeout=30,
    )
    assert put.status_code == 204, put.text

    record["line_items"] = [{"product_remoteId": ITEMS[1], "quantity": 4}]
    module_sandbox.reset_calls()
    result = write(run_target, module_sandbox, "WarehouseTransfers", record)
    (reported,) = result.bookmarks("WarehouseTransfers")
    assert reported["success"] is True and reported["status"] == 30
    assert "not open" in reported["warning"]
    assert result.summary("WarehouseTransfers")["existing"] == 1
    assert writes(module_sandbox) == {}


def test_sales_order_lines_are_diffed_and_completed_orders_reported(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    a, b, c = (exact.id_of("logistics/Items", code).lower() for code in ITEMS)
    record: dict[str, Any] = {
        "id": "SOL-1",
        "customer_remoteId": "10003",
        "transaction_date": "2024-03-04",
        "line_items": [
            {"product_remoteId": ITEMS[0], "quantity": 2, "unit_price": 9.5},
            {"product_remoteId": ITEMS[1], "quantity": 1},
        ],
    }
    (entry,) = write(run_target, module_sandbox, "SalesOrders", record).bookmarks("SalesOrders")
    order_id = entry["id"]

    # A: price 9.5 -> 10 (matched by item), B gone, C new.
    record["line_items"] = [
        {"product_remoteId": ITEMS[0], "quantity": 2, "unit_price": 10},
        {"product_remoteId": ITEMS[2], "quantity": 7},
    ]
    module_sandbox.reset_calls()
    updated = write(run_target, module_sandbox, "SalesOrders", record)
    assert updated.summary("SalesOrders")["updated"] == 1
    assert writes(module_sandbox) == {
        f"POST {ORDER_LINES}": 1,
        f"PUT {ORDER_LINES}": 1,
        f"DELETE {ORDER_LINES}": 1,
    }
    after = lines_of(exact, ORDER_LINES, "OrderID", order_id, "ID,Item,Quantity,NetPrice")
    assert {k: (v["Quantity"], v["NetPrice"]) for k, v in after.items() if k != c} == {a: (2, 10)}
    assert set(after) == {a, c} and b not in after

    put = exact.session.put(
        module_sandbox.api_url(f"{{division}}/{ORDERS}(guid'{order_id}')"),
        json={"Status": 21},
        timeout=30,
    )
    assert put.status_code == 204, put.text
    record["line_items"] = [{"product_remoteId": ITEMS[1], "quantity": 1}]
    module_sandbox.reset_calls()
    result = write(run_target, module_sandbox, "SalesOrders", record)
    (reported,) = result.bookmarks("SalesOrders")
    assert reported["status"] == 21 and "completed" in reported["warning"]
    assert writes(module_sandbox) == {}
