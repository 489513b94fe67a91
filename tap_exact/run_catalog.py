"""The input catalog cut to the streams a run reads, before singer-sdk parses it.

Meltano hands the tap a catalog listing every stream (~340), most of them deselected. The SDK
parses each entry's schema and, for stream maps, converts and copies each one again
(``Tap.setup_mapper``), and the tap would build every listed stream: most of a run's start-up
for streams it never reads. The run needs only the selected entries: no stream of ours has a
parent stream (``parent_stream_type``; tests/tap/test_run_catalog.py guards it), the streams
reading ``sync/Deleted`` are selected ones (``TapExact._deletion_start``) and opt-in streams are
deselected among the selected (selection.py). STATE of streams not built passes through as it
came (the SDK writes the whole state dict). An entry whose selection is in doubt (no stream
metadata) is kept; the SDK decides for it as before.

:func:`parse_catalog` reads ``--catalog``'s text so that a deselected entry is never parsed beyond
its name and stream metadata (Meltano's ~2.6 MB catalog: ~15 ms of ``json.loads`` and of freeing
what it built); what it keeps is ``json.loads``'s own result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from singer_sdk import singerlib as singer


@dataclass
class RunCatalog:
    """``catalog`` as given to the SDK, and the names of the entries cut from it (deselected)."""

    catalog: Any
    deselected: list[str] = field(default_factory=list)


def run_catalog(catalog: Any) -> RunCatalog:
    """Drop the deselected entries of a catalog dict or ``singer.Catalog``; anything else as is."""
    if isinstance(catalog, singer.Catalog):
        gone = [name for name, entry in catalog.items() if not _selected(entry.metadata)]
        if not gone:
            return RunCatalog(catalog)
        kept = singer.Catalog((k, v) for k, v in catalog.items() if k not in set(gone))
        return RunCatalog(kept, gone)
    if not isinstance(catalog, Mapping) or not isinstance(catalog.get("streams"), list):
        return RunCatalog(catalog)
    kept_entries: list[Any] = []
    deselected: list[str] = []
    for entry in catalog["streams"]:
        name = entry.get("tap_stream_id") if isinstance(entry, Mapping) else None
        root = _root_metadata(entry) if isinstance(name, str) else None
        if root is not None and not _selected(singer.MetadataMapping.from_iterable([root])):
            deselected.append(str(name))
        else:
            kept_entries.append(entry)
    if not deselected:
        return RunCatalog(catalog)
    return RunCatalog({**catalog, "streams": kept_entries}, deselected)


def _root_metadata(entry: Mapping[str, Any]) -> dict[str, Any] | None:
    """The entry's stream-level metadata item (breadcrumb ``[]``), None when there is none."""
    for item in entry.get("metadata") or ():
        if isinstance(item, Mapping) and item.get("breadcrumb") == [] and isinstance(
            item.get("metadata"), Mapping
        ):
            return dict(item)
    return None


def _selected(metadata: singer.MetadataMapping) -> bool:
    # The SDK's own rule for Stream.selected (mask of the root breadcrumb, True when absent).
    return metadata.resolve_selection().get((), True)


class _Item(msgspec.Struct):
    breadcrumb: Any = None
    metadata: msgspec.Raw = msgspec.Raw()  # empty when absent


class _Head(msgspec.Struct):
    """What :func:`parse_catalog` reads of an entry before deciding whether to parse the rest."""

    tap_stream_id: Any = None
    metadata: list[_Item] = msgspec.field(default_factory=list)


def parse_catalog(text: str | bytes) -> Any:
    """``json.loads(text)``, except that an entry :func:`run_catalog` will cut (deselected) is
    parsed only as far as its name and stream-level metadata: ``{"tap_stream_id": ...,
    "metadata": [{"breadcrumb": [], "metadata": {...}}]}``, which run_catalog cuts just the same.
    Every other value is ``json.loads``'s; anything unexpected (not an object with a ``streams``
    list, text msgspec will not read) is ``json.loads(text)`` as a whole."""
    try:
        top = msgspec.json.decode(text, type=dict[str, msgspec.Raw])
        streams = msgspec.json.decode(top["streams"], type=list[msgspec.Raw])
    except (msgspec.DecodeError, KeyError):
        return json.loads(text)
    return {
        key: [_entry(entry) for entry in streams] if key == "streams" else json.loads(bytes(raw))
        for key, raw in top.items()
    }


def _entry(raw: msgspec.Raw) -> Any:
    """The entry as ``json.loads`` gives it, or the stub of a deselected one."""
    try:
        head = msgspec.json.decode(raw, type=_Head)
    except msgspec.DecodeError:  # not an object, or a field of another kind: as it is
        return json.loads(bytes(raw))
    if isinstance(head.tap_stream_id, str):
        for item in head.metadata:
            if item.breadcrumb != [] or not len(item.metadata):
                continue
            metadata = json.loads(bytes(item.metadata))
            if isinstance(metadata, Mapping):  # the item run_catalog's _root_metadata finds
                root = {"breadcrumb": [], "metadata": metadata}
                if not _selected(singer.MetadataMapping.from_iterable([root])):
                    return {"tap_stream_id": head.tap_stream_id, "metadata": [root]}
                break
    return json.loads(bytes(raw))
