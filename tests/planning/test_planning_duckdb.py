"""The planning model on DuckDB, for real: the sandbox company through tap-exact and target-duckdb
into a DuckDB file, `dbt build` (models + every schema and unit test), then the marts compared with
the sandbox's own counts and with the rules recomputed in Python from the raw rows; then again
with flags changed, to see each flag move what it should."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date
from types import ModuleType
from typing import Any

import pytest

from .conftest import PLANNING_DATE, LoadedCompany
from .expected import (
    at_least_one,
    composition_pairs,
    day_ordinal,
    live,
    money,
    price_list_prices,
    product_status,
    sales_prices,
    stock_levels,
    valid_on,
    whole,
)
from .warehouse import as_number

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("planning-duckdb")]

DAY = date.fromisoformat(PLANNING_DATE)


def build(
    planning: ModuleType, company: LoadedCompany, schema: str, **flags: Any
) -> dict[str, list[dict[str, Any]]]:
    """`dbt build` into `schema` with these flags; every mart's rows, by their first columns.
    The unit tests pin their own flags: they run once, in the defaults' build."""
    command = ["build", "--exclude", "test_type:unit"] if flags else ["build"]
    result = planning.run_dbt(
        command, planning.dbt_env(company.db.path, schema=schema),
        company.work_dir / f"dbt-{schema}", {"planning_date": PLANNING_DATE, **flags},
    )
    assert result.returncode == 0, planning.dbt_failures(result.stdout) + result.stderr[-2000:]
    assert "ERROR=0" in result.stdout and "WARN=0" in result.stdout, result.stdout[-3000:]
    return {
        entity: company.db.rows(f"select * from {company.db.name(schema, entity)} order by 1, 2")
        for entity in (*planning.ENTITIES, "composition_cycles")
    }


@pytest.fixture(scope="module")
def defaults(planning: ModuleType, loaded_company: LoadedCompany) -> dict[str, list[dict]]:
    return build(planning, loaded_company, "planning")


@pytest.fixture(scope="module")
def flagged(planning: ModuleType, loaded_company: LoadedCompany) -> dict[str, list[dict]]:
    first_warehouse = loaded_company.raw("warehouses")[0]["id"]
    return build(
        planning, loaded_company, "planning_flags",
        use_price_lists=True,
        price_list_code=price_list(loaded_company),
        map_product_articleCode=False,
        map_IsPurchaseItem=False,
        stock_warehouse_ids=[first_warehouse],
        calc_part_quantity=True,
        map_supplier_mail=True,
        sync_leadTime_suppliers=True,
        sync_leadTime_supProducts=True,
        useMOQ=False,
        useLOT_PurchaseLotSize=True,
        map_preferred_supplier=False,
        map_purchase_price="Product Cost",
        use_sales_orders=True,
        use_sales_invoices=True,
        use_assembly_orders=True,
        bo_completed_status=["20"],
    )


def price_list(company: LoadedCompany) -> str:
    """The price list with the most volume-discount rows, written as a user might (lower case)."""
    counts = Counter(r["pricelistcode"] for r in company.raw("sales_price_list_volume_discounts"))
    return str(counts.most_common(1)[0][0]).lower()


@pytest.fixture(scope="module")
def customer(loaded_company: LoadedCompany) -> str:
    """The customer with the most sales orders: filter_sellOrder_CustomerIDs leaves it out."""
    counts = Counter(r["orderedby"] for r in loaded_company.raw("sales_orders") if r["orderedby"])
    return counts.most_common(1)[0][0]


@pytest.fixture(scope="module")
def flagged_more(
    planning: ModuleType, loaded_company: LoadedCompany, customer: str
) -> dict[str, list[dict]]:
    """The flags the first flagged build leaves at their defaults."""
    return build(
        planning, loaded_company, "planning_flags2",
        map_stockLevel=False,
        use_BOM_to_prodAssembled=True,
        use_sales_orders=True,
        use_sales_invoices=False,
        pullAllOrders=False,
        use_drop_shipments=False,
        filter_sellOrder_CustomerIDs=[customer],
        use_production_orders=True,
        map_buyOrders_AmountFC=True,
        use_bill_of_materials_versions=True,
        useLOT=False,
        map_purchase_price="Purchase Prices",
        unit_filter=True,
        unit_factors={"pc": {"unit": "piece/10", "factor": 10}},
    )


