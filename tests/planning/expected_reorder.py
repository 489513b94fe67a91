"""reorder_points / reorder_proposals computed a second time, in Python, from the raw rows the
loader wrote (docs/planning.md, "reorder_points / reorder_proposals", is the spec of both)."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .expected import Row, at_least_one, live, product_status, stock_levels, whole
from .warehouse import as_day, as_number

COMPLETED_STATUSES = {"30", "40"}  # bo_completed_status default


@dataclass(frozen=True)
class ReorderParams:
    """The vars' defaults (planning/dbt_project.yml)."""

    window_days: int = 90
    review_days: int = 14
    safety_factor: Decimal = Decimal("1.25")
    default_delivery_days: int = 14


def reference(division: Any, supplier: str, product: str, day: date) -> str:
    key = f"{int(division)}|{supplier}|{product}|{day.isoformat()}"
    return "rp-" + hashlib.md5(key.encode()).hexdigest()[:27]  # an id, not security


def _tombstoned(rows: list[Row], key: str) -> set[str]:
    """Ids of deleted orders in a line-grained table (the tombstone row: line id = order id)."""
    return {r[key] for r in rows if r.get("_sdc_deleted_at") is not None and r["id"] == r[key]}


def demand(invoices: list[Row], day: date, window_days: int) -> dict[str, int]:
    """Invoiced quantity per item in (day - window, day]: one rounded line per item per invoice."""
    deleted = _tombstoned(invoices, "invoiceid")
    per_line: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in live(invoices):
        placed = as_day(row["invoicedate"])
        if row["invoiceid"] in deleted or not row.get("item") or placed is None:
            continue
        if day - timedelta(days=window_days) < placed <= day:
            per_line[(row["invoiceid"], row["item"])] += as_number(row["quantity"]) or 0
    out: dict[str, int] = defaultdict(int)
    for (_invoice, item), quantity in per_line.items():
        out[item] += whole(quantity)
    return {item: max(total, 0) for item, total in out.items()}


def open_quantities(raw: Callable[[str], list[Row]], lots: dict[tuple[str, str], int]) -> dict:
    """Per item: ordered minus received (receipts x lot size, returns negative) on the lines of
    live buy orders that are not complete, each line at least 0."""
    lines = raw("purchase_orders")
    deleted = _tombstoned(lines, "purchaseorderid")
    live_lines = [r for r in live(lines) if r["purchaseorderid"] not in deleted]
    # A line the latest read of its order did not emit was deleted from the order.
    latest: dict[str, str] = {}
    for row in live_lines:
        read_at = str(row.get("_sdc_order_read_at") or "")
        latest[row["purchaseorderid"]] = max(latest.get(row["purchaseorderid"], ""), read_at)
    live_lines = [r for r in live_lines
                  if str(r.get("_sdc_order_read_at") or "") == latest[r["purchaseorderid"]]]
    by_line = {r["id"]: r for r in live_lines}
    statuses: dict[str, set[str]] = defaultdict(set)
    for row in live_lines:
        statuses[row["purchaseorderid"]].add(str(row["orderstatus"]))
    received: dict[str, int] = defaultdict(int)
    for table, field, sign in (("goods_receipt_lines", "quantityreceived", 1),
                               ("purchase_return_lines", "returnquantity", -1)):
        for row in live(raw(table)):
            line = by_line.get(row["purchaseorderlineid"])
            lot = lots.get((line["item"], line["supplier"]), 1) if line else 1
            received[row["purchaseorderlineid"]] += whole(
                sign * (as_number(row[field]) or 0) * lot)
    out: dict[str, int] = defaultdict(int)
    for row in live_lines:
        if statuses[row["purchaseorderid"]] <= COMPLETED_STATUSES:
            continue
        ordered = whole(as_number(row["quantity"]) or 0)
        out[row["item"]] += max(ordered - received[row["id"]], 0)
    return out


def reorder_points(
    raw: Callable[[str], list[Row]], day: date, params: ReorderParams = ReorderParams()
) -> dict[str, dict[str, Any]]:
    """product id -> the reorder_points row expected for it (seed-001 defaults otherwise)."""
    accounts = {r["id"]: r for r in raw("accounts")}
    supplier_items = live(raw("supplier_item"))
    lots: dict[tuple[str, str], int] = {}
    for row in supplier_items:
        key = (row["item"], row["supplier"])
        lots[key] = max(lots.get(key, 1), at_least_one(row["purchaseunitfactor"]))

    preferred: dict[str, Row] = {}
    for row in sorted(supplier_items, key=lambda r: r["id"]):
        end = as_day(row.get("enddate"))
        supplier = accounts.get(row["supplier"])
        if (not row["mainsupplier"] or (end is not None and end <= day) or supplier is None
                or supplier.get("_sdc_deleted_at") is not None or not supplier.get("issupplier")):
            continue
        preferred.setdefault(row["item"], row)

    stock = stock_levels(raw("stock_positions"))
    safety: dict[str, Decimal] = defaultdict(Decimal)
    for row in live(raw("item_warehouses")):
        safety[row["item"]] += as_number(row.get("safetystock")) or 0
    sold = demand(raw("sales_invoices"), day, params.window_days)
    incoming = open_quantities(raw, lots)

    out: dict[str, dict[str, Any]] = {}
    for item in raw("items"):
        source = preferred.get(item["id"])
        if (source is None or product_status(item, day, {}) != "enabled"
                or not item.get("ispurchaseitem")):
            continue
        delivery = params.default_delivery_days  # sync_leadTime_* flags off
        minimum_stock = whole(safety[item["id"]]) if item["id"] in safety else 0
        need = (Decimal(sold.get(item["id"], 0) * (delivery + params.review_days))
                * params.safety_factor / params.window_days)
        point = math.ceil(round(need, 6)) + minimum_stock
        position = stock.get(item["id"], 0) + incoming.get(item["id"], 0)
        moq = at_least_one(source["minimumquantity"])
        lot = at_least_one(source["purchaseunitfactor"])
        proposed = math.ceil(max(point - position, moq) / lot) * lot if position < point else 0
        out[item["id"]] = {
            "product_id": item["id"],
            "division": int(item["division"]),
            "supplier_id": source["supplier"],
            "supplier_product_id": source["id"],
            "stock_level": stock.get(item["id"], 0),
            "open_quantity": incoming.get(item["id"], 0),
            "demand_quantity": sold.get(item["id"], 0),
            "delivery_time": delivery,
            "reorder_point": point,
            "minimum_purchase_quantity": moq,
            "lot_size": lot,
            "proposed_quantity": proposed,
            "reference": reference(item["division"], source["supplier"], item["id"], day),
        }
    return out


def buy_order_record(point: dict[str, Any], day: date) -> dict[str, Any]:
    """The BuyOrders record (hotglue mode) of one proposal, as scripts.proposals_singer sends it."""
    receipt = day + timedelta(days=point["delivery_time"])
    return {
        "reference": point["reference"],
        "division": point["division"],
        "supplier_remoteId": point["supplier_id"],
        "transaction_date": f"{day.isoformat()}T00:00:00Z",
        "created_at": f"{receipt.isoformat()}T00:00:00Z",
        "line_items": [{"product_remoteId": point["product_id"],
                        "quantity": point["proposed_quantity"], "lot_size": point["lot_size"]}],
    }
