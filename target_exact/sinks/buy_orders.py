"""``BuyOrders`` -> ``purchaseorder/PurchaseOrders``.

``buy_orders_mode: hotglue`` (the default) writes as HotGlue does: sinks/hotglue_buy_orders.py.
``planner``, here: create, or update header and lines. An order is found by ``remoteId`` (its
PurchaseOrderID) or by its external reference (``YourRef`` = the source ``id``). Updates PUT the
changed header fields and add (POST), change (PUT) and delete (DELETE) lines one by one: adds
first, so the order never has zero lines. Completed orders (``bo_completed_status``) are reported
and left alone. With ``export_stock_transfers`` (either mode) the orders become warehouse
transfers instead.
"""

from __future__ import annotations

import functools
from typing import Any

from exact_online.mandatory_filter import scoped_filter
from exact_online.odata import Query, eq, or_
from target_exact.diff import changes, diff_lines
from target_exact.lookups import CHUNK
from target_exact.mapping.buy_orders import (
    BuyOrderInput,
    PurchaseOrderPlan,
    build_purchase_order,
    parse_buy_order,
    reference_field,
)
from target_exact.mapping.fields import RecordError
from target_exact.results import Outcome, RecordResult
from target_exact.sinks.base import ExactSink
from target_exact.sinks.hotglue_buy_orders import (
    OrderIndex,
    prefetch_hotglue,
    write_hotglue_buy_order,
)
from target_exact.sinks.transfers import write_buy_order_as_transfer

ORDERS = "purchaseorder/PurchaseOrders"
LINES = "purchaseorder/PurchaseOrderLines"
HEADER_SELECT = [
    "PurchaseOrderID",
    "OrderStatus",
    "Supplier",
    "OrderDate",
    "ReceiptDate",
    "PurchaseAgent",
    "Warehouse",
    "Description",
    "Remarks",
    "Currency",
]
LINE_SELECT = [
    "ID",
    "Item",
    "QuantityInPurchaseUnits",
    "ReceiptDate",
    "UnitPrice",
    "NetPrice",
    "Description",
    "LineNumber",
]


