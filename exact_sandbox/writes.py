"""POST / PUT / DELETE: validation from the registry and FACTS.md "Writing", and the fields Exact
fills."""

from __future__ import annotations

from typing import Any

from exact_online.registry import Endpoint, Entity

from .catalog import Catalog
from .edm import coerce_write, to_wall_ms
from .reads import QueryError, parse_key_literal
from .store import Store

# GUID fields that must point at an existing row, and where that row lives.
REFERENCES: dict[str, str] = {
    "Supplier": "crm/Accounts",
    "OrderedBy": "crm/Accounts",
    "InvoiceTo": "crm/Accounts",
    "DeliverTo": "crm/Accounts",
    "Customer": "crm/Accounts",
    "Account": "crm/Accounts",
    "Item": "logistics/Items",
    "Warehouse": "inventory/Warehouses",
    "WarehouseFrom": "inventory/Warehouses",
    "WarehouseTo": "inventory/Warehouses",
    "PurchaseOrderLineID": "purchaseorder/PurchaseOrderLines",
}
_LABEL = {
    "crm/Accounts": "Account",
    "logistics/Items": "Item",
    "inventory/Warehouses": "Warehouse",
    "purchaseorder/PurchaseOrderLines": "Purchase order line",
}
NUMBER_FIELDS = (
    "OrderNumber",
    "TransferNumber",
    "ShopOrderNumber",
    "InvoiceNumber",
    "EntryNumber",
    "ReceiptNumber",
    "QuotationNumber",
    "DeliveryNumber",
    "AssemblyOrderNumber",
    "StockCountNumber",
)
# Status a new record starts with, where Exact has one.
INITIAL_STATUS: dict[str, dict[str, Any]] = {
    "purchaseorder/PurchaseOrders": {
        "OrderStatus": 10,
        "ReceiptStatus": 10,
        "InvoiceStatus": 10,
        "ApprovalStatus": 0,
    },
    "inventory/WarehouseTransfers": {"Status": 10},
    "manufacturing/ShopOrders": {"Status": 10},
    "salesorder/SalesOrders": {"Status": 12, "DeliveryStatus": 12, "InvoiceStatus": 12},
}
# Records in these states cannot change any more (FACTS.md "Writing").
FROZEN: dict[str, tuple[str, Any, str]] = {
    "inventory/WarehouseTransfers": (
        "Status",
        lambda s: s not in (None, 10),
        "Only open warehouse transfers (status 10) can be changed",
    ),
    "salesorder/SalesOrders": (
        "Status",
        lambda s: s == 21,
        "A completed sales order cannot be changed",
    ),
}
HEADER_PUT_REFUSES_LINES = frozenset({"purchaseorder/PurchaseOrders"})


