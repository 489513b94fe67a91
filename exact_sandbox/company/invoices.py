"""Invoices and their bookkeeping: sales invoices (from orders and direct), the supplier's
purchase entries and purchase invoices, and the journal lines a processed invoice posts.
At large scale older direct invoices top the company up to its row target.
"""

from __future__ import annotations

from collections.abc import Iterator

from exact_sandbox.company.chart import (
    DIRECT_SALES_INVOICE,
    INV_CANCELLED,
    INV_DRAFT,
    INV_OPEN,
    INV_PROCESSED,
    SALES_INVOICE,
    STATUS_TEXT,
    VAT,
)
from exact_sandbox.company.context import Company
from exact_sandbox.company.finance import transaction_line
from exact_sandbox.company.model import Account, Item


def _invoice_status(c: Company, age: int) -> int:
    if age < 3:
        return c.weighted(((INV_DRAFT, 50), (INV_OPEN, 50)))
    return c.weighted(((INV_PROCESSED, 92), (INV_OPEN, 4), (INV_CANCELLED, 4)))


def sales_invoice(
    c: Company,
    number: int,
    customer: Account,
    so_lines: list[dict],
    age: int,
    *,
    order: dict | None,
) -> None:
    status = _invoice_status(c, age)
    inv_id = c.v.guid()
    inv_age = max(0, age - c.rng.randint(0, 3))
    lines = []
    for line_no, so in enumerate(so_lines, start=1):
        qty = so["QuantityDelivered"] if order else so["Quantity"]
        amount = round(so["NetPrice"] * qty, 2)
        pct = so["VATPercentage"]
        lines.append(
            {
                "ID": c.v.guid(),
                "InvoiceID": inv_id,
                "LineNumber": line_no,
                "Item": so["Item"],
                "ItemCode": so["ItemCode"],
                "ItemDescription": so["ItemDescription"],
                "Description": so["Description"],
                "Quantity": qty,
                "UnitCode": so["UnitCode"],
                "UnitDescription": so["UnitDescription"],
                "UnitPrice": so["UnitPrice"],
                "NetPrice": so["NetPrice"],
                "Discount": so["Discount"],
                "AmountFC": amount,
                "AmountDC": amount,
                "VATCode": so["VATCode"],
                "VATCodeDescription": so["VATCodeDescription"],
                "VATPercentage": pct,
                "VATAmountFC": round(amount * pct, 2),
                "VATAmountDC": round(amount * pct, 2),
                "DeliveryDate": so.get("DeliveryDate"),
                "GLAccount": c.gl["8000"][0],
                "GLAccountDescription": c.gl["8000"][1],
                "SalesOrder": order["OrderID"] if order else None,
                "SalesOrderLine": so["ID"] if order else None,
                "SalesOrderLineNumber": so["LineNumber"] if order else None,
                "SalesOrderNumber": order["OrderNumber"] if order else None,
            }
        )
    total = round(sum(ln["AmountFC"] for ln in lines), 2)
    vat = round(sum(ln["VATAmountFC"] for ln in lines), 2)
    drop = order is not None and any(so["UseDropShipment"] for so in so_lines)
    c.add(
        "salesinvoice/SalesInvoices",
        {
            "InvoiceID": inv_id,
            "InvoiceNumber": number,
            "InvoiceDate": c.v.day(-inv_age),
            "DueDate": c.v.day(-inv_age + 30),
            "OrderDate": c.v.day(-age),
            "OrderNumber": order["OrderNumber"] if order else None,
            "OrderedBy": customer.id,
            "OrderedByName": customer.name,
            "InvoiceTo": customer.id,
            "InvoiceToName": customer.name,
            "DeliverTo": customer.id,
            "DeliverToName": customer.name,
            "DeliverToAddress": customer.address,
            "Currency": "EUR",
            "Status": status,
            "StatusDescription": STATUS_TEXT[status],
            "Type": SALES_INVOICE if order else DIRECT_SALES_INVOICE,
            "TypeDescription": "Sales invoice" if order else "Direct sales invoice",
            "Journal": "70",
            "JournalDescription": "Sales journal",
            "AmountFC": round(total + vat, 2),
            "AmountDC": round(total + vat, 2),
            "AmountFCExclVat": total,
            "VATAmountFC": vat,
            "VATAmountDC": vat,
            "AmountDiscount": 0.0,
            "AmountDiscountExclVat": 0.0,
            "Discount": 0.0,
            "PaymentCondition": "30",
            "YourRef": order.get("YourRef") if order else None,
            "Description": ("Drop shipment " if drop else "") + f"invoice {number}",
            "Warehouse": None if drop else c.warehouses[0].id,
            **c.audit(inv_age),
        },
    )
    for ln in lines:
        c.add("salesinvoice/SalesInvoiceLines", ln)
    if status == INV_PROCESSED:
        _journal_sales(c, number, customer, lines, total=total, vat=vat, age=inv_age)


