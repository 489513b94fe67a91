"""HotGlue's job model: every job runs in a fresh container (a brand-new HOME, so a new, empty token
store) and only the ``config.json`` survives to the next job. Rotated tokens must therefore go back
into that file (``write_tokens_to_config: auto``), or the second job dies on "Old refresh token
used." and a person has to authorise again.

Ten jobs, each ``tap-exact`` then ``target-exact``, every process with its own new HOME. Between
jobs the sandbox clock moves on past the access token's lifetime (HotGlue runs every 30 minutes), so
each job's tap must refresh exactly once (a 401, then one rotation) and its target must use the
pair the tap wrote back, without a refresh: 10 token calls in all, every process exits 0.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from exact_sandbox.testing import SandboxServer

from .singer_run import clean_env, entity_count, tap_config

JOBS = 10
TTL = 120  # seconds: short, but longer than one tap + target (the target must not refresh)
BETWEEN_JOBS = 200  # sandbox seconds between jobs: every job starts with an expired access token


def _run(
    module: str, home: Path, args: list[str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    home.mkdir(parents=True)
    env = clean_env()
    env["HOME"] = str(home)
    env.pop("XDG_STATE_HOME", None)
    env.pop("XDG_CONFIG_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", module, *args], input=stdin, capture_output=True, text=True,
        timeout=300, check=False, env=env, cwd=home,
    )


def _item(job: int) -> str:
    schema = {"type": "object", "properties": {"Code": {"type": ["string", "null"]},
                                               "Description": {"type": ["string", "null"]}}}
    lines: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": "items", "key_properties": ["Code"], "schema": schema},
        {"type": "RECORD", "stream": "items",
         "record": {"Code": f"HG-JOB-{job:02d}", "Description": f"fresh-home job {job}"}},
    ]
    return "".join(json.dumps(line) + "\n" for line in lines)


@pytest.mark.slow
def test_ten_hotglue_jobs_in_fresh_homes_keep_the_token_chain(tmp_path: Path) -> None:
    with SandboxServer(tmp_path / "sandbox", seed=3, divisions=1, scale="small",
                       no_rate_limits=True, access_token_ttl=TTL) as sb:
        config = _hotglue_config(sb, tmp_path)
        config_path = tmp_path / "job" / "config.json"
        catalog = _catalog(config_path, tmp_path / "catalog.json", "vat_codes")
        items_before = entity_count(sb.stats(), "items")
        sb.reset_calls()
        seen_refresh: list[str] = []
        for job in range(1, JOBS + 1):
            sb.set_clock((job - 1) * BETWEEN_JOBS)
            tap = _run("tap_exact", tmp_path / f"job{job}" / "tap-home",
                       ["--config", str(config_path), "--catalog", str(catalog)])
            assert tap.returncode == 0, f"job {job} tap:\n{tap.stderr[-3000:]}"
            after_tap = json.loads(config_path.read_text())
            target = _run("target_exact", tmp_path / f"job{job}" / "target-home",
                          ["--config", str(config_path)], stdin=_item(job))
            assert target.returncode == 0, f"job {job} target:\n{target.stderr[-3000:]}"
            after_target = json.loads(config_path.read_text())

            logs = tap.stderr + target.stderr
            assert "Old refresh token used" not in logs
            assert "Exact refused an early token refresh" not in logs
            assert sb.calls()["token"] == job  # one rotation per job: the tap's; none by the target
            # The rotated pair is in the config, HotGlue-style, and the target used it as it was.
            assert after_target == after_tap
            assert after_tap["refresh_token"] not in [*seen_refresh, config["refresh_token"]]
            seen_refresh.append(after_tap["refresh_token"])
            assert isinstance(after_tap["expires_in"], int)
            assert 0 < after_tap["expires_in"] - time.time() <= TTL
            # Other keys and their order kept, new keys last; mode kept; layout kept.
            assert list(after_tap) == [*config, "access_token", "expires_in"]
            assert {k: after_tap[k] for k in config if k != "refresh_token"} == {
                k: v for k, v in config.items() if k != "refresh_token"}
            assert config_path.stat().st_mode & 0o777 == 0o640
            assert config_path.read_text().startswith('{\n    "client_id"')
            for secret in (after_tap["refresh_token"], after_tap["access_token"],
                           config["client_secret"]):
                assert secret not in logs
        assert sb.calls()["token"] == JOBS
        assert entity_count(sb.stats(), "items") == items_before + JOBS  # every target wrote


@pytest.mark.slow
def test_without_write_back_the_second_fresh_home_job_is_locked_out(tmp_path: Path) -> None:
    """The control: the same jobs with ``write_tokens_to_config: never`` (our old behaviour)."""
    with SandboxServer(tmp_path / "sandbox", seed=3, divisions=1, scale="small",
                       no_rate_limits=True, access_token_ttl=TTL) as sb:
        config = _hotglue_config(sb, tmp_path, write_tokens_to_config="never")
        config_path = tmp_path / "job" / "config.json"
        catalog = _catalog(config_path, tmp_path / "catalog.json", "vat_codes")
        args = ["--config", str(config_path), "--catalog", str(catalog)]
        first = _run("tap_exact", tmp_path / "job1" / "tap-home", args)
        assert first.returncode == 0, first.stderr[-3000:]
        assert json.loads(config_path.read_text()) == config  # nothing written back
        sb.set_clock(BETWEEN_JOBS)
        second = _run("tap_exact", tmp_path / "job2" / "tap-home", args)
        assert second.returncode == 1
        assert "Old refresh token used" in second.stderr


def _hotglue_config(sb: SandboxServer, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    """A HotGlue-shaped config.json (4-space indent, mode 640, division as a string)."""
    base = tap_config(sb.config)
    config = {
        "client_id": base["client_id"],
        "client_secret": base["client_secret"],
        "refresh_token": base["refresh_token"],
        "current_division": str(sb.divisions_list[0]),
        "base_url": base["base_url"],
        "start_date": "2020-01-01T00:00:00Z",
        **extra,
    }
    path = tmp_path / "job" / "config.json"
    path.parent.mkdir()
    path.write_text(json.dumps(config, indent=4) + "\n")
    os.chmod(path, 0o640)
    return config


def _catalog(config_path: Path, out: Path, stream: str) -> Path:
    """``python -m tap_exact --discover`` with one stream selected (no network, no token store)."""
    result = subprocess.run(
        [sys.executable, "-m", "tap_exact", "--config", str(config_path), "--discover"],
        capture_output=True, text=True, timeout=300, check=True, env=clean_env(),
    )
    catalog = json.loads(result.stdout)
    for entry in catalog["streams"]:
        for meta in entry.get("metadata", []):
            if not meta.get("breadcrumb"):
                meta["metadata"]["selected"] = entry["tap_stream_id"] == stream
    out.write_text(json.dumps(catalog))
    return out


@pytest.mark.slow
def test_unwritable_config_warns_once_and_the_store_keeps_the_chain(tmp_path: Path) -> None:
    """A read-only config file, then the config on a pipe (``--config /dev/stdin``)."""
    with SandboxServer(tmp_path / "sandbox", seed=3, divisions=1, scale="small",
                       no_rate_limits=True, access_token_ttl=TTL) as sb:
        config = _hotglue_config(sb, tmp_path)
        config_path = tmp_path / "job" / "config.json"
        catalog = _catalog(config_path, tmp_path / "catalog.json", "vat_codes")
        os.chmod(config_path, 0o444)
        home = tmp_path / "home"
        store = home / ".config" / "exact-online" / f"tokens-{_safe(config['client_id'])}.json"

        read_only = _run("tap_exact", home, ["--config", str(config_path), "--catalog",
                                             str(catalog)])
        assert read_only.returncode == 0, read_only.stderr[-3000:]
        assert read_only.stderr.count("could not be written back") == 1
        assert json.loads(config_path.read_text()) == config
        rotated = json.loads(store.read_text())
        assert rotated["refresh_token"] != config["refresh_token"]

        # The same HOME, the config piped in (its refresh_token is spent: the store wins).
        sb.set_clock(BETWEEN_JOBS)
        piped = subprocess.run(
            [sys.executable, "-m", "tap_exact", "--config", "/dev/stdin", "--catalog",
             str(catalog)], input=config_path.read_text(), capture_output=True, text=True,
            timeout=300, check=False, env={**clean_env(), "HOME": str(home)},
        )
        assert piped.returncode == 0, piped.stderr[-3000:]
        assert piped.stderr.count("not a regular file") == 1
        assert "Old refresh token used" not in read_only.stderr + piped.stderr
        assert json.loads(store.read_text())["refresh_token"] != rotated["refresh_token"]
        assert sb.calls()["token"] == 2


def _safe(client_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in client_id)


@pytest.mark.slow
def test_too_early_without_a_valid_access_token_is_one_clear_line(tmp_path: Path) -> None:
    """A config that lost its access token right after a rotation: Exact refuses the refresh as
    too early. Tap and target say so in one line (what to do) and exit 1, no traceback."""
    with SandboxServer(tmp_path / "sandbox", seed=3, divisions=1, scale="small",
                       no_rate_limits=True) as sb:
        _hotglue_config(sb, tmp_path)
        config_path = tmp_path / "job" / "config.json"
        catalog = _catalog(config_path, tmp_path / "catalog.json", "vat_codes")
        args = ["--config", str(config_path), "--catalog", str(catalog)]
        assert _run("tap_exact", tmp_path / "h1", args).returncode == 0
        data = json.loads(config_path.read_text())
        del data["access_token"], data["expires_in"]
        config_path.write_text(json.dumps(data))
        tap = _run("tap_exact", tmp_path / "h2", args)
        target = _run("target_exact", tmp_path / "h3", ["--config", str(config_path)],
                      stdin=_item(1))
        for run in (tap, target):
            assert run.returncode == 1
            assert "Exact refused to refresh the access token this soon" in run.stderr
            assert "Traceback" not in run.stderr
        assert sb.calls()["token"] == 3  # the first run's refresh, then one refused try each
