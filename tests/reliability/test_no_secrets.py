"""R6: no secret in any log line (tap, target and exact-auth at DEBUG), token stores 0600, an XML
bomb and a quote-injection in a lookup value are refused safely.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from benchmarks.target_orders import (
    BUY_ORDER_SCHEMA,
    _all,
    buy_orders,
    messages,
    pick_suppliers_and_items,
)
from exact_online.errors import ExactError
from exact_sandbox.testing import SandboxServer

from .helpers import TL_STREAM, catalog, env, run, tap_cmd, tap_config, write_json

pytestmark = pytest.mark.reliability
DEBUG = {"LOGLEVEL": "DEBUG"}


def _exact_auth(sb: SandboxServer, tmp_path: Path) -> tuple[str, str, Path]:
    """The real authorization-code flow: exact-auth catches the redirect on a loopback port."""
    store = tmp_path / "auth-tokens.json"
    cfg = write_json(
        tmp_path / "auth.json",
        {k: v for k, v in sb.config.items() if k not in ("refresh_token", "token_store_path")},
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "exact_online.auth_cli",
            "--config",
            str(cfg),
            "--no-browser",
            "--redirect-uri",
            "http://127.0.0.1:0/callback",
            "--token-store",
            str(store),
            "--timeout",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(**DEBUG),
    )
    assert proc.stdout is not None
    url = ""
    for _ in range(50):  # the URL comes within the first lines
        line = proc.stdout.readline()
        if not line:
            break
        if "/api/oauth2/auth?" in line:
            url = line.strip()
            break
    assert url, "exact-auth printed no authorize URL"
    r = requests.get(url, allow_redirects=False, timeout=30)
    location = r.headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    requests.get(location, timeout=30)  # the browser following the redirect to exact-auth
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err[-2000:]
    return code, out + err, store


def _secrets_of(store: Path) -> set[str]:
    data = json.loads(store.read_text())
    found = set()
    for key in ("access_token", "refresh_token"):
        if data.get(key):
            found.add(str(data[key]))
    return found


def test_no_secret_in_any_log_line_and_stores_are_0600(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, access_token_ttl=40)
    code, auth_text, auth_store = _exact_auth(sb, tmp_path)
    logs: dict[str, str] = {"exact-auth": auth_text}
    tap_store = tmp_path / "tap-tokens.json"
    config = tap_config(sb, tmp_path / "tap.json", token_store_path=str(tap_store))
    cat = catalog(tmp_path / "catalog.json", [TL_STREAM, "items"])
    tap = run(tap_cmd(config, cat), tmp_path, LOGLEVEL="DEBUG")
    assert tap.returncode == 0, tap.stderr[-2000:]
    logs["tap"] = tap.stderr + tap.stdout
    suppliers, items = pick_suppliers_and_items(sb, 3, 6)
    records = buy_orders(suppliers, items, 3, prefix="R6-")
    records.append({**records[0], "id": "R6-BAD", "supplier_remoteId": "NOPE"})
    target_store = tmp_path / "target-tokens.json"
    tcfg = {k: v for k, v in sb.config.items() if k != "divisions"}
    tcfg.update(
        division=sb.divisions_list[0],
        token_store_path=str(target_store),
        buy_orders_mode="planner",
    )
    target = run(
        [
            sys.executable,
            "-m",
            "target_exact",
            "--config",
            str(write_json(tmp_path / "target.json", tcfg)),
        ],
        tmp_path,
        stdin=messages("BuyOrders", BUY_ORDER_SCHEMA, records),
        LOGLEVEL="DEBUG",
    )
    logs["target"] = target.stderr + target.stdout
    secrets = {str(sb.config["client_secret"]), str(sb.config["refresh_token"]), code}
    for store in (auth_store, tap_store, target_store):
        assert store.exists(), store
        assert stat.S_IMODE(store.stat().st_mode) == 0o600, store
        secrets |= _secrets_of(store)
    secrets = {s for s in secrets if len(s) >= 8}
    leaks = [(name, s[:4] + "…") for name, text in logs.items() for s in secrets if s in text]
    assert not leaks, f"secret values in logs: {leaks}"
    assert "DEBUG" in logs["tap"]  # the scan really saw debug output


BOMB = (
    b'<?xml version="1.0" encoding="utf-8"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
    )
    + b']><feed xmlns="http://www.w3.org/2005/Atom"><entry><content><m:properties '
    b'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" '
    b'xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices"><d:Description>&i;'
    b"</d:Description></m:properties></content></entry></feed>"
)


def test_xml_bomb_is_refused_quickly() -> None:
    from client.localserver import Reply, ScriptedServer, make_client

    with ScriptedServer() as server:
        server.add(
            "/api/v1/1/sync/Logistics/Items",
            Reply(200, BOMB, {"Content-Type": "application/atom+xml;type=feed"}),
        )
        client = make_client(server, response_format="xml")
        started = time.monotonic()
        with pytest.raises((ExactError, ValueError)) as info:
            list(client.iter_records("{division}/sync/Logistics/Items", division=1))
        assert time.monotonic() - started < 30  # refused, not expanded (10^8 characters)
        assert "aaaaaaaaaa" not in str(info.value)


def test_quote_injection_in_a_lookup_value_matches_nothing(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    suppliers, items = pick_suppliers_and_items(sb, 2, 2)
    injected = "X' or 1 eq 1 or Code eq 'Y"
    record: dict[str, Any] = {
        **buy_orders(suppliers, items, 1, prefix="R6-INJ-")[0],
        "supplier_remoteId": injected,
    }
    tcfg = {k: v for k, v in sb.config.items() if k != "divisions"}
    tcfg["division"] = sb.divisions_list[0]
    tcfg["buy_orders_mode"] = "planner"
    result = run(
        [
            sys.executable,
            "-m",
            "target_exact",
            "--config",
            str(write_json(tmp_path / "target.json", tcfg)),
        ],
        tmp_path,
        stdin=messages("BuyOrders", BUY_ORDER_SCHEMA, [record]),
    )
    assert result.returncode != 0
    assert "supplier_remoteId" in result.stdout + result.stderr
    rows = _all(
        sb.session(),
        sb.api_url("{division}/purchaseorder/PurchaseOrders"),
        {"$filter": f"Division eq {sb.divisions_list[0]}", "$select": "PurchaseOrderID,YourRef"},
        True,
        10**6,
    )
    assert not [r for r in rows if str(r.get("YourRef") or "").startswith("R6-INJ-")]
