"""RECORD messages and the catalog, as the SDK makes them, by the tap's faster paths.

With nothing deselected the tap skips the SDK's per-record walk over the selection mask
(``ExactStream._generate_record_messages``): the messages must be the SDK's own, and a deselected
property must still be dropped. ``catalog_dict`` must equal the SDK's, key order included. A run
with a catalog builds only the streams the catalog lists. No network.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from singer_sdk import Tap
from singer_sdk.streams import Stream

from tap_exact.catalog import catalog_dict
from tap_exact.client import ExactStream
from tap_exact.tap import TapExact

from .conftest import catalog_for

CONFIG = {"client_id": "x", "client_secret": "y"}
WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def _stream(catalog: dict[str, Any], name: str = "items") -> ExactStream:
    tap = TapExact(config=CONFIG, catalog=catalog, validate_config=False)
    stream = tap.streams[name]
    assert isinstance(stream, ExactStream)
    return stream


def _record(stream: Stream) -> dict[str, Any]:
    """A value for every schema property, by its type."""
    values = {"integer": 7, "number": 1.5, "boolean": True, "string": "text"}
    record: dict[str, Any] = {}
    for name, prop in stream.schema["properties"].items():
        kind = next(k for k in prop["type"] if k != "null")
        record[name] = WHEN if prop.get("format") == "date-time" else values[kind]
    return record


def _messages(stream: Stream, record: dict[str, Any], *, sdk: bool) -> list[dict[str, Any]]:
    method = Stream._generate_record_messages if sdk else type(stream)._generate_record_messages
    out = [m.to_dict() for m in method(stream, dict(record))]
    for message in out:
        message.pop("time_extracted")
    return out


def test_nothing_deselected_gives_the_sdks_messages() -> None:
    stream = _stream(catalog_for(["items"]))
    record = _record(stream)
    assert stream.nothing_deselected()
    ours = _messages(stream, record, sdk=False)
    assert ours == _messages(stream, record, sdk=True)
    assert [m["record"] for m in ours] == [record]
    assert ours[0]["stream"] == "items"


def test_a_deselected_property_is_still_dropped() -> None:
    stream = _stream(catalog_for(["items"], deselect={"items": ["Description", "Barcode"]}))
    record = _record(stream)
    assert not stream.nothing_deselected()
    ours = _messages(stream, record, sdk=False)
    assert ours == _messages(stream, record, sdk=True)
    emitted = ours[0]["record"]
    assert "Description" not in emitted and "Barcode" not in emitted
    assert set(emitted) == set(record) - {"Description", "Barcode"}


def test_a_selection_changed_later_is_seen() -> None:
    stream = _stream(catalog_for(["items"]))
    assert stream.nothing_deselected()
    stream.metadata[("properties", "Description")].selected = False
    stream.selected = True  # the SDK rebuilds the mask from the metadata
    assert not stream.nothing_deselected()
    assert "Description" not in _messages(stream, _record(stream), sdk=False)[0]["record"]


def test_catalog_dict_is_the_sdks() -> None:
    tap = TapExact(config=CONFIG, validate_config=False)
    ours = catalog_dict(tap.streams.values())
    sdk = Tap.catalog_dict.fget(tap)  # type: ignore[attr-defined]
    assert json.dumps(ours) == json.dumps(sdk)  # key order too: the catalog is byte-identical
    assert json.dumps(tap.catalog_dict) == json.dumps(sdk)


def test_catalog_dict_is_the_sdks_with_hotglue_names() -> None:
    tap = TapExact(config={**CONFIG, "stream_naming": "hotglue"}, validate_config=False)
    sdk = Tap.catalog_dict.fget(tap)  # type: ignore[attr-defined]
    assert json.dumps(tap.catalog_dict) == json.dumps(sdk)


def test_a_run_with_a_catalog_builds_only_its_streams() -> None:
    tap = TapExact(config=CONFIG, catalog=catalog_for(["items", "warehouses"]),
                   validate_config=False)
    assert set(tap.streams) == {"items", "warehouses"}
    assert all(s.selected for s in tap.streams.values())
    every = TapExact(config=CONFIG, validate_config=False)
    assert len(every.streams) > 300  # discovery (no catalog) still has every stream
