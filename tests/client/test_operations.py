"""The resource plans without I/O: which operations exist, endpoints chosen, filters escaped,
mandatory filtering, names in both cases (the async client reuses these)."""

from __future__ import annotations

from datetime import datetime, timezone

import msgspec
import pytest

from exact_online import operations as ops
from exact_online.mandatory_filter import filter_fields, scoped_filter
from exact_online.records import UnknownField, attribute_names, record_type, to_wire
from exact_online.registry import load_registry, snake_case

REG = load_registry()


def test_operations_follow_the_registry() -> None:
    assert ops.operations(REG.by_stream("purchase_orders")) == {
        "list", "iter", "count", "get", "create", "update", "delete", "sync", "sync_timestamp",
        "sync_by_modified",
    }
    assert ops.operations(REG.by_stream("stock_positions")) == {"sync"}
    items = ops.operations(REG.by_stream("items"))
    assert "sync" in items and "sync_timestamp" not in items  # Exact has no SyncTimestamp for Items
    assert ops.operations(REG.by_stream("warehouse_transfers")) >= {"sync_by_modified", "create"}
    assert "sync" not in ops.operations(REG.by_stream("warehouse_transfers"))
    function = ops.operations(REG.find("read/sync/Sync/SyncTimestamp"))  # type: ignore[arg-type]
    assert function == {"list", "iter"}


def test_read_plans_choose_the_endpoint_and_scope_the_filter() -> None:
    po = REG.by_stream("purchase_orders")
    call = ops.read_call(po, 7, filter={"OrderStatus": 10}, select=["PurchaseOrderID"])
    assert call.endpoint.kind == "plain"
    assert call.query is not None and call.query.params() == {
        "$select": "PurchaseOrderID", "$filter": "Division eq 7 and (OrderStatus eq 10)"}
    listed = ops.read_call(po, 7, filter="Modified ge datetime'2024-01-01T00:00:00'")
    assert listed.query is not None and listed.query.filter == (
        "Modified ge datetime'2024-01-01T00:00:00'")  # Modified is listed: sent as it is
    items = REG.by_stream("items")
    assert ops.read_call(items, 7, filter={"Notes": "x"}).endpoint.kind == "bulk"
    assert ops.read_call(items, 7, filter={"Code": "x"}).endpoint.kind == "plain"
    assert ops.read_call(items, 7, prefer_bulk=True).endpoint.kind == "bulk"
    assert ops.read_call(items, 7, prefer_bulk=True, orderby=["Code"]).endpoint.kind == "plain"
    count = ops.read_call(po, 7, count=True)
    assert count.path == "{division}/purchaseorder/PurchaseOrders/$count"
    assert count.query is not None and count.query.params() == {"$filter": "Division eq 7"}


def test_filter_builder_escapes_by_edm_type() -> None:
    items = REG.by_stream("items")
    assert items.plain is not None
    text, fields = ops.build_filter(
        {"Code": "O'Brien", "Modified": ("ge", datetime(2024, 1, 2, tzinfo=timezone.utc)),
         "ID": "6F9619FF-8B86-D011-B42D-00C04FC964FF"}, items, items.plain, "pascal")
    assert text == ("(Code eq 'O''Brien') and (Modified ge datetime'2024-01-02T01:00:00') and "
                    "(ID eq guid'6f9619ff-8b86-d011-b42d-00c04fc964ff')")
    assert fields == {"Code", "Modified", "ID"}
    with pytest.raises(UnknownField, match="did you mean code"):
        ops.build_filter({"cod": 1}, items, items.plain, "snake")
    with pytest.raises(ValueError, match="not a GUID"):
        ops.build_filter({"ID": "x' or 1 eq 1"}, items, items.plain, "pascal")


def test_mandatory_filter_helpers() -> None:
    assert filter_fields("(YourRef eq 'a eq b') and substringof('x', Description)") == {
        "YourRef"}
    assert filter_fields("trim(Code) eq 'A'") == {"Code"}
    assert scoped_filter("purchaseorder/PurchaseOrders", 3, "YourRef eq 'a'", ["YourRef"]) == (
        "Division eq 3 and (YourRef eq 'a')")
    assert scoped_filter("purchaseorder/PurchaseOrders", 3, "Modified ge x", ["Modified"]) == (
        "Modified ge x")


def test_sync_plans_and_results() -> None:
    shop = REG.by_stream("shop_orders")
    call = ops.sync_call(shop, 7, 0, select=["ID", "Timestamp"])
    assert call.query is not None and call.query.params() == {
        "$select": "ID,Timestamp", "$filter": "Timestamp gt 1L"}
    rows = [{"Timestamp": 5}, {"Timestamp": 9}, {"Timestamp": 7}]
    assert ops.sync_result(rows, 3, True, rows) == (rows, 9, True)
    assert ops.sync_result([], 12, False, []) == ([], 12, False)
    stamp = datetime(2024, 5, 1, tzinfo=timezone.utc)
    assert ops.last_modified([{"Modified": stamp}], None) == stamp
    assert ops.parse_count(b"42") == 42
    with pytest.raises(Exception, match="not a number"):
        ops.parse_count(b"<html>")


def test_names_both_ways_and_structs() -> None:
    po = REG.by_stream("purchase_orders")
    assert po.plain is not None
    names = attribute_names(po.plain, "snake")
    assert names["PurchaseOrderID"] == "purchase_order_id" and names["AmountFC"] == "amount_fc"
    assert len(set(names.values())) == len(names)
    body = to_wire({"supplier": "s", "PurchaseOrderLines": [{"item": "i",
                    "quantity_in_purchase_units": 2}]}, po, po.plain, case="snake")
    assert body == {"Supplier": "s",
                    "PurchaseOrderLines": [{"Item": "i", "QuantityInPurchaseUnits": 2}]}
    with pytest.raises(UnknownField, match=r"purchaseorder/PurchaseOrderLines has no field 'itm'"):
        to_wire({"purchase_order_lines": [{"itm": "i"}]}, po, po.plain, case="snake")
    snake = record_type(po, po.plain, "snake")
    rec = msgspec.convert({"PurchaseOrderID": "a", "PurchaseOrderLines": [{"Item": "i"}]}, snake)
    assert rec.purchase_order_id == "a"  # type: ignore[attr-defined]
    assert rec.purchase_order_lines[0].item == "i"  # type: ignore[attr-defined]
    assert to_wire(rec, po, po.plain, case="snake") == {
        "PurchaseOrderID": "a", "PurchaseOrderLines": [{"Item": "i"}]}
    assert snake_case("EmploymentCLAs") == "employment_clas"
