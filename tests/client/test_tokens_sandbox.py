"""Token store and refresh rules against the real exact-sandbox."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import stat
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from exact_online.auth import ExactOAuthAuthenticator
from exact_online.client import ExactClient
from exact_online.errors import ExactError, OldRefreshTokenUsed
from exact_online.token_store import FileTokenStorage, MemoryTokenStorage, TokenSet
from exact_sandbox.testing import SandboxServer


def _client(config: dict[str, Any], store: Path, **kw: Any) -> ExactClient:
    return ExactClient.from_config({**config, "token_store_path": str(store)}, **kw)


@pytest.fixture(scope="module")
def tsb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """Our own sandbox (Exact's 600 s tokens): its clock is moved forward for every new chain."""
    with SandboxServer(tmp_path_factory.mktemp("tokens-sb"), no_rate_limits=True) as sb:
        sb.clock_offset = 0.0  # type: ignore[attr-defined]
        yield sb


def new_chain(sb: Any) -> str:
    """A refresh token of a new authorization-code chain, usable at once.

    The code grant issues an access token we do not keep; the sandbox clock then moves 10 minutes
    on so that the 570 s too-early rule does not refuse the first refresh.
    """
    from urllib.parse import parse_qs, urlsplit

    import requests

    cfg = sb.config
    redirect = "http://127.0.0.1/cb"
    r = requests.get(
        f"{sb.base_url}/api/oauth2/auth",
        params={"client_id": cfg["client_id"], "redirect_uri": redirect, "response_type": "code"},
        allow_redirects=False,
        timeout=30,
    )
    code = parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]
    auth = ExactOAuthAuthenticator(
        base_url=sb.base_url,
        client_id=cfg["client_id"],
        client_secret=cfg["client_secret"],
        storage=MemoryTokenStorage(),
    )
    refresh = auth.exchange_code(code, redirect).refresh_token
    advance(sb)
    return refresh


def advance(sb: Any) -> None:
    """Move the sandbox clock 10 minutes on (past the too-early window of every chain)."""
    sb.clock_offset += 600
    sb.set_clock(sb.clock_offset)


def _cfg(sb: Any) -> dict[str, Any]:
    return {**sb.config, "refresh_token": new_chain(sb)}


def test_config_refresh_token_seeds_an_empty_store_only(tsb: Any, tmp_path: Path) -> None:
    store = tmp_path / "sub" / "tokens.json"
    cfg = _cfg(tsb)
    client = _client(cfg, store)
    assert client.current_division() == tsb.divisions_list[0]
    assert client.authenticator.token_calls == 1
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
    saved = json.loads(store.read_text())
    assert saved["refresh_token"] != cfg["refresh_token"]  # rotated and persisted
    assert saved["access_token"] == client.authenticator.access_token
    # A second client with the (now spent) config token uses the store, not the config.
    again = _client(cfg, store)
    again.me()
    assert again.authenticator.token_calls == 0
    assert json.loads(store.read_text())["refresh_token"] == saved["refresh_token"]


def test_401_refreshes_once_then_retries(tsb: Any, tmp_path: Path) -> None:
    store = tmp_path / "tokens.json"
    seed = _client(_cfg(tsb), tmp_path / "seed.json")
    seed.me()  # a valid chain for this test
    good = FileTokenStorage(tmp_path / "seed.json").get()
    assert good is not None
    now = datetime.now(timezone.utc)
    # An access token the server does not know, that looks valid for an hour.
    bogus = TokenSet("bogus-access-token-123", good.refresh_token, now + timedelta(hours=1), now)
    FileTokenStorage(store).save(bogus)
    advance(tsb)
    client = _client({**tsb.config, "refresh_token": None}, store)
    div = tsb.divisions_list[0]
    assert client.divisions(div)
    assert client.authenticator.token_calls == 1
    assert client.api_calls[div] == 2  # the 401 and the retry


