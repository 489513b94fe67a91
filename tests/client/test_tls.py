"""A configured ca_file is used even when the environment names another CA bundle
(psf/requests#3829)."""

from __future__ import annotations

from collections.abc import Callable

import certifi
import pytest

from exact_online.client import ExactClient
from exact_sandbox.testing import SandboxServer


def test_ca_file_wins_over_requests_ca_bundle(
    fresh_sandbox: Callable[..., SandboxServer], monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    sb = fresh_sandbox(tls=True, no_rate_limits=True)
    assert sb.base_url.startswith("https://127.0.0.1:")
    assert sb.config["ca_file"]
    # A bundle that does not contain the sandbox's self-signed CA: without the fix, requests would
    # use it instead of ca_file and the handshake would fail.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())
    config = dict(sb.config, token_store_path=str(tmp_path / "tokens.json"))
    client = ExactClient.from_config(config)
    assert client.me()["CurrentDivision"] == sb.config["divisions"][0]
    division = sb.config["divisions"][0]
    page = client.get_page("inventory/Warehouses", division=division, params={"$top": "1"})
    assert len(page.records) == 1
