"""An empty custom store seeded from the config's refresh token warns, naming both paths, when the
default store of the same client id holds a newer chain (against the real exact-sandbox)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from exact_online.client import ExactClient
from exact_online.errors import OldRefreshTokenUsed
from exact_online.token_sibling import warn_if_newer_chain_elsewhere
from exact_online.token_store import MemoryTokenStorage, default_token_store_path


def test_empty_custom_store_warns_before_spending_a_chain_the_default_store_moved_on(
    fresh_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    sb = fresh_sandbox(no_rate_limits=True)
    config = {k: v for k, v in sb.config.items() if k != "token_store_path"}
    default = default_token_store_path(config["client_id"])
    assert not warn_if_newer_chain_elsewhere(
        MemoryTokenStorage(), config["client_id"], config["refresh_token"]
    )  # no default store yet: nothing to warn about

    first = ExactClient.from_config(config)  # the default store: spends the config's token
    first.me()
    assert default.exists() and first.authenticator.token_calls == 1

    custom = tmp_path / "custom-tokens.json"
    caplog.set_level(logging.WARNING)
    second = ExactClient.from_config(config, token_store_path=str(custom))
    with pytest.raises(OldRefreshTokenUsed):
        second.me()
    warnings = [r.getMessage() for r in caplog.records if "newer token chain" in r.getMessage()]
    assert len(warnings) == 1
    assert str(custom) in warnings[0] and str(default) in warnings[0]
    assert config["refresh_token"] not in warnings[0]
    assert second.authenticator.token_calls == 1  # warned, then Exact refused the spent token
