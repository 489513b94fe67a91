"""``AsyncExactClient`` against the real exact-sandbox: concurrency across divisions (calls of one
division never overlap, as the sandbox counts them), one refresh for many coroutines, faults, the
same answers as the sync client, TLS pinning, and the debug lines of both clients."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import certifi
import pytest
import requests

from exact_online.async_client import AsyncExactClient
from exact_online.client import ExactClient
from exact_online.retry import RetryPolicy
from exact_online.token_store import FileTokenStorage, TokenSet
from exact_sandbox.testing import SandboxServer

Fresh = Callable[..., SandboxServer]
WAREHOUSES = "inventory/Warehouses"
PAGE = {"$select": "ID,Code", "$top": "2"}


def _config(sb: SandboxServer, tmp_path: Path) -> dict[str, Any]:
    return dict(sb.config, token_store_path=str(tmp_path / "tokens.json"))


async def _read(client: AsyncExactClient, division: int, times: int) -> list[Any]:
    return [
        (await client.get_page(WAREHOUSES, division=division, params=PAGE)).records
        for _ in range(times)
    ]


def test_divisions_run_concurrently_but_calls_of_one_division_never_overlap(
    fresh_sandbox: Fresh, tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    d1, d2 = sb.divisions_list

    async def main() -> list[Any]:
        async with AsyncExactClient.from_config(_config(sb, tmp_path)) as client:
            jobs = [_read(client, d, 3) for d in (d1, d2) for _ in range(4)]
            results = await asyncio.gather(*jobs)
            assert client.api_calls == {d1: 12, d2: 12}
            assert client.authenticator.token_calls == 1  # 8 coroutines, one refresh
            return results

    sb.reset_calls()
    results = asyncio.run(main())
    calls = sb.calls()
    assert calls["by_division"] == {str(d1): 12, str(d2): 12}
    assert calls["max_in_flight"] == {str(d1): 1, str(d2): 1}
    assert calls["token"] == 1
    assert all(len(pages) == 3 and all(len(p) == 2 for p in pages) for pages in results)


def test_a_refused_token_is_refreshed_once_for_all_coroutines(
    fresh_sandbox: Fresh, tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    d1, d2 = sb.divisions_list
    now = datetime.now(timezone.utc)
    store = tmp_path / "tokens.json"
    # An access token the sandbox does not know that looks good for an hour: every first call 401s.
    later = now + timedelta(hours=1)
    bogus = TokenSet("bogus-access-token-0123", sb.config["refresh_token"], later)
    FileTokenStorage(store).save(bogus)
    config = dict(sb.config, token_store_path=str(store), refresh_token=None)

    async def main() -> None:
        async with AsyncExactClient.from_config(config) as client:
            await asyncio.gather(*[_read(client, d, 1) for d in (d1, d2) for _ in range(4)])
            assert client.authenticator.token_calls == 1
            # Each division's first call met the bogus token (both were sent before any answer);
            # the other three of each division waited for the division and used the new token.
            assert client.api_calls == {d1: 5, d2: 5}

    sb.reset_calls()
    asyncio.run(main())
    assert sb.calls()["token"] == 1
    assert sb.calls()["max_in_flight"] == {str(d1): 1, str(d2): 1}


def test_faults_give_the_same_records_and_calls_as_the_sync_client(
    fresh_sandbox: Fresh, tmp_path: Path
) -> None:
    fast = RetryPolicy(max_retries=3, base=0.01, cap=0.02)
    sb = fresh_sandbox(no_rate_limits=True)
    division = sb.divisions_list[0]
    faults = "503:path=/Warehouses,times=1"  # set anew for each client: the same faults
    sb.set_faults(faults)
    sync = ExactClient.from_config(_config(sb, tmp_path), retry_policy=fast)
    pages = list(sync.iter_pages(WAREHOUSES, division=division))
    want = [r["Code"] for page in pages for r in page.records]
    sync_calls = sync.api_calls[division]

    sb.set_faults(faults)

    async def main() -> tuple[list[str], int]:
        cfg = _config(sb, tmp_path)  # the same store: one token chain
        async with AsyncExactClient.from_config(cfg, retry_policy=fast) as client:
            codes = [r["Code"] async for r in client.iter_records(WAREHOUSES, division=division)]
            return codes, client.api_calls[division]

    got, async_calls = asyncio.run(main())
    assert got == want and len(want) > 0
    assert async_calls == sync_calls == len(pages) + 1  # the first call's 503 and its retry


def test_ca_file_wins_over_ssl_cert_file(
    fresh_sandbox: Fresh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb = fresh_sandbox(tls=True, no_rate_limits=True)
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())  # no sandbox CA in there
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())

    async def main() -> dict[str, Any]:
        async with AsyncExactClient.from_config(_config(sb, tmp_path)) as client:
            return await client.me()

    assert asyncio.run(main())["CurrentDivision"] == sb.divisions_list[0]


class CountingAdapter(requests.adapters.HTTPAdapter):
    def __init__(self) -> None:
        super().__init__(max_retries=0)
        self.sent = 0

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent += 1
        return super().send(request, **kwargs)


def test_a_session_passed_in_keeps_its_adapter_and_hooks_and_tls_is_pinned(
    fresh_sandbox: Fresh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb = fresh_sandbox(tls=True, no_rate_limits=True)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())  # would break the handshake
    session = requests.Session()
    adapter = CountingAdapter()
    session.mount("https://", adapter)
    seen: list[int] = []
    session.hooks["response"].append(lambda r, *a, **k: seen.append(r.status_code))
    client = ExactClient.from_config(_config(sb, tmp_path), session=session)
    assert client.me()["CurrentDivision"] == sb.divisions_list[0]
    assert session.adapters["https://"] is adapter and adapter.sent == 1
    assert seen == [200]


def test_debug_lines_for_both_clients_are_redacted(
    sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    # The shared sandbox's own store: another store would spend the chain the other tests use.
    division = sandbox.divisions_list[0]
    caplog.set_level(logging.INFO, logger="exact_online.http")
    sync = ExactClient.from_config(sandbox.config, debug=True)
    sync.get_page(WAREHOUSES, division=division, params=PAGE)

    async def main() -> None:
        async with AsyncExactClient.from_config(sandbox.config, debug=True) as client:
            await client.get_page(WAREHOUSES, division=division, params=PAGE)

    asyncio.run(main())
    lines = [r.getMessage() for r in caplog.records if r.name == "exact_online.http"]
    assert len(lines) == 2
    for line in lines:
        assert line.startswith(f"GET {sandbox.base_url}/api/v1/{division}/inventory/Warehouses?")
        assert " -> 200 in " in line and " ms, " in line and line.endswith(" bytes")
    token = FileTokenStorage(sandbox.config["token_store_path"]).get()
    assert token is not None and token.access_token
    assert all(token.access_token not in line and "Bearer" not in line for line in lines)
