"""Sales: orders and lines, goods deliveries, drop-shipped lines (bought from a drop-ship
supplier who delivers directly) and the invoices of what was delivered. Open lines add to
the stock's planned out.
"""

from __future__ import annotations

import math
from collections import defaultdict

from exact_sandbox.company.chart import (
    PO_COMPLETE,
    PO_OPEN,
    SO_CANCELLED,
    SO_COMPLETE,
    SO_OPEN,
    SO_PARTIAL,
    STATUS_TEXT,
    VAT,
)
from exact_sandbox.company.context import Company
from exact_sandbox.company.invoices import direct_invoice, sales_invoice
from exact_sandbox.company.model import Account, Item, SupplierItem
from exact_sandbox.company.purchasing import finish_purchase, purchase_header, purchase_line


def sales(c: Company) -> None:
    sellable = [i for i in c.items if i.is_sales and not i.ended] or [
        i for i in c.items if i.is_sales
    ]
    invoice_no = c.v.today.year * 10000
    for n in range(1, c.spec.sales_orders + 1):
        customer = c.v.pick(c.customers)
        statuses = ((SO_OPEN, 28), (SO_PARTIAL, 10), (SO_COMPLETE, 57), (SO_CANCELLED, 5))
        status = statuses[n - 1][0] if n <= len(statuses) else c.weighted(statuses)
        age = (
            c.rng.randint(0, 30)
            if status in (SO_OPEN, SO_PARTIAL)
            else c.rng.randint(3, c.spec.history_days)
        )
        header = _order_header(c, n, customer, status, age)
        lines = []
        total = vat_total = 0.0
        for line_no, item in enumerate(
            c.rng.sample(sellable, min(len(sellable), c.rng.randint(1, 5))), start=1
        ):
            line = _order_line(c, header, line_no, item, age)
            lines.append(line)
            total += line["AmountFC"]
            vat_total += line["VATAmount"]
            if line["UseDropShipment"]:
                c.drop_lines.append((header, line))
            elif item.is_stock and status in (SO_OPEN, SO_PARTIAL):
                c.planned_out[(item.id, header["WarehouseID"])] += (
                    line["Quantity"] - line["QuantityDelivered"]
                )
        header.update(
            {
                "AmountFC": round(total, 2),
                "AmountDC": round(total, 2),
                "AmountFCExclVat": round(total, 2),
                "VATAmount": round(vat_total, 2),
                "AmountDiscount": 0.0,
                "AmountDiscountExclVat": 0.0,
                "Discount": 0.0,
            }
        )
        # drop-ship lines get their purchase order link before being written
        c.add("salesorder/SalesOrders", header)
        _drop_ship_orders(c, header, lines, age)
        for line in lines:
            c.add("salesorder/SalesOrderLines", line)
        delivered_lines = [ln for ln in lines if ln["QuantityDelivered"] > 0]
        if delivered_lines:
            _delivery(c, header, delivered_lines, customer, age)
            invoice_no += 1
            sales_invoice(c, invoice_no, customer, delivered_lines, age, order=header)
    for _ in range(c.spec.direct_invoices):
        invoice_no += 1
        direct_invoice(c, invoice_no, sellable, c.rng.randint(1, c.spec.history_days))


def _order_header(c: Company, n: int, customer: Account, status: int, age: int) -> dict:
    wh = c.warehouses[0]
    oid = c.v.guid()
    sp, sp_name = c.v.pick(c.users)
    return {
        "OrderID": oid,
        "OrderNumber": n,
        "OrderDate": c.v.day(-age),
        "DeliveryDate": c.v.day(-age + c.rng.randint(1, 14)),
        "OrderedBy": customer.id,
        "OrderedByName": customer.name,
        "OrderedByContactPerson": customer.contact,
        "OrderedByContactPersonFullName": customer.contact_name,
        "InvoiceTo": customer.id,
        "InvoiceToName": customer.name,
        "DeliverTo": customer.id,
        "DeliverToName": customer.name,
        "DeliveryAddress": customer.address,
        "Currency": "EUR",
        "Status": status,
        "StatusDescription": STATUS_TEXT[status],
        "DeliveryStatus": status,
        "DeliveryStatusDescription": STATUS_TEXT[status],
        "InvoiceStatus": status,
        "InvoiceStatusDescription": STATUS_TEXT[status],
        "ApprovalStatus": 1,
        "Salesperson": sp,
        "SalespersonFullName": sp_name,
        "WarehouseID": wh.id,
        "WarehouseCode": wh.code,
        "WarehouseDescription": wh.description,
        "PaymentCondition": "30",
        "YourRef": f"PO{c.rng.randint(10000, 99999)}" if c.rng.random() < 0.6 else None,
        "Description": f"Order {customer.name}",
        **c.audit(age),
    }


