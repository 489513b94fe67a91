"""The demo company generator: deterministic, referentially consistent, typed per the registry."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from exact_online.registry import load_registry
from exact_sandbox.clock import Clock
from exact_sandbox.company import SCALES, generate
from exact_sandbox.company.sink import STORE_OWNED, entity_fields
from exact_sandbox.company.values import ean13_valid
from exact_sandbox.store import Store

DIVISIONS = [3001001, 3001002]
TODAY = date(2026, 3, 2)
UTC = timezone.utc
GUID_LEN = 36


class FixedClock(Clock):
    """Store-filled Created/Modified must not differ between two runs."""

    def time(self) -> float:
        return 1_770_000_000.0


def _company(
    path: Path, *, seed: int = 7, scale: str = "small", divisions: list[int] = DIVISIONS
) -> Store:
    store = Store(path / "sandbox.db", clock=FixedClock())
    for d in divisions:
        store.create_division(d, code=str(d), description=f"Demo {d}")
    generate(store, divisions=divisions, seed=seed, scale=scale, today=TODAY)
    return store


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return _company(tmp_path_factory.mktemp("small"))


def rows(store: Store, division: int, entity: str) -> list[dict[str, Any]]:
    """Records as a client sees them: every registry field, absent ones as None."""
    e = load_registry().find(entity)
    assert e is not None
    blank = dict.fromkeys(entity_fields(e))
    return [{**blank, **store.to_python(entity, r)} for r in store.select(division, entity)]


def by_id(records: Iterable[dict], key: str = "ID") -> dict[str, dict]:
    return {r[key]: r for r in records}


# ---- determinism ------------------------------------------------------------------------


def test_same_seed_same_rows(tmp_path: Path, small: Store) -> None:
    again = _company(tmp_path)
    assert again.stats() == small.stats()
    for entity in (
        "logistics/Items",
        "purchaseorder/PurchaseOrderLines",
        "crm/Accounts",
        "financialtransaction/TransactionLines",
        "assets/Assets",
    ):
        first = [(r.key, r.ts, r.data) for r in small.select(DIVISIONS[0], entity)]
        second = [(r.key, r.ts, r.data) for r in again.select(DIVISIONS[0], entity)]
        assert first == second, entity


def test_other_seed_other_rows(tmp_path: Path, small: Store) -> None:
    other = _company(tmp_path, seed=8)
    first = {r.key for r in small.select(DIVISIONS[0], "logistics/Items")}
    second = {r.key for r in other.select(DIVISIONS[0], "logistics/Items")}
    assert first.isdisjoint(second)


def test_divisions_differ(small: Store) -> None:
    a = {r.key for r in small.select(DIVISIONS[0], "logistics/Items")}
    b = {r.key for r in small.select(DIVISIONS[1], "logistics/Items")}
    assert a.isdisjoint(b)


# ---- types ------------------------------------------------------------------------------

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "Edm.String": (str,),
    "Edm.Guid": (str,),
    "Edm.Int16": (int,),
    "Edm.Int32": (int,),
    "Edm.Int64": (int,),
    "Edm.Byte": (int,),
    "Edm.Double": (float,),
    "Edm.Boolean": (bool,),
    "Edm.DateTime": (datetime,),
    "Edm.Binary": (str,),
}


def test_every_field_exists_and_has_its_registry_type(small: Store) -> None:
    reg = load_registry()
    problems: list[str] = []
    for division in DIVISIONS:
        for name in small.stats()[str(division)]:
            entity = reg.find(name)
            assert entity is not None, name
            fields = entity_fields(entity)
            for record in rows(small, division, name):
                for field, value in record.items():
                    if field == "Timestamp":
                        continue  # the store's rowversion, added on read
                    if field not in fields:
                        problems.append(f"{name}.{field}: not in the registry")
                        continue
                    if value is None:
                        continue
                    edm = fields[field]
                    ok = isinstance(value, _PY_TYPES.get(edm, (object,)))
                    if isinstance(value, bool) and edm != "Edm.Boolean":
                        ok = False
                    if edm == "Edm.Guid":
                        ok = ok and len(value) == GUID_LEN and value == value.lower()
                    if edm == "Edm.DateTime":
                        ok = ok and value.tzinfo is not None
                    if edm == "Edm.Byte":
                        ok = ok and value in (0, 1)
                    if not ok:
                        problems.append(f"{name}.{field} ({edm}) = {value!r}")
    assert sorted(set(problems))[:20] == []


# ---- counts -----------------------------------------------------------------------------


def test_every_readable_entity_has_rows(small: Store) -> None:
    stats = small.stats()
    for entity in load_registry().readable():
        if not any(k in ("plain", "bulk", "sync") for k in entity.endpoints):
            continue  # function endpoints are answered by the server
        if not entity.key or entity.qualified_name in STORE_OWNED:
            continue
        for division in DIVISIONS:
            assert stats[str(division)].get(entity.qualified_name, 0) > 0, entity.qualified_name


def test_small_scale_counts(small: Store) -> None:
    for division in DIVISIONS:
        stats = small.stats()[str(division)]
        assert stats["logistics/Items"] == SCALES["small"].items
        assert 2 <= stats["inventory/Warehouses"] <= 4
        assert sum(stats.values()) < 5000


def test_medium_scale_counts(tmp_path: Path) -> None:
    store = _company(tmp_path, scale="medium", divisions=[3001001])
    stats = store.stats()["3001001"]
    assert stats["logistics/Items"] == 2000
    assert 20_000 <= sum(stats.values()) <= 40_000


# ---- consistency ------------------------------------------------------------------------


@pytest.mark.parametrize("division", DIVISIONS)
def test_references_are_real_and_copied(small: Store, division: int) -> None:
    items = by_id(rows(small, division, "logistics/Items"))
    accounts = by_id(rows(small, division, "crm/Accounts"))
    warehouses = by_id(rows(small, division, "inventory/Warehouses"))
    line_entities = (
        "purchaseorder/PurchaseOrderLines",
        "salesorder/SalesOrderLines",
        "salesinvoice/SalesInvoiceLines",
        "purchaseorder/GoodsReceiptLines",
        "inventory/WarehouseTransferLines",
        "salesorder/GoodsDeliveryLines",
        "salesorder/DropShipmentLines",
        "purchaseorder/PurchaseReturnLines",
        "manufacturing/ShopOrderMaterialPlans",
        "logistics/SupplierItem",
        "logistics/SalesItemPrices",
        "logistics/PurchaseItemPrices",
        "inventory/ItemWarehouses",
        "manufacturing/ShopOrders",
    )
    for entity in line_entities:
        for line in rows(small, division, entity):
            item = items[line["Item"]]
            assert line["ItemCode"] == item["Code"], entity
            assert line["ItemDescription"] == item["Description"], entity
    for sp in rows(small, division, "inventory/StockPositions"):
        assert items[sp["ItemId"]]["Code"] == sp["ItemCode"]
        assert warehouses[sp["Warehouse"]]["Code"] == sp["WarehouseCode"]
    for si in rows(small, division, "logistics/SupplierItem"):
        supplier = accounts[si["Supplier"]]
        assert supplier["IsSupplier"] is True
        assert si["SupplierCode"] == supplier["Code"]
        assert si["SupplierDescription"] == supplier["Name"]
    orders = by_id(rows(small, division, "purchaseorder/PurchaseOrders"), "PurchaseOrderID")
    for po in orders.values():
        supplier = accounts[po["Supplier"]]
        assert (po["SupplierCode"], po["SupplierName"]) == (supplier["Code"], supplier["Name"])
        assert po["Warehouse"] in warehouses
    for so in rows(small, division, "salesorder/SalesOrders"):
        assert accounts[so["OrderedBy"]]["IsSales"] is True
    headers = {
        "purchaseorder/PurchaseOrderLines": ("PurchaseOrderID", set(orders)),
        "salesorder/SalesOrderLines": (
            "OrderID",
            {r["OrderID"] for r in rows(small, division, "salesorder/SalesOrders")},
        ),
        "salesinvoice/SalesInvoiceLines": (
            "InvoiceID",
            {r["InvoiceID"] for r in rows(small, division, "salesinvoice/SalesInvoices")},
        ),
        "purchaseorder/GoodsReceiptLines": (
            "GoodsReceiptID",
            {r["ID"] for r in rows(small, division, "purchaseorder/GoodsReceipts")},
        ),
    }
    for entity, (link, keys) in headers.items():
        for line in rows(small, division, entity):
            assert line[link] in keys, entity


@pytest.mark.parametrize("division", DIVISIONS)
def test_supplier_items(small: Store, division: int) -> None:
    supplier_items = rows(small, division, "logistics/SupplierItem")
    mains: dict[str, int] = defaultdict(int)
    for si in supplier_items:
        mains[si["Item"]] += si["MainSupplier"]
        assert si["PurchaseUnitFactor"] >= 1 and si["MinimumQuantity"] >= 1
        assert isinstance(si["PurchaseLotSize"], int)
    assert set(mains.values()) == {1}  # exactly one main supplier per purchased item
    factor = {(si["Supplier"], si["Item"]): si["PurchaseUnitFactor"] for si in supplier_items}
    orders = by_id(rows(small, division, "purchaseorder/PurchaseOrders"), "PurchaseOrderID")
    for line in rows(small, division, "purchaseorder/PurchaseOrderLines"):
        supplier = orders[line["PurchaseOrderID"]]["Supplier"]
        assert (
            line["Quantity"] == line["QuantityInPurchaseUnits"] * factor[(supplier, line["Item"])]
        )


@pytest.mark.parametrize("division", DIVISIONS)
def test_bill_of_material_is_acyclic(small: Store, division: int) -> None:
    versions = by_id(rows(small, division, "manufacturing/BillOfMaterialVersions"))
    edges: dict[str, set[str]] = defaultdict(set)
    for m in rows(small, division, "manufacturing/BillOfMaterialMaterials"):
        parent = versions[m["ItemVersion"]]["Item"]
        assert m["PartItem"] != parent
        edges[parent].add(m["PartItem"])
    assert edges
    state: dict[str, int] = {}

    def visit(node: str, depth: int) -> None:
        assert depth <= len(edges) + 1
        assert state.get(node) != 1, f"cycle through {node}"
        if state.get(node) == 2:
            return
        state[node] = 1
        for child in edges.get(node, ()):
            visit(child, depth + 1)
        state[node] = 2

    for node in list(edges):
        visit(node, 0)
    defaults: dict[str, int] = defaultdict(int)
    for v in versions.values():
        defaults[v["Item"]] += v["IsDefault"]
    assert set(defaults.values()) == {1}


@pytest.mark.parametrize("division", DIVISIONS)
def test_items_codes_and_units(small: Store, division: int) -> None:
    items = rows(small, division, "logistics/Items")
    today = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC)
    assert any(i["EndDate"] is not None and i["EndDate"] < today for i in items)
    assert any(i["IsMakeItem"] == 1 for i in items)
    assert any(i["IsOnDemandItem"] == 1 for i in items)
    assert any(not i["IsStockItem"] for i in items)
    barcodes = [i["Barcode"] for i in items if i["Barcode"]]
    assert barcodes and all(ean13_valid(b) for b in barcodes)
    for i in items:
        assert len(i["Unit"]) == 8 and i["Unit"] == i["Unit"].strip().ljust(8)
        assert i["SearchCode"]
    for a in rows(small, division, "crm/Accounts"):
        assert len(a["Code"]) == 18 and a["Code"].strip().isdigit()
        assert a["Code"] == a["Code"].strip().rjust(18)
        assert a["AccountManager"] is not None
        if a["IsSupplier"]:
            assert a["PurchaseLeadDays"] > 0


@pytest.mark.parametrize("division", DIVISIONS)
def test_stock_adds_up(small: Store, division: int) -> None:
    items = by_id(rows(small, division, "logistics/Items"))
    on_hand: dict[str, float] = defaultdict(float)
    for sp in rows(small, division, "inventory/StockPositions"):
        assert sp["ProjectedStock"] == pytest.approx(
            sp["CurrentStock"] + sp["PlanningIn"] - sp["PlanningOut"]
        )
        on_hand[sp["ItemId"]] += sp["CurrentStock"]
    for item_id, qty in on_hand.items():
        assert items[item_id]["Stock"] == pytest.approx(qty)
    # open purchase order lines are what the stock positions expect to come in
    orders = by_id(rows(small, division, "purchaseorder/PurchaseOrders"), "PurchaseOrderID")
    incoming: dict[tuple[str, str], float] = defaultdict(float)
    for line in rows(small, division, "purchaseorder/PurchaseOrderLines"):
        po = orders[line["PurchaseOrderID"]]
        if po["OrderStatus"] in (10, 20) and not po["DropShipment"]:
            incoming[(line["Item"], po["Warehouse"])] += line["Quantity"] - line["ReceivedQuantity"]
    planned = {
        (sp["ItemId"], sp["Warehouse"]): sp["PlanningIn"]
        for sp in rows(small, division, "inventory/StockPositions")
    }
    for key, qty in incoming.items():
        assert planned[key] >= qty - 1e-6


@pytest.mark.parametrize("division", DIVISIONS)
def test_receipts_and_returns(small: Store, division: int) -> None:
    received: dict[str, float] = defaultdict(float)
    for rl in rows(small, division, "purchaseorder/GoodsReceiptLines"):
        received[rl["PurchaseOrderLineID"]] += rl["QuantityReceived"]
    for line in rows(small, division, "purchaseorder/PurchaseOrderLines"):
        if line["SalesOrderLine"]:
            continue  # drop shipments are delivered by the supplier, not received
        assert line["ReceivedQuantity"] == pytest.approx(received.get(line["ID"], 0.0))
    statuses = {po["OrderStatus"] for po in rows(small, division, "purchaseorder/PurchaseOrders")}
    assert statuses == {10, 20, 30, 40}
    assert any(po["YourRef"] for po in rows(small, division, "purchaseorder/PurchaseOrders"))


def test_returns_cancellations_and_drop_shipments(small: Store) -> None:
    def everywhere(entity: str) -> list[dict]:
        return [r for d in DIVISIONS for r in rows(small, d, entity)]

    assert any(r["QuantityReceived"] < 0 for r in everywhere("purchaseorder/GoodsReceiptLines"))
    assert everywhere("purchaseorder/PurchaseReturnLines")
    assert any(so["Status"] == 45 for so in everywhere("salesorder/SalesOrders"))
    assert any(i["Status"] == 45 for i in everywhere("salesinvoice/SalesInvoices"))
    drop = [ln for ln in everywhere("salesorder/SalesOrderLines") if ln["UseDropShipment"]]
    assert drop and all(ln["PurchaseOrderLine"] for ln in drop)
    assert everywhere("salesorder/DropShipmentLines")


@pytest.mark.parametrize("division", DIVISIONS)
def test_journal_entries_balance(small: Store, division: int) -> None:
    totals: dict[str, float] = defaultdict(float)
    for tl in rows(small, division, "financialtransaction/TransactionLines"):
        totals[tl["EntryID"]] += tl["AmountDC"]
    assert totals
    assert all(abs(t) < 0.05 for t in totals.values())


def test_dates_are_amsterdam_midnight(small: Store) -> None:
    for po in rows(small, DIVISIONS[0], "purchaseorder/PurchaseOrders"):
        local = po["OrderDate"].astimezone(ZoneInfo("Europe/Amsterdam"))
        assert (local.hour, local.minute, local.second) == (0, 0, 0)


def test_unknown_scale_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    with pytest.raises(ValueError, match="unknown scale 'huge'"):
        generate(store, divisions=[1], seed=1, scale="huge")


class _CountingStore:
    """Counts rows only: the large scale's volume without writing gigabytes to disk."""

    def __init__(self) -> None:
        self.counts: dict[tuple[int, str], int] = defaultdict(int)

    def insert_many(self, division: int, entity: str, records: Iterable[dict]) -> int:
        n = sum(1 for _ in records)
        self.counts[(division, entity)] += n
        return n

    def count(self, division: int, entity: str) -> int:
        return self.counts[(division, entity)]


@pytest.mark.slow
def test_large_scale_reaches_a_million_rows() -> None:
    store = _CountingStore()
    generate(store, divisions=DIVISIONS, seed=1, scale="large", today=TODAY)
    assert sum(store.counts.values()) >= 1_000_000
    for d in DIVISIONS:
        assert store.counts[(d, "logistics/Items")] == SCALES["large"].items
