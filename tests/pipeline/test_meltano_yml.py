"""meltano.yml: valid for Meltano itself, in step with the plugins' --about, no Hub needed."""

from __future__ import annotations

import json
import os
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from exact_online.registry import load_registry

from .conftest import ROOT, project_script

MELTANO_YML = ROOT / "meltano.yml"
OWN_PLUGINS = {
    "tap-exact": ("extractors", "tap-exact"),
    "target-exact": ("loaders", "target-exact"),
}
SEED_001_JOBS = {"exact-to-warehouse", "buy-orders-to-exact"}


@cache
def project() -> dict[str, Any]:
    data = yaml.safe_load(MELTANO_YML.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def plugin(plugin_type: str, name: str) -> dict[str, Any]:
    """The plugin's entry; for ours merged over its definition in plugins/ (the lock file that
    Meltano reads for an entry naming a variant, see scripts/plugin_definitions.py)."""
    for entry in project()["plugins"][plugin_type]:
        if entry["name"] == name:
            if "variant" in entry and "namespace" not in entry:
                lock = ROOT / "plugins" / plugin_type / f"{name}--{entry['variant']}.lock"
                return {**json.loads(lock.read_text(encoding="utf-8")), **entry}
            return dict(entry)
    raise AssertionError(f"meltano.yml has no {plugin_type} plugin {name!r}")


@cache
def about(command: str) -> dict[str, Any]:
    result = subprocess.run(
        [project_script(command), "--about", "--format", "json"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def all_plugins() -> list[tuple[str, dict[str, Any]]]:
    return [(kind, entry) for kind, entries in project()["plugins"].items() for entry in entries]


@pytest.mark.meltano
def test_meltano_yml_passes_meltanos_own_schema(meltano_schema: Path) -> None:
    schema = json.loads(meltano_schema.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(project())]
    assert errors == []


@pytest.mark.parametrize("command", sorted(OWN_PLUGINS))
def test_settings_match_about(command: str) -> None:
    plugin_type, name = OWN_PLUGINS[command]
    declared = [s["name"] for s in plugin(plugin_type, name)["settings"]]
    assert len(declared) == len(set(declared)), "a setting is declared twice"
    offered = set(about(command)["settings"]["properties"])
    assert set(declared) == offered, (
        f"only in meltano.yml: {sorted(set(declared) - offered)}; "
        f"only in {command} --about: {sorted(offered - set(declared))}"
    )


@pytest.mark.parametrize("command", sorted(OWN_PLUGINS))
def test_secrets_are_sensitive(command: str) -> None:
    plugin_type, name = OWN_PLUGINS[command]
    props = about(command)["settings"]["properties"]
    secret = {k for k, v in props.items() if v.get("secret") or v.get("writeOnly")}
    sensitive = {s["name"] for s in plugin(plugin_type, name)["settings"] if s.get("sensitive")}
    assert {"client_secret", "refresh_token"} <= secret
    assert sensitive == secret


@pytest.mark.parametrize("command", sorted(OWN_PLUGINS))
def test_capabilities_really_offered(command: str) -> None:
    plugin_type, name = OWN_PLUGINS[command]
    declared = set(plugin(plugin_type, name)["capabilities"])
    assert declared <= set(about(command)["capabilities"])
    assert "about" in declared and "stream-maps" in declared


def test_every_setting_has_kind_and_description() -> None:
    missing = [
        f"{entry['name']}.{setting['name']}"
        for kind, entry in all_plugins()
        for entry in [plugin(kind, entry["name"])]
        for setting in entry.get("settings", [])
        if not setting.get("kind") or not setting.get("description")
    ]
    assert missing == []


def test_every_plugin_is_a_custom_definition_and_pinned() -> None:
    """namespace + pip_url + executable (here or in the lock file in plugins/): Meltano never asks
    the Hub for a definition."""
    for kind, listed in all_plugins():
        entry = plugin(kind, listed["name"])
        assert entry.get("namespace"), entry["name"]
        assert entry.get("executable"), entry["name"]
        pip_url = entry.get("pip_url", "")
        pinned = all(
            re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", req) for req in pip_url.split()
        )
        assert pip_url == "-e ." or pinned, f"{entry['name']}: {pip_url!r} is not pinned"
    assert project()["send_anonymous_usage_stats"] is False
    assert project().get("project_id")


def test_selected_streams_exist() -> None:
    streams = {entity.stream for entity in load_registry().readable()}
    selected = {rule.split(".", 1)[0] for rule in plugin("extractors", "tap-exact")["select"]}
    assert "select" not in project()["plugins"]["extractors"][0]  # the definition's starter one
    assert selected - streams == set()
    assert {"items", "purchase_orders", "supplier_item", "accounts", "deleted"} <= selected


def test_jobs_and_schedules_every_30_minutes() -> None:
    jobs = {job["name"]: job["tasks"] for job in project()["jobs"]}
    assert set(jobs) >= SEED_001_JOBS
    assert jobs["exact-to-warehouse"] == ["tap-exact target-duckdb"]
    scheduled = {s["job"]: s["interval"] for s in project()["schedules"]}
    assert {job: scheduled.get(job) for job in SEED_001_JOBS} == dict.fromkeys(
        SEED_001_JOBS, "*/30 * * * *"
    )


def test_sandbox_environment_points_at_the_sandbox() -> None:
    envs = {env["name"]: env for env in project()["environments"]}
    tap = envs["sandbox"]["config"]["plugins"]["extractors"][0]
    assert tap["name"] == "tap-exact"
    assert tap["config"]["base_url"] == "$EXACT_SANDBOX_BASE_URL"


@pytest.mark.meltano
def test_meltano_parses_project_without_hub(meltano_bin: Path, tmp_path: Path) -> None:
    """Meltano resolves the jobs and settings with the Hub unreachable (a closed loopback port)."""
    env = {
        **{k: v for k, v in os.environ.items()
           if not k.startswith(("TAP_", "TARGET_", "MELTANO_"))},
        "MELTANO_HUB_URL": "http://127.0.0.1:9",
        "MELTANO_HUB_API_ROOT": "http://127.0.0.1:9/meltano/api/v1",
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
        "MELTANO_SYS_DIR_ROOT": str(tmp_path / ".meltano"),  # as on a fresh clone
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "EXACT_SANDBOX_BASE_URL": "http://127.0.0.1:1",
        "EXACT_SANDBOX_DIVISION": "3001001",
    }

    def meltano(*args: str) -> str:
        result = subprocess.run(
            [str(meltano_bin), *args], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=180, check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    printed = json.loads(meltano("--environment", "sandbox", "config", "print", "target-exact"))
    assert printed["base_url"] == "http://127.0.0.1:1"
    assert printed["division"] == 3001001
    for job in sorted(SEED_001_JOBS):
        meltano("--environment", "sandbox", "run", "--dry-run", "--no-install", job)
    listed = meltano("schedule", "list", "--format", "json")
    assert "exact-to-warehouse" in listed