def _order_line(c: Company, header: dict, line_no: int, item: Item, age: int) -> dict:
    status = header["Status"]
    qty = float(c.rng.randint(1, 20))
    delivered = {
        SO_OPEN: 0.0,
        SO_PARTIAL: float(c.rng.randint(0, int(qty))),
        SO_COMPLETE: qty,
        SO_CANCELLED: 0.0,
    }[status]
    discount = c.v.pick((0.0, 0.0, 0.0, 0.05, 0.1))
    net = round(item.price * (1 - discount), 2)
    amount = round(net * qty, 2)
    pct = VAT[item.vat_code][1]
    drop = int(item.on_demand and c.rng.random() < 0.5 and status != SO_CANCELLED)
    return {
        "ID": c.v.guid(),
        "OrderID": header["OrderID"],
        "OrderNumber": header["OrderNumber"],
        "LineNumber": line_no,
        "Item": item.id,
        "ItemCode": item.code,
        "ItemDescription": item.description,
        "Description": item.description,
        "Quantity": qty,
        "QuantityDelivered": delivered,
        "QuantityInvoiced": delivered if status in (SO_PARTIAL, SO_COMPLETE) else 0.0,
        "UnitCode": item.unit.code,
        "UnitDescription": item.unit.description,
        "UnitPrice": item.price,
        "NetPrice": net,
        "Discount": discount,
        "AmountFC": amount,
        "AmountDC": amount,
        "VATCode": item.vat_code,
        "VATCodeDescription": VAT[item.vat_code][0],
        "VATPercentage": pct,
        "VATAmount": round(amount * pct, 2),
        "CostPriceFC": item.cost,
        "Margin": round(amount - item.cost * qty, 2),
        "DeliveryDate": header["DeliveryDate"],
        "Status": status,
        "StatusDescription": STATUS_TEXT[status],
        "DeliveryStatus": status,
        "DeliveryStatusDescription": STATUS_TEXT[status],
        "OrderStatus": status,
        "InvoiceStatus": status,
        "InvoiceStatusDescription": STATUS_TEXT[status],
        "UseDropShipment": drop,
        **c.audit(age),
    }


def _drop_ship_orders(c: Company, header: dict, lines: list[dict], age: int) -> None:
    """A drop-shipped sales line is bought from a drop-ship supplier who delivers directly."""
    drop = [ln for ln in lines if ln["UseDropShipment"]]
    if not drop:
        return
    by_supplier: dict[str, list[tuple[dict, SupplierItem]]] = defaultdict(list)
    for ln in drop:
        si = c.main_supplier.get(ln["Item"])
        if si is None:
            ln["UseDropShipment"] = 0
            continue
        by_supplier[si.supplier.id].append((ln, si))
    for pairs in by_supplier.values():
        supplier = pairs[0][1].supplier
        status = PO_COMPLETE if header["Status"] == SO_COMPLETE else PO_OPEN
        po = purchase_header(c, supplier, status, age, drop_ship=header)
        po_lines = []
        for line_no, (ln, si) in enumerate(pairs, start=1):
            qty_pu = math.ceil(ln["Quantity"] / si.factor)
            pol = purchase_line(c, po, line_no, si, qty_pu=qty_pu, status=status, age=age)
            pol.update(
                {
                    "SalesOrder": header["OrderID"],
                    "SalesOrderLine": ln["ID"],
                    "SalesOrderLineNumber": ln["LineNumber"],
                    "SalesOrderNumber": header["OrderNumber"],
                }
            )
            ln.update(
                {
                    "PurchaseOrder": po["PurchaseOrderID"],
                    "PurchaseOrderLine": pol["ID"],
                    "PurchaseOrderLineNumber": line_no,
                    "PurchaseOrderNumber": po["OrderNumber"],
                }
            )
            po_lines.append(pol)
        finish_purchase(c, po, po_lines)
        if header["Status"] == SO_COMPLETE:
            _drop_shipment(c, header, pairs, po_lines, age)


