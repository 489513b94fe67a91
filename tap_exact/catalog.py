"""The tap's catalog dict, exactly as singer-sdk's ``Catalog.to_dict`` writes it, built faster.

The SDK turns every stream's schema into ``singerlib.Schema`` objects and back, property by
property: ~25,000 round trips for ~340 streams, most of ``--discover``'s time. Our property schemas
are a handful of distinct small dicts (``edm_schema.EDM_JSON_SCHEMA``), so each distinct one is
converted once, by the SDK's own ``Schema``; the entry around it is the SDK's ``CatalogEntry``.
Likewise the ~8,000 property metadata items are a few distinct values: each converted once by the
SDK's ``Metadata.to_dict``.
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
    metadata: dict[tuple[Any, ...], dict[str, Any]] = {}
    return {"streams": [_entry(stream, converted, metadata) for stream in streams]}


def _entry(
    stream: Stream,
    converted: dict[str, dict[str, Any]],
    metadata: dict[tuple[Any, ...], dict[str, Any]],
) -> dict[str, Any]:
    entry = singer.CatalogEntry(
        tap_stream_id=stream.tap_stream_id,
        stream=stream.name,
        schema=singer.Schema(),  # both replaced below; to_dict keeps their place in the key order
        metadata=singer.MetadataMapping(),
        key_properties=stream.primary_keys or [],
        replication_key=stream.replication_key,
        replication_method=stream.replication_method,
    )
    out = entry.to_dict()
    out["schema"] = schema_dict(stream.schema, converted)
    out["metadata"] = metadata_list(stream.metadata, metadata)
    return out


def metadata_list(
    mapping: singer.MetadataMapping, converted: dict[tuple[Any, ...], dict[str, Any]]
) -> list[dict[str, Any]]:
    """``mapping.to_list()``, each distinct property ``Metadata`` converted once (``converted``)."""
    items: list[dict[str, Any]] = []
    for breadcrumb, value in mapping.items():
        if type(value) is singer.Metadata:  # a property's: three fields, a few distinct values
            key = (value.inclusion, value.selected, value.selected_by_default)
            done = converted.get(key)
            if done is None:
                done = converted[key] = value.to_dict()
            as_dict = dict(done)  # a copy per item, as the SDK gives
        else:  # the stream's own (StreamMetadata) or any other kind: the SDK's conversion
            as_dict = value.to_dict()
        items.append({"breadcrumb": list(breadcrumb), "metadata": as_dict})
    return items


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
