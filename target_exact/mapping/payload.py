"""What Exact accepts on a write, checked against the registry before any call.

Only fields of the entity's plain endpoint are sent. Computed fields are dropped: audit fields,
``Division``, counts, and the ``…Code``/``…Description``/``…Name`` companions of a GUID reference
(``SupplierCode`` next to ``Supplier``), plus the read-only ones FACTS.md names
(``PurchaseOrderLines.Quantity``: write ``QuantityInPurchaseUnits``).
"""

from __future__ import annotations

from typing import Any

from exact_online.registry import Endpoint, Entity, Field
from target_exact.mapping import fields as f
from target_exact.mapping.fields import RecordError

AUDIT = frozenset(
    {
        "Created",
        "Creator",
        "CreatorFullName",
        "Modified",
        "Modifier",
        "ModifierFullName",
        "Division",
        "Timestamp",
    }
)
READ_ONLY: dict[str, frozenset[str]] = {
    "purchaseorder/PurchaseOrderLines": frozenset(
        {"Quantity", "ReceivedQuantity", "InvoicedQuantity", "InStock", "ProjectedStock"}
    ),
    "purchaseorder/PurchaseOrders": frozenset(
        {"OrderNumber", "OrderStatus", "ReceiptStatus", "InvoiceStatus", "AmountDC", "VATAmount"}
    ),
}
_DERIVED_SUFFIXES = ("Code", "Description", "Name", "FullName")


def is_read_only(entity: Entity, endpoint: Endpoint, field: Field) -> bool:
    name = field.name
    if name in AUDIT or name in READ_ONLY.get(entity.qualified_name, ()):
        return True
    if name.endswith("Count") and field.edm_type.startswith("Edm.Int"):
        return True
    for suffix in _DERIVED_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = endpoint.field_map.get(name[: -len(suffix)])
            if base is not None and base.edm_type == "Edm.Guid":
                return True
    return False


def writable_fields(entity: Entity) -> dict[str, Field]:
    ep = entity.plain
    if ep is None:
        return {}
    return {fl.name: fl for fl in ep.fields if not is_read_only(entity, ep, fl)}


def coerce(fl: Field, value: Any, where: str) -> Any:
    """A value in the form Exact takes for the field's Edm type; raises :class:`RecordError`."""
    if value is None:
        return None
    t = fl.edm_type
    if t == "Edm.Guid":
        return f.guid(value, where)
    if t == "Edm.DateTime":
        return f.exact_datetime(value, where)
    if t in ("Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte"):
        if isinstance(value, bool) and t == "Edm.Byte":
            return int(value)
        return f.integer(value, where)
    if t in ("Edm.Double", "Edm.Decimal", "Edm.Single"):
        n = f.number(value, where)
        return None if n is None else float(n)
    if t == "Edm.Boolean":
        return f.boolean(value, where)
    if t == "Edm.String":
        if isinstance(value, (dict, list)):
            raise RecordError(where, "must be text")
        return str(value)
    return value


def clean(
    entity: Entity,
    body: dict[str, Any],
    *,
    where: str = "",
    strict: bool = True,
    lines: dict[str, Entity] | None = None,
) -> dict[str, Any]:
    """``body`` restricted to writable fields with values coerced.

    ``strict``: an unknown field is an error (native records); otherwise it is dropped.
    ``lines`` maps a line collection field (``PurchaseOrderLines``) to its line entity.
    """
    allowed = writable_fields(entity)
    ep = entity.plain
    all_fields = ep.field_map if ep is not None else {}
    out: dict[str, Any] = {}
    for name, value in body.items():
        path = f"{where}{name}"
        fl = all_fields.get(name)
        if fl is None:
            if strict:
                raise RecordError(path, f"is not a field of {entity.qualified_name}")
            continue
        if name not in allowed:
            continue
        if fl.is_navigation:
            line_entity = (lines or {}).get(name)
            if line_entity is None:
                continue
            items = f.json_list(value, path)
            out[name] = [
                clean(line_entity, item, where=f"{path}[{i}].", strict=strict)
                for i, item in enumerate(items)
            ]
            continue
        coerced = coerce(fl, value, path)
        if coerced is not None:
            out[name] = coerced
    return out


def check_mandatory(
    entity: Entity, body: dict[str, Any], *, where: str = "", skip: frozenset[str] = frozenset()
) -> None:
    """Every field the reference marks mandatory on POST is present (lines need at least one)."""
    for name in entity.mandatory_on_post():
        if name in skip:
            continue
        value = body.get(name)
        if value is None or value in ("", []):
            raise RecordError(f"{where}{name}", f"is mandatory for {entity.qualified_name}")