def by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["remote_id"]: row for row in rows}


# ---- defaults: counts from the sandbox -----------------------------------------------------------

def test_entity_counts_match_the_sandbox_company(
    defaults: dict[str, list[dict]], loaded_company: LoadedCompany
) -> None:
    company = loaded_company
    invoice_lines = company.raw("sales_invoices")
    expected = {
        "products": company.in_sandbox("logistics/Items"),
        "supplier_products": company.in_sandbox("logistics/SupplierItem"),
        "buy_orders": company.in_sandbox("purchaseorder/PurchaseOrders"),
        "buy_order_lines": company.in_sandbox("purchaseorder/PurchaseOrderLines"),
        "receipt_lines": company.in_sandbox("purchaseorder/GoodsReceiptLines")
        + company.in_sandbox("purchaseorder/PurchaseReturnLines"),
        # use_sales_invoices (default): one sell order per invoice, one line per product in it
        "sell_orders": company.in_sandbox("salesinvoice/SalesInvoices"),
        "sell_order_lines": len({(r["invoiceid"], r["item"]) for r in invoice_lines}),
        "suppliers": sum(1 for r in company.raw("accounts") if r["issupplier"]),
        "product_compositions": len(composition_pairs(
            company.raw("bill_of_material_materials"),
            company.raw("bill_of_material_versions"))),
    }
    assert {entity: len(defaults[entity]) for entity in expected} == expected
    assert expected["sell_order_lines"] < len(invoice_lines) or len(invoice_lines) == len(
        {(r["invoiceid"], r["item"]) for r in invoice_lines})


# ---- defaults: rules on rows ---------------------------------------------------------------------

def test_products_follow_the_rules(
    defaults: dict[str, list[dict]], loaded_company: LoadedCompany
) -> None:
    items = loaded_company.raw("items")
    stock = stock_levels(loaded_company.raw("stock_positions"))
    prices = sales_prices(loaded_company.raw("sales_item_prices"), DAY)
    products = by_id(defaults["products"])
    statuses: Counter[str] = Counter()
    for item in items:
        product = products[item["id"]]
        assert product["name"] == (item["description"] or item["code"])[:255]
        assert product["sku_code"] == item["code"]
        assert product["article_code"] == (item["searchcode"] or item["id"])
        assert product["ean_code"] == item["barcode"]
        assert product["stock_level"] == stock.get(item["id"], 0), item["code"]
        assert as_number(product["price"]) == prices.get(item["id"]), item["code"]
        assert product["unlimited_stock"] is (not item["ispurchaseitem"])
        assert product["assembled"] is (item["ismakeitem"] == 1)
        assert product["status"] == product_status(item, DAY, {}), item["code"]
        assert product["stock_measurement_unit"] is None  # unit_filter is off
        statuses[product["status"]] += 1
    # The company has both kinds, so the truth table is exercised on real rows too.
    assert statuses["enabled"] and statuses["disabled"]
    assert any(level < 0 for level in stock.values())  # negative stock is kept as is
    assert {p["stock_level"] for p in products.values() if p["remote_id"] not in stock} <= {0}


def test_supplier_products_follow_the_rules(
    defaults: dict[str, list[dict]], loaded_company: LoadedCompany
) -> None:
    rows = by_id(defaults["supplier_products"])
    for item in loaded_company.raw("supplier_item"):
        row = rows[item["id"]]
        assert (row["product_id"], row["supplier_id"]) == (item["item"], item["supplier"])
        assert as_number(row["price"]) == money(item["purchaseprice"])
        assert row["minimum_purchase_quantity"] == at_least_one(item["minimumquantity"])
        assert row["lot_size"] == at_least_one(item["purchaseunitfactor"])
        assert row["preferred"] is bool(item["mainsupplier"])
        assert row["delivery_time"] is None  # sync_leadTime_supProducts is off
    assert any(r["minimum_purchase_quantity"] > 1 for r in rows.values())