def _drop_shipment(
    c: Company, header: dict, pairs: list[tuple[dict, SupplierItem]], po_lines: list[dict], age: int
) -> None:
    eid = c.v.guid()
    c.add(
        "salesorder/DropShipments",
        {
            "EntryID": eid,
            "EntryNumber": c.next_entry(),
            "DeliveryNumber": c.next_entry(),
            "DeliveryAccount": header["DeliverTo"],
            "DeliveryAccountName": header["DeliverToName"],
            "DeliveryAddress": header["DeliveryAddress"],
            "DeliveryDate": header["DeliveryDate"],
            "Description": f"Drop shipment order {header['OrderNumber']}",
            **c.audit(age),
        },
    )
    for line_no, ((ln, _si), pol) in enumerate(zip(pairs, po_lines, strict=True), start=1):
        c.add(
            "salesorder/DropShipmentLines",
            {
                "ID": c.v.guid(),
                "EntryID": eid,
                "LineNumber": line_no,
                "Item": ln["Item"],
                "ItemCode": ln["ItemCode"],
                "ItemDescription": ln["ItemDescription"],
                "QuantityOrdered": ln["Quantity"],
                "QuantityDelivered": ln["Quantity"],
                "SalesOrderLineID": ln["ID"],
                "SalesOrderLineNumber": ln["LineNumber"],
                "SalesOrderNumber": header["OrderNumber"],
                "PurchaseOrderLineID": pol["ID"],
                "DeliveryDate": header["DeliveryDate"],
                "Unitcode": ln["UnitCode"],
                **c.audit(age),
            },
        )


def _delivery(c: Company, header: dict, lines: list[dict], customer: Account, age: int) -> None:
    stock_lines = [ln for ln in lines if not ln["UseDropShipment"]]
    if not stock_lines:
        return
    eid = c.v.guid()
    wh = c.warehouses[0]
    c.add(
        "salesorder/GoodsDeliveries",
        {
            "EntryID": eid,
            "EntryNumber": c.next_entry(),
            "DeliveryNumber": c.next_entry(),
            "DeliveryAccount": customer.id,
            "DeliveryAccountCode": customer.code,
            "DeliveryAccountName": customer.name,
            "DeliveryAddress": customer.address,
            "DeliveryContact": customer.contact,
            "DeliveryContactPersonFullName": customer.contact_name,
            "DeliveryDate": header["DeliveryDate"],
            "Warehouse": wh.id,
            "WarehouseCode": wh.code,
            "WarehouseDescription": wh.description,
            "Description": f"Delivery order {header['OrderNumber']}",
            **c.audit(age),
        },
    )
    for line_no, ln in enumerate(stock_lines, start=1):
        c.add(
            "salesorder/GoodsDeliveryLines",
            {
                "ID": c.v.guid(),
                "EntryID": eid,
                "LineNumber": line_no,
                "Item": ln["Item"],
                "ItemCode": ln["ItemCode"],
                "ItemDescription": ln["ItemDescription"],
                "QuantityOrdered": ln["Quantity"],
                "QuantityDelivered": ln["QuantityDelivered"],
                "SalesOrderLineID": ln["ID"],
                "SalesOrderLineNumber": ln["LineNumber"],
                "SalesOrderNumber": header["OrderNumber"],
                "DeliveryDate": header["DeliveryDate"],
                "Unitcode": ln["UnitCode"],
                **c.audit(age),
            },
        )
