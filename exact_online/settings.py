"""The connection to Exact, resolved once for tap-exact, target-exact and exact-auth.

``connection_properties()`` is the ``--about`` schema of these keys (ONE set of defaults, the same
in both plugins); ``ConnectionSettings.from_config`` turns a config mapping into typed values: the
base URL (HotGlue ``auth_url``/``token_url``/``api_url`` aliases), the ONE token store path, TLS
verification, timeout, User-Agent, the retry schedule, the response format and the daily reserve.
``ExactClient.from_settings`` builds everything else from it. Nothing here touches the network or
the token store.

``base_url`` has no schema default on purpose: the SDK fills schema defaults into the config, which
would hide the country of a HotGlue ``auth_url``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from singer_sdk import typing as th

from exact_online import __version__
from exact_online.config_tokens import (
    WRITE_MODES,
    ConfigTarget,
    cli_config_files,
    pick_config_file,
)
from exact_online.ratelimit import RateLimiter
from exact_online.retry import RetryPolicy
from exact_online.token_store import default_token_store_path

DEFAULT_BASE_URL = "https://start.exactonline.nl"
# A 1000-row page of a wide entity can take Exact well over a minute to produce.
DEFAULT_REQUEST_TIMEOUT = 300.0
DEFAULT_USER_AGENT = f"tap-exact-online/{__version__}"
DEFAULT_MAX_RETRIES = 5
RESPONSE_FORMATS = ("json", "xml")
BASE_URL_ALIASES = ("auth_url", "token_url", "api_url")
NO_CONFIG_TARGET = ConfigTarget()

DEFAULTS: dict[str, Any] = {
    "response_format": "json",
    "daily_call_reserve": 0,
    "request_timeout": DEFAULT_REQUEST_TIMEOUT,
    "user_agent": DEFAULT_USER_AGENT,
    "max_retries": DEFAULT_MAX_RETRIES,
    "write_tokens_to_config": "auto",
}


def connection_properties(*, required: bool = False) -> list[th.Property]:
    """The connection keys of both plugins, with the shared defaults."""

    def prop(name: str, kind: Any, description: str, **kw: Any) -> th.Property:
        # user_agent carries the version: its default stays out of the schema (and the docs).
        if name in DEFAULTS and name != "user_agent":
            kw["default"] = DEFAULTS[name]
        return th.Property(name, kind, description=description, **kw)

    return [
        prop("base_url", th.StringType,
             "Exact host of the company's country, e.g. https://start.exactonline.nl or "
             "https://start.exactonline.be (no /api/v1). Default: the host of auth_url, else "
             "https://start.exactonline.nl."),
        prop("client_id", th.StringType, "OAuth client id of the Exact app.", required=required),
        prop("client_secret", th.StringType, "OAuth client secret of the Exact app.",
             secret=True, required=required),
        prop("refresh_token", th.StringType,
             "Seeds an EMPTY token store (e.g. from `exact-auth`); with access_token and an epoch "
             "expires_in, the newer of config and store wins. Exact rotates the refresh token on "
             "every refresh; the store keeps the chain (and the config file, see "
             "write_tokens_to_config).", secret=True),
        prop("token_store_path", th.StringType,
             "Token file shared by tap-exact, target-exact and exact-auth (JSON, mode 0600, "
             "locked across processes). Default ~/.config/exact-online/tokens-<client_id>.json."),
        prop("write_tokens_to_config", th.StringType,
             "Write every rotated token pair back into the --config file too, as HotGlue does "
             "(access_token, refresh_token, expires_in as epoch seconds; atomic, other keys and "
             "their order kept): auto (default) = when that file holds a refresh_token, always, "
             "or never.", allowed_values=list(WRITE_MODES)),
        prop("response_format", th.StringType,
             "json (Accept: application/json, default) or xml (Atom feeds).",
             allowed_values=list(RESPONSE_FORMATS)),
        prop("daily_call_reserve", th.IntegerType,
             "Daily API calls per division left unused for other apps: the run stops before "
             "spending them."),
        prop("request_timeout", th.NumberType, "Seconds to wait for one HTTP answer."),
        prop("user_agent", th.StringType,
             "User-Agent header sent to Exact. Default: tap-exact-online/<version>."),
        prop("max_retries", th.IntegerType,
             "Retries of one request after 5xx, 408, a timeout, a dropped connection or a "
             "garbled answer (exponential backoff with full jitter, 0.5 s doubling, capped at "
             "30 s). A POST is never retried once it may have reached Exact."),
        prop("ca_file", th.StringType,
             "CA bundle to verify the server with (sandbox --tls, TLS-inspecting proxies)."),
        # HotGlue keys, accepted so its users can switch executables.
        prop("auth_url", th.StringType,
             "HotGlue alias: token URL; its host is used when base_url is not set."),
        prop("access_token", th.StringType,
             "HotGlue key: with expires_in and refresh_token, the pair used when the token store "
             "is empty or older (then the first call needs no refresh).", secret=True),
        prop("expires_in", th.StringType,
             "HotGlue key: expiry of access_token, epoch seconds (HotGlue; what we write back) or "
             "seconds from now (Exact's token answer: age unknown, the store wins)."),
    ]


def relax_types(schema: dict[str, Any]) -> dict[str, Any]:
    """Types HotGlue writes differently from us: ``expires_in`` as a number or a string, and
    ``current_division``/``division`` as a string ("3001001") or an integer."""
    props = schema["properties"]
    props["expires_in"]["type"] = ["string", "integer", "number", "null"]
    for name in ("current_division", "division"):
        if name in props:
            props[name]["type"] = ["integer", "string", "null"]
    return schema


def division_number(value: Any, key: str) -> int | None:
    """A division number from an integer or a numeric string; a clear error otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{key} must be a division number, not {value!r}")
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"{key} must be a division number (digits only), not {value!r}")
    return int(text)


