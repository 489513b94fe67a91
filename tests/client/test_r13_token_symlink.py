"""R13: a token store path that is a symlink stays a link; the lock and the write are on the real
file, so every process, whichever name it uses, shares one lock and one chain.

Before: the write replaced the link with a regular file (the real file kept the spent token) and
the lock was on the link's path. Real tap-exact and the real exact-sandbox.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from exact_online.token_store import FileTokenStorage

from .tokenfs import chain_store, client, expire, run_tap

pytestmark = pytest.mark.reliability


def test_r13_tap_refreshes_through_a_symlinked_store(
    fresh_sandbox: Callable[..., Any], tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    real_dir, link_dir = tmp_path / "secrets", tmp_path / "app"
    real_dir.mkdir()
    link_dir.mkdir()
    real = real_dir / "exact-tokens.json"
    saved = chain_store(sb, real)
    link = link_dir / "tokens.json"
    link.symlink_to(real)
    os.chmod(real, 0o644)  # copied in with loose permissions
    calls = sb.calls()["token"]

    out = run_tap(sb, tmp_path, link)
    assert out.returncode == 0, out.stderr[-2000:]
    assert (
        f"token store {link} (-> {real}) was readable by others (mode 644): tightened to 600."
    ) in out.stderr
    assert sb.calls()["token"] == calls + 1
    assert link.is_symlink() and os.readlink(link) == str(real)
    rotated = json.loads(real.read_text())
    assert rotated["refresh_token"] != saved["refresh_token"]
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o600
    assert sorted(p.name for p in link_dir.iterdir()) == ["tokens.json"]  # no lock, no temp
    assert sorted(p.name for p in real_dir.iterdir()) == [
        "exact-tokens.json",
        "exact-tokens.json.lock",
    ]

    # A client using the real path continues the same chain.
    expire(sb, real)
    other = client(sb, real)
    other.me()
    assert other.authenticator.token_calls == 1
    assert link.is_symlink()
    assert json.loads(link.read_text())["refresh_token"] == other.authenticator.refresh_token


def test_r13_link_and_real_path_share_one_lock(tmp_path: Path) -> None:
    real = tmp_path / "real" / "tokens.json"
    real.parent.mkdir()
    link = tmp_path / "link.json"
    link.symlink_to(real)
    via_link, via_real = FileTokenStorage(link), FileTokenStorage(real)
    assert via_link.lock_path == via_real.lock_path == Path(f"{real}.lock")
    assert via_link.recovery_paths == via_real.recovery_paths
    assert via_link.shown == f"{link} (-> {real})"


def test_r13_dangling_link_is_seeded_through(
    fresh_sandbox: Callable[..., Any], tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, divisions=1)
    real = tmp_path / "vault" / "tokens.json"  # neither the file nor its directory exist yet
    link = tmp_path / "tokens.json"
    link.symlink_to(real)
    c = client(sb, link)
    assert c.me()["CurrentDivision"] == sb.divisions_list[0]
    assert link.is_symlink()
    assert json.loads(real.read_text())["refresh_token"] == c.authenticator.refresh_token
    assert stat.S_IMODE(os.stat(real.parent).st_mode) == 0o700
