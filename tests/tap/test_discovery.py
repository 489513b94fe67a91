"""Discovery and --about: no network, every readable entity, every config key documented."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from exact_online.registry import load_registry
from tap_exact.schema_source import REGISTRY_SCHEMAS
from tap_exact.seed_streams import SEED_001
from tap_exact.settings import CONFIG_SCHEMA
from tap_exact.streams import stream_class
from tap_exact.tap import TapExact

SECRETS = {"client_secret", "refresh_token", "access_token"}
CONFIG_KEYS = {
    "base_url", "client_id", "client_secret", "refresh_token", "token_store_path", "divisions",
    "start_date", "response_format", "daily_call_reserve", "lookback_minutes", "ca_file",
    "request_timeout", "user_agent", "stock_warehouse_ids", "current_division", "auth_url",
    "access_token", "expires_in",
}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends


def test_discover_makes_no_network_call(tmp_path: Path) -> None:
    # A base_url on a closed port and a token store that does not exist: discovery still works.
    config = {
        "client_id": "id", "client_secret": "secret",
        "base_url": f"http://127.0.0.1:{_closed_port()}",
        "token_store_path": str(tmp_path / "missing" / "tokens.json"),
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    result = subprocess.run(
        [sys.executable, "-m", "tap_exact", "--config", str(path), "--discover"],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    catalog = json.loads(result.stdout)
    names = {s["tap_stream_id"] for s in catalog["streams"]}
    assert names == {e.stream for e in load_registry().readable()}
    assert len(names) == 343
    assert not (tmp_path / "missing").exists()


def test_about_lists_every_config_key_with_secrets_marked() -> None:
    props = CONFIG_SCHEMA["properties"]
    assert CONFIG_KEYS <= set(props)
    for name, prop in props.items():
        assert prop.get("description"), name
        assert bool(prop.get("secret")) == (name in SECRETS), name
    result = subprocess.run(
        [sys.executable, "-m", "tap_exact", "--about", "--format", "json"],
        capture_output=True, text=True, check=True, timeout=120,
    )
    about = json.loads(result.stdout)
    assert CONFIG_KEYS <= set(about["settings"]["properties"])
    assert about["description"] and about["description"] != "None"
    assert about["version"] not in (None, "", "[could not be detected]")


def test_about_markdown_has_a_description(capsys: pytest.CaptureFixture[str]) -> None:
    # What scripts/update_readme_about.py puts into docs/configuration.md (it showed "None").
    TapExact.print_about(output_format="markdown")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "# `tap-exact`"
    description = next(line for line in lines[1:] if line.strip())
    assert description.startswith("Exact Online tap"), description


def test_seed_001_streams_are_as_checked_by_hand() -> None:
    reg = load_registry()
    for stream, kind, key, replication_key, line_grained in SEED_001:
        entity = reg.by_stream(stream)
        cls = stream_class(entity)
        assert cls.endpoint.kind == kind, stream
        assert tuple(cls.__dict__["primary_keys"]) == key, stream  # a class attribute here
        assert cls.replication_key == replication_key, stream
        assert entity.line_grained == line_grained, stream
    assert len(SEED_001) == 27


def test_schema_types_follow_the_edm_types() -> None:
    schema = REGISTRY_SCHEMAS.get_schema("purchase_orders")["properties"]
    assert schema["Timestamp"]["type"] == ["integer", "null"]
    assert schema["Modified"] == {"type": ["string", "null"], "format": "date-time"}
    assert schema["Quantity"]["type"] == ["number", "null"]
    assert schema["DropShipment"]["type"] == ["boolean", "null"]
    assert schema["IsBatchNumberItem"]["type"] == ["integer", "null"]  # Edm.Byte
    assert schema["ID"]["type"] == ["string", "null"]
    assert "_sdc_deleted_at" in schema and "PurchaseOrderLines" not in schema
    warehouses = REGISTRY_SCHEMAS.get_schema("warehouses")["properties"]
    assert "_sdc_deleted_at" not in warehouses and "Division" in warehouses
