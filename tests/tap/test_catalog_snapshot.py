"""The discovered catalog is guarded by a snapshot.

The snapshot keeps what a loader depends on per stream (keys, replication, property types), not the
SDK's metadata boilerplate. After a deliberate change (new registry, schema rules), update it with

    TAP_EXACT_UPDATE_SNAPSHOT=1 .venv/bin/pytest tests/tap/test_catalog_snapshot.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tap_exact.tap import TapExact

ROOT = Path(__file__).resolve().parents[2]
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


def test_committed_schemas_are_generated_from_the_registry() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_schemas.py"), "--check"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
