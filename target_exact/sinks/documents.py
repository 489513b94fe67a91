"""HotGlue streams written as one Exact document each (create, or update the header).

Found by ``remoteId`` or by the external reference: ``YourRef`` where the entity has it (or
``external_reference_field``), a key in ``Remarks`` (warehouse transfers: the mapper's
``find_filter``), ``Description`` (stock counts), ``Code`` (items), ``Code``/``Name``
(suppliers). Updates PUT the changed header fields. Warehouse transfers and sales orders also
diff their lines like buy orders (POST new lines first, PUT changed ones, DELETE the rest); a
document Exact no longer lets change (a transfer not open, a completed sales order) is reported
and left alone. Lines of the other documents are not changed on update. ``UpdateInventory``
writes nothing unless ``write_stock_counts`` is on.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from exact_online.mandatory_filter import scoped_filter
from exact_online.odata import Query, eq, literal
from exact_online.registry import Entity, load_registry
from target_exact import specs
from target_exact.diff import LineChanges, changes, diff_lines
from target_exact.mapping import fields as f
from target_exact.mapping.fields import RecordError
from target_exact.mapping.payload import check_mandatory, clean
from target_exact.mapping.reference import check_reference
from target_exact.results import Outcome, RecordResult
from target_exact.sinks.base import ExactSink
from target_exact.specs import DocSpec


class SinkResolve:
    """:class:`target_exact.mapping.documents.Resolve` over the cached lookups of a division."""

    def __init__(self, sink: ExactSink, division: int) -> None:
        self.lk = sink.lookups(division)
        self.settings = sink.settings
        self.unit_factors: dict[str, Decimal] = dict(sink.settings.unit_factors)

    def account(self, ref: str, where: str) -> str:
        acc = self.lk.account(ref)
        if acc is None:
            raise RecordError(where, f"no account {ref!r} in Exact (crm/Accounts)")
        return acc.id

    def item(self, ref: str, where: str) -> tuple[str, str | None, str | None]:
        item = self.lk.item(ref)
        if item is None:
            raise RecordError(where, f"no item {ref!r} in Exact (logistics/Items)")
        return item.id, item.code, item.unit

    def warehouse(self, ref: str, where: str) -> str:
        wh = self.lk.warehouse(ref)
        if wh is None:
            raise RecordError(where, f"no warehouse {ref!r} in Exact (inventory/Warehouses)")
        return wh.id

    def gl_account(self, ref: str, where: str) -> str:
        gl = self.lk.gl_account(ref)
        if gl is None:
            raise RecordError(where, f"no GL account {ref!r} in Exact (financial/GLAccounts)")
        return gl

    def default_warehouse(self) -> str | None:
        return self.settings.default_warehouse

    def matches(self, path: str, name_field: str, value: str) -> list[str]:
        return self.lk.ids_where(path, name_field, value)

    def named(self, path: str, name_field: str, value: str, where: str) -> str:
        """The one row whose ``name_field`` is ``value`` (HotGlue's name-based fields)."""
        ids = self.lk.ids_where(path, name_field, value)
        if not ids:
            raise RecordError(where, f"nothing in Exact ({path}) has {name_field} {value!r}")
        if len(ids) > 1:
            raise RecordError(
                where,
                f"more than one row in Exact ({path}) has {name_field} {value!r}: give its "
                "code or GUID instead",
            )
        return ids[0]


def find_document(
    sink: ExactSink,
    spec: DocSpec,
    division: int,
    lookup: dict[str, str],
    condition: str | None = None,
) -> str | None:
    """The document's key, found by its reference fields (``lookup``) or by ``condition``."""
    key = spec.entity.write_key[0]
    parts = [condition] if condition else []
    for name, value in lookup.items():
        lhs = f"trim({name})" if name == "Code" else name
        parts.append(f"{lhs} eq {literal(value, 'Edm.String')}")
    fields = list(lookup) or ["Remarks"]
    rows = sink.ctx.client.find(
        spec.entity.qualified_name,
        division=division,
        filter=scoped_filter(spec.entity.qualified_name, division, " and ".join(parts), fields),
        select=[key],
        top=1,
    )
    return str(rows[0][key]).lower() if rows else None


def write_document(
    sink: ExactSink, spec: DocSpec, record: dict[str, Any], division: int
) -> RecordResult:
    """Create the document of ``record``, or PUT its changed header fields when it exists."""
    mapped = spec.mapper(record, SinkResolve(sink, division))
    entity = spec.entity
    registry = load_registry()
    lines = {
        name: e
        for name, path in spec.line_entities.items()
        if (e := registry.find(path)) is not None
    }
    ref_field = spec.reference_field(sink.settings.external_reference_field)
    lookup: dict[str, str] = {}
    if mapped.find_filter is None:
        lookup = mapped.lookup or ({ref_field: mapped.reference} if mapped.reference else {})
        for name, value in lookup.items():
            check_reference(value, mapped.source, name)
        if not mapped.lookup and mapped.reference:
            mapped.body.setdefault(ref_field, mapped.reference)
    findable = bool(lookup) or mapped.find_filter is not None

    def find() -> str | None:
        return find_document(sink, spec, division, lookup, mapped.find_filter)

    body = clean(entity, mapped.body, strict=True, lines=lines)
    key = entity.write_key[0]
    writer = sink.writer(division)
    client = sink.ctx.client
    existing = mapped.remote_id
    if existing is not None and not writer.dry_run:
        if client.get_one(entity.qualified_name, existing, division=division, select=[key]) is None:
            existing = None
    if existing is None and findable and not writer.dry_run:
        existing = find()
    # results name the record by its source id, as the orchestrator knows it
    ext = sink.external_id(record) or mapped.reference
    if existing is None:
        check_mandatory(entity, body)
        for name, line_entity in lines.items():
            for i, line in enumerate(body.get(name, [])):
                check_mandatory(
                    line_entity,
                    line,
                    where=f"{name}[{i}].",
                    skip=frozenset(entity.write_key) | {entity.key[0]},
                )
        created = writer.create(
            entity.qualified_name,
            body,
            key,
            find if findable else None,
            check_first=False,
        )
        return RecordResult(
            "dry_run" if writer.dry_run else "created",
            id=created.id,
            external_id=ext,
            extra=_warnings(mapped.warnings),
        )
    header = {k: v for k, v in body.items() if k not in lines and k != key}
    select = [key, *header]
    if spec.frozen is not None and spec.frozen.field not in select:
        select.append(spec.frozen.field)
    current = (
        client.get_one(entity.qualified_name, existing, division=division, select=select) or {}
    )
    delta = changes(current, header)
    document_lines = {
        name: DocumentLines(sink, division, lines[name], parent, existing)
        for name, parent in spec.line_parents.items()
        if name in lines
    }
    line_changes = {
        name: dl.changes(body.get(name, []), record) for name, dl in document_lines.items()
    }
    touched = bool(delta) or any(line_changes.values())
    if spec.frozen is not None and spec.frozen.applies(current.get(spec.frozen.field)):
        status = current.get(spec.frozen.field)
        extra: dict[str, Any] = {"status": status}
        if touched:
            extra["warning"] = (
                f"{spec.frozen.reason} ({spec.frozen.field} {status}); changes were not written"
            )
        return RecordResult("existing", id=existing, external_id=ext, extra=extra)
    if not touched:
        return RecordResult(
            "existing", id=existing, external_id=ext, extra=_warnings(mapped.warnings)
        )
    if delta:
        writer.update(entity.qualified_name, existing, delta)
    for name, diff in line_changes.items():
        document_lines[name].write(diff)
    outcome: Outcome = "dry_run" if writer.dry_run else "updated"
    return RecordResult(outcome, id=existing, external_id=ext, extra=_warnings(mapped.warnings))


def _warnings(warnings: list[str]) -> dict[str, Any]:
    return {"warning": "; ".join(warnings)} if warnings else {}


@dataclass
class DocumentLines:
    """The lines of one document in Exact: read, diff against the desired ones, write."""

    sink: ExactSink
    division: int
    entity: Entity  # the line entity, e.g. inventory/WarehouseTransferLines
    parent: str  # its field naming the document, e.g. TransferID
    document_id: str

    def _rows(self, select: list[str]) -> list[dict[str, Any]]:
        query = Query(select=select, filter=eq(self.parent, self.document_id, "Edm.Guid"))
        return list(
            self.sink.ctx.client.iter_records(
                self.entity.qualified_name, division=self.division, query=query
            )
        )

    def changes(self, desired: list[dict[str, Any]], record: dict[str, Any]) -> LineChanges:
        """The desired lines (input order; an input line's ``remoteId`` names an Exact line)
        against the document's lines in Exact."""
        remote_ids: list[str | None] = []
        for i, raw in enumerate(f.json_list(record.get("line_items"), "line_items")):
            value = raw.get("remoteId") if isinstance(raw, dict) else None
            where = f"line_items[{i}].remoteId"
            remote_ids.append(f.guid(value, where) if value not in (None, "") else None)
        remote_ids += [None] * (len(desired) - len(remote_ids))
        select = sorted({k for line in desired for k in line} | {"ID", "Item"})
        pairs = list(zip(remote_ids[: len(desired)], desired, strict=True))
        return diff_lines(pairs, self._rows(select))

    def write(self, diff: LineChanges) -> None:
        """New lines first, so the document never has zero lines; then changes, then deletions."""
        writer = self.sink.writer(self.division)
        path = self.entity.qualified_name
        known = {line_id for line_id, _ in diff.updates} | set(diff.deletes)
        for body in diff.adds:
            find = functools.partial(self._find_new_line, set(known), str(body["Item"]))
            line = {**body, self.parent: self.document_id}
            known.add(writer.create(path, line, "ID", find, check_first=False).id)
        for line_id, delta in diff.updates:
            writer.update(path, line_id, delta)
        for line_id in diff.deletes:
            writer.delete(path, line_id)

    def _find_new_line(self, known: set[str], item: str) -> str | None:
        """After a lost answer: a line of the document that was not there before, for the item."""
        for row in self._rows(["ID", "Item"]):
            line_id = str(row["ID"]).lower()
            if line_id not in known and str(row.get("Item")).lower() == item.lower():
                return line_id
        return None


class DocumentSink(ExactSink):
    spec: ClassVar[DocSpec]

    def write_record(self, record: dict[str, Any]) -> RecordResult:
        return write_document(self, self.spec, record, self.division_of(record))


class ShopOrdersSink(DocumentSink):
    spec = specs.SHOP_ORDERS


class WarehouseTransfersSink(DocumentSink):
    spec = specs.WAREHOUSE_TRANSFERS


class SuppliersSink(DocumentSink):
    spec = specs.SUPPLIERS


class ItemsSink(DocumentSink):
    spec = specs.ITEMS


class SalesOrdersSink(DocumentSink):
    spec = specs.SALES_ORDERS


class PurchaseInvoicesSink(DocumentSink):
    spec = specs.PURCHASE_INVOICES


class PurchaseEntriesSink(DocumentSink):
    spec = specs.PURCHASE_ENTRIES


class UpdateInventorySink(DocumentSink):
    """Stock counts only with ``write_stock_counts``: HotGlue's UpdateInventory writes nothing."""

    spec = specs.STOCK_COUNTS

    def write_record(self, record: dict[str, Any]) -> RecordResult:
        if not self.settings.write_stock_counts:
            reason = "UpdateInventory writes nothing unless write_stock_counts is on (as HotGlue)"
            return RecordResult(
                "skipped", external_id=self.external_id(record), extra={"skipped": reason}
            )
        return super().write_record(record)


HOTGLUE_DOCUMENT_SINKS: dict[str, type[ExactSink]] = {
    "ShopOrders": ShopOrdersSink,
    "WarehouseTransfers": WarehouseTransfersSink,
    "Suppliers": SuppliersSink,
    "Items": ItemsSink,
    "products": ItemsSink,
    "SalesOrders": SalesOrdersSink,
    "PurchaseInvoices": PurchaseInvoicesSink,
    "PurchaseEntries": PurchaseEntriesSink,
    "UpdateInventory": UpdateInventorySink,
}
