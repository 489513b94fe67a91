"""Every example in docs/client.md and docs/client-async.md marked *tested* runs, as written
there, against the sandbox.

The blocks of a doc run in order in one namespace (as the doc says); for docs/client.md the test
provides ``config``, ``token_path``, ``db_path``, ``redirect_uri`` and the authorization ``code``;
for docs/client-async.md ``config`` (the tap's keys).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from exact_sandbox.testing import SandboxServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "client.md"
ASYNC_DOC = DOC.with_name("client-async.md")
_BLOCK = re.compile(r"^(\*tested\*\n)?```python\n(.*?)^```", re.S | re.M)
REDIRECT = "http://127.0.0.1/callback"


def doc_blocks(doc: Path = DOC) -> list[tuple[bool, str]]:
    return [(bool(m.group(1)), m.group(2)) for m in _BLOCK.finditer(doc.read_text("utf-8"))]


def sign_in(sb: SandboxServer) -> str:
    """What the user's browser does: sign in at Exact, come back with a code."""
    r = requests.get(
        f"{sb.base_url}/api/oauth2/auth",
        params={"client_id": sb.config["client_id"], "redirect_uri": REDIRECT,
                "response_type": "code", "state": "a1b2c3"},
        allow_redirects=False,
        timeout=30,
    )
    return parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]


def test_every_python_example_is_tested() -> None:
    blocks = doc_blocks()
    assert len(blocks) >= 10
    assert all(tested for tested, _ in blocks), "mark each python block of docs/client.md *tested*"


def test_doc_examples_run_against_the_sandbox(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sb = fresh_sandbox()  # rate limits on: the rate-limit example shows real headers
    namespace: dict[str, Any] = {
        "__name__": "docs_client",
        "config": {k: sb.config[k] for k in ("base_url", "client_id", "client_secret")},
        "token_path": str(tmp_path / "tokens.json"),
        "db_path": str(tmp_path / "tokens.db"),
        "redirect_uri": REDIRECT,
        "code": sign_in(sb),
    }
    sb.reset_calls()
    for number, (_, code) in enumerate(doc_blocks(), 1):
        exec(compile(code, f"docs/client.md block {number}", "exec"), namespace)
    out = capsys.readouterr().out
    division = namespace["division"]
    assert division == sb.divisions_list[0]
    assert "Logged in as " in out
    assert "shop orders; next run starts after Timestamp" in out
    assert re.search(r"Created \d+: 5\.0", out)
    assert re.search(r"\d+ of 5000 calls left today", out)
    assert "Exact refused it (400)" in out
    assert "logistics/Items has no field 'Descripton'; did you mean Description," in out
    by_path = sb.calls()["by_path"]
    orders = f"/api/v1/{division}/purchaseorder/PurchaseOrders"
    assert by_path[f"POST {orders}"] == 1
    assert by_path[f"GET {orders}/$count"] == 1
    assert by_path[f"GET /api/v1/{division}/read/sync/Sync/SyncTimestamp"] == 1
    assert by_path[f"GET /api/v1/{division}/inventory/WarehouseTransfers"] == 1
    assert f"POST /api/v1/{division}/logistics/Items" in by_path  # one Struct create; typo: none
    assert by_path[f"POST /api/v1/{division}/logistics/Items"] == 1


def test_async_doc_examples_run_against_the_sandbox(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocks = doc_blocks(ASYNC_DOC)
    assert len(blocks) >= 2 and all(tested for tested, _ in blocks)
    sb = fresh_sandbox(no_rate_limits=True)
    namespace: dict[str, Any] = {
        "__name__": "docs_client_async",
        "config": {**sb.config, "token_store_path": str(tmp_path / "tokens.json")},
    }
    sb.reset_calls()
    for number, (_, code) in enumerate(blocks, 1):
        exec(compile(code, f"docs/client-async.md block {number}", "exec"), namespace)
    out = capsys.readouterr().out
    division = sb.divisions_list[0]
    assert re.search(r"\d+ items; next run starts after Timestamp \d+", out)
    assert re.search(r"open purchase orders per division: \[\d+, \d+\]", out)
    assert re.search(r"[0-9a-f-]{36}: changed", out)
    assert re.search(r"\d+ warehouses changed; next since 20", out)
    by_path = sb.calls()["by_path"]
    items = f"/api/v1/{division}/logistics/Items"
    assert by_path[f"POST {items}"] == 2  # TMP-1 of the first example, ASYNC-1 of the second
    assert sum(n for k, n in by_path.items() if k.startswith(f"DELETE {items}(")) == 2
    assert by_path[f"GET /api/v1/{division}/sync/Logistics/Items"] == 2  # raw, then resource
    for d in sb.divisions_list:
        assert by_path[f"GET /api/v1/{d}/purchaseorder/PurchaseOrders/$count"] == 1
