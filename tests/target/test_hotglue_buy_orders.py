"""HotGlue BuyOrders through our target (default ``buy_orders_mode: hotglue``).

``hotglue_buy_order`` builds the payload hotgluexyz/target-exact's BuyOrdersSink sends for a
record (written from its mapping, docs/hotglue.md); the test writes the record through the real
target and asserts that the purchase order Exact stored (read back) is that payload. All tests
of this module share one sandbox: every record has its own OrderNumber.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from exact_sandbox.testing import SandboxServer
from target.helpers import Exact, messages, target_config
from target.hotglue import (
    Runner,
    calls,
    company_of,
    normal,
    run,
    schema_of,
    stored,
    writes,
)


@pytest.fixture(scope="module")
def company(exact: Exact) -> dict[str, Any]:
    return company_of(exact)


ORDERS = "purchaseorder/PurchaseOrders"

# HotGlue's BuyOrders stream schema (the shape of payload_example/data.singer).
BUY_ORDERS_SCHEMA = {
    "type": ["object", "null"],
    "properties": {
        "id": {"type": ["integer", "null"]},
        "transaction_date": {"format": "date-time", "type": ["string", "null"]},
        "created_at": {"format": "date-time", "type": ["string", "null"]},
        "line_items": {"type": ["string", "null"]},
        "remoteId": {"type": ["string", "null"]},
        "reference": {"type": ["string", "null"]},
        "supplier_name": {"type": ["string", "null"]},
        "supplier_remoteId": {"type": ["string", "null"]},
        "syncedDate": {"type": ["string", "null"]},
        "Warehouse": {"type": ["string", "null"]},
    },
}


# ---------------------------------------------------------------- BuyOrders


def hotglue_buy_order(record: dict[str, Any], warehouse_uuid: str) -> dict[str, Any] | None:
    """hotgluexyz/target-exact BuyOrdersSink: the POST body, or None when it writes nothing."""
    if "line_items" not in record or record.get("remoteId"):
        return None
    created = record.get("created_at")
    body: dict[str, Any] = {
        "OrderDate": record["transaction_date"],
        "Supplier": record["supplier_remoteId"],
        "PurchaseOrderLines": [],
        "Warehouse": warehouse_uuid,
    }
    if record.get("id") is not None:
        body["OrderNumber"] = record["id"]
    if record.get("reference") is not None:
        body["YourRef"] = record["reference"]
    if created:
        body["ReceiptDate"] = created
    for line in json.loads(record["line_items"]):
        qty = line["quantity"] / (line.get("lot_size") or 1)
        out = {
            "Item": line["product_remoteId"],
            "QuantityInPurchaseUnits": qty,
            "ReceiptDate": line.get("receipt_date") or created,
        }
        if line.get("sub_total_price"):
            out["UnitPrice"] = line["sub_total_price"] / qty
        body["PurchaseOrderLines"].append(out)
    return body


def buy_order(company: dict[str, Any], number: int, **extra: Any) -> dict[str, Any]:
    a, b = company["items"]["TR-00010"]["ID"], company["items"]["TR-00011"]["ID"]
    lines = [
        {"product_remoteId": a, "sku": "TR-00010", "quantity": 480, "lot_size": 12,
         "sub_total_price": 96.0, "remoteId": None},
        {"product_remoteId": b, "sku": "TR-00011", "quantity": 100, "lot_size": 3,
         "sub_total_price": 250.0, "receipt_date": "2024-06-20T00:00:00Z"},
        {"product_remoteId": a, "sku": "TR-00010", "quantity": 7, "lot_size": None},
    ]  # fmt: skip
    return {
        "id": number,
        "transaction_date": "2024-05-31T00:00:00.000000Z",
        "created_at": "2024-06-14T00:00:00.000000Z",
        "line_items": json.dumps(lines),
        "reference": f"OPT-{number}",
        "supplier_name": company["supplier"]["Name"],
        "supplier_remoteId": company["supplier"]["ID"],
        "syncedDate": "2024-05-31T19:46:54Z",
        # HotGlue ignores the record's warehouse: the config's warehouse_uuid is used.
        "Warehouse": company["wh2"],
        **extra,
    }


def test_buy_orders_as_hotglue_writes_them(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact, company: dict[str, Any]
) -> None:
    records = [
        buy_order(company, 910001),
        buy_order(company, 910002, created_at=None),  # no ReceiptDate sent anywhere but line 2
        buy_order(company, 910003, remoteId="4609c3c0-e0f6-406a-8023-bb7e10b22756"),
        {k: v for k, v in buy_order(company, 910004).items() if k != "line_items"},
        buy_order(company, 910005, line_items="[]"),
    ]
    cfg = {"warehouse_uuid": company["wh1"]}
    module_sandbox.reset_calls()
    result = run(run_target, module_sandbox, "BuyOrders", BUY_ORDERS_SCHEMA, records, **cfg)
    assert result.summary("BuyOrders") == {
        "success": 2, "fail": 0, "existing": 0, "updated": 0, "skipped": 3,
    }  # fmt: skip
    first, second, with_remote, no_lines, empty = result.bookmarks("BuyOrders")
    assert with_remote["id"] == "4609c3c0-e0f6-406a-8023-bb7e10b22756"
    assert with_remote["success"] is True and "remoteId" in with_remote["skipped"]
    assert no_lines["success"] is True and "id" not in no_lines
    assert empty["skipped"] == no_lines["skipped"] == "no line_items: nothing to write"
    # One batched GET each for suppliers, items, the warehouse and the OrderNumbers; 2 POSTs.
    assert calls(module_sandbox) == {
        "GET crm/Accounts": 1,
        "GET logistics/Items": 1,
        "GET inventory/Warehouses": 1,
        f"GET {ORDERS}": 1,
        f"POST {ORDERS}": 2,
    }

    for entry, record in ((first, records[0]), (second, records[1])):
        expected = hotglue_buy_order(record, company["wh1"])
        assert expected is not None
        if record.get("created_at") is None:
            # HotGlue sends "ReceiptDate": null on lines without a date; we leave nulls out.
            for line in expected["PurchaseOrderLines"]:
                if line["ReceiptDate"] is None:
                    del line["ReceiptDate"]
        row = exact.one(ORDERS, entry["id"], expand="PurchaseOrderLines")
        assert normal(stored(row, expected)) == normal(expected)
    assert hotglue_buy_order(records[2], company["wh1"]) is None
    assert hotglue_buy_order(records[3], company["wh1"]) is None

    # A resend (HotGlue has not stored the ids yet) finds the orders by OrderNumber: no POST.
    module_sandbox.reset_calls()
    again = run(run_target, module_sandbox, "BuyOrders", BUY_ORDERS_SCHEMA, records[:2], **cfg)
    assert [b["id"] for b in again.bookmarks("BuyOrders")] == [first["id"], second["id"]]
    assert again.summary("BuyOrders")["existing"] == 2
    assert writes(module_sandbox) == {}


def test_buy_order_post_answer_lost_is_not_repeated(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact, company: dict[str, Any]
) -> None:
    record = buy_order(company, 910010)
    module_sandbox.set_faults("drop:method=POST,path=PurchaseOrders,times=1")
    module_sandbox.reset_calls()
    try:
        result = run(
            run_target, module_sandbox, "BuyOrders", BUY_ORDERS_SCHEMA, [record],
            warehouse_uuid=company["wh1"],
        )  # fmt: skip
    finally:
        module_sandbox.clear_faults()
    (entry,) = result.bookmarks("BuyOrders")
    assert entry["success"] is True
    # The POST was applied and its answer lost: the order is looked up again, not re-POSTed.
    assert calls(module_sandbox)[f"POST {ORDERS}"] == 1
    assert calls(module_sandbox)[f"GET {ORDERS}"] == 2  # before the POST, and after it
    flt = f"Division eq {exact.division} and OrderNumber eq 910010"
    rows = exact.get(ORDERS, **{"$filter": flt, "$select": "PurchaseOrderID"})
    assert [r["PurchaseOrderID"] for r in rows] == [entry["id"]]


def test_buy_orders_bad_records_fail_alone(
    run_target: Runner, module_sandbox: SandboxServer, company: dict[str, Any]
) -> None:
    records = [
        {**buy_order(company, 910020), "supplier_remoteId": "no-such-supplier"},
        {**buy_order(company, 910021), "transaction_date": None},
        buy_order(company, 910022),
    ]
    result = run_target(
        target_config(module_sandbox, allow_failures=True),
        messages("BuyOrders", BUY_ORDERS_SCHEMA, records),
    )
    bad_supplier, no_date, good = result.bookmarks("BuyOrders")
    assert "supplier_remoteId" in bad_supplier["error"]
    assert "transaction_date" in no_date["error"]
    assert good["success"] is True


def test_buy_orders_planner_mode_keeps_our_rules(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact, company: dict[str, Any]
) -> None:
    record = {**buy_order(company, 910030), "id": "PLAN-910030"}
    record["line_items"] = json.dumps(json.loads(record["line_items"])[:2])  # all with lot_size
    result = run(
        run_target, module_sandbox, "BuyOrders", schema_of(record), [record],
        buy_orders_mode="planner",
    )  # fmt: skip
    (entry,) = result.bookmarks("BuyOrders")
    row = exact.one(ORDERS, entry["id"], expand="PurchaseOrderLines")
    assert row["YourRef"] == "PLAN-910030"  # planner: YourRef = id, Exact numbers the order
    assert row["OrderNumber"] != 910030
