"""The discovered catalog is guarded by a snapshot.

The snapshot keeps what a loader depends on per stream (keys, replication, property types), not the
SDK's metadata boilerplate. After a deliberate change (new registry, schema rules), update it with

    TAP_EXACT_UPDATE_SNAPSHOT=1 .venv/bin/pytest tests/tap/test_catalog_snapshot.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from singer_sdk.exceptions import SchemaNotFoundError

from exact_online.registry import load_registry
from tap_exact.edm_schema import entity_schema
from tap_exact.line_sync import line_sync_schema
from tap_exact.schema_source import REGISTRY_SCHEMAS
from tap_exact.tap import TapExact

SNAPSHOT = Path(__file__).parent / "snapshots" / "catalog.json"
UPDATE_ENV = "TAP_EXACT_UPDATE_SNAPSHOT"


def summarise(catalog: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for entry in sorted(catalog["streams"], key=lambda s: s["tap_stream_id"]):
        root = next(m for m in entry["metadata"] if m["breadcrumb"] == [])["metadata"]
        out[entry["tap_stream_id"]] = {
            "key_properties": list(entry["key_properties"]),
            "replication_key": entry.get("replication_key"),
            "replication_method": entry.get("replication_method"),
            "selected_by_default": root.get("selected-by-default"),
            "properties": {
                name: "/".join(
                    [*(t for t in prop["type"] if t != "null"), prop.get("format", "")]
                ).rstrip("/")
                for name, prop in entry["schema"]["properties"].items()
            },
        }
    return out


def test_catalog_matches_snapshot() -> None:
    tap = TapExact(config={"client_id": "x", "client_secret": "y"}, validate_config=False)
    current = summarise(tap.catalog_dict)
    if os.environ.get(UPDATE_ENV):
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n", "utf-8")
    expected = json.loads(SNAPSHOT.read_text("utf-8"))
    assert sorted(current) == sorted(expected), "streams added or removed"
    changed = [name for name in current if current[name] != expected[name]]
    assert not changed, f"catalog changed for {changed[:10]}; set {UPDATE_ENV}=1 if intended"


def test_schemas_come_from_the_registry_once_per_process() -> None:
    first = TapExact(config={"client_id": "x", "client_secret": "y"}, validate_config=False)
    second = TapExact(config={"client_id": "x", "client_secret": "y"}, validate_config=False)
    for name, stream in first.streams.items():
        # One object per stream name: built on first use, then served from the source's cache.
        assert stream.schema is second.streams[name].schema is REGISTRY_SCHEMAS.get_schema(name)
        entity = load_registry().by_stream(name)
        # A line table read through its header's sync endpoint: its own fields + Timestamp.
        assert stream.schema == (line_sync_schema(entity) or entity_schema(entity)), name


def test_a_name_the_registry_cannot_read_has_no_schema() -> None:
    with pytest.raises(SchemaNotFoundError, match="no_such_stream"):
        REGISTRY_SCHEMAS.get_schema("no_such_stream")
