"""HotGlue records of the other streams -> Exact payloads (Exact field names).

Each ``map_*`` takes the record and a :class:`Resolve` (ids behind codes and names) and returns
a :class:`Mapped`. Field names follow hotgluexyz/target-exact, including its name-based fields
(``customer_name``, ``supplierName``, ``productName``, ``accountName``: exact-match lookups that
fail the record when nothing or more than one row matches); aliases in docs/target.md.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from exact_online.odata import literal
from target_exact.mapping import fields as f
from target_exact.mapping.fields import RecordError
from target_exact.mapping.rules import as_float, to_item_units, unit_factor_for


class Resolve(Protocol):
    """Codes/GUIDs -> Exact ids; each raises RecordError naming ``where`` on a miss."""

    unit_factors: dict[str, Decimal]

    def account(self, ref: str, where: str) -> str: ...
    def item(
        self, ref: str, where: str
    ) -> tuple[str, str | None, str | None]: ...  # id, code, unit
    def warehouse(self, ref: str, where: str) -> str: ...
    def gl_account(self, ref: str, where: str) -> str: ...
    def default_warehouse(self) -> str | None: ...
    def named(self, path: str, name_field: str, value: str, where: str) -> str: ...
    def matches(self, path: str, name_field: str, value: str) -> list[str]: ...


@dataclass
class Mapped:
    body: dict[str, Any]
    reference: str | None  # value of the reference field
    remote_id: str | None = None  # known Exact key
    lookup: dict[str, str] = field(default_factory=dict)  # reference field -> value for lookups
    source: str = "id"  # the input field the reference comes from (named in errors)
    # An OData condition that finds the document instead (escaped); the body carries the key.
    find_filter: str | None = None
    warnings: list[str] = field(default_factory=list)  # reported with the record's result


def _remote(record: dict[str, Any], name: str = "remoteId") -> str | None:
    value = record.get(name)
    return f.guid(value, name) if value not in (None, "") else None


def _put(body: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and value != "":
        body[key] = value


def _item(resolve: Resolve, raw: dict[str, Any], where: str) -> tuple[str, str | None, str | None]:
    name, ref = f.first(raw, "product_remoteId", "product_id", "item_id", "sku")
    text_ref = f.text(ref, f"{where}{name}")
    if text_ref is None:
        raise RecordError(f"{where}product_remoteId", "is required (an item GUID, or a sku)")
    return resolve.item(text_ref, f"{where}{name}")


def _item_or_named(
    resolve: Resolve, raw: dict[str, Any], where: str, name_field: str
) -> tuple[str, str | None, str | None]:
    """An item by GUID/code (our fields), else by HotGlue's ``name_field`` = its Description."""
    _, ref = f.first(raw, "product_remoteId", "product_id", "item_id", "sku")
    if ref is not None:
        return _item(resolve, raw, where)
    text = f.text(raw.get(name_field), f"{where}{name_field}")
    if text is None:
        raise RecordError(
            f"{where}product_remoteId", f"is required (an item GUID or code; or {name_field})"
        )
    return resolve.named("logistics/Items", "Description", text, f"{where}{name_field}"), None, None


def _sales_item(
    resolve: Resolve, raw: dict[str, Any], where: str
) -> tuple[str, str | None, str | None]:
    """HotGlue's cascade: ``product_id`` (GUID) -> ``sku`` (Code) -> ``product_name`` (Code, then
    Description); our ``product_remoteId``/``item_id`` (GUID or code) first. More than one
    match at a step fails the record (HotGlue takes the first)."""
    name, ref = f.first(raw, "product_remoteId", "item_id")
    if ref is not None:
        return resolve.item(str(ref), f"{where}{name}")
    steps = []
    product_id = f.text(raw.get("product_id"), f"{where}product_id")
    if product_id is not None and f.is_guid(product_id):
        steps.append(("product_id", "ID", product_id))
    sku = f.text(raw.get("sku"), f"{where}sku")
    product_name = f.text(raw.get("product_name"), f"{where}product_name")
    if sku is not None:
        steps.append(("sku", "Code", sku))
    if product_name is not None:
        steps += [
            ("product_name", "Code", product_name),
            ("product_name", "Description", product_name),
        ]
    for field_name, exact_field, value in steps:
        if exact_field == "ID":
            try:
                return resolve.item(value, f"{where}{field_name}")
            except RecordError:
                continue
        ids = resolve.matches("logistics/Items", exact_field, value)
        if len(ids) > 1:
            raise RecordError(
                f"{where}{field_name}",
                f"more than one item with {exact_field} {value!r} in Exact (logistics/Items)",
            )
        if ids:
            return ids[0], value if exact_field == "Code" else None, None
    raise RecordError(
        f"{where}sku",
        "no item in Exact (logistics/Items) for product_id, sku or product_name "
        f"({', '.join(repr(v) for _, _, v in steps) or 'none given'})",
    )


