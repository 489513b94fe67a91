"""Native mode: a stream named after a writable Exact entity, records in Exact field names.

Validated against the registry (unknown fields, formats, mandatory fields), computed fields
dropped, then: DELETE when ``_sdc_deleted_at`` is set, PUT when the key is present, else POST —
after looking the document up by its external reference when the record carries one.
"""

from __future__ import annotations

from typing import Any

from exact_online.mandatory_filter import scoped_filter
from exact_online.odata import eq
from exact_online.registry import Entity, load_registry
from target_exact.mapping import fields as f
from target_exact.mapping.fields import RecordError
from target_exact.mapping.payload import check_mandatory, clean
from target_exact.mapping.reference import check_reference
from target_exact.results import RecordResult
from target_exact.sinks.base import ExactSink


def native_entity(stream_name: str) -> Entity | None:
    """The writable entity a stream names: stream name (``purchase_orders``), ``service/Name``,
    endpoint path, or the bare Exact name (``PurchaseOrders``) when only one service has it."""
    reg = load_registry()
    entity = reg.find(stream_name)
    if entity is None:
        named = [
            e
            for e in reg.writable()
            if e.name.lower() == stream_name.lower() and e.plain is not None
        ]
        entity = named[0] if len(named) == 1 else None
    if entity is None or entity.write_endpoint is None or entity.plain is None:
        return None
    return entity


class NativeSink(ExactSink):
    @property
    def include_sdc_metadata_properties(self) -> bool:
        return True  # keeps _sdc_deleted_at (the other _sdc_ fields are dropped below)

    @property
    def entity(self) -> Entity:
        entity = native_entity(self.stream_name)
        assert entity is not None
        return entity

    def line_entities(self) -> dict[str, Entity]:
        """``PurchaseOrderLines`` -> purchaseorder/PurchaseOrderLines (same service, same name)."""
        entity, reg = self.entity, load_registry()
        out: dict[str, Entity] = {}
        plain = entity.plain
        for fl in plain.fields if plain else ():
            if fl.is_navigation:
                line = reg.find(f"{entity.service}/{fl.name}")
                if line is not None:
                    out[fl.name] = line
        return out

    def external_id(self, record: dict[str, Any]) -> str | None:
        value = record.get(self.settings.external_reference_field)
        return None if value in (None, "") else str(value)

    def write_record(self, record: dict[str, Any]) -> RecordResult:
        division = self.division_of(record, "division" if "division" in record else "Division")
        entity = self.entity
        key = entity.write_key[0]
        deleted = record.get("_sdc_deleted_at")
        data = {
            k: v
            for k, v in record.items()
            if not k.startswith("_sdc_") and k not in ("division", "Division")
        }
        writer = self.writer(division)
        ext = self.external_id(record)
        key_value = data.get(key) or (data.get(entity.key[0]) if entity.key else None)
        if deleted:
            if not key_value:
                raise RecordError(key, "is required to delete a record")
            writer.delete(entity.qualified_name, f.guid(key_value, key))
            return RecordResult(
                "updated", id=str(key_value).lower(), external_id=ext, extra={"deleted": True}
            )
        lines = self.line_entities()
        body = clean(entity, data, strict=True, lines=lines)
        body.pop(key, None)
        if key_value:
            key_id = f.guid(key_value, key)
            body = {k: v for k, v in body.items() if k not in lines}
            writer.update(entity.qualified_name, key_id, body)
            return RecordResult("updated", id=key_id, external_id=ext)
        check_mandatory(entity, body)
        for name, line_entity in lines.items():
            for i, line in enumerate(body.get(name, [])):
                check_mandatory(
                    line_entity,
                    line,
                    where=f"{name}[{i}].",
                    skip=frozenset(entity.write_key) | set(entity.key),
                )
        ref_field = self.settings.external_reference_field
        ref = body.get(ref_field) if entity.plain and ref_field in entity.plain.field_map else None
        if ref:
            check_reference(str(ref), ref_field, ref_field)
        find = None
        if ref:

            def find() -> str | None:
                rows = self.ctx.client.find(
                    entity.qualified_name,
                    division=division,
                    filter=scoped_filter(
                        entity.qualified_name,
                        division,
                        eq(ref_field, ref, "Edm.String"),
                        [ref_field],
                    ),
                    select=[key],
                    top=1,
                )
                return str(rows[0][key]).lower() if rows else None

        created = writer.create(
            entity.qualified_name, body, key, find, check_first=not writer.dry_run
        )
        if writer.dry_run:
            return RecordResult("dry_run", id=created.id, external_id=ext)
        return RecordResult(
            "created" if created.created else "existing", id=created.id, external_id=ext
        )
