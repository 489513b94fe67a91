"""Config as the SDK hands it over (schema defaults filled in), resolved with no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from tap_exact.settings import TapSettings
from tap_exact.tap import TapExact

CREDENTIALS = {"client_id": "app", "client_secret": "not-a-real-secret"}


def settings_of(config: dict) -> TapSettings:
    tap = TapExact(config=config, parse_env_config=False, validate_config=True)
    return TapSettings.from_config(tap.config)


def test_hotglue_auth_url_decides_the_host_when_base_url_is_unset() -> None:
    # A schema default for base_url would be filled in by the SDK and hide auth_url's country.
    config = dict(CREDENTIALS, auth_url="https://start.exactonline.be/api/oauth2/token")
    assert settings_of(config).connection.base_url == "https://start.exactonline.be"


def test_base_url_wins_over_auth_url_and_defaults_to_the_dutch_host() -> None:
    config = dict(
        CREDENTIALS,
        base_url="https://start.exactonline.de/",
        auth_url="https://start.exactonline.be/api/oauth2/token",
    )
    assert settings_of(config).connection.base_url == "https://start.exactonline.de"
    assert settings_of(dict(CREDENTIALS)).connection.base_url == "https://start.exactonline.nl"
    assert settings_of(dict(CREDENTIALS)).connection.request_timeout == 300.0


def test_hotglue_current_division_as_a_string_validates_and_is_coerced() -> None:
    # hotgluexyz/tap-exact declares current_division a string: "3001001" must validate.
    assert settings_of(dict(CREDENTIALS, current_division="3001001")).divisions == (3001001,)
    assert settings_of(dict(CREDENTIALS, current_division=3001001)).divisions == (3001001,)
    with pytest.raises(ValueError, match="current_division must be a division number"):
        settings_of(dict(CREDENTIALS, current_division="30O1001"))


def test_one_token_storage_object_for_client_and_streams(tmp_path: Path) -> None:
    store = tmp_path / "custom.json"
    tap = TapExact(
        config=dict(CREDENTIALS, token_store_path=str(store), ca_file=str(tmp_path / "ca.pem")),
        parse_env_config=False, validate_config=True,
    )
    runtime = tap.runtime
    client = runtime.client
    assert client.token_storage is client.authenticator.storage is runtime.authenticator.storage
    assert client.token_storage.path == store  # type: ignore[attr-defined]
    stream = tap.streams["vat_codes"]
    assert stream.requests_session is client.session
    assert stream.backoff_max_tries() == client.retry_policy.max_tries == 6
    assert client.session.get_adapter("https://x")._verify == str(tmp_path / "ca.pem")
    assert not store.exists()  # building the client reads and writes nothing without tokens
