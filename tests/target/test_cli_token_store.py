"""`python -m target_exact` as a process, sharing one token store with another process.

Access tokens live 30 s and clients refresh 30 s before expiry, so every API call of either
process rotates the refresh token: without the cross-process lock one of them would send a spent
refresh token and get "Old refresh token used".
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from exact_sandbox.testing import SandboxServer
from target.helpers import Run, target_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
REFRESHER = """
import json, sys
from exact_online.client import ExactClient
client = ExactClient.from_config(json.load(open(sys.argv[1])))
division = int(sys.argv[2])
params = {"$select": "ID", "$top": "1", "$filter": "IsPurchaseItem eq true"}
for _ in range(25):
    client.get_page("logistics/Items", division=division, params=params)
"""


def test_target_and_another_process_share_the_token_chain(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, access_token_ttl=30, token_calls_per_day=100_000)
    store = tmp_path / "tokens.json"
    cfg_path = tmp_path / "target.json"
    cfg_path.write_text(json.dumps(target_config(sb, token_store_path=str(store))))
    env_cmd = [sys.executable, "-c", REFRESHER, str(cfg_path), str(sb.divisions_list[0])]
    other = subprocess.Popen(env_cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    text = (EXAMPLES / "BuyOrders.jsonl").read_text() + (EXAMPLES / "ShopOrders.jsonl").read_text()
    target = subprocess.run(
        [sys.executable, "-m", "target_exact", "--config", str(cfg_path)],
        input=text,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    _out, err = other.communicate(timeout=300)
    assert other.returncode == 0, err[-3000:]
    assert target.returncode == 0, target.stderr[-3000:]
    assert "Old refresh token used" not in target.stderr + err
    state = Run(target.stdout, target.returncode).state
    assert state["summary"]["BuyOrders"]["fail"] == 0
    assert state["summary"]["ShopOrders"]["fail"] == 0
    assert sb.calls()["token"] >= 10  # the chain rotated many times under contention
    assert store.stat().st_mode & 0o777 == 0o600
    tokens = json.loads(store.read_text())
    for secret in (sb.config["client_secret"], tokens["refresh_token"], tokens["access_token"]):
        assert secret not in target.stderr + target.stdout


def test_cli_exit_code_and_allow_failures(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    bad = (
        '{"type": "SCHEMA", "stream": "BuyOrders", "schema": {"type": "object", "properties": {}},'
        ' "key_properties": []}\n'
        '{"type": "RECORD", "stream": "BuyOrders",'
        ' "record": {"id": 1, "line_items": [{"quantity": 1}]}}\n'
    )
    for allow, expected in ((False, 1), (True, 0)):
        cfg_path = tmp_path / f"cfg-{allow}.json"
        cfg_path.write_text(json.dumps(target_config(sb, allow_failures=allow)))
        proc = subprocess.run(
            [sys.executable, "-m", "target_exact", "--config", str(cfg_path)],
            input=bad,
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == expected, proc.stderr[-2000:]
        (entry,) = Run(proc.stdout, proc.returncode).bookmarks("BuyOrders")
        assert entry["success"] is False and entry["error"].startswith("supplier_remoteId:")
