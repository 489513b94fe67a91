"""Goods receipts: what arrived against a purchase order, in one or two deliveries, and now and
then a return (a negative receipt line documented by a purchase return).
"""

from __future__ import annotations

import math

from exact_sandbox.company.chart import PO_COMPLETE
from exact_sandbox.company.context import Company
from exact_sandbox.company.model import Account


def goods_receipts(c: Company, po: dict, lines: list[dict], supplier: Account, age: int) -> None:
    """Goods receipts adding up to each line's ReceivedQuantity; some include a return."""
    split = po["OrderStatus"] == PO_COMPLETE and c.rng.random() < 0.2
    parts: list[dict[str, float]] = []
    if split:
        first = {ln["ID"]: float(math.floor(ln["ReceivedQuantity"] / 2)) for ln in lines}
        parts = [first, {ln["ID"]: ln["ReceivedQuantity"] - first[ln["ID"]] for ln in lines}]
    else:
        parts = [{ln["ID"]: ln["ReceivedQuantity"] for ln in lines}]
    # at least one return per division, so every scale shows negative receipt lines
    returned = c.rng.random() < 0.06 or not c.sink.counts["purchaseorder/PurchaseReturns"]
    receipt_age = max(0, age - supplier.lead_days)
    for n, part in enumerate(parts):
        rid = c.v.guid()
        number = c.v.seq("receipt", 1)
        rlines = []
        for line_no, ln in enumerate(lines, start=1):
            qty = part[ln["ID"]]
            if qty <= 0:
                continue
            rlines.append(
                {
                    "ID": c.v.guid(),
                    "GoodsReceiptID": rid,
                    "LineNumber": line_no,
                    "Item": ln["Item"],
                    "ItemCode": ln["ItemCode"],
                    "ItemDescription": ln["ItemDescription"],
                    "Description": ln["Description"],
                    "ItemUnitCode": ln["Unit"],
                    "PurchaseOrderID": po["PurchaseOrderID"],
                    "PurchaseOrderLineID": ln["ID"],
                    "PurchaseOrderNumber": po["OrderNumber"],
                    "QuantityOrdered": ln["Quantity"],
                    "QuantityReceived": qty,
                    "SupplierItemCode": ln["SupplierItemCode"],
                    "Location": None,
                    "Rebill": False,
                    **c.audit(receipt_age),
                }
            )
        last = n == len(parts) - 1
        if returned and last and rlines:
            # a return: a negative receipt line, and the PurchaseReturn that documents it
            victim = rlines[0]
            back = float(max(1, math.floor(victim["QuantityReceived"] * 0.25)))
            neg = dict(victim, ID=c.v.guid(), LineNumber=len(lines) + 1, QuantityReceived=-back)
            rlines.append(neg)
            for ln in lines:
                if ln["ID"] == victim["PurchaseOrderLineID"]:
                    ln["ReceivedQuantity"] -= back
            _purchase_return(
                c,
                po,
                supplier=supplier,
                receipt_line=victim,
                qty=back,
                age=receipt_age,
                receipt_number=number,
            )
        if not rlines:
            continue
        c.add(
            "purchaseorder/GoodsReceipts",
            {
                "ID": rid,
                "ReceiptNumber": number,
                "EntryNumber": c.next_entry(),
                "ReceiptDate": c.v.day(-receipt_age),
                "Supplier": supplier.id,
                "SupplierCode": supplier.code,
                "SupplierName": supplier.name,
                "SupplierContact": supplier.contact,
                "SupplierContactFullName": supplier.contact_name,
                "Warehouse": po["Warehouse"],
                "WarehouseCode": po["WarehouseCode"],
                "WarehouseDescription": po["WarehouseDescription"],
                "YourRef": po["YourRef"],
                "Description": f"Receipt PO {po['OrderNumber']}",
                "GoodsReceiptLineCount": len(rlines),
                **c.audit(receipt_age),
            },
        )
        for rl in rlines:
            c.add("purchaseorder/GoodsReceiptLines", rl)
        receipt_age = max(0, receipt_age - c.rng.randint(1, 10))


def _purchase_return(
    c: Company,
    po: dict,
    *,
    supplier: Account,
    receipt_line: dict,
    qty: float,
    age: int,
    receipt_number: int,
) -> None:
    rid = c.v.guid()
    c.add(
        "purchaseorder/PurchaseReturns",
        {
            "ID": rid,
            "ReturnNumber": c.v.seq("return", 1),
            "ReturnDate": c.v.day(-age),
            "Supplier": supplier.id,
            "SupplierContact": supplier.contact,
            "SupplierContactFullName": supplier.contact_name,
            "Status": 20,
            "Warehouse": po["Warehouse"],
            "WarehouseCode": po["WarehouseCode"],
            "WarehouseDescription": po["WarehouseDescription"],
            "YourRef": po["YourRef"],
            "Description": "Damaged on arrival",
            **c.audit(age),
        },
    )
    c.add(
        "purchaseorder/PurchaseReturnLines",
        {
            "ID": c.v.guid(),
            "EntryID": rid,
            "LineNumber": 1,
            "GoodsReceiptLineID": receipt_line["ID"],
            "Item": receipt_line["Item"],
            "ItemCode": receipt_line["ItemCode"],
            "ItemDescription": receipt_line["ItemDescription"],
            "PurchaseOrderLineID": receipt_line["PurchaseOrderLineID"],
            "PurchaseOrderNumber": po["OrderNumber"],
            "ReceiptNumber": receipt_number,
            "ReceivedQuantity": receipt_line["QuantityReceived"],
            "ReturnQuantity": qty,
            "ReturnReasonCodeDescription": "Damaged",
            "CreateCredit": True,
            "UnitCode": receipt_line["ItemUnitCode"],
            "SupplierItemCode": receipt_line["SupplierItemCode"],
            **c.audit(age),
        },
    )
