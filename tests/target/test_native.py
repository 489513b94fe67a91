"""Native mode: streams named after Exact entities, records in Exact field names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exact_sandbox.testing import SandboxServer
from target.helpers import Exact, Run, messages, schema_for, target_config

Runner = Callable[..., Run]
NATIVE_SCHEMA = {
    "type": "object",
    "properties": {
        "PurchaseOrderID": {"type": ["string", "null"]},
        "Supplier": {"type": ["string", "null"]},
        "YourRef": {"type": ["string", "null"]},
        "Description": {"type": ["string", "null"]},
        "OrderDate": {"type": ["string", "null"], "format": "date-time"},
        "PurchaseOrderLines": {"type": ["array", "null"]},
        "_sdc_deleted_at": {"type": ["string", "null"], "format": "date-time"},
    },
}


def run(run_target: Runner, sb: SandboxServer, stream: str, records: list[dict[str, Any]]) -> Run:
    return run_target(target_config(sb), messages(stream, NATIVE_SCHEMA, records))


def test_post_put_delete(run_target: Runner, module_sandbox: SandboxServer, exact: Exact) -> None:
    supplier = exact.id_of("crm/Accounts", "20001")
    item = exact.id_of("logistics/Items", "TR-00009")
    record = {
        "Supplier": supplier,
        "YourRef": "N-1",
        "OrderDate": "2024-03-04T00:00:00Z",
        # Quantity is read-only on lines (item units): dropped, never sent
        "PurchaseOrderLines": [{"Item": item, "QuantityInPurchaseUnits": 3, "Quantity": 36}],
    }
    created = run(run_target, module_sandbox, "purchase_orders", [record])
    assert created.exit_code == 0, created.out[-2000:]
    (entry,) = created.bookmarks("purchase_orders")
    order_id = entry["id"]
    assert entry["externalId"] == "N-1"
    row = exact.one("purchaseorder/PurchaseOrders", order_id, expand="PurchaseOrderLines")
    (line,) = row["PurchaseOrderLines"]["results"]
    assert (line["Item"], line["QuantityInPurchaseUnits"]) == (item, 3)

    again = run(run_target, module_sandbox, "purchase_orders", [record])
    assert again.summary("purchase_orders")["existing"] == 1  # found by YourRef, not re-posted

    put = run(
        run_target,
        module_sandbox,
        "PurchaseOrders",  # the Exact name works too
        [{"PurchaseOrderID": order_id, "Description": "changed"}],
    )
    assert put.summary("PurchaseOrders")["updated"] == 1
    assert exact.one("purchaseorder/PurchaseOrders", order_id)["Description"] == "changed"

    deleted = run(
        run_target,
        module_sandbox,
        "purchaseorder/PurchaseOrders",
        [{"PurchaseOrderID": order_id, "_sdc_deleted_at": "2024-03-05T00:00:00Z"}],
    )
    assert deleted.exit_code == 0, deleted.out[-2000:]
    (entry,) = deleted.bookmarks("purchaseorder/PurchaseOrders")
    assert entry["deleted"] is True
    gone = exact.get(
        "sync/Deleted",
        **{"$filter": "Timestamp gt 1L", "$select": "EntityKey,EntityType"},
    )
    assert {"EntityKey": order_id, "EntityType": 22} in [
        {"EntityKey": str(g["EntityKey"]).lower(), "EntityType": g["EntityType"]} for g in gone
    ]


def test_invalid_native_records_fail_without_a_write(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    item = exact.id_of("logistics/Items", "TR-00009")
    records: list[dict[str, Any]] = [
        {"YourRef": "N-2", "PurchaseOrderLines": [{"Item": item, "QuantityInPurchaseUnits": 1}]},
        {"Supplier": "not-a-guid", "YourRef": "N-3"},
        {"Supplier": exact.id_of("crm/Accounts", "20001"), "YourRef": "N-4", "Colour": "red"},
        {
            "Supplier": exact.id_of("crm/Accounts", "20001"),
            "YourRef": "N-5",
            "PurchaseOrderLines": [{"QuantityInPurchaseUnits": 1}],
        },
    ]
    module_sandbox.reset_calls()
    schema = schema_for("Supplier", "YourRef", "PurchaseOrderLines", "Colour")
    result = run_target(target_config(module_sandbox), messages("purchase_orders", schema, records))
    assert result.exit_code == 1
    errors = [b["error"] for b in result.bookmarks("purchase_orders")]
    assert errors[0].startswith("Supplier: is mandatory")
    assert errors[1].startswith("Supplier: not a GUID")
    assert errors[2].startswith("Colour: is not a field of purchaseorder/PurchaseOrders")
    assert errors[3].startswith("PurchaseOrderLines[0].Item: is mandatory")
    assert not [k for k in module_sandbox.calls()["by_path"] if k.startswith("POST")]


def test_native_item(run_target: Runner, module_sandbox: SandboxServer, exact: Exact) -> None:
    record = {"Code": "NAT-1", "Description": "Native item", "IsPurchaseItem": True}
    result = run_target(
        target_config(module_sandbox), messages("items", schema_for(*record), [record])
    )
    assert result.exit_code == 0, result.out[-2000:]
    row = exact.one("logistics/Items", result.bookmarks("items")[0]["id"])
    assert (row["Code"].strip(), row["Description"]) == ("NAT-1", "Native item")


def test_lost_answer_without_reference_fails_instead_of_duplicating(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    # Items have no YourRef: after a lost answer nothing can tell whether Exact applied the
    # POST, so the record fails rather than risk a second item.
    record = {"Code": "NAT-LOST", "Description": "Lost answer"}
    module_sandbox.set_faults("drop:method=POST,path=Items,times=1")
    try:
        result = run_target(
            target_config(module_sandbox), messages("items", schema_for(*record), [record])
        )
    finally:
        module_sandbox.clear_faults()
    assert result.exit_code == 1
    (entry,) = result.bookmarks("items")
    assert "not repeated to avoid a duplicate" in entry["error"]
    rows = exact.get("logistics/Items", **{"$filter": "trim(Code) eq 'NAT-LOST'", "$select": "ID"})
    assert len(rows) == 1  # the server applied the one POST