def _account(
    resolve: Resolve, record: dict[str, Any], ref_names: tuple[str, ...], name: str
) -> str | None:
    """An account by GUID/code (``ref_names``), else by HotGlue's ``name`` field = its Name."""
    if ref_names:
        ref_name, ref = f.first(record, *ref_names)
        text = f.text(ref, ref_name)
        if text is not None:
            return resolve.account(text, ref_name)
    account_name = f.text(record.get(name), name)
    if account_name is None:
        return None
    return resolve.named("crm/Accounts", "Name", account_name, name)


def _quantity(
    resolve: Resolve,
    value: Any,
    where: str,
    item: tuple[str, str | None, str | None],
    *,
    positive: bool = True,
) -> float | int:
    qty = f.number(value, where, required=True)
    assert qty is not None
    if positive and qty <= 0:
        raise RecordError(where, f"must be greater than 0, got {qty}")
    factor = unit_factor_for(resolve.unit_factors, item_code=item[1], unit=item[2])
    return as_float(to_item_units(qty, factor, field=where.rsplit(".", 1)[0]))


def map_shop_order(record: dict[str, Any], resolve: Resolve) -> Mapped:
    item = _item(resolve, record, "")
    qname, qty = f.first(record, "plannedQuantity", "planned_quantity", "quantity")
    body: dict[str, Any] = {
        "Item": item[0],
        "PlannedQuantity": _quantity(resolve, qty, qname, item),
    }
    wname, wh = f.first(record, "warehouse_remoteId", "Warehouse", "warehouse_id", "warehouse_code")
    wh_ref = f.text(wh, wname) or resolve.default_warehouse()
    if wh_ref:
        body["Warehouse"] = resolve.warehouse(wh_ref, wname)
    dname, planned = f.first(record, "delivery_date", "planned_date")
    _put(body, "PlannedDate", f.exact_datetime(planned, dname))
    _put(
        body,
        "PlannedStartDate",
        f.exact_datetime(record.get("planned_start_date"), "planned_start_date"),
    )
    _put(body, "EntryDate", f.exact_datetime(record.get("transaction_date"), "transaction_date"))
    _put(body, "Description", f.text(record.get("description"), "description"))
    _put(body, "Notes", f.text(record.get("notes"), "notes"))
    return Mapped(body, f.text(record.get("id"), "id"), _remote(record))


TRANSFER_KEY = "[target-exact:{}]"


def transfer_key(record: dict[str, Any], body: dict[str, Any]) -> str:
    """The idempotency key of a warehouse transfer: its ``id``, else a hash of its content.

    The content is the payload (resolved GUIDs, Exact dates, lines in input order) without the
    key: a resent record hashes the same, a changed one is a new transfer."""
    source_id = f.text(record.get("id"), "id")
    if source_id is not None:
        return source_id
    content = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()[:24]