def test_suppliers_buy_orders_and_receipts_follow_the_rules(
    defaults: dict[str, list[dict]], loaded_company: LoadedCompany
) -> None:
    suppliers = by_id(defaults["suppliers"])
    assert all(s["emails"] is None and s["ignored"] is False for s in suppliers.values())

    lines = loaded_company.raw("purchase_orders")
    orders = by_id(defaults["buy_orders"])
    per_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        per_order[line["purchaseorderid"]].append(line)
    for order_id, order_lines in per_order.items():
        order = orders[order_id]
        assert order["supplier_id"] == order_lines[0]["supplier"]
        assert as_number(order["total_value"]) == money(
            sum(as_number(x["amountdc"]) or 0 for x in order_lines))
        done = all(str(x["orderstatus"]) in {"30", "40"} for x in order_lines)
        assert (order["completed"] is not None) is done, order_id
        assert order["reference"] == min(
            (x["yourref"] for x in order_lines if x["yourref"]), default=None)
        assert order["assembly"] is False
    buy_lines = by_id(defaults["buy_order_lines"])
    for line in lines:
        row = buy_lines[line["id"]]
        assert row["quantity"] == whole(as_number(line["quantity"]) or 0)
        assert row["buy_order_id"] == line["purchaseorderid"]
        assert row["product_id"] == line["item"]

    lot = {(r["item"], r["supplier"]): at_least_one(r["purchaseunitfactor"])
           for r in live(loaded_company.raw("supplier_item"))}
    po_line = {line["id"]: line for line in lines}
    receipts = by_id(defaults["receipt_lines"])
    for receipt in loaded_company.raw("goods_receipt_lines"):
        source = po_line[receipt["purchaseorderlineid"]]
        factor = lot.get((source["item"], source["supplier"]), 1)
        assert receipts[receipt["id"]]["quantity"] == whole(
            (as_number(receipt["quantityreceived"]) or 0) * factor)
        assert receipts[receipt["id"]]["buy_order_line_id"] == receipt["purchaseorderlineid"]
    returns = loaded_company.raw("purchase_return_lines")
    assert returns, "the sandbox company has purchase returns"
    for ret in returns:
        source = po_line[ret["purchaseorderlineid"]]
        factor = lot.get((source["item"], source["supplier"]), 1)
        assert receipts[ret["id"]]["quantity"] == -whole(
            (as_number(ret["returnquantity"]) or 0) * factor) < 0


def test_sell_order_lines_and_compositions_follow_the_rules(
    defaults: dict[str, list[dict]], loaded_company: LoadedCompany
) -> None:
    sums: dict[tuple[str, str], float] = defaultdict(float)
    for line in loaded_company.raw("sales_invoices"):
        sums[(line["invoiceid"], line["item"])] += line["quantity"] or 0
    lines = {(r["sell_order_id"], r["product_id"]): r for r in defaults["sell_order_lines"]}
    assert set(lines) == set(sums)
    for key, quantity in sums.items():
        assert lines[key]["quantity"] == round(quantity)
        assert lines[key]["remote_id"] == f"{key[0]}_{key[1]}"
    assert {r["source"] for r in defaults["sell_orders"]} == {"sales_invoice"}

    pairs = composition_pairs(loaded_company.raw("bill_of_material_materials"),
                              loaded_company.raw("bill_of_material_versions"))
    compositions = {(r["composed_product_id"], r["part_product_id"]): r
                    for r in defaults["product_compositions"]}
    assert set(compositions) == set(pairs)
    for pair, material in pairs.items():
        assert compositions[pair]["remote_id"] == material["id"]
        assert compositions[pair]["part_quantity"] == at_least_one(material["quantity"])
    assert defaults["composition_cycles"] == []


# ---- flags ---------------------------------------------------------------------------------------