class BuyOrdersSink(ExactSink):
    """HotGlue BuyOrders."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # external reference -> PurchaseOrderID (None: known not to exist), per division
        self._by_ref: dict[tuple[int, str], str | None] = {}
        self._orders = OrderIndex(self)

    @property
    def hotglue(self) -> bool:
        """HotGlue's semantics (create-only); ``export_stock_transfers`` keeps its own path."""
        return (
            self.settings.buy_orders_mode == "hotglue" and not self.settings.export_stock_transfers
        )

    # ---- batched lookups
    def prefetch(self, records: list[dict[str, Any]]) -> None:
        if self.hotglue:
            prefetch_hotglue(self, self._orders, records)
            return
        by_division: dict[int, list[BuyOrderInput]] = {}
        for record in records:
            try:
                order = parse_buy_order(record, reference_field(self.settings))
                by_division.setdefault(self.division_of(record), []).append(order)
            except RecordError:
                continue
        for division, orders in by_division.items():
            lk = self.lookups(division)
            lk.prefetch_accounts(o.supplier_ref for o in orders)
            lk.prefetch_items(line.item_ref for o in orders for line in o.lines)
            warehouses = [o.warehouse_ref or self.settings.default_warehouse for o in orders]
            if self.settings.export_stock_transfers:
                warehouses += [self.settings.stock_transfer_from, self.settings.stock_transfer_to]
            lk.prefetch_warehouses(warehouses)
            if self.settings.export_stock_transfers:
                continue
            for o in orders:
                supplier = lk.account(o.supplier_ref)
                need = [lk.item(line.item_ref) for line in o.lines if line.lot_size is None]
                if supplier is not None and need:
                    lk.prefetch_supplier_factors(supplier.id, [i.id for i in need if i is not None])
            self._prefetch_refs(division, [o.source_id for o in orders if o.source_id])

    def _prefetch_refs(self, division: int, refs: list[str]) -> None:
        field = self.settings.external_reference_field
        todo = sorted({r for r in refs if (division, r) not in self._by_ref})
        for i in range(0, len(todo), CHUNK):
            chunk = todo[i : i + CHUNK]
            rows = self.ctx.client.find(
                ORDERS,
                division=division,
                filter=scoped_filter(
                    ORDERS, division, or_(*(eq(field, r, "Edm.String") for r in chunk)), [field]
                ),
                select=["PurchaseOrderID", field],
                top=len(chunk) * 2,
            )
            for r in chunk:
                self._by_ref[(division, r)] = None
            for row in rows:
                ref = row.get(field)
                if ref is not None and self._by_ref.get((division, str(ref))) is None:
                    self._by_ref[(division, str(ref))] = str(row["PurchaseOrderID"]).lower()

    def _find_by_ref(self, division: int, ref: str) -> str | None:
        field = self.settings.external_reference_field
        rows = self.ctx.client.find(
            ORDERS,
            division=division,
            filter=scoped_filter(ORDERS, division, eq(field, ref, "Edm.String"), [field]),
            select=["PurchaseOrderID"],
            top=1,
        )
        found = str(rows[0]["PurchaseOrderID"]).lower() if rows else None
        self._by_ref[(division, ref)] = found
        return found

    # ---- one record
    def external_id(self, record: dict[str, Any]) -> str | None:
        value = record.get("id")
        return None if value in (None, "") else str(value)

    def write_record(self, record: dict[str, Any]) -> RecordResult:
        if self.hotglue:
            return write_hotglue_buy_order(self, self._orders, record)
        division = self.division_of(record)
        order = parse_buy_order(record, reference_field(self.settings))
        if order.source_id is None and order.remote_id is None:
            raise RecordError(
                "id",
                "is required: the source id is the external reference that makes writes idempotent",
            )
        if self.settings.export_stock_transfers:
            return write_buy_order_as_transfer(self, division, order)
        lk = self.lookups(division)
        supplier = lk.account(order.supplier_ref)
        if supplier is None:
            raise RecordError(
                "supplier_remoteId", f"no supplier {order.supplier_ref!r} in Exact (crm/Accounts)"
            )
        items = {}
        for line in order.lines:
            item = lk.item(line.item_ref)
            if item is None:
                raise RecordError(
                    f"{line.field}.product_remoteId",
                    f"no item {line.item_ref!r} in Exact (logistics/Items)",
                )
            items[line.index] = item
        warehouse_ref = order.warehouse_ref or self.settings.default_warehouse
        warehouse_id = None
        if warehouse_ref:
            warehouse = lk.warehouse(warehouse_ref)
            if warehouse is None:
                raise RecordError("Warehouse", f"no warehouse {warehouse_ref!r} in Exact")
            warehouse_id = warehouse.id
        plan = build_purchase_order(
            order,
            supplier=supplier,
            items=items,
            supplier_factor=lk.supplier_factor,
            warehouse_id=warehouse_id,
            settings=self.settings,
            external_reference=order.source_id,
        )
        existing = self._existing(division, order)
        if existing is None:
            return self._create(division, order, plan)
        return self._update(division, order, plan, existing)

    def _existing(self, division: int, order: BuyOrderInput) -> dict[str, Any] | None:
        client = self.ctx.client
        order_id = order.remote_id
        if order_id is None and order.source_id is not None:
            key = (division, order.source_id)
            order_id = (
                self._by_ref[key]
                if key in self._by_ref
                else self._find_by_ref(division, order.source_id)
            )
        if order_id is None or order_id == "dry-run":
            return None
        row = client.get_one(ORDERS, order_id, division=division, select=HEADER_SELECT)
        if row is None and order.remote_id is not None and order.source_id is not None:
            # remoteId no longer exists in Exact: fall back to the reference
            found = self._find_by_ref(division, order.source_id)
            if found:
                row = client.get_one(ORDERS, found, division=division, select=HEADER_SELECT)
        return row

    def _create(self, division: int, order: BuyOrderInput, plan: PurchaseOrderPlan) -> RecordResult:
        ref = order.source_id
        writer = self.writer(division)
        created = writer.create(
            ORDERS,
            plan.create_body(),
            "PurchaseOrderID",
            (lambda: self._find_by_ref(division, ref)) if ref else None,
            check_first=False,
        )
        if ref:
            self._by_ref[(division, ref)] = created.id
        outcome: Outcome = "dry_run" if writer.dry_run else "created"
        return RecordResult(outcome, id=created.id, external_id=ref)

    def _update(
        self, division: int, order: BuyOrderInput, plan: PurchaseOrderPlan, current: dict[str, Any]
    ) -> RecordResult:
        order_id = str(current["PurchaseOrderID"]).lower()
        ref = order.source_id
        status = current.get("OrderStatus")
        header = {
            k: v for k, v in plan.header.items() if k != self.settings.external_reference_field
        }
        header_changes = changes(current, header)
        client = self.ctx.client
        existing_lines = list(
            client.iter_records(
                LINES,
                division=division,
                query=Query(select=LINE_SELECT, filter=eq("PurchaseOrderID", order_id, "Edm.Guid")),
            )
        )
        lines = diff_lines([(line.remote_id, line.body) for line in plan.lines], existing_lines)
        touched = bool(header_changes or lines)
        if status is not None and int(status) in self.settings.completed_status:
            extra: dict[str, Any] = {"status": "completed"}
            if touched:
                extra["warning"] = (
                    f"order is completed in Exact (OrderStatus {status}); changes were not written"
                )
            return RecordResult("existing", id=order_id, external_id=ref, extra=extra)
        if not touched:
            return RecordResult("existing", id=order_id, external_id=ref)
        writer = self.writer(division)
        if header_changes:
            writer.update(ORDERS, order_id, header_changes)
        known = {str(line["ID"]).lower() for line in existing_lines}
        for body in lines.adds:
            line_body = {**body, "PurchaseOrderID": order_id}
            created = writer.create(
                LINES,
                line_body,
                "ID",
                functools.partial(self._find_new_line, division, order_id, set(known), body),
                check_first=False,
            )
            known.add(created.id)
        for line_id, body in lines.updates:
            writer.update(LINES, line_id, body)
        for line_id in lines.deletes:
            writer.delete(LINES, line_id)
        outcome: Outcome = "dry_run" if writer.dry_run else "updated"
        return RecordResult(outcome, id=order_id, external_id=ref)

    def _find_new_line(
        self, division: int, order_id: str, known: set[str], body: dict[str, Any]
    ) -> str | None:
        """After a lost answer: a line of the order that was not there before, for the same item."""
        rows = self.ctx.client.iter_records(
            LINES,
            division=division,
            query=Query(select=["ID", "Item"], filter=eq("PurchaseOrderID", order_id, "Edm.Guid")),
        )
        for row in rows:
            line_id = str(row["ID"]).lower()
            if line_id not in known and str(row.get("Item")).lower() == body["Item"]:
                return line_id
        return None
