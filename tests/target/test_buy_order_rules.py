"""BuyOrders end to end: seed-001 rules as Exact stores them, updates of header and lines,
completed orders. All tests share one sandbox; every order has its own reference."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exact_sandbox.testing import SandboxServer
from target.helpers import (
    BUY_ORDER_SCHEMA,
    PLANNER,
    Exact,
    Run,
    exact_day,
    messages,
    target_config,
)

Runner = Callable[..., Run]
SUPPLIER = "20001"  # demo company (seed 1): PurchaseLeadDays 13; supplier items below


def write(run_target: Runner, sb: SandboxServer, records: list[dict[str, Any]], **cfg: Any) -> Run:
    config = target_config(sb, **{**PLANNER, **cfg})
    result = run_target(config, messages("BuyOrders", BUY_ORDER_SCHEMA, records))
    assert result.exit_code == 0, result.out[-3000:]
    return result


def order(ref: str, lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": ref,
        "supplier_remoteId": SUPPLIER,
        "transaction_date": "2024-03-08T09:00:00+01:00",  # a Friday
        "line_items": lines,
        **extra,
    }


def exact_order(exact: Exact, ref: str) -> dict[str, Any]:
    rows = exact.get(
        "purchaseorder/PurchaseOrders",
        **{
            "$filter": f"Division eq {exact.division} and YourRef eq '{ref}'",
            "$expand": "PurchaseOrderLines",
            "$select": "PurchaseOrderID,OrderDate,ReceiptDate,PurchaseAgent,Description,"
            "Remarks,PurchaseOrderLines",
        },
    )
    assert len(rows) == 1, rows
    return rows[0]


def lines_by_code(exact: Exact, row: dict[str, Any]) -> dict[str, float]:
    lines = row["PurchaseOrderLines"]["results"]
    return {item_code(exact, ln["Item"]): ln["QuantityInPurchaseUnits"] for ln in lines}


def item_code(exact: Exact, item_id: str) -> str:
    return str(exact.one("logistics/Items", item_id)["Code"]).strip()


def test_rules_as_stored_in_exact(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    supplier = exact.get(
        "crm/Accounts",
        **{
            "$filter": f"trim(Code) eq '{SUPPLIER}'",
            "$select": "ID,PurchaseLeadDays,AccountManager",
        },
    )[0]
    assert supplier["PurchaseLeadDays"] == 13
    lines = [
        {"product_remoteId": "TR-00009", "quantity": 30},  # supplier item factor 12 -> 2.5
        {"product_remoteId": "PK-00002", "quantity": 5},  # factor 1 -> 5
        {"product_remoteId": "TR-00010", "quantity": 10, "lot_size": 3},  # line lot size: 3.3333
    ]
    write(run_target, module_sandbox, [order("BO-R1", lines)])
    row = exact_order(exact, "BO-R1")
    assert exact_day(row["OrderDate"]) == "2024-03-08"
    assert exact_day(row["ReceiptDate"]) == "2024-03-21"  # + 13 calendar days
    assert row["PurchaseAgent"] == supplier["AccountManager"]
    assert lines_by_code(exact, row) == {"PK-00002": 5, "TR-00009": 2.5, "TR-00010": 3.3333}
    got = sorted(row["PurchaseOrderLines"]["results"], key=lambda ln: ln["LineNumber"])
    assert [item_code(exact, ln["Item"]) for ln in got] == ["PK-00002", "TR-00009", "TR-00010"]
    assert {exact_day(ln["ReceiptDate"]) for ln in got} == {"2024-03-21"}


def test_no_lead_days_means_next_working_day(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    sup = {"id": "V-0", "vendorName": "No Lead Time B.V.", "vendorCode": "20990"}
    run_target(
        target_config(module_sandbox),
        messages("Suppliers", {"type": "object", "properties": {}}, [sup]),
    )
    record = order("BO-R2", [{"product_remoteId": "TR-00010", "quantity": 4, "lot_size": 2}])
    write(run_target, module_sandbox, [{**record, "supplier_remoteId": "20990"}])
    row = exact_order(exact, "BO-R2")
    assert exact_day(row["ReceiptDate"]) == "2024-03-11"  # Friday -> Monday
    assert lines_by_code(exact, row) == {"TR-00010": 2}


def test_missing_supplier_item_factor_fails_the_record(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    record = order("BO-R3", [{"product_remoteId": "FG-00002", "quantity": 4}])
    result = run_target(
        target_config(module_sandbox, **PLANNER), messages("BuyOrders", BUY_ORDER_SCHEMA, [record])
    )
    assert result.exit_code == 1
    (entry,) = result.bookmarks("BuyOrders")
    assert entry["error"].startswith("line_items[0].lot_size:")
    assert "PurchaseUnitFactor" in entry["error"]


def test_update_header_and_lines(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    first = [
        {"product_remoteId": "TR-00010", "quantity": 4, "lot_size": 1},
        {"product_remoteId": "TR-00011", "quantity": 4, "lot_size": 1},
        {"product_remoteId": "TR-00013", "quantity": 4, "lot_size": 1},
    ]
    created = write(run_target, module_sandbox, [order("BO-U1", first, reference="first")])
    order_id = created.bookmarks("BuyOrders")[0]["id"]
    second = [
        {"product_remoteId": "TR-00010", "quantity": 8, "lot_size": 1},  # changed
        {"product_remoteId": "TR-00013", "quantity": 4, "lot_size": 1},  # same
        {"product_remoteId": "RM-00001", "quantity": 2, "lot_size": 1},  # added; TR-00011 deleted
    ]
    module_sandbox.reset_calls()
    updated = write(run_target, module_sandbox, [order("BO-U1", second, reference="second")])
    assert updated.summary("BuyOrders") == {"success": 0, "fail": 0, "existing": 0, "updated": 1}
    assert updated.bookmarks("BuyOrders")[0]["id"] == order_id
    row = exact_order(exact, "BO-U1")
    assert row["Description"] == "second"
    assert lines_by_code(exact, row) == {"TR-00010": 8, "TR-00013": 4, "RM-00001": 2}
    paths = module_sandbox.calls()["by_path"]
    writes = {k: v for k, v in paths.items() if not k.startswith("GET")}
    assert sum(v for k, v in writes.items() if k.startswith("POST")) == 1  # the added line only
    assert sum(v for k, v in writes.items() if k.startswith("DELETE")) == 1
    assert sum(v for k, v in writes.items() if k.startswith("PUT")) == 2  # header + one line
    again = write(run_target, module_sandbox, [order("BO-U1", second, reference="second")])
    assert again.summary("BuyOrders")["existing"] == 1


def test_replacing_the_only_line_adds_before_deleting(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    one = [{"product_remoteId": "TR-00010", "quantity": 1, "lot_size": 1}]
    other = [{"product_remoteId": "TR-00011", "quantity": 1, "lot_size": 1}]
    write(run_target, module_sandbox, [order("BO-U2", one)])
    result = write(run_target, module_sandbox, [order("BO-U2", other)])
    assert result.summary("BuyOrders")["updated"] == 1
    assert lines_by_code(exact, exact_order(exact, "BO-U2")) == {"TR-00011": 1}


def test_update_by_remote_id(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    lines = [{"product_remoteId": "TR-00010", "quantity": 6, "lot_size": 2}]
    created = write(run_target, module_sandbox, [order("BO-U3", lines)])
    order_id = created.bookmarks("BuyOrders")[0]["id"]
    # another source id, but the Exact id names the order: it is updated, not duplicated
    changed = {**order("BO-U3-other", lines, remarks="by id"), "remoteId": order_id}
    result = write(run_target, module_sandbox, [changed])
    assert result.bookmarks("BuyOrders")[0]["id"] == order_id
    assert exact_order(exact, "BO-U3")["Remarks"] == "by id"


def test_completed_orders_are_reported_not_touched(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    lines = [{"product_remoteId": "TR-00010", "quantity": 6, "lot_size": 2}]
    created = write(run_target, module_sandbox, [order("BO-C1", lines)])
    order_id = created.bookmarks("BuyOrders")[0]["id"]
    module_sandbox.control(
        "POST",
        "update",
        {
            "division": exact.division,
            "entity": "purchaseorder/PurchaseOrders",
            "key": order_id,
            "changes": {"OrderStatus": 30},
        },
    )
    module_sandbox.reset_calls()
    changed = [{"product_remoteId": "TR-00010", "quantity": 60, "lot_size": 2}]
    result = write(run_target, module_sandbox, [order("BO-C1", changed, reference="late")])
    (entry,) = result.bookmarks("BuyOrders")
    assert entry["success"] is True and entry["status"] == "completed"
    assert "not written" in entry["warning"]
    assert result.summary("BuyOrders")["existing"] == 1
    assert not [k for k in module_sandbox.calls()["by_path"] if not k.startswith("GET")]
    assert lines_by_code(exact, exact_order(exact, "BO-C1")) == {"TR-00010": 3}


def test_lost_answer_on_an_added_line_adds_it_once(
    run_target: Runner, module_sandbox: SandboxServer, exact: Exact
) -> None:
    one = [{"product_remoteId": "TR-00010", "quantity": 1, "lot_size": 1}]
    two = [*one, {"product_remoteId": "TR-00011", "quantity": 2, "lot_size": 1}]
    write(run_target, module_sandbox, [order("BO-L1", one)])
    module_sandbox.set_faults("drop:method=POST,path=PurchaseOrderLines,times=1")
    try:
        result = write(run_target, module_sandbox, [order("BO-L1", two)])
        (rule,) = module_sandbox.control("GET", "faults")["faults"]
        assert rule.get("fired") == 1  # the answer was really dropped
    finally:
        module_sandbox.clear_faults()
    assert result.summary("BuyOrders")["updated"] == 1
    row = exact_order(exact, "BO-L1")
    assert len(row["PurchaseOrderLines"]["results"]) == 2
    assert lines_by_code(exact, row) == {"TR-00010": 1, "TR-00011": 2}
