"""HotGlue ``BuyOrders`` records -> ``purchaseorder/PurchaseOrders`` payloads (seed-001 rules).

Accepted fields (aliases in brackets): ``id`` (the source id: the external reference), ``remoteId``
(the Exact PurchaseOrderID when known), ``supplier_remoteId`` [``supplier_id``, ``supplier_code``]
(GUID or supplier code), ``transaction_date`` [``created_at``] (order date), ``receipt_date``
[``expected_delivery_date``, ``expectedDeliveryDate``] (overrides the receipt-date rule),
``Warehouse`` [``warehouse_remoteId``, ``warehouse_id``, ``warehouse_code``], ``reference``
(-> Description), ``description``, ``remarks``, ``currency``, ``division`` and ``line_items`` (a
list or a JSON string) with ``remoteId`` (Exact line ID), ``product_remoteId`` [``product_id``]
(item GUID or code), ``sku``, ``quantity``, ``lot_size``, ``unit_price``, ``sub_total_price``
[``subtotal``, ``total_price``], ``receipt_date``, ``description``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from target_exact.mapping import fields as f
from target_exact.mapping.fields import RecordError
from target_exact.mapping.reference import check_reference
from target_exact.mapping.rules import (
    as_float,
    quantity_in_purchase_units,
    receipt_date,
    round_quantity,
    sku_sort_key,
    unit_factor_for,
)


@dataclass
class LineInput:
    index: int
    remote_id: str | None
    item_ref: str
    sku: str | None
    quantity: Decimal
    lot_size: Decimal | None
    unit_price: Decimal | None
    sub_total: Decimal | None
    receipt_date: date | None
    description: str | None

    @property
    def field(self) -> str:
        return f"line_items[{self.index}]"


@dataclass
class BuyOrderInput:
    source_id: str | None
    remote_id: str | None
    supplier_ref: str
    order_date: date
    receipt_date: date | None
    warehouse_ref: str | None
    reference: str | None
    description: str | None
    remarks: str | None
    currency: str | None
    lines: list[LineInput] = field(default_factory=list)


def parse_line(raw: dict[str, Any], index: int) -> LineInput:
    where = f"line_items[{index}]"
    sku = f.text(raw.get("sku"), f"{where}.sku")
    _name, item = f.first(raw, "product_remoteId", "product_id", "item_id", "sku")
    item_ref = f.text(item, f"{where}.product_remoteId")
    if item_ref is None:
        raise RecordError(f"{where}.product_remoteId", "is required (an item GUID, or a sku)")
    quantity = f.number(raw.get("quantity"), f"{where}.quantity", required=True)
    assert quantity is not None
    if quantity <= 0:
        raise RecordError(f"{where}.quantity", f"must be greater than 0, got {quantity}")
    remote_id = raw.get("remoteId") or None
    if remote_id is not None:
        remote_id = f.guid(remote_id, f"{where}.remoteId")
    _, sub_total = f.first(raw, "sub_total_price", "subtotal", "total_price")
    return LineInput(
        index=index,
        remote_id=remote_id,
        item_ref=item_ref,
        sku=sku,
        quantity=quantity,
        lot_size=f.number(raw.get("lot_size"), f"{where}.lot_size"),
        unit_price=f.number(raw.get("unit_price"), f"{where}.unit_price"),
        sub_total=f.number(sub_total, f"{where}.sub_total_price"),
        receipt_date=f.day(raw.get("receipt_date"), f"{where}.receipt_date"),
        description=f.text(raw.get("description"), f"{where}.description"),
    )


def reference_field(settings: Any) -> str:  # settings.Settings
    """The Exact field that carries a buy order's source id (transfers have no YourRef)."""
    return "Description" if settings.export_stock_transfers else settings.external_reference_field


