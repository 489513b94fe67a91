"""Every example in docs/client.md marked *tested* runs, as written there, against the sandbox.

The blocks run in order in one namespace (as the doc says); the test provides ``config``,
``token_path``, ``db_path``, ``redirect_uri`` and the authorization ``code``.
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
_BLOCK = re.compile(r"^(\*tested\*\n)?```python\n(.*?)^```", re.S | re.M)
REDIRECT = "http://127.0.0.1/callback"


def doc_blocks() -> list[tuple[bool, str]]:
    return [(bool(m.group(1)), m.group(2)) for m in _BLOCK.finditer(DOC.read_text("utf-8"))]


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
