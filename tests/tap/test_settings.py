"""Config as the SDK hands it over (schema defaults filled in), resolved with no network."""

from __future__ import annotations

from tap_exact.settings import TapSettings
from tap_exact.tap import TapExact

CREDENTIALS = {"client_id": "app", "client_secret": "not-a-real-secret"}


def settings_of(config: dict) -> TapSettings:
    tap = TapExact(config=config, parse_env_config=False, validate_config=True)
    return TapSettings.from_config(tap.config)


def test_hotglue_auth_url_decides_the_host_when_base_url_is_unset() -> None:
    # A schema default for base_url would be filled in by the SDK and hide auth_url's country.
    config = dict(CREDENTIALS, auth_url="https://start.exactonline.be/api/oauth2/token")
    assert settings_of(config).base_url == "https://start.exactonline.be"


def test_base_url_wins_over_auth_url_and_defaults_to_the_dutch_host() -> None:
    config = dict(
        CREDENTIALS,
        base_url="https://start.exactonline.de/",
        auth_url="https://start.exactonline.be/api/oauth2/token",
    )
    assert settings_of(config).base_url == "https://start.exactonline.de"
    assert settings_of(dict(CREDENTIALS)).base_url == "https://start.exactonline.nl"
    assert settings_of(dict(CREDENTIALS)).request_timeout == 300.0
