"""`exact-auth` end to end against the sandbox, non-interactively."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import requests

from exact_online.auth_cli import parse_code


def test_exact_auth_catches_the_redirect_and_writes_the_store(sandbox: Any, tmp_path: Path) -> None:
    config = {**sandbox.config, "refresh_token": ""}
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    store = tmp_path / "auth" / "tokens.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "exact_online.auth_cli",
            "--config",
            str(config_path),
            "--redirect-uri",
            "http://127.0.0.1:0/callback",
            "--token-store",
            str(store),
            "--no-browser",
            "--timeout",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: Queue[str] = Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for ln in proc.stdout:
            lines.put(ln)

    threading.Thread(target=pump, daemon=True).start()
    try:
        url = ""
        for _ in range(20):  # bounded: the URL is the second line
            line = lines.get(timeout=30)
            if line.startswith("http"):
                url = line.strip()
                break
        assert url.startswith(f"{sandbox.base_url}/api/oauth2/auth?")
        assert "response_type=code" in url and "state=" in url
        # The sandbox approves at once and redirects to exact-auth's loopback listener.
        answer = requests.get(url, timeout=30)
        assert answer.status_code == 200
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    rest = []
    while True:
        try:
            rest.append(lines.get_nowait())
        except Empty:
            break
    output = "".join(rest) + out
    assert proc.returncode == 0, err
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
    saved = json.loads(store.read_text())
    assert saved["refresh_token"] and saved["access_token"]
    for division in sandbox.divisions_list:
        assert str(division) in output
    assert saved["refresh_token"] not in output + err
    assert config["client_secret"] not in output + err


def test_pasted_redirect_url_and_encoded_code() -> None:
    assert parse_code("stampNL001.abc%21IAAAAxyz", None) == "stampNL001.abc!IAAAAxyz"
    url = "http://127.0.0.1:8765/callback?code=stampNL001.abc%21IAAAAxyz&state=s1"
    assert parse_code(url, "s1") == "stampNL001.abc!IAAAAxyz"
    try:
        parse_code(url, "other")
    except Exception as exc:  # noqa: BLE001
        assert "state" in str(exc)
    else:
        raise AssertionError("a wrong state must be refused")
