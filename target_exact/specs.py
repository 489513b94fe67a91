"""Which Exact document each HotGlue document stream is written to, and how it is found.

Shared by the document sinks and by ``BuyOrders`` with ``export_stock_transfers`` (a buy order
written as a warehouse transfer), so it lives apart from both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from exact_online.registry import Entity, load_registry
from target_exact.mapping import documents as m


@dataclass(frozen=True)
class Frozen:
    """When Exact refuses changes to a document: ``field`` holds a status that ``applies``."""

    field: str
    applies: Callable[[Any], bool]
    reason: str


@dataclass(frozen=True)
class DocSpec:
    entity_name: str
    mapper: Callable[[dict[str, Any], Any], m.Mapped]
    line_entities: dict[str, str] = field(default_factory=dict)
    fallback_reference: str = "Description"
    # line field -> the line entity's field naming its document: these lines are diffed on update
    line_parents: dict[str, str] = field(default_factory=dict)
    frozen: Frozen | None = None

    @property
    def entity(self) -> Entity:
        entity = load_registry().find(self.entity_name)
        assert entity is not None
        return entity

    def reference_field(self, wanted: str) -> str:
        plain = self.entity.plain
        if plain is not None and wanted in plain.field_map:
            return wanted
        return self.fallback_reference


SHOP_ORDERS = DocSpec("manufacturing/ShopOrders", m.map_shop_order)
WAREHOUSE_TRANSFERS = DocSpec(
    "inventory/WarehouseTransfers",
    m.map_warehouse_transfer,
    {"WarehouseTransferLines": "inventory/WarehouseTransferLines"},
    line_parents={"WarehouseTransferLines": "TransferID"},
    # FACTS.md: only open transfers (Status 10) can be changed.
    frozen=Frozen("Status", lambda s: s is not None and int(s) != 10, "transfer is not open"),
)
SUPPLIERS = DocSpec("crm/Accounts", m.map_supplier, fallback_reference="Name")
ITEMS = DocSpec("logistics/Items", m.map_item, fallback_reference="Code")
SALES_ORDERS = DocSpec(
    "salesorder/SalesOrders",
    m.map_sales_order,
    {"SalesOrderLines": "salesorder/SalesOrderLines"},
    line_parents={"SalesOrderLines": "OrderID"},
    # FACTS.md: a completed sales order (Status 21) cannot be updated.
    frozen=Frozen("Status", lambda s: s is not None and int(s) == 21, "sales order is completed"),
)
PURCHASE_INVOICES = DocSpec(
    "purchase/PurchaseInvoices",
    m.map_purchase_invoice,
    {"PurchaseInvoiceLines": "purchase/PurchaseInvoiceLines"},
)
PURCHASE_ENTRIES = DocSpec(
    "purchaseentry/PurchaseEntries",
    m.map_purchase_entry,
    {"PurchaseEntryLines": "purchaseentry/PurchaseEntryLines"},
)
STOCK_COUNTS = DocSpec(
    "inventory/StockCounts", m.map_stock_count, {"StockCountLines": "inventory/StockCountLines"}
)