def map_warehouse_transfer(record: dict[str, Any], resolve: Resolve) -> Mapped:
    """HotGlue's fields; the idempotency key travels in ``Remarks`` (transfers have no YourRef)."""
    dname, entry = f.first(record, "transaction_date", "created_at")
    entry_date = f.exact_datetime(entry, dname)  # the instant HotGlue sends
    body: dict[str, Any] = {}
    if entry_date is not None:
        body["EntryDate"] = entry_date
    for key, names in (
        ("WarehouseFrom", ("warehouse_from_id", "warehouse_from", "warehouse_from_code")),
        ("WarehouseTo", ("warehouse_to_id", "warehouse_to", "warehouse_to_code")),
    ):
        name, ref = f.first(record, *names)
        text_ref = f.text(ref, name)
        if text_ref is None:
            raise RecordError(names[0], "is required (a warehouse GUID or code)")
        body[key] = resolve.warehouse(text_ref, name)
    if body["WarehouseFrom"] == body["WarehouseTo"]:
        raise RecordError(
            "warehouse_to_id",
            "is the same warehouse as warehouse_from_id "
            "(a location transfer needs storage locations; not supported)",
        )
    _put(body, "Description", f.text(record.get("description"), "description"))
    _put(
        body,
        "PlannedDeliveryDate",
        f.exact_datetime(record.get("planned_delivery_date"), "planned_delivery_date"),
    )
    _put(
        body,
        "PlannedReceiptDate",
        f.exact_datetime(record.get("planned_receipt_date"), "planned_receipt_date"),
    )
    remarks = f.text(record.get("remarks"), "remarks")
    lines = []
    for i, raw in enumerate(f.json_list(record.get("line_items"), "line_items")):
        where = f"line_items[{i}]."
        item = _item(resolve, raw, where)
        line: dict[str, Any] = {
            "Item": item[0],
            "Quantity": _quantity(resolve, raw.get("quantity"), f"{where}quantity", item),
        }
        for key, name in (
            ("StorageLocationFrom", "storage_location_from_id"),
            ("StorageLocationTo", "storage_location_to_id"),
        ):
            if raw.get(name):
                line[key] = f.guid(raw[name], f"{where}{name}")
        _put(line, "Description", f.text(raw.get("description"), f"{where}description"))
        lines.append(line)
    if not lines:
        raise RecordError("line_items", "a warehouse transfer needs at least one line")
    body["WarehouseTransferLines"] = lines
    key = transfer_key(record, {**body, "Remarks": remarks})
    if entry_date is None:  # after the key: a record without a date must hash the same tomorrow
        body["EntryDate"] = f.exact_date(date.today())
    marker = TRANSFER_KEY.format(key)
    body["Remarks"] = f"{remarks}\n{marker}" if remarks else marker
    warnings = []
    if record.get("status") not in (None, ""):
        warnings.append("status is not sent: Exact's WarehouseTransfers.Status is read-only")
    return Mapped(
        body,
        f.text(record.get("id"), "id") or key,
        _remote(record),
        find_filter=f"substringof({literal(marker, 'Edm.String')}, Remarks)",
        warnings=warnings,
    )


def map_supplier(record: dict[str, Any], resolve: Resolve) -> Mapped:
    nname, name = f.first(record, "vendorName", "name", "supplier_name")
    body: dict[str, Any] = {"IsSupplier": True}
    _put(body, "Name", f.text(name, nname))
    cname, code = f.first(record, "vendorCode", "code", "supplier_code")
    code_text = f.text(code, cname)
    _put(body, "Code", code_text)
    _put(body, "CodeAtSupplier", f.text(record.get("vendorNumber"), "vendorNumber"))
    _put(body, "PurchaseCurrency", f.text(record.get("currency"), "currency"))
    _put(body, "VATNumber", f.text(record.get("taxPayerNumber"), "taxPayerNumber"))
    _put(body, "PaymentConditionPurchase", f.text(record.get("paymentTerm"), "paymentTerm"))
    ename, email = f.first(record, "emailAddress", "email")
    _put(body, "Email", f.text(email, ename))
    _put(body, "Website", f.text(record.get("website"), "website"))
    lname, lead = f.first(record, "deliveryTime", "lead_time", "purchase_lead_days")
    _put(body, "PurchaseLeadDays", f.integer(lead, lname))
    phones = f.json_list(record.get("phoneNumbers"), "phoneNumbers")
    if phones:
        _put(body, "Phone", f.text(phones[0].get("number"), "phoneNumbers[0].number"))
    addresses = f.json_list(record.get("addresses"), "addresses")
    if addresses:
        a = addresses[0]
        _put(body, "AddressLine1", f.text(a.get("line1"), "addresses[0].line1"))
        _put(body, "AddressLine2", f.text(a.get("line2"), "addresses[0].line2"))
        _put(body, "City", f.text(a.get("city"), "addresses[0].city"))
        _put(body, "State", f.text(a.get("state"), "addresses[0].state"))
        _put(body, "Postcode", f.text(a.get("postalCode"), "addresses[0].postalCode"))
        country = f.text(a.get("country"), "addresses[0].country")
        if country and len(country) == 2:
            body["Country"] = country.upper()
    if "Name" not in body:
        raise RecordError(nname, "is required")
    remote = record.get("remoteId") or (record.get("id") if f.is_guid(record.get("id")) else None)
    ref_field, ref = ("Code", code_text) if code_text else ("Name", body["Name"])
    return Mapped(
        body,
        ref,
        f.guid(remote, "remoteId") if remote else None,
        {ref_field: ref},
        source=cname if code_text else nname,
    )


