"""The tap's catalog dict, exactly as singer-sdk's ``Catalog.to_dict`` writes it, built faster.

The SDK turns every stream's schema into ``singerlib.Schema`` objects and back, property by
property: ~25,000 round trips for ~340 streams, most of ``--discover``'s time. Our property schemas
are a handful of distinct small dicts (``edm_schema.EDM_JSON_SCHEMA``), so each distinct one is
converted once, by the SDK's own ``Schema``; the entry around it is the SDK's ``CatalogEntry``.
Likewise the ~8,000 property metadata items are a few distinct values: each converted once by the
SDK's ``Metadata.to_dict``.
``tests/tap/test_record_messages.py`` checks the result equals the SDK's, key order included.

:func:`catalog_text` is the SDK's ``--discover`` text of it (``json_text.py``): built with equal
dicts shared rather than copied (~8,300 metadata items are ~1,850 distinct ones), so each is
written once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from singer_sdk import singerlib as singer

from tap_exact.json_text import indented_json

if TYPE_CHECKING:
    from singer_sdk.streams import Stream


class _Converted:
    """What one catalog has converted so far; ``shared``: hand out the memo's dicts themselves."""

    def __init__(self, shared: bool) -> None:
        self.shared = shared
        self.schemas: dict[str, dict[str, Any]] = {}  # by the property schema's repr
        self.metadata: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.items: dict[tuple[Any, ...], dict[str, Any]] = {}  # whole metadata items, if shared


def catalog_dict(streams: Iterable[Stream], *, shared: bool = False) -> dict[str, Any]:
    """``{"streams": [...]}`` as ``Tap.catalog_dict`` gives it for these streams.

    ``shared``: equal property schemas and metadata items are one object each, not a copy per
    property (for :func:`catalog_text`; a caller that may change the result wants the copies).
    """
    memo = _Converted(shared)
    return {"streams": [_entry(stream, memo) for stream in streams]}


def catalog_text(streams: Iterable[Stream]) -> str | None:
    """The SDK's ``catalog_json_text`` for these streams (``dump_json(catalog_dict, indent=2)``),
    or ``None`` when the catalog holds a value ``json_text.py`` does not write."""
    return indented_json(catalog_dict(streams, shared=True))


def _entry(stream: Stream, memo: _Converted) -> dict[str, Any]:
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
    out["schema"] = _schema_dict(stream.schema, memo)
    out["metadata"] = _metadata_list(stream.metadata, memo)
    return out


def _metadata_list(mapping: singer.MetadataMapping, memo: _Converted) -> list[dict[str, Any]]:
    """``mapping.to_list()``, each distinct property ``Metadata`` converted once."""
    items: list[dict[str, Any]] = []
    for breadcrumb, value in mapping.items():
        if type(value) is singer.Metadata:  # a property's: three fields, a few distinct values
            key = (value.inclusion, value.selected, value.selected_by_default)
            done = memo.metadata.get(key)
            if done is None:
                done = memo.metadata[key] = value.to_dict()
            if memo.shared:
                item = memo.items.get((breadcrumb, key))
                if item is None:
                    item = memo.items[breadcrumb, key] = {
                        "breadcrumb": list(breadcrumb), "metadata": done
                    }
                items.append(item)
                continue
            as_dict = dict(done)  # a copy per item, as the SDK gives
        else:  # the stream's own (StreamMetadata) or any other kind: the SDK's conversion
            as_dict = value.to_dict()
        items.append({"breadcrumb": list(breadcrumb), "metadata": as_dict})
    return items


def _schema_dict(schema: dict[str, Any], memo: _Converted) -> dict[str, Any]:
    """``singer.Schema.from_dict(schema).to_dict()``, each distinct property schema done once."""
    rest = {k: v for k, v in schema.items() if k != "properties"}
    top = singer.Schema.from_dict(rest).to_dict()
    properties = schema.get("properties")
    if properties is None:
        return top
    props: dict[str, Any] = {}
    for name, prop in properties.items():
        key = repr(prop)
        done = memo.schemas.get(key)
        if done is None:
            done = memo.schemas[key] = singer.Schema.from_dict(prop).to_dict()
        props[name] = done if memo.shared else dict(done)  # a copy per property, as the SDK gives
    return {"properties": props, **top}  # Schema.to_dict writes "properties" first
