"""A damaged, odd or unreachable token store gives a clear answer naming the path and what to do,
and never spends a refresh token it could not save. Against the real exact-sandbox.

Tests on the shared ``sandbox`` never give it its own seed refresh token (other tests use that
chain); a made-up one shows that nothing is sent: it would be refused if it were.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from exact_online.errors import (
    AuthError,
    TokenStoreCorrupt,
    TokenStoreError,
    TokenStoreLockTimeout,
    TokenStoreNotWritable,
)
from exact_online.token_store import FileTokenStorage

from .tokenfs import chain_store, client, expire, remount, tmpfs

LOST = "The refresh token in it is lost: run exact-auth to authorise again."
UNSENT = "made-up-seed-token-never-sent"


def _store(tmp_path: Path, content: str, mode: int = 0o600) -> Path:
    store = tmp_path / "tokens.json"
    store.write_text(content)
    os.chmod(store, mode)
    return store


def _refused(sb: Any, store: Path | FileTokenStorage, error: type[Exception]) -> Exception:
    """The error of a first API call; asserts that no token request was made."""
    before = sb.calls()["token"]
    c = client(sb, store, refresh_token=UNSENT)
    with pytest.raises(error) as info:
        c.me()
    assert c.authenticator.token_calls == 0
    assert sb.calls()["token"] == before
    assert isinstance(info.value, AuthError)
    return info.value


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ("[]", "array"),
        ("null", "null"),
        ("42", "number"),
        ('"tokens"', "string"),
        ("true", "boolean"),
    ],
)
def test_non_object_json_is_a_clear_error(
    sandbox: Any, tmp_path: Path, content: str, kind: str
) -> None:
    store = _store(tmp_path, content)
    err = _refused(sandbox, store, TokenStoreCorrupt)
    assert str(err) == (
        f"token store {store} holds a JSON {kind}, not an object with a refresh_token. {LOST}"
    )
    assert store.read_text() == content  # left as it is for the person to look at


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        ("{not json", "is not valid JSON."),
        ("{}", "holds no usable tokens (refresh_token missing)."),
        ('{"refresh_token": 7}', "holds no usable tokens (refresh_token missing)."),
        (
            '{"refresh_token": "r", "access_token": []}',
            "holds no usable tokens (access_token is not a string).",
        ),
    ],
)
def test_garbled_store_is_a_clear_error(
    sandbox: Any, tmp_path: Path, content: str, detail: str
) -> None:
    store = _store(tmp_path, content)
    err = _refused(sandbox, store, TokenStoreCorrupt)
    assert str(err) == f"token store {store} {detail} {LOST}"


@pytest.mark.parametrize("content", ["", " \n"])
def test_empty_store_is_not_reseeded_from_config(
    sandbox: Any, tmp_path: Path, content: str
) -> None:
    store = _store(tmp_path, content)
    err = _refused(sandbox, store, TokenStoreCorrupt)
    assert str(err) == (
        f"token store {store} is empty. This library never leaves it empty (its writes are "
        "atomic), so something else truncated or created it, and the newest refresh token may "
        "be lost. If you created the file yourself, delete it: the config's refresh_token then "
        "seeds the store. Otherwise run exact-auth to authorise again."
    )
    assert store.read_text() == content


def test_directory_at_the_store_path(sandbox: Any, tmp_path: Path) -> None:
    store = tmp_path / "tokens.json"
    store.mkdir()
    err = _refused(sandbox, store, TokenStoreError)
    assert str(err) == (
        f"token store {store} is a directory, not a file: set token_store_path to a file (for "
        f"example {store / 'tokens.json'}) or remove the directory."
    )


def test_lock_held_too_long_names_the_lock(fresh_sandbox: Any, tmp_path: Path) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    store = tmp_path / "tokens.json"
    saved = chain_store(sb, store)
    storage = FileTokenStorage(store, lock_timeout=0.2)
    calls = sb.calls()["token"]
    with FileLock(f"{store}.lock"):  # another holder (its own file descriptor, as a process has)
        c = client(sb, storage)
        with pytest.raises(TokenStoreLockTimeout) as info:
            c.me()
    assert str(info.value) == (
        f"waited 0.2 s for the token store lock {store}.lock: another process using {store} (a "
        "tap, a target or exact-auth) holds it. A refresh takes well under a second, so that "
        f"process is probably stuck; the lock is released when it ends (`fuser {store}.lock` "
        "shows it). Stop it, then run again."
    )
    assert info.value.lock_path == f"{store}.lock"
    assert sb.calls()["token"] == calls  # nothing spent while waiting
    assert json.loads(store.read_text()) == saved
    c.me()  # the lock is free again: the refresh goes through
    assert c.authenticator.token_calls == 1


def test_world_readable_store_is_tightened_with_one_warning(
    fresh_sandbox: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    store = tmp_path / "tokens.json"
    client(sb, store).me()  # a live store with a valid access token
    os.chmod(store, 0o644)
    caplog.set_level(logging.WARNING, logger="exact_online.token_store")
    c = client(sb, store)
    c.me()
    client(sb, store).me()  # another reader: the store is private now, nothing to say
    warnings = [r.getMessage() for r in caplog.records if r.name == "exact_online.token_store"]
    assert warnings == [
        f"token store {store} was readable by others (mode 644): tightened to 600. Anyone who "
        "read it could use your Exact tokens; run exact-auth to start a new chain if that may "
        "have happened."
    ]
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
    assert c.authenticator.token_calls == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs chown")
def test_world_readable_store_of_another_user_is_only_reported(
    sandbox: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = _store(tmp_path, json.dumps({"refresh_token": "r"}), mode=0o640)
    os.chown(store, 4242, -1)
    caplog.set_level(logging.WARNING, logger="exact_online.token_store")
    storage = FileTokenStorage(store)
    assert storage.get() is not None
    assert storage.get() is not None  # warned once, not on every read
    warnings = [r.getMessage() for r in caplog.records if r.name == "exact_online.token_store"]
    assert warnings == [
        f"token store {store} is readable by others (mode 640) and belongs to another user (uid "
        f"4242): ask its owner to run chmod 600 {store}"
    ]
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o640


def test_read_only_store_reads_and_fails_only_when_a_refresh_is_due(
    fresh_sandbox: Any, tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    with tmpfs(tmp_path / "ro") as mnt:
        store = mnt / "tokens.json"
        client(sb, store).me()
        remount(mnt, read_only=True)
        # No refresh due: reading needs neither the lock nor write access.
        c = client(sb, store)
        assert c.me()["CurrentDivision"] == sb.divisions_list[0]
        assert c.authenticator.token_calls == 0
        remount(mnt, read_only=False)
        saved = expire(sb, store)
        remount(mnt, read_only=True)
        calls = sb.calls()["token"]
        due = client(sb, store)
        with pytest.raises(TokenStoreNotWritable) as info:
            due.me()
        assert str(info.value) == (
            f"token store {store} cannot be locked for writing: creating {store}.lock failed "
            "([Errno 30] Read-only file system). Reading needs no write access, but a refresh, "
            "the first seeding and exact-auth do; no refresh token was spent. Make "
            f"{mnt} writable for this user, or move the file to a writable place and point "
            "token_store_path at it."
        )
        assert sb.calls()["token"] == calls
        remount(mnt, read_only=False)
        assert json.loads(store.read_text()) == saved
        again = client(sb, store)
        again.me()  # the refresh token that was not spent still works
        assert again.authenticator.token_calls == 1
