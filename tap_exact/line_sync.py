"""Line tables without an incremental endpoint of their own, read through their header's
line-grained ``/sync/`` endpoint.

``salesinvoice/SalesInvoiceLines`` has only plain and bulk endpoints, neither with ``Modified``: a
full table every run. ``sync/SalesInvoice/SalesInvoices`` returns one row per invoice LINE with
every field of SalesInvoiceLines (and the header's), keyed by the line ``ID``, with a
``Timestamp``. So ``sales_invoice_lines`` reads that endpoint, selecting only its own fields plus
``Timestamp``: incremental, resumable, with tombstones (deletions name the invoice), the same rows.

Only pairs whose sync endpoint carries every field of the line table are taken (checked here
against the registry), so no column of the line stream is lost.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from exact_online.registry import Endpoint, Entity, load_registry
from tap_exact.edm_schema import DELETED_AT, DIVISION, property_schema, stream_fields

# line stream -> the stream whose line-grained sync endpoint holds its rows
LINE_SYNC_TWINS: dict[str, str] = {"sales_invoice_lines": "sales_invoices"}
TIMESTAMP = "Timestamp"


@cache
def line_sync_source(entity: Entity) -> tuple[Entity, Endpoint] | None:
    """(header entity, its sync endpoint) to read ``entity`` through, or None."""
    parent_name = LINE_SYNC_TWINS.get(entity.stream)
    if parent_name is None:
        return None
    parent = load_registry().find(parent_name)
    if parent is None or parent.sync is None or not parent.line_grained:
        return None
    sync = parent.sync
    own = entity.read_endpoint()
    if TIMESTAMP not in sync.field_map or any(
        f.name not in sync.field_map for f in own.scalar_fields
    ):
        return None
    return parent, sync


def line_sync_schema(entity: Entity) -> dict[str, Any] | None:
    """The line stream's own fields (types from its own endpoint), ``Timestamp``, ``Division``
    and the tombstone column; None when ``entity`` is not read through a twin."""
    source = line_sync_source(entity)
    if source is None:
        return None
    _, sync = source
    properties: dict[str, Any] = {
        name: property_schema(edm) for name, edm in stream_fields(entity.read_endpoint())
    }
    properties[TIMESTAMP] = property_schema(sync.field_map[TIMESTAMP].edm_type)
    properties.setdefault(DIVISION, {"type": ["integer", "null"]})
    properties[DELETED_AT] = property_schema("Edm.DateTime")
    return {"type": "object", "additionalProperties": False, "properties": properties}
