"""One token store per chain: with a custom ``token_store_path`` and ``HOME`` pointed at an empty
folder, exact-auth, tap-exact and target-exact use that file and never create another one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tap_exact.tap import TapExact

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
REDIRECT = "http://127.0.0.1/cb"


def auth_code(sb: Any) -> str:
    auth = requests.get(
        f"{sb.base_url}/api/oauth2/auth",
        params={"client_id": sb.config["client_id"], "redirect_uri": REDIRECT,
                "response_type": "code", "state": "t"},
        allow_redirects=False, timeout=30,
    )
    return parse_qs(urlsplit(auth.headers["Location"]).query)["code"][0]


def catalog(stream: str) -> dict[str, Any]:
    tap = TapExact(config={"client_id": "x", "client_secret": "y"}, validate_config=False)
    data = tap.catalog_dict
    data["streams"] = [s for s in data["streams"] if s["tap_stream_id"] == stream]
    for meta in data["streams"][0]["metadata"]:
        if meta["breadcrumb"] == []:
            meta["metadata"]["selected"] = True
    return data


def run(cmd: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        cmd, input=stdin, capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_no_store_but_the_configured_one(fresh_sandbox: Any, tmp_path: Path) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    home = tmp_path / "home"
    home.mkdir()
    store = tmp_path / "tokens" / "chain.json"
    config = {k: v for k, v in sb.config.items() if k != "refresh_token"}
    config["token_store_path"] = str(store)
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    env = {**os.environ, "HOME": str(home)}
    env.pop("XDG_CONFIG_HOME", None)
    sb.reset_calls()

    auth = run(
        [sys.executable, "-m", "exact_online.auth_cli", "--config", str(config_path),
         "--redirect-uri", REDIRECT, "--no-browser", "--code", auth_code(sb)],
        env,
    )
    assert f"Tokens saved to {store} " in auth.stdout
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(catalog("vat_codes")))
    tap = run(
        [sys.executable, "-m", "tap_exact", "--config", str(config_path),
         "--catalog", str(catalog_path)],
        env,
    )
    assert '"type":"RECORD"' in tap.stdout.replace(" ", "")
    target_config = {**config, "division": sb.divisions_list[0]}
    target_path = tmp_path / "target.json"
    target_path.write_text(json.dumps(target_config))
    target = run(
        [sys.executable, "-m", "target_exact", "--config", str(target_path)],
        env,
        (EXAMPLES / "ShopOrders.jsonl").read_text(),
    )
    assert '"fail": 0' in target.stdout

    # One code grant; tap and target used its access token (valid for 10 minutes).
    assert sb.calls()["token"] == 1
    assert json.loads(store.read_text())["refresh_token"]
    assert [p for p in home.rglob("*")] == []
    assert sorted(p.name for p in store.parent.iterdir()) == ["chain.json", "chain.json.lock"]
