"""R12: a full disk during a token refresh never loses the refresh-token chain.

Exact rotates the refresh token on every refresh, so a save that fails after the token request
would leave the store with a spent token ("Old refresh token used" on the next run). The store
must prove it can take the answer before the token is spent, hold the space for it, and, if the
save fails anyway, keep the new pair in a recovery file that the next run picks up.

Real 16 KB tmpfs mounts (root only; skipped elsewhere) and the real exact-sandbox. The one fault
a tmpfs cannot make, a final write that fails although space was set aside (a copy-on-write
filesystem), is injected at the store's single write call.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from exact_online import token_files
from exact_online.errors import OldRefreshTokenUsed, TokensNotSaved, TokenStoreNotWritable
from exact_online.token_store import FileTokenStorage

from .tokenfs import chain_store, client, expire, fill, run_tap, tmpfs

pytestmark = pytest.mark.reliability


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "disk", "16k") as mnt:
        yield mnt


def _fill_during_token_request(
    c: Any, directory: Path, answers: list[dict[str, Any]] | None = None
) -> list[Path]:
    """A response hook that runs before the one that saves the tokens: the disk fills up while
    the token answer is on its way (``answers`` collects the token answers)."""
    filled: list[Path] = []

    def hook(response: requests.Response, *_a: Any, **_k: Any) -> None:
        if answers is not None:
            answers.append(response.json())
        if not filled:
            filled.append(fill(directory))

    c.authenticator._session.hooks["response"].insert(0, hook)
    return filled


def _fail_final_write(monkeypatch: pytest.MonkeyPatch, store: Path, refill: bool) -> None:
    """The store's own write fails although its space was set aside (a copy-on-write
    filesystem); recovery files are written for real. ``refill``: another writer takes the space
    the failed write gave back at once, so there is no room beside the store either."""
    real_commit = token_files.Reservation.commit

    def commit(self: token_files.Reservation, data: bytes) -> None:
        if self.target != store:
            return real_commit(self, data)
        self.discard()
        if refill:
            fill(store.parent)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(token_files.Reservation, "commit", commit)


def test_r12_full_disk_refuses_before_the_token_is_spent(
    fresh_sandbox: Callable[..., Any], disk: Path, tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    store = disk / "tokens.json"
    saved = chain_store(sb, store)
    filler = fill(disk)
    calls = sb.calls()["token"]
    work = tmp_path / "run1"
    work.mkdir()
    first = run_tap(sb, work, store)
    assert first.returncode != 0
    assert (
        f"token store {store} cannot be written ([Errno 28] No space left on device while "
        f"setting aside 8192 bytes in {disk}). New tokens are due but could not be saved, so they "
        "were not asked for: the stored refresh token still works. "
        f"Free space in {disk} or make it writable for this user, then run again."
    ) in first.stderr
    assert sb.calls()["token"] == calls  # not spent
    assert json.loads(store.read_text()) == saved
    assert sorted(p.name for p in disk.iterdir()) == [
        "filler.bin",
        "tokens.json",
        "tokens.json.lock",
    ]

    filler.unlink()
    second = run_tap(sb, work, store)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "Old refresh token used" not in second.stderr
    assert sb.calls()["token"] == calls + 1
    assert json.loads(store.read_text())["refresh_token"] != saved["refresh_token"]
    assert any(
        '"type": "RECORD"' in line or '"type":"RECORD"' in line
        for line in second.stdout.splitlines()
    )


def test_r12_disk_filling_during_the_token_request_cannot_stop_the_save(
    fresh_sandbox: Callable[..., Any], disk: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    store = disk / "tokens.json"
    saved = chain_store(sb, store)
    c = client(sb, store)
    filled = _fill_during_token_request(c, disk)
    assert c.me()["CurrentDivision"] == sb.divisions_list[0]
    assert filled  # fill() checked: no free block left while the answer was being saved
    now = json.loads(store.read_text())
    assert now["refresh_token"] == c.authenticator.refresh_token != saved["refresh_token"]
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
    assert sorted(p.name for p in disk.iterdir()) == [
        "filler.bin",
        "tokens.json",
        "tokens.json.lock",
    ]
    filled[0].unlink()
    expire(sb, store)
    nxt = client(sb, store)
    nxt.me()  # the saved refresh token is the live one
    assert nxt.authenticator.token_calls == 1


@pytest.mark.parametrize("refill", [False, True], ids=["beside-the-store", "other-filesystem"])
def test_r12_failed_final_write_keeps_the_pair_in_a_recovery_file(
    refill: bool,
    fresh_sandbox: Callable[..., Any],
    disk: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    store = disk / "tokens.json"
    saved = chain_store(sb, store)
    state = tmp_path / "state"
    storage = FileTokenStorage(store, recovery_dirs=[state])
    c = client(sb, storage)
    filled = _fill_during_token_request(c, disk)
    _fail_final_write(monkeypatch, store, refill)
    caplog.set_level(logging.INFO)
    assert c.me()["CurrentDivision"] == sb.divisions_list[0]  # the run goes on
    # The space set aside and given back by the failed write takes the recovery file beside the
    # store; only when that is gone too does it go to another filesystem.
    recovery = storage.recovery_paths[1 if refill else 0]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "TOKEN STORE NOT WRITTEN: Exact rotated the refresh token, but writing token store "
        f"{store} failed ([Errno 28] No space left on device). The new tokens are safe in "
        f"{recovery}; the next run (tap, target or client) uses that file automatically and "
        f"moves it back into the store once the store can be written. Now: free space in {disk} "
        f"or make it writable. Do NOT delete {recovery}: it holds the only valid refresh token."
    ]
    assert stat.S_IMODE(os.stat(recovery).st_mode) == 0o600
    assert state.exists() == refill
    kept = json.loads(recovery.read_text())
    assert kept["store"] == str(store)
    assert kept["tokens"]["refresh_token"] == c.authenticator.refresh_token
    assert json.loads(store.read_text()) == saved  # the store still holds the spent token
    assert (disk / "tokens.json.recovery").exists() != refill
    for record in caplog.records:
        for secret in (c.authenticator.refresh_token, c.authenticator.access_token):
            assert secret not in record.getMessage()

    # The next run, disk full: it uses the recovery file, without a token request.
    monkeypatch.undo()
    fill(disk)
    caplog.clear()
    nxt = client(sb, FileTokenStorage(store, recovery_dirs=[state]))
    assert nxt.me()["CurrentDivision"] == sb.divisions_list[0]
    assert nxt.authenticator.token_calls == 0
    assert nxt.authenticator.access_token == c.authenticator.access_token
    assert recovery.exists()  # could not be moved back yet
    # The store's own warnings (the sandbox's moved clock also makes the limiter note a skew).
    assert [
        r.getMessage() for r in caplog.records
        if r.levelno == logging.WARNING and r.name != "exact_online.ratelimit"
    ] == [
        f"token store {store}: using the newer tokens in recovery file {recovery}, left by a run "
        "that could not write the store",
        f"recovery file {recovery} could not be moved back into token store {store} ([Errno 28] "
        "No space left on device); it stays in use. Do NOT delete it: it holds the only valid "
        "refresh token.",
    ]

    # Space again: the next run moves the recovery file into the store and refreshes from it.
    filled[0].unlink()
    caplog.clear()
    later = client(sb, FileTokenStorage(store, recovery_dirs=[state]))
    later.me()
    assert f"recovery file {recovery} moved back into token store {store}" in [
        r.getMessage() for r in caplog.records
    ]
    assert not recovery.exists()
    assert json.loads(store.read_text())["refresh_token"] == kept["tokens"]["refresh_token"]
    expire(sb, store)
    last = client(sb, FileTokenStorage(store, recovery_dirs=[state]))
    last.me()  # no "Old refresh token used": the chain survived
    assert last.authenticator.token_calls == 1


def test_r12_nowhere_to_save_fails_loudly_without_the_tokens(
    fresh_sandbox: Callable[..., Any],
    disk: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    store = disk / "tokens.json"
    chain_store(sb, store)
    not_a_dir = tmp_path / "plain-file"
    not_a_dir.write_text("")
    storage = FileTokenStorage(store, recovery_dirs=[not_a_dir])
    c = client(sb, storage)
    answers: list[dict[str, Any]] = []
    _fill_during_token_request(c, disk, answers)
    _fail_final_write(monkeypatch, store, refill=True)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(TokensNotSaved) as info:
        c.me()
    assert len(answers) == 1
    for secret in (answers[0]["refresh_token"], answers[0]["access_token"]):
        assert secret not in caplog.text and secret not in str(info.value)
    beside, elsewhere = storage.recovery_paths
    assert str(info.value) == (
        "TOKENS LOST: Exact rotated the refresh token, but the new one could be saved nowhere "
        f"({store}: [Errno 28] No space left on device; {beside}: [Errno 28] No space left on "
        f"device; {elsewhere}: [Errno 17] File exists). It is not printed (logs are no place for "
        f"it) and is gone when this process ends. Free space in {disk} or make it writable, then "
        "run exact-auth to authorise again."
    )
    assert c.authenticator.token_calls == 1
    # What the message says is true: the stored token is spent.
    monkeypatch.undo()
    for f in disk.glob("filler.bin"):
        f.unlink()
    expire(sb, store)
    with pytest.raises(OldRefreshTokenUsed):
        client(sb, store).me()


def test_r12_exact_auth_on_a_full_disk_keeps_the_code_unspent(
    fresh_sandbox: Callable[..., Any], disk: Path
) -> None:
    """An authorization code is single-use too: the store is checked before it is exchanged."""
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    redirect = "http://127.0.0.1/cb"
    r = requests.get(
        f"{sb.base_url}/api/oauth2/auth",
        params={
            "client_id": sb.config["client_id"],
            "redirect_uri": redirect,
            "response_type": "code",
        },
        allow_redirects=False,
        timeout=30,
    )
    code = parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]
    store = disk / "tokens.json"
    filler = fill(disk)
    c = client(sb, store, refresh_token=None)
    calls = sb.calls()["token"]
    with pytest.raises(TokenStoreNotWritable):
        c.authenticator.exchange_code(code, redirect)
    assert sb.calls()["token"] == calls
    filler.unlink()
    tokens = c.authenticator.exchange_code(code, redirect)  # the code was not spent
    assert json.loads(store.read_text())["refresh_token"] == tokens.refresh_token
