"""``BuyOrders`` in ``buy_orders_mode: hotglue``: create-only, as hotgluexyz/target-exact.

A record with ``remoteId`` or without ``line_items`` is reported as skipped and costs no call.
Otherwise the order is looked up by ``OrderNumber`` (= ``id``; ``YourRef`` = ``reference`` when
there is no id) before the POST and again before repeating a POST whose answer was lost: a found
order is reported as existing and left as it is (HotGlue never updates an order either).
"""

from __future__ import annotations

import threading
from typing import Any

from exact_online.mandatory_filter import scoped_filter
from exact_online.odata import eq, or_
from target_exact.lookups import CHUNK
from target_exact.mapping.fields import RecordError
from target_exact.mapping.hotglue_buy_orders import (
    HotglueBuyOrder,
    build_hotglue_purchase_order,
    parse_hotglue_buy_order,
    skip_reason,
)
from target_exact.results import Outcome, RecordResult
from target_exact.sinks.base import ExactSink

ORDERS = "purchaseorder/PurchaseOrders"
# Key field -> its Edm type, in the order they are tried.
KEY_TYPES = {"OrderNumber": "Edm.Int32", "YourRef": "Edm.String"}


def order_key(order: HotglueBuyOrder) -> tuple[str, str] | None:
    """The field and value an order is found again by: OrderNumber, else YourRef, else none."""
    if order.order_number is not None:
        return "OrderNumber", str(order.order_number)
    if order.your_ref is not None:
        return "YourRef", order.your_ref
    return None


class OrderIndex:
    """PurchaseOrderIDs by key value, per division; ``None`` = known not to exist. Batched."""

    def __init__(self, sink: ExactSink) -> None:
        self.sink = sink
        self._ids: dict[tuple[int, str, str], str | None] = {}
        self._lock = threading.Lock()

    def prefetch(self, division: int, field: str, values: list[str]) -> None:
        edm = KEY_TYPES[field]
        with self._lock:
            todo = sorted({v for v in values if (division, field, v) not in self._ids})
        for i in range(0, len(todo), CHUNK):
            chunk = todo[i : i + CHUNK]
            rows = self.sink.ctx.client.find(
                ORDERS,
                division=division,
                filter=scoped_filter(
                    ORDERS, division, or_(*(eq(field, v, edm) for v in chunk)), [field]
                ),
                select=["PurchaseOrderID", field],
                top=len(chunk) * 2,
            )
            with self._lock:
                for v in chunk:
                    self._ids[(division, field, v)] = None
                for row in rows:
                    key = (division, field, str(row.get(field)).strip())
                    if key in self._ids and self._ids[key] is None:
                        self._ids[key] = str(row["PurchaseOrderID"]).lower()

    def find(self, division: int, field: str, value: str, *, fresh: bool = False) -> str | None:
        """The order's ID; ``fresh`` asks Exact again (after a POST whose answer was lost)."""
        with self._lock:
            if fresh:
                self._ids.pop((division, field, value), None)
            known = (division, field, value) in self._ids
        if not known:
            self.prefetch(division, field, [value])
        with self._lock:
            return self._ids.get((division, field, value))

    def remember(self, division: int, field: str, value: str, order_id: str) -> None:
        with self._lock:
            self._ids[(division, field, value)] = order_id


def prefetch_hotglue(sink: ExactSink, index: OrderIndex, records: list[dict[str, Any]]) -> None:
    """Batched lookups of a batch: suppliers, items, the config warehouse, existing orders."""
    by_division: dict[int, list[HotglueBuyOrder]] = {}
    for record in records:
        if skip_reason(record) is not None:
            continue
        try:
            by_division.setdefault(sink.division_of(record), []).append(
                parse_hotglue_buy_order(record)
            )
        except RecordError:
            continue
    for division, orders in by_division.items():
        lk = sink.lookups(division)
        lk.prefetch_accounts(o.supplier_ref for o in orders)
        lk.prefetch_items(line.item_ref for o in orders for line in o.lines)
        lk.prefetch_warehouses([sink.settings.default_warehouse])
        keys: dict[str, list[str]] = {}
        for o in orders:
            key = order_key(o)
            if key is not None:
                keys.setdefault(key[0], []).append(key[1])
        for field, values in keys.items():
            index.prefetch(division, field, values)


def write_hotglue_buy_order(
    sink: ExactSink, index: OrderIndex, record: dict[str, Any]
) -> RecordResult:
    ext = sink.external_id(record)
    reason = skip_reason(record)
    if reason is not None:
        remote = record.get("remoteId")
        # HotGlue reports the remoteId back as the order's id: the orchestrator keeps it.
        order_id = None if remote in (None, "") else str(remote)
        return RecordResult("skipped", id=order_id, external_id=ext, extra={"skipped": reason})
    division = sink.division_of(record)
    order = parse_hotglue_buy_order(record)
    lk = sink.lookups(division)
    supplier = lk.account(order.supplier_ref)
    if supplier is None:
        raise RecordError(
            "supplier_remoteId", f"no supplier {order.supplier_ref!r} in Exact (crm/Accounts)"
        )
    item_ids: dict[int, str] = {}
    for line in order.lines:
        item = lk.item(line.item_ref)
        if item is None:
            raise RecordError(
                f"{line.field}.product_remoteId",
                f"no item {line.item_ref!r} in Exact (logistics/Items)",
            )
        item_ids[line.index] = item.id
    warehouse_id = None
    configured = sink.settings.default_warehouse
    if configured:
        warehouse = lk.warehouse(configured)
        if warehouse is None:
            raise RecordError(
                "warehouse_uuid", f"no warehouse {configured!r} in Exact (inventory/Warehouses)"
            )
        warehouse_id = warehouse.id
    body = build_hotglue_purchase_order(
        order, supplier_id=supplier.id, item_ids=item_ids, warehouse_id=warehouse_id
    )
    writer = sink.writer(division)
    key = order_key(order)
    if key is not None:
        existing = index.find(division, *key)
        if existing is not None:
            return RecordResult("existing", id=existing, external_id=ext)
    find = None
    if key is not None:
        field, value = key

        def find() -> str | None:
            return index.find(division, field, value, fresh=True)

    created = writer.create(ORDERS, body, "PurchaseOrderID", find, check_first=False)
    if key is not None and not writer.dry_run:
        index.remember(division, *key, created.id)
    outcome: Outcome = "dry_run" if writer.dry_run else "created"
    if not created.created:
        outcome = "existing"
    return RecordResult(outcome, id=created.id, external_id=ext)