def test_too_early_answer_keeps_the_current_token(tsb: Any, tmp_path: Path) -> None:
    store_path = tmp_path / "tokens.json"
    cfg = _cfg(tsb)
    first = _client(cfg, store_path)
    first.me()
    assert first.authenticator.token_calls == 1
    storage = FileTokenStorage(store_path)
    tokens = storage.get()
    assert tokens is not None and tokens.issued_at is not None
    # Pretend it expires in 10 s: we will try to refresh, Exact (570 s rule) answers too early.
    tokens.expires_at = datetime.now(timezone.utc) + timedelta(seconds=10)
    storage.save(tokens)
    client = _client(cfg, store_path)
    div = tsb.divisions_list[0]
    client.divisions(div)
    client.divisions(div)
    assert client.authenticator.token_calls == 1  # asked once, never in a loop
    assert client.authenticator.access_token == tokens.access_token
    assert storage.get().refresh_token == tokens.refresh_token  # type: ignore[union-attr]


def test_old_refresh_token_is_reported_not_retried(tsb: Any, tmp_path: Path) -> None:
    cfg = _cfg(tsb)
    first = _client(cfg, tmp_path / "a.json")
    first.me()
    spent = cfg["refresh_token"]  # rotated by `first`
    second = _client(cfg, tmp_path / "b.json")
    with pytest.raises(OldRefreshTokenUsed) as info:
        second.me()
    assert second.authenticator.token_calls == 1
    assert spent not in str(info.value)


def _race_worker(args: tuple[str, str, str, str, int]) -> tuple[int, str | None]:
    base_url, client_id, secret, store, n = args
    auth = ExactOAuthAuthenticator(
        base_url=base_url,
        client_id=client_id,
        client_secret=secret,
        storage=FileTokenStorage(store),
    )
    try:
        for _ in range(n):
            auth.update_access_token()
    except ExactError as exc:  # reported to the parent
        return auth.token_calls, f"{type(exc).__name__}: {exc}"
    return auth.token_calls, None


@pytest.mark.slow
def test_refresh_race_between_two_processes(fresh_sandbox: Any, tmp_path: Path) -> None:
    # TTL 30 s: with a 30 s margin every call refreshes, and the 570-of-600 s too-early rule
    # (TTL - 30) never applies, so both processes really refresh 500 times each.
    sb = fresh_sandbox(no_rate_limits=True, access_token_ttl=30, token_calls_per_day=5000)
    cfg = sb.config
    store = tmp_path / "shared-tokens.json"
    FileTokenStorage(store).save(TokenSet(None, cfg["refresh_token"]))
    sb.reset_calls()
    job = (cfg["base_url"], cfg["client_id"], cfg["client_secret"], str(store), 500)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.map(_race_worker, [job, job], chunksize=1)
    errors = [err for _, err in results if err]
    assert errors == []  # no "Old refresh token used" anywhere
    assert sum(calls for calls, _ in results) == 1000
    assert sb.calls()["token"] == 1000
    # The chain is intact: the stored refresh token still works.
    client = ExactClient.from_config({**cfg, "token_store_path": str(store)})
    client.authenticator.update_access_token()
    assert client.me()["CurrentDivision"] == sb.divisions_list[0]


def test_no_secrets_in_logs_during_flows(
    tsb: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = tmp_path / "tokens.json"
    cfg = _cfg(tsb)
    client = _client(cfg, store)
    client.me()
    with pytest.raises(OldRefreshTokenUsed) as info:
        _client(cfg, tmp_path / "x.json").me()
    tokens = FileTokenStorage(store).get()
    assert tokens is not None
    secrets = [
        tsb.config["client_secret"],
        cfg["refresh_token"],
        tokens.refresh_token,
        tokens.access_token,
    ]
    text = caplog.text + str(info.value) + repr(tokens)
    for secret in secrets:
        assert secret and secret not in text