def direct_invoice(c: Company, number: int, sellable: list[Item], age: int) -> None:
    customer = c.v.pick(c.customers)
    pseudo = []
    for line_no, item in enumerate(
        c.rng.sample(sellable, min(len(sellable), c.rng.randint(1, 4))), start=1
    ):
        pct = VAT[item.vat_code][1]
        pseudo.append(
            {
                "ID": None,
                "LineNumber": line_no,
                "Item": item.id,
                "ItemCode": item.code,
                "ItemDescription": item.description,
                "Description": item.description,
                "Quantity": float(c.rng.randint(1, 10)),
                "UnitCode": item.unit.code,
                "UnitDescription": item.unit.description,
                "UnitPrice": item.price,
                "NetPrice": item.price,
                "Discount": 0.0,
                "VATCode": item.vat_code,
                "VATCodeDescription": VAT[item.vat_code][0],
                "VATPercentage": pct,
                "UseDropShipment": 0,
            }
        )
    sales_invoice(c, number, customer, pseudo, age, order=None)


def _journal_sales(
    c: Company,
    number: int,
    customer: Account,
    lines: list[dict],
    *,
    total: float,
    vat: float,
    age: int,
) -> None:
    """Journal lines of a processed sales invoice: debit debtor, credit revenue and VAT."""
    entry = c.v.guid()
    day = c.v.day(-age)
    common = {
        "EntryID": entry,
        "EntryNumber": number,
        "InvoiceNumber": number,
        "Date": day,
        "FinancialYear": day.year,
        "FinancialPeriod": day.month,
        "JournalCode": "70",
        "JournalDescription": "Sales journal",
        "Type": 20,
        "Account": customer.id,
        "AccountCode": customer.code,
        "AccountName": customer.name,
        "Currency": "EUR",
        "ExchangeRate": 1.0,
        "Status": 50,
        "DocumentNumber": number,
        **c.audit(age),
    }
    transaction_line(c, common, 0, "1300", round(total + vat, 2), desc=f"Invoice {number}", due=age)
    for ln in lines:
        transaction_line(
            c,
            common,
            ln["LineNumber"],
            "8000",
            -ln["AmountFC"],
            desc=ln["Description"],
            item=ln,
            vat_code=ln["VATCode"],
            vat_pct=ln["VATPercentage"],
        )
    if vat:
        transaction_line(c, common, len(lines) + 1, "1500", -vat, desc="VAT")


def purchase_entry(c: Company, po: dict, lines: list[dict], supplier: Account, age: int) -> None:
    """The supplier's invoice: a purchase entry with its lines and journal lines, and often a
    purchase invoice matched to the order lines."""
    entry = c.v.guid()
    number = c.next_entry()
    day_age = max(0, age - supplier.lead_days - c.rng.randint(0, 10))
    day = c.v.day(-day_age)
    total = po["AmountFC"]
    vat = po["VATAmount"]
    rate = po["ExchangeRate"]
    c.add(
        "purchaseentry/PurchaseEntries",
        {
            "EntryID": entry,
            "EntryNumber": number,
            "EntryDate": day,
            "DueDate": c.v.day(-day_age + 30),
            "Supplier": supplier.id,
            "SupplierName": supplier.name,
            "Currency": po["Currency"],
            "Rate": rate,
            "AmountFC": round(total + vat, 2),
            "AmountDC": round((total + vat) * rate, 2),
            "VATAmountFC": vat,
            "VATAmountDC": round(vat * rate, 2),
            "Journal": "60",
            "JournalDescription": "Purchase journal",
            "OrderNumber": po["OrderNumber"],
            "YourRef": po["YourRef"] or f"INV-{c.rng.randint(10000, 99999)}",
            "Description": f"Invoice PO {po['OrderNumber']}",
            "Status": 20,
            "StatusDescription": "Open",
            "Type": 30,
            "TypeDescription": "Purchase entry",
            "ReportingYear": day.year,
            "ReportingPeriod": day.month,
            "Reversal": False,
            "PaymentCondition": "30",
            **c.audit(day_age),
        },
    )
    stock = c.gl["3000"]
    for ln in lines:
        c.add(
            "purchaseentry/PurchaseEntryLines",
            {
                "ID": c.v.guid(),
                "EntryID": entry,
                "LineNumber": ln["LineNumber"],
                "GLAccount": stock[0],
                "GLAccountCode": "3000",
                "GLAccountDescription": stock[1],
                "Description": ln["Description"],
                "Quantity": ln["Quantity"],
                "AmountFC": ln["AmountFC"],
                "AmountDC": ln["AmountDC"],
                "VATCode": "2",
                "VATCodeDescription": VAT["2"][0],
                "VATPercentage": 0.21,
                "VATAmountFC": ln["VATAmount"],
                "VATAmountDC": round(ln["VATAmount"] * rate, 2),
                "VATBaseAmountFC": ln["AmountFC"],
                "VATBaseAmountDC": ln["AmountDC"],
                "Type": 30,
            },
        )
    _journal_purchase(c, po, lines, supplier, entry=entry, number=number, day_age=day_age)
    if c.rng.random() < 0.5:
        _purchase_invoice(c, po, lines, supplier, number=number, day_age=day_age)


