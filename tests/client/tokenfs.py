"""Helpers for the token-store tests: real tiny or read-only filesystems (tmpfs, needs root), a
client on the sandbox, and a token store whose access token is due for a refresh."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from exact_online.client import ExactClient
from exact_online.token_store import FileTokenStorage


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30, check=False)


@contextmanager
def tmpfs(path: Path, size: str = "16k") -> Iterator[Path]:
    """A real tmpfs of ``size`` at ``path`` (skips the test when this machine cannot mount)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    path.mkdir(parents=True, exist_ok=True)
    done = _mount("-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30, check=False)


def remount(path: Path, *, read_only: bool) -> None:
    done = _mount("-o", f"remount,{'ro' if read_only else 'rw'}", str(path))
    assert done.returncode == 0, done.stderr


def fill(directory: Path) -> Path:
    """Write a filler file until the filesystem is full (ENOSPC); returns it."""
    filler = directory / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(100_000):  # bounded: the filesystems here are a few KB
            try:
                os.write(fd, b"\0" * 512)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                break
        else:
            raise AssertionError(f"{directory} never filled up")
    finally:
        os.close(fd)
    assert os.statvfs(directory).f_bavail == 0
    return filler


def client(sb: Any, store: Path | FileTokenStorage, **config: Any) -> ExactClient:
    storage = store if isinstance(store, FileTokenStorage) else FileTokenStorage(store)
    return ExactClient.from_config({**sb.config, **config}, token_storage=storage)


def expire(sb: Any, store: Path) -> dict[str, Any]:
    """Make the stored access token due for a refresh (and the sandbox willing to refresh: its
    clock moves 10 minutes on, past Exact's 570 s too-early window). Returns the store's JSON."""
    data = json.loads(store.read_text())
    data["expires_at"] = (datetime.now(timezone.utc) - timedelta(seconds=5)).isoformat()
    store.write_text(json.dumps(data, indent=2))
    os.chmod(store, 0o600)
    offset = getattr(sb, "_token_tests_clock", 0.0) + 600
    sb._token_tests_clock = offset
    sb.set_clock(offset)
    return data


def chain_store(sb: Any, store: Path) -> dict[str, Any]:
    """A store holding a live chain (one refresh from the sandbox's seed token), due for the next
    refresh. Returns its JSON."""
    first = client(sb, store)
    first.me()
    assert first.authenticator.token_calls == 1
    return expire(sb, store)


@dataclass
class TapRun:
    returncode: int
    stdout: str
    stderr: str


def tap_catalog(path: Path, stream: str = "currencies") -> Path:
    from tap_exact.tap import TapExact

    tap = TapExact(config={"client_id": "x", "client_secret": "y"}, validate_config=False)
    cat = tap.catalog_dict
    cat["streams"] = [s for s in cat["streams"] if s["tap_stream_id"] == stream]
    for meta in cat["streams"][0]["metadata"]:
        if meta["breadcrumb"] == []:
            meta["metadata"]["selected"] = True
    path.write_text(json.dumps(cat))
    return path


def run_tap(sb: Any, workdir: Path, store: Path, **env: str) -> TapRun:
    """tap-exact as users run it (a subprocess), reading one small stream."""
    config = workdir / "tap-config.json"
    config.write_text(json.dumps({**sb.config, "token_store_path": str(store)}))
    catalog = workdir / "catalog.json"
    if not catalog.exists():
        tap_catalog(catalog)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_"))}
    p = subprocess.run(
        [sys.executable, "-m", "tap_exact", "--config", str(config), "--catalog", str(catalog)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=workdir,
        env={**base, **env},
        check=False,
    )
    return TapRun(p.returncode, p.stdout, p.stderr)
