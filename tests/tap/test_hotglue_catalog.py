"""stream_naming: hotglue: HotGlue's stream names and keys, guarded by a snapshot per endpoint mode.

The native catalog is guarded by test_catalog_snapshot.py (unchanged by this mode). Update after a
deliberate change with ``TAP_EXACT_UPDATE_SNAPSHOT=1``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tap_exact.hotglue.table import NOT_PROVIDED
from tap_exact.tap import TapExact

from .test_catalog_snapshot import UPDATE_ENV, summarise

SNAPSHOT = Path(__file__).parent / "snapshots" / "hotglue_catalog.json"

# hotgluexyz/tap-exact's STREAM_TYPES (tap_exact/tap.py at ab35468): the 43 names its users have.
HOTGLUE_NAMES = {
    "items", "sales_order", "sales_orderlines", "purchase_orders", "purchase_orderlines",
    "warehouses", "stock_positions", "logistics_stock_positions", "supplierProducts", "accounts",
    "suppliers", "sales_invoices", "sales_invoice_lines", "sales_items_prices", "deleted",
    "gl_accounts", "purchase_invoices", "vat_codes", "bill_of_materials_versions",
    "bill_of_materials", "manufacturing_shop_orders", "bill_of_material_download",
    "good_receipt_lines_stream", "purchase_entries", "purchase_items_prices",
    "purchase_returnlines", "assembly_orders", "exchange_rates",
    "assembly_bill_of_material_header", "assembly_bill_of_material_materials",
    "transaction_lines", "sales_prices_linked_accounts", "sales_prices_lists",
    "sales_prices_list_periods", "sales_price_list_volume_discounts", "purchase_entry_lines",
    "cost_centers", "cost_units", "projects", "payment_conditions", "payments", "bank_accounts",
    "bank_entry_lines",
}


def _catalog(**config: Any) -> dict[str, Any]:
    tap = TapExact(
        config={"client_id": "x", "client_secret": "y", "stream_naming": "hotglue", **config},
        validate_config=False,
    )
    return summarise(tap.catalog_dict)


def test_hotglue_catalog_matches_snapshot() -> None:
    current = {
        "sync_endpoints": _catalog(sync_endpoints=True),
        "classic": _catalog(),
    }
    if os.environ.get(UPDATE_ENV):
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n", "utf-8")
    expected = json.loads(SNAPSHOT.read_text("utf-8"))
    for mode, streams in current.items():
        assert sorted(streams) == sorted(expected[mode]), mode
        changed = [n for n in streams if streams[n] != expected[mode][n]]
        assert not changed, f"{mode}: catalog changed for {changed}; set {UPDATE_ENV}=1 if intended"


def test_every_hotglue_name_but_the_xml_download_and_hotglue_keys() -> None:
    for catalog in (_catalog(sync_endpoints=True), _catalog()):
        assert set(catalog) == HOTGLUE_NAMES - set(NOT_PROVIDED)
        assert catalog["purchase_orders"]["key_properties"] == ["PurchaseOrderID"]
        assert catalog["sales_order"]["key_properties"] == ["OrderID"]
        assert catalog["sales_invoices"]["key_properties"] == ["InvoiceID"]
        assert catalog["purchase_entries"]["key_properties"] == ["EntryID"]
        # HotGlue's `warehouses` are item x warehouse stock rows (ItemWarehouses), not warehouses.
        assert {"Item", "Warehouse", "CurrentStock", "ReorderPoint"} <= set(
            catalog["warehouses"]["properties"]
        )
        # No tombstone column: HotGlue reports deletions only through `deleted`.
        assert all("_sdc_deleted_at" not in s["properties"] for s in catalog.values())
    # The endpoint follows sync_endpoints as HotGlue's does: Timestamp bookmarks, else Modified.
    assert _catalog(sync_endpoints=True)["items"]["replication_key"] == "Timestamp"
    assert _catalog(sync_endpoints=False)["items"]["replication_key"] == "Modified"
    assert _catalog()["purchase_orderlines"]["replication_key"] == "Modified"


def test_native_mode_is_the_default_and_unchanged() -> None:
    native = TapExact(config={"client_id": "x", "client_secret": "y"}, validate_config=False)
    explicit = TapExact(
        config={"client_id": "x", "client_secret": "y", "stream_naming": "native",
                "sync_endpoints": True},
        validate_config=False,
    )
    assert native.catalog_dict == explicit.catalog_dict
    assert "supplierProducts" not in native.streams