def test_flags_change_products(
    defaults: dict[str, list[dict]], flagged: dict[str, list[dict]],
    loaded_company: LoadedCompany,
) -> None:
    warehouse = str(loaded_company.raw("warehouses")[0]["id"]).lower()
    stock = stock_levels(loaded_company.raw("stock_positions"), {warehouse})
    general = sales_prices(loaded_company.raw("sales_item_prices"), DAY)
    listed = price_list_prices(loaded_company.raw("sales_price_list_volume_discounts"),
                               loaded_company.raw("sales_price_list_periods"),
                               price_list(loaded_company), DAY)
    before, after = by_id(defaults["products"]), by_id(flagged["products"])
    changed_status = 0
    for item in loaded_company.raw("items"):
        row = after[item["id"]]
        assert row["stock_level"] == stock.get(item["id"], 0)  # stock_warehouse_ids
        assert row["article_code"] == item["id"]  # map_product_articleCode off
        assert row["unlimited_stock"] is False  # map_IsPurchaseItem off
        # use_price_lists: the list's price, else the general one
        assert as_number(row["price"]) == listed.get(item["id"], general.get(item["id"]))
        assert row["status"] == product_status(item, DAY, {"map_IsPurchaseItem": False})
        changed_status += row["status"] != before[item["id"]]["status"]
    assert changed_status > 0
    assert listed and any(listed[i] != general.get(i) for i in listed)
    assert any(after[i]["price"] != before[i]["price"] for i in after)
    assert any(after[i]["stock_level"] != before[i]["stock_level"] for i in after)


def test_flags_change_suppliers_and_supplier_products(
    flagged: dict[str, list[dict]], loaded_company: LoadedCompany
) -> None:
    accounts = {r["id"]: r for r in loaded_company.raw("accounts")}
    for supplier in flagged["suppliers"]:
        account = accounts[supplier["remote_id"]]
        assert supplier["emails"] == (account["email"] or None)  # map_supplier_mail
        days = account["purchaseleaddays"]
        assert supplier["delivery_time"] == (min(days, 365) if days and days >= 1 else None)
    cost = {r["id"]: r["costpricestandard"] for r in loaded_company.raw("items")}
    rows = by_id(flagged["supplier_products"])
    for item in loaded_company.raw("supplier_item"):
        row = rows[item["id"]]
        assert as_number(row["price"]) == money(cost[item["item"]])  # Product Cost
        assert row["minimum_purchase_quantity"] == 1  # useMOQ off
        assert row["lot_size"] == at_least_one(item["purchaselotsize"])  # useLOT_PurchaseLotSize
        assert row["preferred"] is False  # map_preferred_supplier off
        lead = item["purchaseleadtime"]
        assert row["delivery_time"] == (lead if lead and lead >= 1 else None)


def test_flags_change_orders_and_compositions(
    defaults: dict[str, list[dict]], flagged: dict[str, list[dict]],
    loaded_company: LoadedCompany,
) -> None:
    # Both sell-order sources, deduplicated: an invoice of a loaded sales order is not counted.
    sales_orders = {r["orderid"]: r for r in loaded_company.raw("sales_orders")}
    with_lines = {r["orderid"] for r in loaded_company.raw("sales_order_lines") if r["item"]}
    invoices = {r["invoiceid"] for r in loaded_company.raw("sales_invoices")
                if r["salesorder"] is None or r["salesorder"] not in with_lines}
    sell_orders = by_id(flagged["sell_orders"])
    assert set(sell_orders) == (with_lines & set(sales_orders)) | invoices
    for order_id, order in sell_orders.items():
        if order_id in sales_orders:
            cancelled = sales_orders[order_id]["status"] == 45
            assert (order["deleted_at"] is not None) is cancelled  # Status 45 is a deletion
    assert any(o["deleted_at"] for o in sell_orders.values())

    # bo_completed_status ["20"] and use_assembly_orders
    assemblies = loaded_company.raw("assembly_orders")
    assert len(flagged["buy_orders"]) == len(defaults["buy_orders"]) + len(assemblies)
    per_order: dict[str, set[str]] = defaultdict(set)
    for line in loaded_company.raw("purchase_orders"):
        per_order[line["purchaseorderid"]].add(str(line["orderstatus"]))
    orders = by_id(flagged["buy_orders"])
    for order_id, statuses in per_order.items():
        assert (orders[order_id]["completed"] is not None) is (statuses == {"20"})
    assert sum(1 for o in orders.values() if o["assembly"]) == len(assemblies)

    # calc_part_quantity: part quantity per batch, rounded up, at least 1
    pairs = composition_pairs(loaded_company.raw("bill_of_material_materials"),
                              loaded_company.raw("bill_of_material_versions"))
    compositions = {(r["composed_product_id"], r["part_product_id"]): r
                    for r in flagged["product_compositions"]}
    changed = 0
    for pair, material in pairs.items():
        batch = material["quantitybatch"] or material["_batch"] or 1
        expected = max(1, math.ceil(material["quantity"] / batch))
        assert compositions[pair]["part_quantity"] == expected
        changed += expected != at_least_one(material["quantity"])
    assert changed > 0


