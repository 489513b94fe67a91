"""The tap's catalog dict, exactly as singer-sdk's ``Catalog.to_dict`` writes it, built faster.

The SDK turns every stream's schema into ``singerlib.Schema`` objects and back, property by
property: ~25,000 round trips for ~340 streams, most of ``--discover``'s time. Our property schemas
are a handful of distinct small dicts (``edm_schema.EDM_JSON_SCHEMA``), so each distinct one is
converted once, by the SDK's own ``Schema``; the entry around it is the SDK's ``CatalogEntry``.
``tests/tap/test_catalog_dict.py`` checks the result equals the SDK's, key order included.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from singer_sdk import singerlib as singer

if TYPE_CHECKING:
    from singer_sdk.streams import Stream


def catalog_dict(streams: Iterable[Stream]) -> dict[str, Any]:
    """``{"streams": [...]}`` as ``Tap.catalog_dict`` gives it for these streams."""
    converted: dict[str, dict[str, Any]] = {}
    return {"streams": [_entry(stream, converted) for stream in streams]}


def _entry(stream: Stream, converted: dict[str, dict[str, Any]]) -> dict[str, Any]:
    entry = singer.CatalogEntry(
        tap_stream_id=stream.tap_stream_id,
        stream=stream.name,
        schema=singer.Schema(),  # replaced below; to_dict keeps its place in the key order
        metadata=stream.metadata,
        key_properties=stream.primary_keys or [],
        replication_key=stream.replication_key,
        replication_method=stream.replication_method,
    )
    out = entry.to_dict()
    out["schema"] = schema_dict(stream.schema, converted)
    return out


def schema_dict(schema: dict[str, Any], converted: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``singer.Schema.from_dict(schema).to_dict()``, each distinct property schema done once.

    ``converted`` is the memo (keyed by the property schema's repr), shared by one catalog.
    """
    rest = {k: v for k, v in schema.items() if k != "properties"}
    top = singer.Schema.from_dict(rest).to_dict()
    properties = schema.get("properties")
    if properties is None:
        return top
    props: dict[str, Any] = {}
    for name, prop in properties.items():
        key = repr(prop)
        done = converted.get(key)
        if done is None:
            done = converted[key] = singer.Schema.from_dict(prop).to_dict()
        props[name] = dict(done)  # a copy per property, as the SDK gives
    return {"properties": props, **top}  # Schema.to_dict writes "properties" first