def map_item(record: dict[str, Any], resolve: Resolve) -> Mapped:
    sname, sku = f.first(record, "sku", "code")
    code = f.text(sku, sname)
    if code is None:
        raise RecordError("sku", "is required (the item code)")
    nname, name = f.first(record, "name", "product_name")
    body: dict[str, Any] = {"Code": code, "IsPurchaseItem": True, "IsSalesItem": True}
    _put(body, "Description", f.text(name, nname))
    if "Description" not in body:
        raise RecordError("name", "is required")
    _put(body, "ExtraDescription", f.text(record.get("description"), "description"))
    cost = f.number(record.get("cost"), "cost")
    if cost is not None:
        body["CostPriceStandard"] = as_float(cost)
    bname, barcode = f.first(record, "barcode", "ean", "eanCode")
    _put(body, "Barcode", f.text(barcode, bname))
    _put(body, "Unit", f.text(record.get("unit"), "unit"))
    remote = record.get("remoteId") or (record.get("id") if f.is_guid(record.get("id")) else None)
    return Mapped(
        body, code, f.guid(remote, "remoteId") if remote else None, {"Code": code}, source=sname
    )


def map_sales_order(record: dict[str, Any], resolve: Resolve) -> Mapped:
    ordered_by = _account(
        resolve, record, ("customer_remoteId", "customer_code"), "customer_name"
    ) or _account(resolve, record, ("customer_id",), "customer_name")
    if ordered_by is None:
        raise RecordError("customer_name", "is required (or customer_remoteId: a GUID or code)")
    body: dict[str, Any] = {"OrderedBy": ordered_by}
    if record.get("order_number") not in (None, ""):
        number = f.integer(record.get("order_number"), "order_number")
        if number is None or number <= 0:
            raise RecordError("order_number", "must be a positive integer (Exact's OrderNumber)")
        body["OrderNumber"] = number
    for key, name in (("DeliverTo", "shipping_name"), ("InvoiceTo", "billing_name")):
        _put(body, key, _account(resolve, record, (), name))
    dname, when = f.first(record, "transaction_date", "created_at")
    _put(body, "OrderDate", f.exact_datetime(when, dname))
    oname, notes = f.first(record, "order_notes", "description")
    _put(body, "Description", f.text(notes, oname))
    lines = []
    for i, raw in enumerate(f.json_list(record.get("line_items"), "line_items")):
        where = f"line_items[{i}]."
        item = _sales_item(resolve, raw, where)
        line: dict[str, Any] = {
            "Item": item[0],
            "Quantity": _quantity(resolve, raw.get("quantity"), f"{where}quantity", item),
        }
        price = f.number(raw.get("unit_price"), f"{where}unit_price")
        if price is not None:
            line["NetPrice"] = as_float(price)
        _put(line, "VATCode", f.text(raw.get("tax_code"), f"{where}tax_code"))
        _put(line, "Description", f.text(raw.get("product_name"), f"{where}product_name"))
        _put(line, "Notes", f.text(raw.get("sku"), f"{where}sku"))
        discount = f.number(raw.get("discount_amount"), f"{where}discount_amount")
        if discount and price:
            line["Discount"] = float(discount / price)  # a fraction of the price, as HotGlue
        lines.append(line)
    if not lines:
        raise RecordError("line_items", "a sales order needs at least one line")
    body["SalesOrderLines"] = lines
    return Mapped(body, f.text(record.get("id"), "id"), _remote(record))


def map_purchase_invoice(record: dict[str, Any], resolve: Resolve) -> Mapped:
    supplier = _account(
        resolve,
        record,
        ("supplier_remoteId", "supplier_id", "supplierCode", "supplier_code"),
        "supplierName",
    )
    if supplier is None:
        raise RecordError("supplierName", "is required (or supplier_remoteId: a GUID or code)")
    body: dict[str, Any] = {"Supplier": supplier}
    _put(body, "Journal", f.text(record.get("journal"), "journal"))
    body["Type"] = f.integer(record.get("type"), "type") or 8030  # 8030: purchase invoice
    _put(body, "Currency", f.text(record.get("currency"), "currency"))
    _put(body, "DueDate", f.exact_datetime(record.get("dueDate"), "dueDate"))
    iname, when = f.first(record, "createdAt", "transaction_date", "invoiceDate")
    _put(body, "InvoiceDate", f.exact_datetime(when, iname))
    _put(body, "Description", f.text(record.get("description"), "description"))
    lines = []
    lname, raw_lines = f.first(record, "lineItems", "line_items")
    for i, raw in enumerate(f.json_list(raw_lines, lname)):
        where = f"{lname}[{i}]."
        item = _item_or_named(resolve, raw, where, "productName")
        line: dict[str, Any] = {
            "Item": item[0],
            "Quantity": _quantity(resolve, raw.get("quantity"), f"{where}quantity", item),
        }
        for key, name in (
            ("UnitPrice", "unitPrice"),
            ("Amount", "totalPrice"),
            ("VATAmount", "taxAmount"),
        ):
            n = f.number(raw.get(name), f"{where}{name}")
            if n is not None:
                line[key] = as_float(n)
        _put(line, "VATCode", f.text(raw.get("taxCode"), f"{where}taxCode"))
        _put(line, "Description", f.text(raw.get("description"), f"{where}description"))
        lines.append(line)
    if not lines:
        raise RecordError(lname, "a purchase invoice needs at least one line")
    body["PurchaseInvoiceLines"] = lines
    rname, ref = f.first(record, "invoiceNumber", "id")
    return Mapped(body, f.text(ref, rname), _remote(record), source=rname)


