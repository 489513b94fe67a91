"""The vendored registry holds exactly what Exact's reference documents."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from exact_online.registry import load_registry

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "exact-api" / "endpoints.json"


def test_endpoint_counts() -> None:
    reg = load_registry()
    kinds = [ep.kind for ep in reg.endpoints]
    assert len(kinds) == 422
    assert kinds.count("sync") == 54
    assert kinds.count("bulk") == 21


@pytest.mark.skipif(
    not SOURCE.exists(), reason="the reference lives beside the project in development only"
)
def test_vendored_file_is_fresh() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "vendor_registry.py"), "--check"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("name", "stream", "key", "line_grained", "read_kind"),
    [
        ("logistics/Items", "items", ("ID",), False, "sync"),
        ("purchaseorder/PurchaseOrders", "purchase_orders", ("ID",), True, "sync"),
        ("salesorder/SalesOrders", "sales_orders", ("OrderID",), False, "sync"),
        ("salesorder/SalesOrderLines", "sales_order_lines", ("ID",), False, "sync"),
        ("salesinvoice/SalesInvoices", "sales_invoices", ("ID",), True, "sync"),
        ("inventory/StockPositions", "stock_positions", ("ID",), False, "sync"),
        (
            "manufacturing/BillOfMaterialMaterials", "bill_of_material_materials", ("ID",), False,
            "sync",
        ),
        ("purchaseorder/GoodsReceiptLines", "goods_receipt_lines", ("ID",), False, "plain"),
        ("financialtransaction/TransactionLines", "transaction_lines", ("ID",), False, "sync"),
        ("inventory/Warehouses", "warehouses", ("ID",), False, "plain"),
        ("sync/Deleted", "deleted", ("ID",), False, "sync"),
    ],
)
def test_seed_entities(
    name: str, stream: str, key: tuple[str, ...], line_grained: bool, read_kind: str
) -> None:
    entity = load_registry().find(name)
    assert entity is not None
    assert entity.stream == stream
    assert entity.key == key
    assert entity.line_grained is line_grained
    assert entity.read_endpoint().kind == read_kind


def test_write_keys_and_mandatory_fields() -> None:
    reg = load_registry()
    po = reg.find("purchaseorder/PurchaseOrders")
    assert po is not None
    assert po.write_key == ("PurchaseOrderID",)
    assert set(po.mandatory_on_post()) == {"Supplier", "PurchaseOrderLines"}
    wt = reg.find("inventory/WarehouseTransfers")
    assert wt is not None and wt.write_key == ("TransferID",)
    so = reg.find("salesorder/SalesOrders")
    assert so is not None and so.write_key == ("OrderID",)


def test_deleted_codes_and_sync_timestamp_support() -> None:
    reg = load_registry()
    assert reg.by_deleted_code(9) is reg.find("logistics/Items")
    assert reg.by_deleted_code(22) is reg.find("purchaseorder/PurchaseOrders")
    assert 52 not in reg.deleted_entity_types
    for name in ("Items", "StockPositions", "ItemWarehouses", "Accounts", "SupplierItem"):
        assert name in reg.no_sync_timestamp
    items = reg.find("logistics/Items")
    shop = reg.find("manufacturing/ShopOrders")
    assert items is not None and items.sync_timestamp_endpoint is None
    assert shop is not None and shop.sync_timestamp_endpoint == "ShopOrders"


def test_stream_names_unique_and_snake_case() -> None:
    streams = [e.stream for e in load_registry().entities]
    assert len(streams) == len(set(streams))
    assert all(s == s.lower() and " " not in s for s in streams)
