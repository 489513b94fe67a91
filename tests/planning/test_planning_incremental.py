"""The incremental marts (sell_order_lines, buy_order_lines, receipt_lines): after a change in the
sandbox and a real incremental extract, an incremental `dbt build` gives exactly the rows a full
refresh gives, and it rebuilt only what was loaded since the last build."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import PLANNING_DATE, LoadedCompany
from .warehouse import DuckDBFile

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("planning-incremental")]

INCREMENTAL = ("sell_order_lines", "buy_order_lines", "receipt_lines")
# No lookback: the second extract follows the first build by seconds, and a lookback would
# rebuild everything and prove nothing.
FLAGS = {"planning_date": PLANNING_DATE, "incremental_lookback_hours": 0}
# An unchanged row given a wrong value after the first build: an incremental build leaves it.
MARKER = -999_999


def dbt_build(
    planning: ModuleType, company: LoadedCompany, path: Path, label: str, *options: str
) -> None:
    result = planning.run_dbt(
        ["build", "--exclude", "test_type:unit", *options], planning.dbt_env(path),
        company.work_dir / f"dbt-{label}", FLAGS,
    )
    assert result.returncode == 0, planning.dbt_failures(result.stdout) + result.stderr[-2000:]
    assert "ERROR=0" in result.stdout, result.stdout[-3000:]


def write(db: DuckDBFile, sql: str) -> None:
    script = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute(sys.argv[2])"
    subprocess.run([str(db.python), "-c", script, str(db.path), sql], check=True, timeout=120)


def marts(db: DuckDBFile) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        entity: {r["remote_id"]: r for r in db.rows(f"select * from {db.name('planning', entity)}")}
        for entity in INCREMENTAL
    }


def change_the_company(company: LoadedCompany) -> dict[str, Any]:
    """A receipt quantity, a supplier item's lot size, an order line's quantity (PUT on the line)
    changed; a purchase order and a sales invoice deleted."""
    sandbox = company.sandbox
    lines = {r["id"]: r for r in company.raw("purchase_orders") if r["id"] != r["purchaseorderid"]}
    receipts = company.raw("goods_receipt_lines")
    receipt = receipts[0]
    sandbox.control("POST", "update", {
        "division": int(receipt["division"]), "entity": "purchaseorder/GoodsReceiptLines",
        "key": receipt["id"], "changes": {"QuantityReceived": receipt["quantityreceived"] + 2}})
    # A supplier item whose (item, supplier) has receipts: their quantities move with its lot size.
    ordered = [lines[r["purchaseorderlineid"]] for r in receipts[1:]
               if r["purchaseorderlineid"] in lines]
    received = {(line["item"], line["supplier"]) for line in ordered}
    supplier_item = next(r for r in company.raw("supplier_item")
                         if (r["item"], r["supplier"]) in received)
    sandbox.control("POST", "update", {
        "division": int(supplier_item["division"]), "entity": "logistics/SupplierItem",
        "key": supplier_item["id"],
        "changes": {"PurchaseUnitFactor": (supplier_item["purchaseunitfactor"] or 1) + 3}})
    orders = sorted({r["purchaseorderid"] for r in lines.values()})
    deleted_order = orders[0]
    changed_line = next(r for r in lines.values() if r["purchaseorderid"] == orders[1])
    # Through the API, as a user changes a line in Exact: the order's lines are re-stamped with it,
    # so the next read emits all of them. (A raw store update would re-stamp this line alone, and
    # int_buy_order_lines rightly takes the siblings the order's latest read left out as deleted.)
    line_url = sandbox.api_url(
        f"{{division}}/purchaseorder/PurchaseOrderLines(guid'{changed_line['id']}')",
        int(changed_line["division"]))
    session = sandbox.session()
    answer = session.put(line_url, json={
        "QuantityInPurchaseUnits": changed_line["quantityinpurchaseunits"] + 5})
    assert answer.status_code == 204, answer.text
    answer = session.get(line_url, params={"$select": "Quantity"})
    assert answer.status_code == 200, answer.text
    changed_quantity = answer.json()["d"]["Quantity"]  # item units: Exact converts
    sandbox.delete_rows(
        int(next(r for r in lines.values() if r["purchaseorderid"] == deleted_order)["division"]),
        "purchaseorder/PurchaseOrders", [deleted_order])
    invoice = company.raw("sales_invoices")[0]
    sandbox.delete_rows(int(invoice["division"]), "salesinvoice/SalesInvoices",
                        [invoice["invoiceid"]])
    return {"receipt": receipt, "supplier_item": supplier_item, "deleted_order": deleted_order,
            "changed_line": changed_line, "changed_quantity": changed_quantity,
            "deleted_invoice": invoice["invoiceid"]}


def test_incremental_build_equals_full_refresh(
    planning: ModuleType, loaded_company: LoadedCompany
) -> None:
    company = loaded_company
    work = company.work_dir
    incremental = DuckDBFile(work / "incremental.duckdb", company.db.python)
    incremental.path.write_bytes(company.db.path.read_bytes())
    dbt_build(planning, company, incremental.path, "first")
    first = marts(incremental)

    # Rows the change below does not touch, made wrong: an incremental build must not see them.
    changing = sorted({r["purchaseorderid"] for r in company.raw("purchase_orders")})[:2]
    untouched_line = min((v["loaded_at"], k) for k, v in first["buy_order_lines"].items()
                         if v["buy_order_id"] not in changing)[1]
    untouched_order = min(
        (r["loaded_at"], r["sell_order_id"]) for r in first["sell_order_lines"].values()
        if r["sell_order_id"] != company.raw("sales_invoices")[0]["invoiceid"])[1]
    write(incremental, f"update {incremental.name('planning', 'buy_order_lines')} "
                       f"set quantity = {MARKER} where remote_id = '{untouched_line}'")
    write(incremental, f"update {incremental.name('planning', 'sell_order_lines')} "
                       f"set quantity = {MARKER} where sell_order_id = '{untouched_order}'")

    changed = change_the_company(company)
    company.extract_again(incremental.path)
    full = DuckDBFile(work / "full.duckdb", company.db.python)
    full.path.write_bytes(incremental.path.read_bytes())  # same raw rows, same snapshots

    dbt_build(planning, company, incremental.path, "incremental")
    dbt_build(planning, company, full.path, "full", "--full-refresh")
    got, expected = marts(incremental), marts(full)

    # Not rebuilt: the incremental build only took rows loaded since the first build.
    assert got["buy_order_lines"][untouched_line]["quantity"] == MARKER
    assert {r["quantity"] for r in got["sell_order_lines"].values()
            if r["sell_order_id"] == untouched_order} == {MARKER}
    for entity in INCREMENTAL:
        rows = got[entity]
        if entity == "buy_order_lines":
            rows = {**rows, untouched_line: expected[entity][untouched_line]}
        if entity == "sell_order_lines":
            rows = {k: expected[entity][k] if v["sell_order_id"] == untouched_order else v
                    for k, v in rows.items()}
        assert rows == expected[entity], entity

    # And the change arrived (the full refresh is only a fair judge if it saw the change).
    receipts, buy_lines = expected["receipt_lines"], expected["buy_order_lines"]
    receipt = changed["receipt"]
    assert receipts[receipt["id"]]["quantity"] != first["receipt_lines"][receipt["id"]]["quantity"]
    assert sum(receipts[k]["quantity"] != first["receipt_lines"][k]["quantity"]
               for k in first["receipt_lines"]) > 1  # the lot size moved other receipts too
    line_id = changed["changed_line"]["id"]
    assert buy_lines[line_id]["quantity"] == round(changed["changed_quantity"])
    assert buy_lines[line_id]["quantity"] != first["buy_order_lines"][line_id]["quantity"]
    deleted = {k for k, v in buy_lines.items() if v["deleted_at"] is not None}
    assert deleted == {k for k, v in buy_lines.items()
                       if v["buy_order_id"] == changed["deleted_order"]} != set()
    invoice_lines = [r for r in expected["sell_order_lines"].values()
                     if r["sell_order_id"] == changed["deleted_invoice"]]
    assert invoice_lines and all(r["deleted_at"] is not None for r in invoice_lines)
