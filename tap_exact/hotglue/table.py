"""hotgluexyz/tap-exact's streams as a table: HotGlue name -> registry entity, endpoint mode
(``dynamic``/``classic``/``sync``, see ``streams.py``), key, gate and filters. Data only: the
classes are built in ``streams.py``, the behaviour the rows switch on is in ``behaviour.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mode = Literal["dynamic", "classic", "sync"]


@dataclass(frozen=True)
class Gate:
    """The stream runs when HotGlue flag ``switch`` equals ``on_when``."""

    switch: str
    on_when: bool = True


@dataclass(frozen=True)
class WarehouseFilter:
    """``<field> eq guid'<warehouse>'`` unless flag ``unless`` is true (HotGlue's filter mode)."""

    field: str
    unless: str


@dataclass(frozen=True)
class HotglueStream:
    name: str
    entity: str  # our registry stream name
    mode: Mode
    key: tuple[str, ...] | None = None  # HotGlue's key where it differs from the entity's
    gate: Gate | None = None
    warehouse: WarehouseFilter | None = None
    po_status: bool = False
    suppliers_only: bool = False


_SO = Gate("use_sales_orders")
_SI = Gate("use_sales_invoices")
_BOM = Gate("use_bill_of_materials_versions")
_PRICES = Gate("use_price_lists")
_STOCK_MULTI = "use_stock_multiple_warehouses"

# hotgluexyz/tap-exact's STREAM_TYPES, in its order. Not here: bill_of_material_download (its XML
# download keeps the bookmark on Exact's server; see flags.startup_warnings and docs/hotglue.md).
STREAMS: tuple[HotglueStream, ...] = (
    HotglueStream("items", "items", "dynamic"),
    HotglueStream("sales_order", "sales_orders", "dynamic", ("OrderID",), _SO,
                  WarehouseFilter("WarehouseID", "use_sales_orders_multiple_warehouses")),
    HotglueStream("sales_orderlines", "sales_order_lines", "dynamic", gate=_SO),
    HotglueStream("purchase_orders", "purchase_orders", "dynamic", ("PurchaseOrderID",),
                  warehouse=WarehouseFilter("Warehouse", "use_buy_orders_multiple_warehouses"),
                  po_status=True),
    HotglueStream("purchase_orderlines", "purchase_order_lines", "classic"),
    HotglueStream("warehouses", "item_warehouses", "classic",
                  gate=Gate(_STOCK_MULTI, on_when=False),
                  warehouse=WarehouseFilter("Warehouse", _STOCK_MULTI)),
    HotglueStream("stock_positions", "stock_positions", "sync"),
    HotglueStream("logistics_stock_positions", "stock_positions", "sync",
                  gate=Gate(_STOCK_MULTI)),
    HotglueStream("supplierProducts", "supplier_item", "dynamic"),
    HotglueStream("accounts", "accounts", "dynamic"),
    HotglueStream("suppliers", "accounts", "dynamic", suppliers_only=True),
    HotglueStream("sales_invoices", "sales_invoices", "dynamic", ("InvoiceID",), _SI,
                  WarehouseFilter("Warehouse", "use_sales_invoices_multiple_warehouses")),
    HotglueStream("sales_invoice_lines", "sales_invoice_lines", "classic", gate=_SI),
    HotglueStream("sales_items_prices", "sales_item_prices", "dynamic"),
    HotglueStream("deleted", "deleted", "sync"),
    HotglueStream("gl_accounts", "gl_accounts", "dynamic"),
    HotglueStream("purchase_invoices", "purchase_invoices", "dynamic"),
    HotglueStream("vat_codes", "vat_codes", "dynamic"),
    HotglueStream("bill_of_materials_versions", "bill_of_material_versions", "classic",
                  gate=_BOM),
    HotglueStream("bill_of_materials", "bill_of_material_materials", "classic", gate=_BOM),
    HotglueStream("manufacturing_shop_orders", "shop_orders", "dynamic",
                  gate=Gate("use_production_orders")),
    HotglueStream("good_receipt_lines_stream", "goods_receipt_lines", "classic"),
    HotglueStream("purchase_entries", "purchase_entries", "classic"),
    HotglueStream("purchase_items_prices", "purchase_item_prices", "dynamic"),
    HotglueStream("purchase_returnlines", "purchase_return_lines", "classic"),
    HotglueStream("assembly_orders", "assembly_orders", "classic",
                  gate=Gate("use_assembly_orders")),
    HotglueStream("exchange_rates", "exchange_rates", "classic", gate=Gate("use_exchange_rates")),
    HotglueStream("assembly_bill_of_material_header", "assembly_bill_of_material_header",
                  "classic", gate=Gate("use_assembly_bill_of_material_header")),
    HotglueStream("assembly_bill_of_material_materials", "assembly_bill_of_material_materials",
                  "classic", gate=Gate("use_assembly_bill_of_material_materials")),
    HotglueStream("transaction_lines", "transaction_lines", "dynamic"),
    HotglueStream("sales_prices_linked_accounts", "sales_price_list_linked_accounts", "classic",
                  gate=_PRICES),
    HotglueStream("sales_prices_lists", "sales_price_lists", "classic", gate=_PRICES),
    HotglueStream("sales_prices_list_periods", "sales_price_list_periods", "classic",
                  gate=_PRICES),
    HotglueStream("sales_price_list_volume_discounts", "sales_price_list_volume_discounts",
                  "dynamic", gate=_PRICES),
    HotglueStream("purchase_entry_lines", "purchase_entry_lines", "classic"),
    HotglueStream("cost_centers", "costcenters", "classic"),
    HotglueStream("cost_units", "costunits", "classic"),
    HotglueStream("projects", "projects", "classic"),
    HotglueStream("payment_conditions", "payment_conditions", "classic"),
    HotglueStream("payments", "payments", "classic"),
    HotglueStream("bank_accounts", "crm_bank_accounts", "classic"),
    HotglueStream("bank_entry_lines", "bank_entry_lines", "classic"),
)
NOT_PROVIDED = ("bill_of_material_download",)