# ---- deletions

def test_deletions_keep_the_row_and_mark_it(
    planning: ModuleType, defaults: dict[str, list[dict]], loaded_company: LoadedCompany,
) -> None:
    """Delete an item, a supplier and a purchase order in Exact; the next extract's tombstones
    make them deleted (disabled, ignored, lines cascaded), no row disappears, and the deleted rows
    keep their last values (the loader's tombstone row has only the key: the snapshots that the
    first build took give them back)."""
    company = loaded_company
    item = next(r for r in company.raw("items") if r["ispurchaseitem"])
    supplier = next(r for r in company.raw("accounts") if r["issupplier"])
    order_lines = company.raw("purchase_orders")
    order_id = order_lines[0]["purchaseorderid"]
    order_division = int(order_lines[0]["division"])
    company.sandbox.delete_rows(int(item["division"]), "logistics/Items", [item["id"]])
    company.sandbox.delete_rows(int(supplier["division"]), "crm/Accounts", [supplier["id"]])
    company.sandbox.delete_rows(order_division, "purchaseorder/PurchaseOrders", [order_id])

    copy = company.work_dir / "after_deletions.duckdb"
    copy.write_bytes(company.db.path.read_bytes())
    company.extract_again(copy)
    after_db = type(company.db)(copy, company.db.python)
    result = planning.run_dbt(
        ["build", "--exclude", "test_type:unit"], planning.dbt_env(copy, schema="planning"),
        company.work_dir / "dbt-deletions", {"planning_date": PLANNING_DATE},
    )
    assert result.returncode == 0, planning.dbt_failures(result.stdout)

    def mart(entity: str) -> dict[str, dict[str, Any]]:
        return by_id(after_db.rows(f"select * from {after_db.name('planning', entity)}"))

    products, suppliers = mart("products"), mart("suppliers")
    assert set(products) == {r["remote_id"] for r in defaults["products"]}  # nothing dropped
    assert products[item["id"]]["deleted_at"] is not None
    assert products[item["id"]]["status"] == "disabled"
    assert sum(1 for p in products.values() if p["deleted_at"]) == 1
    before = by_id(defaults["products"])[item["id"]]
    kept = ("name", "sku_code", "article_code", "ean_code", "price", "unlimited_stock", "assembled")
    assert {k: products[item["id"]][k] for k in kept} == {k: before[k] for k in kept}
    # A deletion moves updated_at (a planner diffs on it).
    assert products[item["id"]]["updated_at"] == products[item["id"]]["deleted_at"]
    assert products[item["id"]]["updated_at"] > before["updated_at"]
    assert suppliers[supplier["id"]]["name"] == supplier["name"]
    assert suppliers[supplier["id"]]["ignored"] is True
    assert suppliers[supplier["id"]]["deleted_at"] is not None
    assert set(suppliers) == {r["remote_id"] for r in defaults["suppliers"]}

    orders, lines = mart("buy_orders"), mart("buy_order_lines")
    assert orders[order_id]["deleted_at"] is not None
    expected_lines = {r["id"] for r in order_lines if r["purchaseorderid"] == order_id}
    deleted_lines = {k for k, v in lines.items() if v["deleted_at"] is not None}
    assert deleted_lines == expected_lines
    assert set(lines) == {r["remote_id"] for r in defaults["buy_order_lines"]}


