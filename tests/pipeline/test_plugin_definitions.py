"""plugins/*: the Meltano definitions of tap-exact and target-exact are current and say exactly
what ``--about`` says (capabilities, setting kinds, sensitive, descriptions, defaults); users can
add them to their own project with ``meltano add --from-ref`` and no Hub."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import plugin_definitions as defs
from scripts.planning import SOURCE_STREAMS as PLANNING_SOURCE_STREAMS
from scripts.plugin_definitions import starter_select
from tap_exact.seed_streams import SEED_001_STREAMS

from .test_meltano_yml import about

PLUGINS = sorted(defs.NAMESPACE)


def _definition_file(name: str) -> dict[str, Any]:
    path = defs.PLUGINS / defs.PLUGIN_TYPE[name] / f"{name}--{defs.VARIANT}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("name", PLUGINS)
def test_files_are_current(name: str) -> None:
    for path, text in defs.rendered(name, about(name)).items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is not current: python -m scripts.plugin_definitions"
        )


@pytest.mark.parametrize("name", PLUGINS)
def test_definition_says_what_about_says(name: str) -> None:
    info = about(name)
    plugin = _definition_file(name)
    lock = json.loads(
        (defs.PLUGINS / defs.PLUGIN_TYPE[name] / f"{name}--{defs.VARIANT}.lock").read_text()
    )
    assert {k: v for k, v in lock.items() if k != "plugin_type"} == plugin
    assert plugin["capabilities"] == info["capabilities"]
    props = info["settings"]["properties"]
    assert [s["name"] for s in plugin["settings"]] == list(props)
    for entry in plugin["settings"]:
        schema = props[entry["name"]]
        assert entry["description"] == schema.get("description", ""), entry["name"]
        assert entry.get("value") == schema.get("default"), entry["name"]
        assert entry.get("sensitive", False) == bool(schema.get("secret")), entry["name"]
        if "enum" in schema:
            assert entry["kind"] == "options"
            assert [o["value"] for o in entry["options"]] == schema["enum"]
        types = schema.get("type")
        types = [types] if isinstance(types, str) else types
        expected = {"integer": "integer", "number": "decimal", "boolean": "boolean",
                    "array": "array", "object": "object"}
        if "enum" not in schema:
            first = next((expected[t] for t in expected if t in types), None)
            if first is None:
                first = "date_iso8601" if schema.get("format") == "date-time" else "string"
            assert entry["kind"] == first, entry["name"]
    required = info["settings"].get("required")
    assert plugin.get("settings_group_validation") == ([required] if required else None)


def test_target_lists_only_what_an_api_writer_uses() -> None:
    offered = set(about("target-exact")["settings"]["properties"])
    assert not offered & {"load_method", "add_record_metadata"}
    assert "batch_size_rows" in offered and "validate_records" in offered
    assert "validate-records" in about("target-exact")["capabilities"]


def test_tap_definition_carries_the_starter_select() -> None:
    plugin = _definition_file("tap-exact")
    assert plugin["select"] == starter_select()
    # the seed streams first, then what the planning model also reads (its dbt sources)
    assert plugin["select"][: len(SEED_001_STREAMS)] == [f"{s}.*" for s in SEED_001_STREAMS]
    assert {f"{s}.*" for s in PLANNING_SOURCE_STREAMS} <= set(plugin["select"])
    assert "opt_in_streams" in {s["name"] for s in plugin["settings"]}


@pytest.mark.meltano
def test_users_add_it_from_the_file_without_the_hub(meltano_bin: Path, tmp_path: Path) -> None:
    """Both recipes of docs/meltano.md in fresh projects with the Hub unreachable: ``meltano add
    --from-ref`` (settings and the sensitive flag work; Meltano drops the definition's select, so
    the user adds one), and the lock file with a three-line entry (the starter select applies)."""
    env = {
        **{k: v for k, v in os.environ.items()
           if not k.startswith(("TAP_", "TARGET_", "MELTANO_"))},
        "MELTANO_HUB_URL": "http://127.0.0.1:9",
        "MELTANO_HUB_API_ROOT": "http://127.0.0.1:9/meltano/api/v1",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    }

    def meltano(*args: str, cwd: Path) -> str:
        result = subprocess.run(
            [str(meltano_bin), *args], cwd=cwd, env=env, capture_output=True, text=True,
            timeout=180, check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    meltano("init", "mine", "--no-usage-stats", cwd=tmp_path)
    project = tmp_path / "mine"
    for name in PLUGINS:
        path = defs.PLUGINS / defs.PLUGIN_TYPE[name] / f"{name}--{defs.VARIANT}.yml"
        kind = defs.PLUGIN_TYPE[name].removesuffix("s")
        meltano("add", "--plugin-type", kind, name, "--from-ref", str(path), "--no-install",
                cwd=project)
    data = yaml.safe_load((project / "meltano.yml").read_text())
    (tap,) = data["plugins"]["extractors"]
    assert tap["pip_url"] == defs.PIP_URL and tap["variant"] == defs.VARIANT
    meltano("config", "set", "tap-exact", "client_secret", "s3cret", cwd=project)
    assert "s3cret" not in (project / "meltano.yml").read_text()  # sensitive: .env, not yml
    printed = json.loads(meltano("config", "print", "tap-exact", "--extras", cwd=project))
    assert printed["_select"] == ["*.*"]  # hence the select block in docs/meltano.md
    settings = json.loads(meltano("config", "print", "tap-exact", cwd=project))
    assert settings["lookback_minutes"] == 10
    meltano("select", "tap-exact", "items", "*", cwd=project)
    printed = json.loads(meltano("config", "print", "tap-exact", "--extras", cwd=project))
    assert printed["_select"] == ["items.*"]

    meltano("init", "locked", "--no-usage-stats", cwd=tmp_path)
    project = tmp_path / "locked"
    lock = defs.PLUGINS / "extractors" / f"tap-exact--{defs.VARIANT}.lock"
    (project / "plugins" / "extractors").mkdir(parents=True)
    (project / "plugins" / "extractors" / lock.name).write_bytes(lock.read_bytes())
    with (project / "meltano.yml").open("a", encoding="utf-8") as file:
        file.write(f"plugins:\n  extractors:\n  - name: tap-exact\n    variant: {defs.VARIANT}\n"
                   f"    pip_url: {defs.ROOT}\n")
    printed = json.loads(meltano("config", "print", "tap-exact", "--extras", cwd=project))
    assert printed["_select"] == starter_select()
    printed = json.loads(meltano("config", "print", "tap-exact", cwd=project))
    assert printed["write_tokens_to_config"] == "auto"
