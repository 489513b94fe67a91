"""The streams of the production inventory-planning integration (seed 001): the starter select
of the plugin definition, and the streams tests and benchmarks check by hand."""

from __future__ import annotations

# The 27 endpoints of the production integration (seed 001), checked by hand against Exact's
# reference: stream, read endpoint kind, key, replication key, line grain. tests/tap guards it.
# Seed paths that the reference names differently: logistics/ItemWarehouses is
# inventory/ItemWarehouses, manufacturing/AssemblyOrders is inventory/AssemblyOrders,
# manufacturing/BillOfMaterials is manufacturing/BillOfMaterialMaterials, "$metadata/deleted" is
# sync/Deleted.
SEED_001: tuple[tuple[str, str, tuple[str, ...], str | None, bool], ...] = (
    ("items", "sync", ("ID",), "Timestamp", False),
    ("purchase_orders", "sync", ("ID",), "Timestamp", True),  # one row per order LINE
    ("sales_orders", "sync", ("OrderID",), "Timestamp", False),  # SalesOrderHeaders
    ("sales_order_lines", "sync", ("ID",), "Timestamp", False),
    ("supplier_item", "sync", ("ID",), "Timestamp", False),
    ("warehouses", "plain", ("ID",), "Modified", False),
    ("accounts", "sync", ("ID",), "Timestamp", False),
    ("sales_invoices", "sync", ("ID",), "Timestamp", True),  # one row per invoice LINE
    # no Modified on plain/bulk: read through sync/SalesInvoice/SalesInvoices (line_sync.py)
    ("sales_invoice_lines", "sync", ("ID",), "Timestamp", False),
    ("sales_item_prices", "sync", ("ID",), "Timestamp", False),
    ("stock_positions", "sync", ("ID",), "Timestamp", False),
    ("item_warehouses", "sync", ("ID",), "Timestamp", False),
    ("gl_accounts", "sync", ("ID",), "Timestamp", False),
    ("purchase_invoices", "plain", ("ID",), "Modified", False),
    ("vat_codes", "plain", ("ID",), "Modified", False),
    ("deleted", "sync", ("ID",), "Timestamp", False),
    ("bill_of_material_versions", "sync", ("ID",), "Timestamp", False),
    ("shop_orders", "sync", ("ID",), "Timestamp", False),
    ("goods_receipt_lines", "plain", ("ID",), "Modified", False),
    ("purchase_entries", "plain", ("EntryID",), "Modified", False),
    ("purchase_item_prices", "sync", ("ID",), "Timestamp", False),
    ("purchase_return_lines", "plain", ("ID",), "Modified", False),
    ("assembly_orders", "plain", ("ID",), None, False),  # no Modified: full table
    ("bill_of_material_materials", "sync", ("ID",), "Timestamp", False),
    ("exchange_rates", "plain", ("ID",), "Modified", False),
    ("transaction_lines", "sync", ("ID",), "Timestamp", False),
    ("sales_price_lists", "plain", ("ID",), "Modified", False),
)
SEED_001_STREAMS: tuple[str, ...] = tuple(row[0] for row in SEED_001)
