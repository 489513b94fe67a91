"""Resources (``client.purchase_orders`` …) against the real sandbox: every operation family, the
calls each one makes, typed records, snake_case, and operations that are absent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import msgspec
import pytest

from exact_online.client import ExactClient
from exact_online.records import UnknownField
from exact_online.resources import Resources, resource_class
from exact_sandbox.testing import SandboxServer

BIG = 1001  # rows past one /sync/ page (1000)


@pytest.fixture(scope="module")
def rsb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """Own sandbox: the tests write (items, CRUD) and count calls."""
    with SandboxServer(tmp_path_factory.mktemp("resources-sb"), no_rate_limits=True) as sb:
        yield sb


@pytest.fixture(scope="module")
def client(rsb: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> ExactClient:
    store = tmp_path_factory.mktemp("resources-tokens") / "tokens.json"
    c = ExactClient.from_config({**rsb.config, "token_store_path": str(store)})
    c.current_division()  # the token is fetched here, not in the counted calls
    return c


@pytest.fixture
def division(rsb: SandboxServer) -> int:
    return rsb.divisions_list[0]


def calls(sb: SandboxServer) -> dict[str, int]:
    """Calls per method and path, keyed calls (``Items(guid'…')``) counted under the path."""
    out: dict[str, int] = {}
    for path, n in sb.calls()["by_path"].items():
        bare = path.split("(", 1)[0]
        out[bare] = out.get(bare, 0) + n
    return out


def api(division: int, path: str) -> str:
    return f"GET /api/v1/{division}/{path}"


def test_sync_pages_by_timestamp(rsb: SandboxServer, client: ExactClient, division: int) -> None:
    rsb.insert_rows(division, "logistics/Items",
                    [{"Code": f"SYNC-{i:04d}", "Description": "sync page"} for i in range(BIG)])
    rsb.reset_calls()
    records, ts, more = client.items.sync(division)
    assert len(records) == 1000 and more is True
    assert ts == max(r.Timestamp for r in records)
    rest, ts2, more2 = client.items.sync(division, timestamp=ts)
    assert not more2 and rest and ts2 > ts
    again = client.items.sync(division, timestamp=ts2)
    assert again == ([], ts2, False)
    assert calls(rsb) == {api(division, "sync/Logistics/Items"): 3}
    keys = {r.ID for r in records} | {r.ID for r in rest}
    assert len(keys) == len(records) + len(rest) == client.items.count(division)


def test_sync_line_grained_and_sync_timestamp(
    rsb: SandboxServer, client: ExactClient, division: int
) -> None:
    rsb.reset_calls()
    ts = client.purchase_orders.sync_timestamp(division, datetime(2000, 1, 1, tzinfo=timezone.utc))
    result = client.purchase_orders.sync(division, timestamp=ts)
    # one row per order LINE: more rows than orders, keyed by the line's ID
    assert len(result.records) > client.purchase_orders.count(division) > 0
    assert type(result.records[0]).__name__ == "PurchaseOrdersSync"
    assert calls(rsb) == {
        api(division, "read/sync/Sync/SyncTimestamp"): 1,
        api(division, "sync/PurchaseOrder/PurchaseOrders"): 1,
        api(division, "purchaseorder/PurchaseOrders/$count"): 1,
    }


def test_bulk_iter_and_count(rsb: SandboxServer, client: ExactClient, division: int) -> None:
    rsb.reset_calls()
    rows = list(client.transaction_lines.iter(division, select=["ID", "AmountDC"]))
    n = client.transaction_lines.count(division)
    assert len(rows) == n > 60  # one /bulk/ page, where plain would take several
    # The plain endpoint has mandatory filtering without Division: $count goes to /bulk/ too
    assert calls(rsb) == {
        api(division, "bulk/Financial/TransactionLines"): 1,
        api(division, "bulk/Financial/TransactionLines/$count"): 1,
    }


def test_plain_pages_and_top(rsb: SandboxServer, client: ExactClient, division: int) -> None:
    res = client.sales_price_list_volume_discounts
    rsb.reset_calls()
    rows = list(res.iter(division, select=["ID"], orderby=["ID"]))  # orderby: plain, 60 a page
    total = res.count(division)
    first = res.list(division, select=["ID"], top=5, orderby=["ID desc"])
    assert len(rows) == total > 120 and len(first) == 5
    assert [r.ID for r in first] == sorted((r.ID for r in rows), reverse=True)[:5]
    pages = -(-total // 60)
    assert calls(rsb) == {
        api(division, "sales/SalesPriceListVolumeDiscounts"): pages + 1,
        api(division, "sales/SalesPriceListVolumeDiscounts/$count"): 1,
    }


def test_mandatory_filtering_is_handled(
    rsb: SandboxServer, client: ExactClient, division: int
) -> None:
    lines = client.purchase_orders.sync(division).records
    want = {r.PurchaseOrderID for r in lines if r.OrderStatus == 10}
    rsb.reset_calls()
    # OrderStatus alone is refused by Exact: "Division eq N and (…)" is added
    found = client.purchase_orders.list(division, filter="OrderStatus eq 10",
                                        select=["PurchaseOrderID"])
    built = client.purchase_orders.list(division, filter={"OrderStatus": 10},
                                        select=["PurchaseOrderID"])
    assert {r.PurchaseOrderID for r in found} == {r.PurchaseOrderID for r in built} == want
    # Items do not list Division: no filter (or one on an unlisted field) goes to /bulk/;
    # Code is listed, so that one stays on the plain endpoint
    item = client.items.list(division, top=1, select=["Code", "Division"])[0]
    same = client.items.list(division, filter={"Code": item.Code}, select=["ID", "Code"])
    assert [r.Code for r in same] == [item.Code]
    everyone = client.items.list(division, filter={"Division": division}, select=["Division"])
    assert everyone and {r.Division for r in everyone} == {item.Division} == {division}
    assert calls(rsb) == {
        api(division, "purchaseorder/PurchaseOrders"): 2,
        api(division, "bulk/Logistics/Items"): 2,
        api(division, "logistics/Items"): 1,
    }


def test_filter_literals_are_escaped(
    rsb: SandboxServer, client: ExactClient, division: int
) -> None:
    rsb.insert_rows(division, "logistics/Items", [{"Code": "O'BRIEN", "Description": "q"}])
    found = client.items.list(division, filter={"Code": "O'BRIEN"}, select=["Code"])
    assert [r.Code for r in found] == ["O'BRIEN"]
    assert client.items.list(division, filter={"Code": "x' or Code ne 'y"}) == []


def test_function_endpoint_with_parameters(
    rsb: SandboxServer, client: ExactClient, division: int
) -> None:
    since = datetime(2000, 1, 1, tzinfo=timezone.utc)
    rsb.reset_calls()
    # "sync_timestamp" is also a client method: the resource is reached through client.resources
    rows = client.resources.sync_timestamp.list(
        division, params={"modified": since, "endPoint": "ShopOrders"}
    )
    assert rows[0].TimeStampAsBigInt == client.shop_orders.sync_timestamp(division, since)
    assert calls(rsb) == {api(division, "read/sync/Sync/SyncTimestamp"): 2}


def test_keyed_get(rsb: SandboxServer, client: ExactClient, division: int) -> None:
    order_id = client.purchase_orders.list(division, top=1, select=["PurchaseOrderID"])[0]
    rsb.reset_calls()
    order = client.purchase_orders.get(division, order_id.PurchaseOrderID)
    assert order is not None and order.PurchaseOrderID == order_id.PurchaseOrderID
    assert isinstance(order.Modified, datetime) and order.Modified.tzinfo is not None
    assert client.purchase_orders.get(division, "00000000-0000-0000-0000-000000000001") is None
    assert calls(rsb) == {api(division, "purchaseorder/PurchaseOrders"): 2}


def test_crud_in_snake_case(rsb: SandboxServer, client: ExactClient, division: int) -> None:
    items = client.resource_view(case="snake").items
    rsb.reset_calls()
    with pytest.raises(UnknownField, match=r"logistics/Items has no field 'descriptoin'.*"
                                           r"did you mean description"):
        items.create(division, {"code": "CRUD-1", "descriptoin": "typo"})
    assert calls(rsb) == {}  # refused before any request
    created = items.create(division, {"code": "CRUD-1", "description": "made"})
    assert created.code == "CRUD-1" and created.id
    items.update(division, created.id, {"description": "changed"})
    got = items.get(division, created.id, select=["id", "description"])
    assert got is not None and got.description == "changed"
    items.delete(division, created.id)
    assert items.get(division, created.id) is None
    path = f"/api/v1/{division}/logistics/Items"
    assert calls(rsb) == {f"POST {path}": 1, f"PUT {path}": 1, f"GET {path}": 2,
                          f"DELETE {path}": 1}
    # PascalCase back: a snake Struct encodes to Exact's names
    assert msgspec.to_builtins(got) == {**{k: None for k in msgspec.to_builtins(got)},
                                        "ID": created.id, "Description": "changed"}


def test_sync_by_modified(rsb: SandboxServer, client: ExactClient, division: int) -> None:
    rsb.reset_calls()
    everything = client.warehouses.sync_by_modified(division, None)
    assert everything.records and everything.last_modified == max(
        r.Modified for r in everything.records)
    later = client.warehouses.sync_by_modified(division, everything.last_modified)
    assert [r.ID for r in later.records] == [
        r.ID for r in everything.records if r.Modified == everything.last_modified]
    assert calls(rsb) == {api(division, "inventory/Warehouses"): 2}


def test_dict_records_and_struct_input(client: ExactClient, division: int) -> None:
    plain = client.resource_view(case="snake", records="dict").warehouses
    row = plain.list(division, top=1, select=["id", "code"])[0]
    assert isinstance(row, dict) and set(row) == {"id", "code"}
    struct_type = client.items.record_type("plain")
    assert "Code" in struct_type.__struct_fields__
    draft = struct_type(Code="STRUCT-1", Description="from a Struct")
    created = client.items.create(division, draft)
    assert created.Code == "STRUCT-1"
    client.items.delete(division, created.ID)


def test_absent_operations_and_names(client: ExactClient) -> None:
    with pytest.raises(AttributeError, match=r"stock_positions has no create\(\).*sync GET"):
        client.stock_positions.create
    with pytest.raises(AttributeError, match=r"items has no sync_timestamp\(\)"):
        client.items.sync_timestamp
    assert not hasattr(client.warehouses, "sync")
    with pytest.raises(AttributeError, match="did you mean purchase_orders"):
        client.purchase_order
    assert "purchase_orders" in dir(client.resources)


def test_resources_are_built_lazily(rsb: SandboxServer, tmp_path: Path) -> None:
    before = resource_class.cache_info().currsize
    fresh = ExactClient.from_config({**rsb.config, "token_store_path": str(tmp_path / "t.json")})
    assert resource_class.cache_info().currsize == before
    assert "resources" not in vars(fresh)
    views: Any = fresh.resources
    assert isinstance(views, Resources) and fresh.items is fresh.items
