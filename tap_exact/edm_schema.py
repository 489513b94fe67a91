"""JSON schema for a stream, from the Edm types of its read endpoint in the registry.

Built at run time through ``schema_source.RegistrySchema`` (the SDK's schema-source hook); the
catalog changes only when the vendored registry does, and ``tests/tap/snapshots/catalog.json``
guards it.
"""

from __future__ import annotations

from typing import Any

from exact_online.keyed_functions import KEY_PARAMETERS
from exact_online.registry import Endpoint, Entity

DELETED_AT = "_sdc_deleted_at"
# Line-grained sync streams: when the read that emitted the line started. Exact re-stamps every
# line of a changed order, so a later read of the order that did not emit a line means the line
# was deleted (Exact's sync/Deleted has no entry for lines). README, "Deletions".
ORDER_READ_AT = "_sdc_order_read_at"
DIVISION = "Division"

_DATETIME: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}

EDM_JSON_SCHEMA: dict[str, dict[str, Any]] = {
    "Edm.String": {"type": ["string", "null"]},
    "Edm.Guid": {"type": ["string", "null"]},
    "Edm.Binary": {"type": ["string", "null"]},  # base64, as Exact sends it
    "Edm.DateTime": _DATETIME,
    "Edm.DateTimeOffset": _DATETIME,
    "Edm.Int16": {"type": ["integer", "null"]},
    "Edm.Int32": {"type": ["integer", "null"]},
    "Edm.Int64": {"type": ["integer", "null"]},
    "Edm.Byte": {"type": ["integer", "null"]},
    "Edm.SByte": {"type": ["integer", "null"]},
    "Edm.Double": {"type": ["number", "null"]},
    "Edm.Single": {"type": ["number", "null"]},
    "Edm.Decimal": {"type": ["number", "null"]},
    "Edm.Boolean": {"type": ["boolean", "null"]},
}


def property_schema(edm_type: str) -> dict[str, Any]:
    """The JSON schema of one Edm-typed value (unknown Edm types fall back to string)."""
    return dict(EDM_JSON_SCHEMA.get(edm_type, {"type": ["string", "null"]}))


def stream_fields(endpoint: Endpoint) -> list[tuple[str, str]]:
    """(name, edm_type) of the scalar fields a stream exposes, in the reference's order.

    Line collections (navigation properties) are left out: lines are streams of their own.
    """
    return [(f.name, f.edm_type) for f in endpoint.scalar_fields if f.name]


def has_tombstones(entity: Entity) -> bool:
    """Whether sync/Deleted reports this entity's deletions (an EntityType code exists)."""
    return bool(entity.deleted_entity_types) and entity.read_endpoint().kind == "sync"


def entity_schema(entity: Entity) -> dict[str, Any]:
    """Every scalar field, ``Division`` always, ``_sdc_deleted_at`` if deletable,
    ``_sdc_order_read_at`` if its sync rows are order lines, and the key a keyed function was
    called with (tap_exact/keyed_functions.py)."""
    schema = endpoint_schema(entity.read_endpoint(), tombstones=has_tombstones(entity))
    if has_line_reads(entity):
        schema["properties"][ORDER_READ_AT] = dict(_DATETIME)
    parameter = KEY_PARAMETERS.get(entity.qualified_name)
    if parameter is not None:
        schema["properties"][parameter.name] = property_schema("Edm.Guid")
    return schema


def has_line_reads(entity: Entity) -> bool:
    """Whether the entity's records are order lines read from a sync endpoint."""
    return entity.line_grained and entity.read_endpoint().kind == "sync"


def endpoint_schema(endpoint: Endpoint, *, tombstones: bool) -> dict[str, Any]:
    """The schema of the records read through one endpoint (``entity_schema``: its best one)."""
    properties: dict[str, Any] = {
        name: property_schema(edm) for name, edm in stream_fields(endpoint)
    }
    # Records always carry their division; most Exact entities have the field already.
    properties.setdefault(DIVISION, {"type": ["integer", "null"]})
    if tombstones:
        properties[DELETED_AT] = dict(_DATETIME)
    return {"type": "object", "additionalProperties": False, "properties": properties}