def base_url_from_config(config: Mapping[str, Any]) -> str:
    """``base_url``, else the host of a HotGlue ``auth_url``/``token_url``/``api_url``, else the
    Dutch host."""
    if config.get("base_url"):
        return str(config["base_url"]).rstrip("/")
    for key in BASE_URL_ALIASES:
        if config.get(key):
            parts = urlsplit(str(config[key]))
            if parts.scheme and parts.netloc:
                return f"{parts.scheme}://{parts.netloc}"
    return DEFAULT_BASE_URL


def tls_verify(ca_file: str | None) -> bool | str:
    """``requests``' verify: the configured CA bundle, else the system's."""
    return ca_file or True


def _number(value: Any, key: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{key} must be a number, not {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number, not {value!r}") from None


def _setting(config: Mapping[str, Any], key: str) -> Any:
    value = config.get(key)
    return DEFAULTS[key] if value is None or value == "" else value


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything needed to talk to Exact as one app and one token chain."""

    client_id: str
    client_secret: str
    token_store_path: Path
    base_url: str = DEFAULT_BASE_URL
    refresh_token: str | None = None
    access_token: str | None = None
    expires_in: float | None = None
    ca_file: str | None = None
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    user_agent: str = DEFAULT_USER_AGENT
    max_retries: int = DEFAULT_MAX_RETRIES
    response_format: str = "json"
    daily_call_reserve: int = 0
    # The --config file rotated tokens are written back to (HotGlue), or why there is none.
    token_config: ConfigTarget = NO_CONFIG_TARGET

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], config_files: Sequence[str] | None = None
    ) -> ConnectionSettings:
        """``config_files``: the files ``config`` was read from; default: the ``--config`` values
        of the running tap-exact/target-exact command (none outside a CLI run)."""
        for key in ("client_id", "client_secret"):
            if not config.get(key):
                raise ValueError(f"config is missing {key!r}")
        client_id = str(config["client_id"])
        fmt = str(_setting(config, "response_format")).strip().lower()
        if fmt not in RESPONSE_FORMATS:
            raise ValueError(f"response_format must be json or xml, not {fmt!r}")
        base_url = base_url_from_config(config)
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError(f"base_url must be https:// (http:// for a sandbox): {base_url}")
        store = config.get("token_store_path")
        timeout = _number(_setting(config, "request_timeout"), "request_timeout")
        assert timeout is not None  # DEFAULTS has one
        if timeout <= 0:
            raise ValueError(f"request_timeout must be positive, not {timeout!r}")
        mode = str(_setting(config, "write_tokens_to_config")).strip().lower()
        if mode not in WRITE_MODES:
            raise ValueError(f"write_tokens_to_config must be auto, always or never, not {mode!r}")
        files = cli_config_files() if config_files is None else tuple(config_files)
        return cls(
            client_id=client_id,
            client_secret=str(config["client_secret"]),
            token_store_path=(
                Path(str(store)).expanduser() if store else default_token_store_path(client_id)
            ),
            base_url=base_url,
            refresh_token=config.get("refresh_token") or None,
            access_token=config.get("access_token") or None,
            expires_in=_number(config.get("expires_in"), "expires_in"),
            ca_file=config.get("ca_file") or None,
            request_timeout=timeout,
            user_agent=str(_setting(config, "user_agent")),
            max_retries=max(0, int(_setting(config, "max_retries"))),
            response_format=fmt,
            daily_call_reserve=max(0, int(_setting(config, "daily_call_reserve"))),
            token_config=pick_config_file(files, mode),
        )

    @property
    def verify(self) -> bool | str:
        return tls_verify(self.ca_file)

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/api/oauth2/token"

    def without_seed(self) -> ConnectionSettings:
        """The same connection with no config tokens (exact-auth starts a new chain)."""
        return replace(
            self,
            refresh_token=None,
            access_token=None,
            expires_in=None,
            token_config=NO_CONFIG_TARGET,
        )

    def retry_policy(self, sleep: Callable[[float], None] = time.sleep) -> RetryPolicy:
        return RetryPolicy(max_retries=self.max_retries, sleep=sleep)

    def rate_limiter(self) -> RateLimiter:
        return RateLimiter(daily_reserve=self.daily_call_reserve)
