"""Purchasing: purchase orders and lines from the supplier items, with goods receipts for what
arrived and the supplier's invoice for completed orders. Open lines add to the stock's
planned in; drop-ship orders (made by sales) reuse the header and line builders.
"""

from __future__ import annotations

import math

from exact_sandbox.company.chart import PO_CANCELLED, PO_COMPLETE, PO_OPEN, PO_PARTIAL, VAT
from exact_sandbox.company.context import Company
from exact_sandbox.company.invoices import purchase_entry
from exact_sandbox.company.model import Account, SupplierItem
from exact_sandbox.company.receipts import goods_receipts


def purchase_header(
    c: Company, supplier: Account, status: int, age: int, drop_ship: dict | None = None
) -> dict:
    wh = c.warehouses[0] if drop_ship or c.rng.random() < 0.8 else c.v.pick(c.warehouses)
    agent, agent_name = c.v.pick(c.users)
    number = c.v.seq("po", 1)
    header = {
        "PurchaseOrderID": c.v.guid(),
        "OrderNumber": number,
        "OrderDate": c.v.day(-age),
        "Supplier": supplier.id,
        "SupplierCode": supplier.code,
        "SupplierName": supplier.name,
        "SupplierContact": supplier.contact,
        "SupplierContactPersonFullName": supplier.contact_name,
        "Currency": supplier.currency,
        "ExchangeRate": 1.0 if supplier.currency == "EUR" else round(c.rng.uniform(0.85, 1.2), 4),
        "OrderStatus": status,
        "ReceiptStatus": {PO_OPEN: 10, PO_PARTIAL: 20, PO_COMPLETE: 30, PO_CANCELLED: 10}[status],
        "InvoiceStatus": 30 if status == PO_COMPLETE else 10,
        "ReceiptDate": c.v.day(-age + supplier.lead_days),
        "Warehouse": wh.id,
        "WarehouseCode": wh.code,
        "WarehouseDescription": wh.description,
        "PurchaseAgent": agent,
        "PurchaseAgentFullName": agent_name,
        "ApprovalStatus": 1,
        "DropShipment": drop_ship is not None,
        "PaymentCondition": "30",
        "Description": f"Purchase {supplier.name}",
        "Source": 1,
        "YourRef": (f"OPT-{c.rng.randint(100000, 999999)}" if c.rng.random() < 0.25 else None),
        **c.audit(age),
    }
    if drop_ship:
        header.update(
            {
                "SalesOrder": drop_ship["OrderID"],
                "SalesOrderNumber": drop_ship["OrderNumber"],
                "DeliveryAccount": drop_ship["DeliverTo"],
                "DeliveryAccountName": drop_ship["DeliverToName"],
                "DeliveryAddress": drop_ship["DeliveryAddress"],
            }
        )
    return header


def purchase_line(
    c: Company, po: dict, line_no: int, si: SupplierItem, *, qty_pu: float, status: int, age: int
) -> dict:
    item = si.item
    qty = qty_pu * si.factor
    received = {
        PO_OPEN: 0.0,
        PO_PARTIAL: float(math.floor(qty * c.rng.uniform(0.2, 0.8))),
        PO_COMPLETE: qty,
        PO_CANCELLED: 0.0,
    }[status]
    discount = c.v.pick((0.0, 0.0, 0.02, 0.05))
    net = round(si.price * (1 - discount), 4)
    amount = round(net * qty_pu, 2)
    receipt = (
        po["ReceiptDate"]
        if c.rng.random() < 0.8
        else c.v.day(-age + si.lead + c.rng.randint(-3, 10))
    )
    return {
        "ID": c.v.guid(),
        "PurchaseOrderID": po["PurchaseOrderID"],
        "LineNumber": line_no,
        "Item": item.id,
        "ItemCode": item.code,
        "ItemDescription": item.description,
        "ItemBarcode": item.barcode,
        "Description": item.description,
        "SupplierItemCode": si.code_at_supplier,
        "QuantityInPurchaseUnits": float(qty_pu),
        "Quantity": qty,
        "Unit": si.unit_code,
        "UnitDescription": "Box" if si.factor != 1 else item.unit.description,
        "UnitPrice": si.price,
        "NetPrice": net,
        "Discount": discount,
        "AmountFC": amount,
        "AmountDC": round(amount * po["ExchangeRate"], 2),
        "VATCode": "2",
        "VATDescription": VAT["2"][0],
        "VATPercentage": 0.21,
        "VATAmount": round(amount * 0.21, 2),
        "ReceiptDate": receipt,
        "ReceivedQuantity": received,
        "InvoicedQuantity": received if status == PO_COMPLETE else 0.0,
        "ItemDivisable": item.unit.code.strip() in ("kg", "m", "l"),
        "IsBatchNumberItem": 0,
        "IsSerialNumberItem": 0,
        **c.audit(age),
    }


def finish_purchase(c: Company, po: dict, lines: list[dict]) -> None:
    total = round(sum(ln["AmountFC"] for ln in lines), 2)
    po.update(
        {
            "AmountFC": total,
            "AmountFCExclVat": total,
            "AmountDC": round(total * po["ExchangeRate"], 2),
            "VATAmount": round(sum(ln["VATAmount"] for ln in lines), 2),
            "AmountDiscount": 0.0,
            "AmountDiscountExclVat": 0.0,
            "Discount": 0.0,
            "PurchaseOrderLineCount": len(lines),
        }
    )
    c.add("purchaseorder/PurchaseOrders", po)
    for ln in lines:
        c.add("purchaseorder/PurchaseOrderLines", ln)
        if po["OrderStatus"] in (PO_OPEN, PO_PARTIAL) and not po["DropShipment"]:
            c.planned_in[(ln["Item"], po["Warehouse"])] += ln["Quantity"] - ln["ReceivedQuantity"]


def purchasing(c: Company) -> None:
    suppliers = [s for s in c.suppliers if c.by_supplier[s.id]]
    if not suppliers:
        return
    statuses = ((PO_OPEN, 30), (PO_PARTIAL, 12), (PO_COMPLETE, 53), (PO_CANCELLED, 5))
    for n in range(c.spec.purchase_orders):
        supplier = c.v.pick(suppliers)
        # the first orders show every status, even at the smallest scale
        status = statuses[n][0] if n < len(statuses) else c.weighted(statuses)
        age = (
            c.rng.randint(0, max(1, supplier.lead_days + 10))
            if status in (PO_OPEN, PO_PARTIAL)
            else c.rng.randint(supplier.lead_days + 1, c.spec.history_days + 60)
        )
        po = purchase_header(c, supplier, status, age)
        options = [si for si in c.by_supplier[supplier.id] if not si.item.ended]
        options = options or c.by_supplier[supplier.id]
        chosen = c.rng.sample(
            options,
            min(len(options), c.weighted(((1, 35), (2, 25), (3, 15), (5, 15), (8, 10)))),
        )
        lines = []
        for line_no, si in enumerate(chosen, start=1):
            qty_pu = max(si.moq, float(c.rng.randint(1, 40)))
            lines.append(purchase_line(c, po, line_no, si, qty_pu=qty_pu, status=status, age=age))
        if status in (PO_PARTIAL, PO_COMPLETE):
            goods_receipts(c, po, lines, supplier, age)  # may lower ReceivedQuantity (returns)
        finish_purchase(c, po, lines)
        if status == PO_COMPLETE and c.rng.random() < 0.85:
            purchase_entry(c, po, lines, supplier, age)
