"""hotgluexyz/tap-exact's streams as classes: one per row of ``table.STREAMS``, built from the
registry's stream families (``tap_exact.streams``) with
:class:`~tap_exact.hotglue.behaviour.HotglueBehaviour` mixed in; nothing is copied per stream.

Endpoint modes, as HotGlue picks them: ``dynamic`` = sync endpoint when ``sync_endpoints`` is true,
else classic; ``classic`` = always bulk/plain with a ``Modified`` bookmark; ``sync`` = always the
sync endpoint. Where our registry has no such endpoint, the entity's best read endpoint is used
(docs/hotglue.md lists those).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from singer_sdk import SchemaSource, StreamSchema, Tap

from exact_online.registry import Endpoint, Entity, load_registry
from tap_exact.edm_schema import endpoint_schema, stream_fields
from tap_exact.hotglue.behaviour import HotglueBehaviour
from tap_exact.hotglue.flags import HotglueFlags, startup_warnings
from tap_exact.hotglue.table import STREAMS, HotglueStream
from tap_exact.streams import stream_family

if TYPE_CHECKING:
    from singer_sdk.streams import Stream

    from tap_exact.client import ExactStream

def _has_modified(endpoint: Endpoint | None) -> bool:
    field = endpoint.field_map.get("Modified") if endpoint is not None else None
    return field is not None and field.edm_type == "Edm.DateTime"


def read_endpoint(row: HotglueStream, entity: Entity, sync_endpoints: bool) -> Endpoint:
    """The endpoint HotGlue reads for ``row`` (bulk before plain: same rows, 1000 a page)."""
    if row.mode == "sync" or (row.mode == "dynamic" and sync_endpoints):
        return entity.sync or entity.read_endpoint()
    for endpoint in (entity.bulk, entity.plain):
        if endpoint is not None and _has_modified(endpoint):
            return endpoint
    return entity.read_endpoint()  # no classic endpoint with Modified: our best one


class EndpointSchema(SchemaSource[str]):
    """Schemas per ``"<entity stream>@<endpoint kind>"`` (no tombstone column: HotGlue has none)."""

    def fetch_schema(self, key: str) -> dict[str, Any]:
        stream, _, kind = key.partition("@")
        entity = load_registry().find(stream)
        if entity is None or entity.stream != stream or kind not in entity.endpoints:
            raise KeyError(f"no endpoint {kind!r} of stream {stream!r} in the registry")
        return endpoint_schema(entity.endpoints[kind], tombstones=False)


ENDPOINT_SCHEMAS = EndpointSchema()


@cache
def hotglue_class(row: HotglueStream, sync_endpoints: bool) -> type[ExactStream]:
    entity = load_registry().by_stream(row.entity)
    endpoint = read_endpoint(row, entity, sync_endpoints)
    family = stream_family(entity, endpoint)
    names = {name for name, _ in stream_fields(endpoint)}
    key = row.key or entity.key
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": f"HotGlue's {row.name}: {entity.qualified_name} via {endpoint.path}",
        "name": row.name,
        "path": endpoint.path,
        "entity": entity,
        "endpoint": endpoint,
        "hotglue": row,
        "schema": StreamSchema(ENDPOINT_SCHEMAS, key=f"{entity.stream}@{endpoint.kind}"),
        "primary_keys": tuple(k for k in key if k in names),
        "replication_key": next(
            (c.__dict__["replication_key"] for c in family.__mro__
             if isinstance(c.__dict__.get("replication_key"), str)), None),
    }
    class_name = "Hotglue" + "".join(p[:1].upper() + p[1:] for p in row.name.split("_"))
    return type(class_name, (HotglueBehaviour, family), attrs)


def hotglue_streams(tap: Tap, flags: HotglueFlags) -> list[Stream]:
    """HotGlue's streams for this config (the endpoint mode follows ``sync_endpoints``)."""
    for warning in startup_warnings(flags):
        tap.logger.warning(warning)
    return [hotglue_class(row, flags.sync_endpoints)(tap) for row in STREAMS]

