"""CLI: stats, restart persistence (rows and tokens), TLS, config file, division move."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import requests

from exact_sandbox.testing import SandboxServer


def test_restart_keeps_rows_and_tokens_and_stats_cli(tmp_path: Path) -> None:
    sb = SandboxServer(tmp_path, divisions=1, no_rate_limits=True)
    with sb:
        cfg = dict(sb.config)
        assert set(cfg) >= {
            "base_url",
            "client_id",
            "client_secret",
            "refresh_token",
            "divisions",
            "token_store_path",
        }
        assert stat.S_IMODE(sb.config_path.stat().st_mode) == 0o600
        d = cfg["divisions"][0]
        sb.insert_rows(d, "logistics/Items", [{"Code": "KEEP-1", "Description": "kept"}])
        tok = requests.post(
            f"{sb.base_url}/api/oauth2/token",
            timeout=30,
            data={
                "grant_type": "refresh_token",
                "refresh_token": cfg["refresh_token"],
                "client_id": cfg["client_id"],
                "client_secret": cfg["client_secret"],
            },
        ).json()
        stats = sb.stats()
        sb.restart()
        assert sb.stats() == stats
        assert sb.config["client_id"] == cfg["client_id"]
        assert sb.config["refresh_token"] == tok["refresh_token"]  # the newest of the chain
        r = requests.get(
            f"{sb.base_url}/api/v1/current/Me",
            timeout=30,
            headers={"Authorization": f"Bearer {tok['access_token']}"},
        )
        assert r.status_code == 200
    out = subprocess.run(
        [sys.executable, "-m", "exact_sandbox.cli", "stats", "--data", str(sb.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    counted = json.loads(out.stdout)
    assert counted == stats and counted[str(d)]["logistics/Items"] >= 1


def test_tls(tmp_path: Path) -> None:
    with SandboxServer(tmp_path, divisions=1, tls=True, no_rate_limits=True) as sb:
        assert sb.base_url.startswith("https://127.0.0.1:")
        assert Path(sb.config["ca_file"]).exists()
        s = sb.session()
        r = s.get(f"{sb.base_url}/api/v1/current/Me", timeout=30)
        assert r.status_code == 200
        assert r.json()["d"]["results"][0]["__metadata"]["uri"].startswith("https://")


def test_division_move_resets_timestamps(tmp_path: Path) -> None:
    with SandboxServer(tmp_path, divisions=1, no_rate_limits=True) as sb:
        s = sb.session()
        url = sb.api_url("{division}/sync/Logistics/Items")
        sb.insert_rows(
            sb.divisions_list[0], "logistics/Items", [{"Code": "MV-1", "Description": "x"}]
        )
        high = max(
            int(r["Timestamp"])
            for r in s.get(url, params={"$select": "Timestamp"}, timeout=30).json()["d"]["results"]
        )
        sb.move_division(sb.divisions_list[0])
        after = [
            int(r["Timestamp"])
            for r in s.get(url, params={"$select": "Timestamp"}, timeout=30).json()["d"]["results"]
        ]
        assert max(after) < high
        div = s.get(
            sb.api_url("{division}/system/Divisions"),
            params={"$select": "Code,DivisionMoveDate"},
            timeout=30,
        ).json()["d"]["results"][0]
        assert div["DivisionMoveDate"].startswith("/Date(")