def test_more_flags_change_products_and_supplier_products(
    flagged_more: dict[str, list[dict]], loaded_company: LoadedCompany
) -> None:
    company = loaded_company
    versions = {v["id"]: v for v in live(company.raw("bill_of_material_versions"))}
    with_bom = {versions[m["itemversion"]]["item"]
                for m in live(company.raw("bill_of_material_materials"))
                if m["itemversion"] in versions}
    factor = {r["id"]: 10 if (r["unit"] or "").strip() == "pc" else 1 for r in company.raw("items")}
    products = by_id(flagged_more["products"])
    for item in company.raw("items"):
        row = products[item["id"]]
        assert row["stock_level"] is None  # map_stockLevel off
        assert row["assembled"] is (item["id"] in with_bom)  # use_BOM_to_prodAssembled
        unit = (item["unit"] or "").strip()
        assert row["stock_measurement_unit"] == ("piece/10" if unit == "pc" else unit)
    assert with_bom and any(not p["assembled"] for p in products.values())

    purchase_prices: dict[tuple[str, str], Any] = {}
    ranked = sorted(
        (r for r in live(company.raw("purchase_item_prices")) if valid_on(r, DAY)),
        key=lambda r: (as_number(r["quantity"]) or 0, -day_ordinal(r.get("startdate")), r["id"]),
        reverse=True)
    for price in ranked:  # the best ranked is written last
        purchase_prices[(price["item"], price["account"])] = price["price"]
    rows = by_id(flagged_more["supplier_products"])
    for item in company.raw("supplier_item"):
        row = rows[item["id"]]
        assert row["lot_size"] == 1  # useLOT off
        assert row["minimum_purchase_quantity"] == at_least_one(
            (as_number(item["minimumquantity"]) or 0) * factor[item["item"]])  # unit_factors
        assert as_number(row["price"]) == money(
            purchase_prices.get((item["item"], item["supplier"])))  # Purchase Prices
    assert any(r["price"] is not None for r in rows.values())


def test_more_flags_change_orders_and_compositions(
    defaults: dict[str, list[dict]], flagged_more: dict[str, list[dict]],
    loaded_company: LoadedCompany, customer: str,
) -> None:
    company = loaded_company
    # Sales orders only, completed only (Status 21), no drop shipments, not this customer.
    orders = {r["orderid"]: r for r in company.raw("sales_orders")}
    kept: dict[str, set[str]] = defaultdict(set)
    for line in company.raw("sales_order_lines"):
        order = orders.get(line["orderid"])
        if (order is None or not line["item"] or order["status"] != 21
                or line["usedropshipment"] == 1 or order["orderedby"] == customer):
            continue
        kept[line["orderid"]].add(line["item"])
    sell_orders = by_id(flagged_more["sell_orders"])
    assert set(sell_orders) == set(kept)
    assert {r["source"] for r in sell_orders.values()} == {"sales_order"}
    assert all(o["completed"] is not None for o in sell_orders.values())
    lines = {(r["sell_order_id"], r["product_id"]) for r in flagged_more["sell_order_lines"]}
    assert lines == {(order, item) for order, items in kept.items() for item in items}

    # Shop orders as buy orders; values in the order currency (AmountFC)
    shop_orders = company.raw("shop_orders")
    buy_orders = by_id(flagged_more["buy_orders"])
    assert len(buy_orders) == len(defaults["buy_orders"]) + len(shop_orders)
    assert {o["remote_id"] for o in buy_orders.values() if o["assembly"]} == {
        r["id"] for r in shop_orders}
    fc: dict[str, Any] = defaultdict(int)
    for line in company.raw("purchase_orders"):
        fc[line["purchaseorderid"]] += as_number(line["amountfc"]) or 0
    for order_id, total in fc.items():
        assert as_number(buy_orders[order_id]["total_value"]) == money(total)

    # Default BOM versions only; part quantities in converted units
    pairs = composition_pairs(company.raw("bill_of_material_materials"),
                              company.raw("bill_of_material_versions"), default_only=True)
    factor = {r["id"]: 10 if (r["unit"] or "").strip() == "pc" else 1 for r in company.raw("items")}
    compositions = {(r["composed_product_id"], r["part_product_id"]): r
                    for r in flagged_more["product_compositions"]}
    assert set(compositions) == set(pairs)
    assert len(pairs) < len(defaults["product_compositions"])
    for pair, material in pairs.items():
        assert compositions[pair]["part_quantity"] == at_least_one(
            (as_number(material["quantity"]) or 0) * factor[pair[1]])
