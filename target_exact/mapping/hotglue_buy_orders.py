"""HotGlue ``BuyOrders`` records -> purchase orders as hotgluexyz/target-exact writes them.

The default ``buy_orders_mode`` (``hotglue``). Fields: ``id`` -> ``OrderNumber`` (an integer),
``reference`` -> ``YourRef``, ``transaction_date`` -> ``OrderDate``, ``created_at`` -> header
``ReceiptDate``, ``supplier_remoteId`` -> ``Supplier``; per line of ``line_items`` (a list or a
JSON string) ``product_remoteId`` -> ``Item``, ``quantity / (lot_size or 1)`` ->
``QuantityInPurchaseUnits`` (not rounded), ``sub_total_price`` / that quantity -> ``UnitPrice``,
``receipt_date`` (else the header's) -> ``ReceiptDate``. Lines keep their input order. The warehouse
comes from the config, never from the record. Supplier and item may also be given by code (they
are looked up either way, so an unknown one fails the record before anything is written).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from target_exact.mapping import fields as f
from target_exact.mapping.fields import RecordError
from target_exact.mapping.reference import check_reference

INT32_MAX = 2**31 - 1


@dataclass
class HotglueLine:
    index: int
    item_ref: str
    quantity: float
    lot_size: float  # ``lot_size or 1``, as HotGlue divides
    sub_total: float | None
    receipt_date: str | None  # Exact date-time text

    @property
    def field(self) -> str:
        return f"line_items[{self.index}]"


@dataclass
class HotglueBuyOrder:
    order_number: int | None  # the record's id
    your_ref: str | None  # the record's reference
    supplier_ref: str
    order_date: str  # Exact date-time text
    receipt_date: str | None
    lines: list[HotglueLine]


def skip_reason(record: dict[str, Any]) -> str | None:
    """Why HotGlue writes nothing for this record (``None``: it is written)."""
    if record.get("remoteId") not in (None, ""):
        return "remoteId is set: the order was exported before and is not written again"
    try:
        lines = f.json_list(record.get("line_items"), "line_items")
    except RecordError:
        return None  # not a list: the record fails when parsed, naming the field
    if not lines:
        return "no line_items: nothing to write"
    return None


def _float(value: Any, field: str, *, required: bool = False) -> float | None:
    number = f.number(value, field, required=required)
    return None if number is None else float(number)


def parse_hotglue_buy_order(record: dict[str, Any]) -> HotglueBuyOrder:
    """Validate a BuyOrders record without calling Exact; raises :class:`RecordError`."""
    order_number = None
    if record.get("id") not in (None, ""):
        order_number = f.integer(record.get("id"), "id")
        if order_number is None or not 0 < order_number <= INT32_MAX:
            raise RecordError(
                "id", f"becomes OrderNumber, a positive Int32 in Exact: got {record.get('id')!r}"
            )
    supplier = f.text(record.get("supplier_remoteId"), "supplier_remoteId")
    if supplier is None:
        raise RecordError("supplier_remoteId", "is required (a supplier GUID or code)")
    order_date = f.exact_datetime(record.get("transaction_date"), "transaction_date")
    if order_date is None:
        raise RecordError("transaction_date", "is required (the order date)")
    header_receipt = f.exact_datetime(record.get("created_at"), "created_at")
    lines = []
    for i, raw in enumerate(f.json_list(record.get("line_items"), "line_items")):
        where = f"line_items[{i}]"
        item = f.text(raw.get("product_remoteId"), f"{where}.product_remoteId")
        if item is None:
            raise RecordError(f"{where}.product_remoteId", "is required (an item GUID or code)")
        quantity = _float(raw.get("quantity"), f"{where}.quantity", required=True)
        assert quantity is not None
        if quantity <= 0:
            raise RecordError(f"{where}.quantity", f"must be greater than 0, got {quantity}")
        lot = _float(raw.get("lot_size"), f"{where}.lot_size")
        if lot is not None and lot < 0:
            raise RecordError(f"{where}.lot_size", f"must not be negative, got {lot}")
        lines.append(
            HotglueLine(
                index=i,
                item_ref=item,
                quantity=quantity,
                lot_size=lot or 1.0,
                sub_total=_float(raw.get("sub_total_price"), f"{where}.sub_total_price"),
                receipt_date=f.exact_datetime(raw.get("receipt_date"), f"{where}.receipt_date"),
            )
        )
    return HotglueBuyOrder(
        order_number=order_number,
        # YourRef finds the order again when there is no id: it must be storable as sent.
        your_ref=check_reference(
            f.text(record.get("reference"), "reference"), "reference", "YourRef"
        ),
        supplier_ref=supplier,
        order_date=order_date,
        receipt_date=header_receipt,
        lines=lines,
    )


def _number(value: float) -> float | int:
    return int(value) if value.is_integer() else value


def build_hotglue_purchase_order(
    order: HotglueBuyOrder,
    *,
    supplier_id: str,
    item_ids: dict[int, str],  # line index -> Exact item ID
    warehouse_id: str | None,
) -> dict[str, Any]:
    """The POST body (with ``PurchaseOrderLines``) HotGlue's sink sends, nulls left out."""
    body: dict[str, Any] = {"OrderDate": order.order_date, "Supplier": supplier_id}
    if order.order_number is not None:
        body["OrderNumber"] = order.order_number
    if order.your_ref is not None:
        body["YourRef"] = order.your_ref
    if order.receipt_date is not None:
        body["ReceiptDate"] = order.receipt_date
    if warehouse_id is not None:
        body["Warehouse"] = warehouse_id
    lines = []
    for line in order.lines:
        # Floats on purpose: the same numbers as HotGlue's Python division, not rounded.
        qty = line.quantity / line.lot_size
        out: dict[str, Any] = {
            "Item": item_ids[line.index],
            "QuantityInPurchaseUnits": _number(qty),
        }
        receipt = line.receipt_date or order.receipt_date
        if receipt is not None:
            out["ReceiptDate"] = receipt
        if line.sub_total:
            out["UnitPrice"] = _number(line.sub_total / qty)
        lines.append(out)
    body["PurchaseOrderLines"] = lines
    return body