class Writer:
    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog

    # -- validation
    # ---------------------------------------------------------------------------------------
    def _check_fields(
        self, ep: Endpoint, entity: Entity, body: dict[str, Any], *, partial: bool
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in body.items():
            if name == "__metadata":
                continue
            f = ep.field_map.get(name)
            if f is None:
                raise QueryError(
                    400, f"The property '{name}' does not exist on type '{entity.qualified_name}'."
                )
            if f.is_navigation:
                out[name] = value
                continue
            try:
                out[name] = coerce_write(f.edm_type, value)
            except (ValueError, TypeError):
                raise QueryError(
                    400,
                    f"Error converting value {value!r} to type "
                    f"'{f.edm_type}' for property '{name}'.",
                ) from None
        return out

    def _mandatory(self, entity: Entity, values: dict[str, Any], skip: set[str]) -> None:
        missing = [
            m
            for m in entity.mandatory_on_post()
            if m not in skip and values.get(m) in (None, "", [])
        ]
        if missing:
            raise QueryError(400, f"Mandatory: {', '.join(missing)}")

    def _resolve(self, division: int, values: dict[str, Any], fields: set[str]) -> None:
        """Check GUID references and fill the Code/Name/Description fields that go with them."""
        for name, target in REFERENCES.items():
            value = values.get(name)
            if value is None or name not in fields:
                continue
            row = self.store.raw(division, target, value)
            if row is None:
                raise QueryError(
                    400, f"{name}: {_LABEL.get(target, target)} '{value}' does not exist."
                )
            for suffix, source in (
                ("Code", "Code"),
                ("Name", "Name"),
                ("Description", "Description"),
            ):
                derived = f"{name}{suffix}"
                if derived in fields and derived not in values and row.data.get(source) is not None:
                    values[derived] = row.data[source]

    def _next_number(self, division: int, entity: str, name: str) -> int:
        row = self.store.execute(
            f"SELECT max(json_extract(data, '$.{name}')) "
            "FROM rows WHERE division = ? AND entity = ?",
            (int(division), entity),
        ).fetchone()
        return int(row[0] or 0) + 1

    def _fill_new(
        self, division: int, entity: Entity, ep: Endpoint, values: dict[str, Any]
    ) -> None:
        fields = set(ep.field_map)
        self._resolve(division, values, fields)
        for name in NUMBER_FIELDS:
            if name in fields and values.get(name) is None:
                values[name] = self._next_number(division, entity.qualified_name, name)
        for name, value in INITIAL_STATUS.get(entity.qualified_name, {}).items():
            values.setdefault(name, value)
        now = to_wall_ms(self.store.clock.now())
        for name in ("Creator", "Modifier"):
            if name in fields:
                values.setdefault(name, self.store.user_id)
        for name in ("CreatorFullName", "ModifierFullName"):
            if name in fields:
                values.setdefault(name, "Sandbox User")
        for name in ("OrderDate", "EntryDate", "InvoiceDate"):
            if (
                name in fields
                and values.get(name) is None
                and name not in entity.mandatory_on_post()
            ):
                values[name] = now
        if "Currency" in fields:
            values.setdefault("Currency", "EUR")

    def _fill_line(  # noqa: PLR0917
        self,
        division: int,
        header_entity: str,
        header: dict[str, Any],
        line_ep: Endpoint,
        line: dict[str, Any],
        number: int,
    ) -> None:
        fields = set(line_ep.field_map)
        self._resolve(division, line, fields)
        if "LineNumber" in fields:
            line.setdefault("LineNumber", number)
        item = (
            self.store.raw(division, "logistics/Items", line["Item"]) if line.get("Item") else None
        )
        if item is not None and "Unit" in fields:
            line.setdefault("Unit", item.data.get("Unit"))
        if header_entity == "purchaseorder/PurchaseOrders" and "QuantityInPurchaseUnits" in line:
            factor, price = self._supplier_item(division, header.get("Supplier"), line.get("Item"))
            line["Quantity"] = float(line["QuantityInPurchaseUnits"] or 0) * factor
            if line.get("NetPrice") is None:
                line["NetPrice"] = (
                    price
                    if price is not None
                    else float((item.data if item else {}).get("CostPriceStandard") or 0)
                )
            amount = float(line["NetPrice"]) * float(line["QuantityInPurchaseUnits"] or 0)
            line.setdefault("AmountFC", amount)
            line.setdefault("AmountDC", amount)
            line.setdefault("ReceivedQuantity", 0.0)
            line.setdefault("InvoicedQuantity", 0.0)
            for name in ("ReceiptDate",):
                if header.get(name) is not None:
                    line.setdefault(name, header[name])
        elif "Quantity" in line and "UnitPrice" in fields and line.get("UnitPrice") is not None:
            line.setdefault("AmountFC", float(line["UnitPrice"]) * float(line["Quantity"] or 0))

    def _supplier_item(self, division: int, supplier: Any, item: Any) -> tuple[float, float | None]:
        if not supplier or not item:
            return 1.0, None
        row = self.store.execute(
            "SELECT json_extract(data, '$.PurchaseUnitFactor'), "
            "json_extract(data, '$.PurchasePrice') FROM rows"
            " WHERE division = ? AND entity = 'logistics/SupplierItem'"
            " AND json_extract(data, '$.Supplier') = ? "
            "AND json_extract(data, '$.Item') = ? LIMIT 1",
            (int(division), str(supplier).lower(), str(item).lower()),
        ).fetchone()
        if row is None:
            return 1.0, None
        return float(row[0] or 1.0) or 1.0, (float(row[1]) if row[1] is not None else None)

    # -- POST --------------------------------------------------------------------------------------
    # ----------
    def post(self, division: int, ep: Endpoint, entity: Entity, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise QueryError(400, "The request body must be a JSON object.")
        name = entity.qualified_name
        values = self._check_fields(ep, entity, body, partial=False)
        collections = {lc.field: lc for lc in self.catalog.lines(name)}
        parent = self.catalog.line_parent(name)
        skip = {"Division"}
        self._mandatory(entity, values, skip)
        if parent is not None:
            header_entity, link = parent
            header = (
                self.store.raw(division, header_entity, values[link]) if values.get(link) else None
            )
            if header is None:
                raise QueryError(
                    400,
                    f"{link}: the {header_entity.split('/')[-1]} "
                    f"'{values.get(link)}' does not exist.",
                )
            frozen = FROZEN.get(header_entity)
            if frozen and frozen[1](header.data.get(frozen[0])):
                raise QueryError(400, frozen[2])
            existing = self.store.children(division, name, [header.key]).get(
                str(header.key).lower(), []
            )
            self._fill_line(division, header_entity, header.data, ep, values, len(existing) + 1)
            created = self.store.insert(division, name, values)
            self._refresh_header(division, header_entity, header.key)
            return self._with_lines(division, name, created)
        lines_in: dict[str, list[dict[str, Any]]] = {}
        for field_name, lc in collections.items():
            raw = values.pop(field_name, None)
            if raw is None:
                continue
            items = raw.get("results") if isinstance(raw, dict) else raw
            if not isinstance(items, list):
                raise QueryError(400, f"{field_name} must be a list of lines.")
            line_entity = self.catalog.entity(lc.line_entity)
            line_ep = line_entity.plain
            assert line_ep is not None
            checked = []
            for i, line in enumerate(items, 1):
                if not isinstance(line, dict):
                    raise QueryError(400, f"{field_name}[{i}] must be an object.")
                lv = self._check_fields(line_ep, line_entity, line, partial=False)
                missing = [
                    m
                    for m in line_entity.mandatory_on_post()
                    if m != lc.link and lv.get(m) in (None, "")
                ]
                if missing:
                    raise QueryError(
                        400, f"Mandatory: {', '.join(missing)} ({field_name} line {i})"
                    )
                checked.append(lv)
            lines_in[field_name] = checked
        for nav in [n for n in values if n in ep.field_map and ep.field_map[n].is_navigation]:
            values.pop(nav)
        self._fill_new(division, entity, ep, values)
        for field_name, items in lines_in.items():
            lc = collections[field_name]
            line_ep = self.catalog.entity(lc.line_entity).plain
            assert line_ep is not None
            for i, lv in enumerate(items, 1):
                self._fill_line(division, name, values, line_ep, lv, i)
        if name == "purchaseorder/PurchaseOrders" and lines_in.get("PurchaseOrderLines"):
            total = sum(float(ln.get("AmountFC") or 0) for ln in lines_in["PurchaseOrderLines"])
            values.setdefault("AmountFC", total)
            values.setdefault("AmountDC", total)
            values["PurchaseOrderLineCount"] = len(lines_in["PurchaseOrderLines"])
        record = dict(values)
        for field_name, items in lines_in.items():
            record[field_name] = items
        created = self.store.insert(division, name, record)
        return self._with_lines(division, name, created)

    def _with_lines(self, division: int, entity: str, record: dict[str, Any]) -> dict[str, Any]:
        key_field = self.catalog.key_field(entity)
        key = record.get(key_field) if key_field else None
        for lc in self.catalog.lines(entity):
            rows = self.store.children(division, lc.line_entity, [key]).get(str(key).lower(), [])
            record[lc.field] = [self.store.to_python(lc.line_entity, r) for r in rows]
        return record

    def _refresh_header(self, division: int, header_entity: str, key: Any) -> None:
        if header_entity != "purchaseorder/PurchaseOrders":
            self.store.update(division, header_entity, key, {})
            return
        lines = self.store.children(division, "purchaseorder/PurchaseOrderLines", [key]).get(
            str(key).lower(), []
        )
        total = sum(float(r.data.get("AmountFC") or 0) for r in lines)
        self.store.update(
            division,
            header_entity,
            key,
            {"AmountFC": total, "AmountDC": total, "PurchaseOrderLineCount": len(lines)},
        )

    # -- PUT ---------------------------------------------------------------------------------------
    # ------------
    def put(self, division: int, ep: Endpoint, entity: Entity, key_text: str, body: Any) -> None:
        if not isinstance(body, dict):
            raise QueryError(400, "The request body must be a JSON object.")
        name = entity.qualified_name
        key = parse_key_literal(key_text)
        row = self.store.raw(division, name, key)
        if row is None:
            raise QueryError(404, "The requested resource could not be found.")
        values = self._check_fields(ep, entity, body, partial=True)
        navs = [n for n in values if ep.field_map[n].is_navigation]
        if navs:
            if name in HEADER_PUT_REFUSES_LINES:
                raise QueryError(
                    400,
                    f"{', '.join(navs)}: lines cannot be changed through the header; "
                    "use the line endpoint.",
                )
            for n in navs:
                values.pop(n)
        key_field = self.catalog.key_field(name)
        if (
            key_field
            and key_field in values
            and str(values[key_field]).lower() != str(row.key).lower()
        ):
            raise QueryError(400, f"{key_field} cannot be changed.")
        frozen = FROZEN.get(name)
        if frozen and frozen[1](row.data.get(frozen[0])):
            raise QueryError(400, frozen[2])
        parent = self.catalog.line_parent(name)
        if parent is not None:
            header = self.store.raw(division, parent[0], row.data.get(parent[1]))
            pf = FROZEN.get(parent[0])
            if header is not None and pf and pf[1](header.data.get(pf[0])):
                raise QueryError(400, pf[2])
        fields = set(ep.field_map)
        self._resolve(division, values, fields)
        if "Modifier" in fields:
            values["Modifier"] = self.store.user_id
        if (
            parent is not None
            and parent[0] == "purchaseorder/PurchaseOrders"
            and ("QuantityInPurchaseUnits" in values or "NetPrice" in values)
        ):
            merged = {**row.data, **values}
            header = self.store.raw(division, parent[0], row.data.get(parent[1]))
            factor, _ = self._supplier_item(
                division, header.data.get("Supplier") if header else None, merged.get("Item")
            )
            qty = float(merged.get("QuantityInPurchaseUnits") or 0)
            values["Quantity"] = qty * factor
            amount = float(merged.get("NetPrice") or 0) * qty
            values["AmountFC"] = amount
            values["AmountDC"] = amount
        self.store.update(division, name, row.key, values)
        if parent is not None and row.data.get(parent[1]) is not None:
            self._refresh_header(division, parent[0], row.data[parent[1]])

    # -- DELETE ------------------------------------------------------------------------------------
    # -----------
    def delete(self, division: int, entity: Entity, key_text: str) -> None:
        name = entity.qualified_name
        key = parse_key_literal(key_text)
        row = self.store.raw(division, name, key)
        if row is None:
            raise QueryError(404, "The requested resource could not be found.")
        frozen = FROZEN.get(name)
        if frozen and frozen[1](row.data.get(frozen[0])):
            raise QueryError(400, frozen[2])
        parent = self.catalog.line_parent(name)
        if parent is not None:
            header_key = row.data.get(parent[1])
            siblings = self.store.children(division, name, [header_key]).get(
                str(header_key).lower(), []
            )
            if parent[0] == "purchaseorder/PurchaseOrders" and len(siblings) <= 1:
                raise QueryError(400, "A purchase order must keep at least one line.")
        self.store.delete(division, name, row.key)
        if parent is not None and row.data.get(parent[1]) is not None:
            if self.store.raw(division, parent[0], row.data[parent[1]]) is not None:
                self._refresh_header(division, parent[0], row.data[parent[1]])