def parse_buy_order(record: dict[str, Any], ref_field: str = "YourRef") -> BuyOrderInput:
    """Validate a BuyOrders record without calling Exact; raises :class:`RecordError`.

    ``ref_field``: the Exact field the source id goes into (its external reference).
    """
    source_id = check_reference(f.text(record.get("id"), "id"), "id", ref_field)
    remote_id = record.get("remoteId") or None
    if remote_id is not None:
        remote_id = f.guid(remote_id, "remoteId")
    sup_name, sup = f.first(record, "supplier_remoteId", "supplier_id", "supplier_code")
    supplier_ref = f.text(sup, sup_name)
    if supplier_ref is None:
        raise RecordError("supplier_remoteId", "is required (a supplier GUID or code)")
    date_name, raw_date = f.first(record, "transaction_date", "created_at")
    order_date = f.day(raw_date, date_name, required=True)
    assert order_date is not None
    rd_name, rd = f.first(record, "receipt_date", "expected_delivery_date", "expectedDeliveryDate")
    wh_name, wh = f.first(
        record, "Warehouse", "warehouse_remoteId", "warehouse_id", "warehouse_code"
    )
    raw_lines = f.json_list(record.get("line_items"), "line_items")
    if not raw_lines:
        raise RecordError("line_items", "an order needs at least one line")
    lines = [parse_line(raw, i) for i, raw in enumerate(raw_lines)]
    return BuyOrderInput(
        source_id=source_id,
        remote_id=remote_id,
        supplier_ref=supplier_ref,
        order_date=order_date,
        receipt_date=f.day(rd, rd_name),
        warehouse_ref=f.text(wh, wh_name),
        reference=f.text(record.get("reference"), "reference"),
        description=f.text(record.get("description"), "description"),
        remarks=f.text(record.get("remarks"), "remarks"),
        currency=f.text(record.get("currency"), "currency"),
        lines=lines,
    )


@dataclass
class DesiredLine:
    """One purchase order line as it should be in Exact."""

    remote_id: str | None
    code: str | None
    body: dict[str, Any]  # Exact fields (Item, QuantityInPurchaseUnits, ReceiptDate, prices)


@dataclass
class PurchaseOrderPlan:
    header: dict[str, Any]  # header fields, without PurchaseOrderLines
    lines: list[DesiredLine]

    def create_body(self) -> dict[str, Any]:
        return {**self.header, "PurchaseOrderLines": [dict(line.body) for line in self.lines]}


def build_purchase_order(
    order: BuyOrderInput,
    *,
    supplier: Any,  # lookups.Account
    items: dict[int, Any],  # line index -> lookups.Item
    supplier_factor: Any,  # (supplier_id, item_id) -> Decimal | None
    warehouse_id: str | None,
    settings: Any,  # settings.Settings
    external_reference: str | None,
) -> PurchaseOrderPlan:
    """The purchase order for a parsed buy order with resolved ids; raises :class:`RecordError`."""
    header_date = order.receipt_date or receipt_date(order.order_date, supplier.lead_days)
    header: dict[str, Any] = {
        "Supplier": supplier.id,
        "OrderDate": f.exact_date(order.order_date),
        "ReceiptDate": f.exact_date(header_date),
    }
    if supplier.account_manager:
        header["PurchaseAgent"] = supplier.account_manager
    if warehouse_id:
        header["Warehouse"] = warehouse_id
    if external_reference is not None:
        header[settings.external_reference_field] = external_reference
    description = order.description or order.reference
    if description:
        header["Description"] = description[:60]
    if order.remarks:
        header["Remarks"] = order.remarks
    if settings.amount_fc and settings.export_line_price and order.currency:
        header["Currency"] = order.currency

    planned: list[tuple[tuple[int, str, int], DesiredLine]] = []
    for line in order.lines:
        item = items[line.index]
        factor = unit_factor_for(settings.unit_factors, item_code=item.code, unit=item.unit)
        qty = quantity_in_purchase_units(
            line.quantity,
            line_lot_size=line.lot_size,
            supplier_factor=None
            if line.lot_size is not None
            else supplier_factor(supplier.id, item.id),
            unit_factor=factor,
            field=line.field,
        )
        if qty <= 0:
            raise RecordError(
                f"{line.field}.quantity",
                f"{line.quantity} / lot size rounds to 0 purchase units",
            )
        body: dict[str, Any] = {
            "Item": item.id,
            "QuantityInPurchaseUnits": as_float(qty),
            "ReceiptDate": f.exact_date(line.receipt_date or header_date),
        }
        if line.description:
            body["Description"] = line.description[:60]
        if settings.export_line_price:
            price = line.unit_price
            if price is None and line.sub_total is not None:
                price = line.sub_total / qty
            if price is not None:
                price = round_quantity(price)
                body["UnitPrice"] = as_float(price)
                body["NetPrice"] = as_float(price)
        code = item.code or line.sku
        planned.append((sku_sort_key(code, line.index), DesiredLine(line.remote_id, code, body)))
    planned.sort(key=lambda pair: pair[0])
    return PurchaseOrderPlan(header=header, lines=[p[1] for p in planned])