def _journal_purchase(
    c: Company,
    po: dict,
    lines: list[dict],
    supplier: Account,
    *,
    entry: str,
    number: int,
    day_age: int,
) -> None:
    """Journal lines of a purchase entry: credit creditor, debit stock and VAT to claim."""
    day = c.v.day(-day_age)
    vat = po["VATAmount"]
    rate = po["ExchangeRate"]
    total = po["AmountFC"]
    common = {
        "EntryID": entry,
        "EntryNumber": number,
        "Date": day,
        "FinancialYear": day.year,
        "FinancialPeriod": day.month,
        "JournalCode": "60",
        "JournalDescription": "Purchase journal",
        "Type": 30,
        "Account": supplier.id,
        "AccountCode": supplier.code,
        "AccountName": supplier.name,
        "Currency": po["Currency"],
        "ExchangeRate": rate,
        "Status": 50,
        "OrderNumber": po["OrderNumber"],
        "YourRef": po["YourRef"],
        **c.audit(day_age),
    }
    transaction_line(
        c, common, 0, "1600", -round((total + vat) * rate, 2), desc=f"Invoice {number}", due=day_age
    )
    for ln in lines:
        transaction_line(
            c,
            common,
            ln["LineNumber"],
            "3000",
            ln["AmountDC"],
            desc=ln["Description"],
            item=ln,
            vat_code="2",
            vat_pct=0.21,
        )
    transaction_line(c, common, len(lines) + 1, "1520", round(vat * rate, 2), desc="VAT")


def _purchase_invoice(
    c: Company, po: dict, lines: list[dict], supplier: Account, *, number: int, day_age: int
) -> None:
    """The purchase invoice of a purchase entry, its lines matched to the order lines."""
    day = c.v.day(-day_age)
    total = po["AmountFC"]
    vat = po["VATAmount"]
    rate = po["ExchangeRate"]
    inv = c.v.guid()
    c.add(
        "purchase/PurchaseInvoices",
        {
            "ID": inv,
            "Supplier": supplier.id,
            "InvoiceDate": day,
            "DueDate": c.v.day(-day_age + 30),
            "Currency": po["Currency"],
            "ExchangeRate": rate,
            "Amount": round(total + vat, 2),
            "AmountDC": round((total + vat) * rate, 2),
            "AmountFCExclVat": total,
            "VATAmount": vat,
            "Discount": 0.0,
            "AmountDiscount": 0.0,
            "AmountDiscountExclVat": 0.0,
            "EntryNumber": number,
            "Journal": "60",
            "FinancialYear": day.year,
            "FinancialPeriod": day.month,
            "Status": 20,
            "Type": 1,
            "Source": 1,
            "Warehouse": po["Warehouse"],
            "YourRef": po["YourRef"],
            "Description": f"Invoice PO {po['OrderNumber']}",
            "PaymentCondition": "30",
            "Modified": c.v.moment(-day_age),
        },
    )
    for ln in lines:
        c.add(
            "purchase/PurchaseInvoiceLines",
            {
                "ID": c.v.guid(),
                "InvoiceID": inv,
                "LineNumber": ln["LineNumber"],
                "Item": ln["Item"],
                "Description": ln["Description"],
                "PurchaseOrderLine": ln["ID"],
                "Quantity": ln["QuantityInPurchaseUnits"],
                "QuantityInDefaultUnits": ln["Quantity"],
                "Unit": ln["Unit"],
                "ItemUnit": ln["Unit"],
                "UnitPrice": ln["UnitPrice"],
                "NetPrice": ln["NetPrice"],
                "Discount": ln["Discount"],
                "Amount": ln["AmountFC"],
                "AmountDC": ln["AmountDC"],
                "Currency": po["Currency"],
                "VATCode": "2",
                "VATPercentage": 0.21,
                "VATAmount": ln["VATAmount"],
                "Rebill": False,
                "Modified": c.v.moment(-day_age),
            },
        )


def top_up(c: Company, target_rows: int) -> None:
    """Large scale: older invoice history (with journal lines) until the row target."""
    sellable = [i for i in c.items if i.is_sales] or c.items
    number = c.v.today.year * 10000 + 5_000_000
    for _ in _bounded(target_rows):
        if c.sink.total >= target_rows:
            return
        number += 1
        direct_invoice(
            c,
            number,
            sellable,
            c.rng.randint(c.spec.history_days, c.spec.history_days * 3),
        )


def _bounded(limit: int) -> Iterator[int]:
    yield from range(max(0, limit))