def map_purchase_entry(record: dict[str, Any], resolve: Resolve) -> Mapped:
    supplier = _account(
        resolve, record, ("supplier_remoteId", "supplier_id", "supplier_code"), "supplierName"
    )
    if supplier is None:
        raise RecordError("supplierName", "is required (or supplier_remoteId: a GUID or code)")
    body: dict[str, Any] = {"Supplier": supplier}
    _put(body, "Journal", f.text(record.get("journal"), "journal"))
    _put(body, "Currency", f.text(record.get("currency"), "currency"))
    dname, when = f.first(record, "transactionDate", "transaction_date")
    _put(body, "EntryDate", f.exact_datetime(when, dname))
    _put(body, "Description", f.text(record.get("description"), "description"))
    lines = []
    lname, raw_lines = f.first(record, "journalLines", "line_items")
    for i, raw in enumerate(f.json_list(raw_lines, lname)):
        where = f"{lname}[{i}]."
        gname, gl = f.first(raw, "glAccount_remoteId", "accountNumber", "gl_account")
        gref = f.text(gl, f"{where}{gname}")
        account_name = f.text(raw.get("accountName"), f"{where}accountName")
        if gref is not None:
            gl_id = resolve.gl_account(gref, f"{where}{gname}")
        elif account_name is not None:
            gl_id = resolve.named(
                "financial/GLAccounts", "Description", account_name, f"{where}accountName"
            )
        else:
            raise RecordError(
                f"{where}accountName", "is required (or accountNumber: a GL account code or GUID)"
            )
        amount = f.number(raw.get("amount"), f"{where}amount", required=True)
        assert amount is not None
        line: dict[str, Any] = {"GLAccount": gl_id, "AmountFC": as_float(amount)}
        _put(line, "Description", f.text(raw.get("description"), f"{where}description"))
        _put(line, "VATCode", f.text(raw.get("vatCode"), f"{where}vatCode"))
        lines.append(line)
    if not lines:
        raise RecordError(lname, "a purchase entry needs at least one line")
    body["PurchaseEntryLines"] = lines
    warnings = []
    if f.json_list(record.get("attachments"), "attachments"):
        warnings.append("attachments are not uploaded (docs/hotglue.md)")
    return Mapped(body, f.text(record.get("id"), "id"), _remote(record), warnings=warnings)


def map_stock_count(record: dict[str, Any], resolve: Resolve) -> Mapped:
    """UpdateInventory: a record sets the counted stock of one item (or of ``line_items``)."""
    dname, when = f.first(record, "transaction_date", "created_at", "date")
    count_day = f.day(when, dname) or date.today()
    wname, wh = f.first(record, "warehouse_remoteId", "Warehouse", "warehouse_id", "warehouse_code")
    wh_ref = f.text(wh, wname) or resolve.default_warehouse()
    if wh_ref is None:
        raise RecordError("warehouse_remoteId", "is required (or set default_warehouse_id)")
    body: dict[str, Any] = {
        "StockCountDate": f.exact_date(count_day),
        "Warehouse": resolve.warehouse(wh_ref, wname),
    }
    raw_lines = f.json_list(record.get("line_items"), "line_items") or [record]
    lines = []
    for i, raw in enumerate(raw_lines):
        where = f"line_items[{i}]." if record.get("line_items") else ""
        item = _item(resolve, raw, where)
        qname, qty = f.first(raw, "quantity", "stock", "available")
        lines.append(
            {
                "Item": item[0],
                "QuantityNew": _quantity(resolve, qty, f"{where}{qname}", item, positive=False),
            }
        )
    body["StockCountLines"] = lines
    return Mapped(body, f.text(record.get("id"), "id"), _remote(record))
