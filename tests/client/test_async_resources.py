"""``AsyncExactClient``'s resources against the real sandbox: the cases of test_resources.py,
awaited, with the same calls, the same records as the sync client, and concurrency across
divisions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timezone
from typing import Any, TypeVar

import msgspec
import pytest

from exact_online.async_client import AsyncExactClient
from exact_online.async_resources import AsyncResources, async_resource_class
from exact_online.client import ExactClient
from exact_online.records import UnknownField
from exact_sandbox.testing import SandboxServer

BIG = 1001  # rows past one /sync/ page (1000)
T = TypeVar("T")


@pytest.fixture(scope="module")
def rsb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """Own sandbox: the tests write (items, CRUD) and count calls."""
    with SandboxServer(tmp_path_factory.mktemp("async-resources-sb"), no_rate_limits=True) as sb:
        yield sb


@pytest.fixture(scope="module")
def config(rsb: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    store = tmp_path_factory.mktemp("async-resources-tokens") / "tokens.json"
    cfg = {**rsb.config, "token_store_path": str(store)}
    ExactClient.from_config(cfg).current_division()  # the token is fetched here, once
    return cfg


@pytest.fixture
def division(rsb: SandboxServer) -> int:
    return rsb.divisions_list[0]


def run(config: dict[str, Any], body: Callable[[AsyncExactClient], Awaitable[T]]) -> T:
    """``body`` with a fresh async client on its own event loop (one loop per client)."""
    async def main() -> T:
        async with AsyncExactClient.from_config(config) as client:
            return await body(client)
    return asyncio.run(main())


def calls(sb: SandboxServer) -> dict[str, int]:
    """Calls per method and path, keyed calls (``Items(guid'…')``) counted under the path."""
    out: dict[str, int] = {}
    for path, n in sb.calls()["by_path"].items():
        bare = path.split("(", 1)[0]
        out[bare] = out.get(bare, 0) + n
    return out


def api(division: int, path: str) -> str:
    return f"GET /api/v1/{division}/{path}"


def test_sync_pages_by_timestamp(rsb: SandboxServer, config: dict[str, Any],
                                 division: int) -> None:
    rsb.insert_rows(division, "logistics/Items",
                    [{"Code": f"SYNC-{i:04d}", "Description": "sync page"} for i in range(BIG)])

    async def body(client: AsyncExactClient) -> None:
        records, ts, more = await client.items.sync(division)
        assert len(records) == 1000 and more is True
        assert ts == max(r.Timestamp for r in records)
        rest, ts2, more2 = await client.items.sync(division, timestamp=ts)
        assert not more2 and rest and ts2 > ts
        assert await client.items.sync(division, timestamp=ts2) == ([], ts2, False)
        keys = {r.ID for r in records} | {r.ID for r in rest}
        assert len(keys) == len(records) + len(rest) == await client.items.count(division)

    rsb.reset_calls()
    run(config, body)
    assert calls(rsb) == {api(division, "sync/Logistics/Items"): 3,
                          api(division, "bulk/Logistics/Items/$count"): 1}


def test_same_records_as_the_sync_client(rsb: SandboxServer, config: dict[str, Any],
                                         division: int) -> None:
    sync = ExactClient.from_config(config)
    want = sync.purchase_orders.list(division, filter={"OrderStatus": 10}, top=20)
    since = datetime(2000, 1, 1, tzinfo=timezone.utc)
    want_ts = sync.purchase_orders.sync_timestamp(division, since)

    async def body(client: AsyncExactClient) -> tuple[list[Any], int]:
        got = await client.purchase_orders.list(division, filter={"OrderStatus": 10}, top=20)
        return got, await client.purchase_orders.sync_timestamp(division, since)

    rsb.reset_calls()
    got, ts = run(config, body)
    assert want and got == want and ts == want_ts
    assert type(got[0]) is type(want[0])  # the same Struct class: records.py builds both
    assert calls(rsb) == {api(division, "purchaseorder/PurchaseOrders"): 1,
                          api(division, "read/sync/Sync/SyncTimestamp"): 1}


def test_bulk_iter_and_count(rsb: SandboxServer, config: dict[str, Any], division: int) -> None:
    async def body(client: AsyncExactClient) -> tuple[list[Any], int]:
        rows = [r async for r in client.transaction_lines.iter(division,
                                                               select=["ID", "AmountDC"])]
        return rows, await client.transaction_lines.count(division)

    rsb.reset_calls()
    rows, n = run(config, body)
    assert len(rows) == n > 60  # one /bulk/ page, where plain would take several
    assert calls(rsb) == {
        api(division, "bulk/Financial/TransactionLines"): 1,
        api(division, "bulk/Financial/TransactionLines/$count"): 1,
    }


def test_plain_pages_are_fetched_as_iterated(rsb: SandboxServer, config: dict[str, Any],
                                             division: int) -> None:
    async def body(client: AsyncExactClient) -> list[Any]:
        res = client.sales_price_list_volume_discounts
        first = []
        async for row in res.iter(division, select=["ID"], orderby=["ID"]):
            first.append(row)
            if len(first) == 61:  # the first row of the second page
                break
        return first

    rsb.reset_calls()
    assert len(run(config, body)) == 61
    assert calls(rsb) == {api(division, "sales/SalesPriceListVolumeDiscounts"): 2}


def test_keyed_get(rsb: SandboxServer, config: dict[str, Any], division: int) -> None:
    async def body(client: AsyncExactClient) -> None:
        orders = client.purchase_orders
        some = (await orders.list(division, top=1, select=["PurchaseOrderID"]))[0]
        rsb.reset_calls()
        order = await orders.get(division, some.PurchaseOrderID)
        assert order is not None and order.PurchaseOrderID == some.PurchaseOrderID
        assert isinstance(order.Modified, datetime) and order.Modified.tzinfo is not None
        assert await orders.get(division, "00000000-0000-0000-0000-000000000001") is None

    run(config, body)
    assert calls(rsb) == {api(division, "purchaseorder/PurchaseOrders"): 2}


def test_crud_in_snake_case(rsb: SandboxServer, config: dict[str, Any], division: int) -> None:
    async def body(client: AsyncExactClient) -> Any:
        items = client.resource_view(case="snake").items
        with pytest.raises(UnknownField, match=r"logistics/Items has no field 'descriptoin'.*"
                                               r"did you mean description"):
            await items.create(division, {"code": "ACRUD-1", "descriptoin": "typo"})
        assert calls(rsb) == {}  # refused before any request
        created = await items.create(division, {"code": "ACRUD-1", "description": "made"})
        assert created.code == "ACRUD-1" and created.id
        await items.update(division, created.id, {"description": "changed"})
        got = await items.get(division, created.id, select=["id", "description"])
        assert got is not None and got.description == "changed"
        await items.delete(division, created.id)
        assert await items.get(division, created.id) is None
        return created.id, got

    rsb.reset_calls()
    key, got = run(config, body)
    path = f"/api/v1/{division}/logistics/Items"
    assert calls(rsb) == {f"POST {path}": 1, f"PUT {path}": 1, f"GET {path}": 2,
                          f"DELETE {path}": 1}
    assert msgspec.to_builtins(got) == {**{k: None for k in msgspec.to_builtins(got)},
                                        "ID": key, "Description": "changed"}


def test_sync_by_modified(rsb: SandboxServer, config: dict[str, Any], division: int) -> None:
    async def body(client: AsyncExactClient) -> None:
        everything = await client.warehouses.sync_by_modified(division, None)
        assert everything.records and everything.last_modified == max(
            r.Modified for r in everything.records)
        later = await client.warehouses.sync_by_modified(division, everything.last_modified)
        assert [r.ID for r in later.records] == [
            r.ID for r in everything.records if r.Modified == everything.last_modified]

    rsb.reset_calls()
    run(config, body)
    assert calls(rsb) == {api(division, "inventory/Warehouses"): 2}


def test_divisions_run_concurrently_one_call_at_a_time_each(
    rsb: SandboxServer, config: dict[str, Any]
) -> None:
    d1, d2 = rsb.divisions_list

    async def body(client: AsyncExactClient) -> list[Any]:
        return await asyncio.gather(*(client.warehouses.list(d, select=["ID", "Code"])
                                      for d in (d1, d2) for _ in range(3)))

    rsb.reset_calls()
    pages = run(config, body)
    assert all(pages) and pages[0] == pages[1] == pages[2] and pages[3] == pages[4] == pages[5]
    got = rsb.calls()
    assert got["by_division"] == {str(d1): 3, str(d2): 3}
    assert got["max_in_flight"] == {str(d1): 1, str(d2): 1}


def test_absent_operations_names_and_lazy_building(config: dict[str, Any]) -> None:
    before = async_resource_class.cache_info().currsize

    async def body(client: AsyncExactClient) -> None:
        assert async_resource_class.cache_info().currsize == before
        assert "resources" not in vars(client)
        with pytest.raises(AttributeError, match=r"stock_positions has no create\(\).*sync GET"):
            client.stock_positions.create
        with pytest.raises(AttributeError, match=r"items has no sync_timestamp\(\)"):
            client.items.sync_timestamp
        assert not hasattr(client.warehouses, "sync")
        with pytest.raises(AttributeError, match="did you mean purchase_orders"):
            client.purchase_order
        assert isinstance(client.resources, AsyncResources)
        assert client.items is client.items
        assert type(client.items).__name__ == "AsyncItemsResource"
        assert "purchase_orders" in dir(client.resources)

    run(config, body)

