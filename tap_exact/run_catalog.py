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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
