"""HotGlue configs carry a live access_token (+ expires_in, + refresh_token): an EMPTY token store
is seeded with them, so the first run makes no token call; a non-empty store wins."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import expected_count, run_tap


@pytest.mark.parametrize("absolute", [True, False], ids=["epoch", "relative"])
def test_access_token_seeds_empty_store(
    fresh_sandbox: Any, tmp_path: Path, absolute: bool
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    pair = sb.token_pair()
    # HotGlue writes expires_in as an epoch; Exact's own answer has seconds ("600").
    expires_in: Any = int(time.time()) + 600 if absolute else pair["expires_in"]
    store = tmp_path / "tokens.json"
    sb.reset_calls()
    run = run_tap(
        sb, tmp_path, ["items"], token_store_path=str(store),
        access_token=pair["access_token"], expires_in=expires_in,
        refresh_token=pair["refresh_token"],
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(run.records["items"]) == expected_count(sb.stats(), "items")
    assert sb.calls()["token"] == 0
    saved = json.loads(store.read_text())
    assert saved["access_token"] == pair["access_token"]
    assert saved["refresh_token"] == pair["refresh_token"]
    assert pair["access_token"] not in run.stderr and pair["refresh_token"] not in run.stderr


def test_store_newer_than_config_wins(fresh_sandbox: Any, tmp_path: Path) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    store = Path(sb.config["token_store_path"])
    first = run_tap(sb, tmp_path, ["vat_codes"])  # fills the store through a refresh
    assert first.returncode == 0, first.stderr[-3000:]
    before = json.loads(store.read_text())
    # An older pair in the config (it expires before the store's): the store wins, and the
    # config file, which takes rotations (it holds a refresh_token), is brought up to date.
    run = run_tap(
        sb, tmp_path, ["vat_codes"], access_token="not-a-token",
        expires_in=int(time.time()) + 60,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(store.read_text())["access_token"] == before["access_token"]
    written = json.loads(sorted(tmp_path.glob("tap-config-*.json"))[-1].read_text())
    assert written["access_token"] == before["access_token"]
    assert written["refresh_token"] == before["refresh_token"]


def test_config_newer_than_store_wins(fresh_sandbox: Any, tmp_path: Path) -> None:
    """HotGlue's platform refreshed (or re-authorised) meanwhile: its newer pair is used."""
    sb = fresh_sandbox(no_rate_limits=True)
    store = Path(sb.config["token_store_path"])
    first = run_tap(sb, tmp_path, ["vat_codes"])
    assert first.returncode == 0, first.stderr[-3000:]
    pair = sb.token_pair()
    sb.reset_calls()
    # +601: a whole-second epoch later than the store's expiry (issued before now, + 600 s)
    run = run_tap(
        sb, tmp_path, ["vat_codes"], access_token=pair["access_token"],
        refresh_token=pair["refresh_token"], expires_in=int(time.time()) + 601,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert sb.calls()["token"] == 0
    assert json.loads(store.read_text())["refresh_token"] == pair["refresh_token"]
