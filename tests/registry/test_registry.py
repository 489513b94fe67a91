"""The vendored registry holds exactly what Exact's reference (kept in reference/) documents."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from exact_online.registry import load_registry

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "reference"


def run_script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args],
        capture_output=True, text=True, check=False, timeout=120,
    )


def test_endpoint_counts() -> None:
    reg = load_registry()
    kinds = [ep.kind for ep in reg.endpoints]
    assert len(kinds) == 422
    assert kinds.count("sync") == 54
    assert kinds.count("bulk") == 21


def test_vendored_file_is_fresh() -> None:
    # Built from the in-repo reference: works in any clone, as in CI.
    result = run_script("vendor_registry.py", "--check")
    assert result.returncode == 0, result.stderr


def test_reference_is_vendored_by_its_script(tmp_path: Path) -> None:
    source = tmp_path / "exact-api"
    source.mkdir()
    (source / "endpoints.json").write_bytes(
        gzip.decompress((REFERENCE / "endpoints.json.gz").read_bytes())
    )
    (source / "FACTS.md").write_bytes((REFERENCE / "FACTS.md").read_bytes())

    assert run_script("vendor_reference.py", "--from", str(source), "--check").returncode == 0
    copy = tmp_path / "copy"
    result = run_script("vendor_reference.py", "--from", str(source), "--to", str(copy))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in copy.iterdir()) == ["FACTS.md", "endpoints.json.gz"]
    assert gzip.decompress((copy / "endpoints.json.gz").read_bytes()) == (
        source / "endpoints.json"
    ).read_bytes()
    # The plain file and the compressed copy give the same registry.
    plain = run_script("vendor_registry.py", "--source", str(source / "endpoints.json"), "--check")
    assert plain.returncode == 0, plain.stderr

    (source / "FACTS.md").write_text("changed\n", "utf-8")
    stale = run_script("vendor_reference.py", "--from", str(source), "--to", str(copy), "--check")
    assert stale.returncode == 1 and "FACTS.md" in stale.stderr
    assert (copy / "FACTS.md").read_bytes() == (REFERENCE / "FACTS.md").read_bytes()


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


def test_every_field_has_a_name_and_single_value_functions_answer_their_name() -> None:
    # The reference lists the three single-value functions with one nameless field; the vendoring
    # script names it after the function (OData v2: {"d": {"<FunctionName>": value}}).
    registry = load_registry()
    assert all(f.name for ep in registry.endpoints for f in ep.fields)
    expected = {
        "account_documents_count": ("AccountDocumentsCount", "Edm.Int32"),
        "opportunity_documents_count": ("OpportunityDocumentsCount", "Edm.Int32"),
        "user_has_rights": ("UserHasRights", "Edm.Boolean"),
    }
    for stream, (name, edm) in expected.items():
        fields = registry.by_stream(stream).read_endpoint().fields
        assert [(f.name, f.edm_type) for f in fields] == [(name, edm)]
