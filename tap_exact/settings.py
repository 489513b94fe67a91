"""The tap's settings: the ``--about`` schema, and the config (with HotGlue aliases) resolved once.

Nothing here reads files or the network; ``TapSettings.from_config`` only interprets the mapping the
SDK loaded. The user's config file is never written back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from singer_sdk import typing as th

DEFAULT_BASE_URL = "https://start.exactonline.nl"
DEFAULT_LOOKBACK_MINUTES = 10
DEFAULT_REQUEST_TIMEOUT = 300.0
DEFAULT_USER_AGENT = "tap-exact"

CONFIG_SCHEMA = th.PropertiesList(
    th.Property(
        "base_url", th.StringType, default=DEFAULT_BASE_URL,
        description="Exact host of the company's country, e.g. https://start.exactonline.nl "
        "or https://start.exactonline.be (no /api/v1).",
    ),
    th.Property(
        "client_id", th.StringType, required=True, description="OAuth client id of the Exact app."
    ),
    th.Property(
        "client_secret", th.StringType, secret=True, required=True,
        description="OAuth client secret of the Exact app.",
    ),
    th.Property(
        "refresh_token", th.StringType, secret=True,
        description="Seeds an EMPTY token store only (e.g. from `exact-auth`). Exact rotates the "
        "refresh token on every refresh; the current one lives in token_store_path.",
    ),
    th.Property(
        "token_store_path", th.StringType,
        description="Token file (JSON, mode 0600, locked across processes). Default "
        "~/.config/exact-online/tokens-<client_id>.json.",
    ),
    th.Property(
        "divisions", th.ArrayType(th.IntegerType),
        description="Divisions (company numbers) to read. Empty: every division the user can "
        "reach (current/Me + system/Divisions), found at sync time.",
    ),
    th.Property(
        "start_date", th.DateTimeType,
        description="Earliest modification date to read on the first run. Sync endpoints map it "
        "to a Timestamp via read/sync/Sync/SyncTimestamp where Exact supports it.",
    ),
    th.Property(
        "response_format", th.StringType, default="json", allowed_values=["json", "xml"],
        description="json (Accept: application/json, default) or xml (Atom feeds).",
    ),
    th.Property(
        "daily_call_reserve", th.IntegerType, default=0,
        description="Daily API calls per division left for other apps: the tap stops (state "
        "saved, exit code 75) before spending them.",
    ),
    th.Property(
        "lookback_minutes", th.IntegerType, default=DEFAULT_LOOKBACK_MINUTES,
        description="Modified-bookmark streams: the saved bookmark never passes run start minus "
        "this many minutes, so rows committed late are read again next run.",
    ),
    th.Property(
        "ca_file", th.StringType,
        description="CA bundle to verify the server with (sandbox TLS, proxies).",
    ),
    th.Property(
        "request_timeout", th.NumberType, default=DEFAULT_REQUEST_TIMEOUT,
        description="Seconds to wait for one HTTP answer.",
    ),
    th.Property(
        "user_agent", th.StringType, default=DEFAULT_USER_AGENT,
        description="User-Agent header sent to Exact.",
    ),
    th.Property(
        "stock_warehouse_ids", th.ArrayType(th.StringType),
        description="Only these warehouse GUIDs in stock_positions and item_warehouses "
        "(seed 001 `stock_warehouse_ids`; a comma-separated string is accepted too).",
    ),
    # HotGlue tap-exact keys, accepted so its users can switch executables.
    th.Property(
        "current_division", th.IntegerType,
        description="HotGlue alias: one division to read (used when `divisions` is empty).",
    ),
    th.Property(
        "auth_url", th.StringType,
        description="HotGlue alias: token URL; its host is used when base_url is not set.",
    ),
    th.Property(
        "access_token", th.StringType, secret=True,
        description="HotGlue alias: with expires_in and refresh_token, seeds an EMPTY token "
        "store so the first call needs no refresh; afterwards the token store wins.",
    ),
    th.Property(
        "expires_in", th.StringType,
        description="HotGlue alias: expiry of access_token, epoch seconds (HotGlue) or seconds "
        "from now (Exact's token answer).",
    ),
    th.Property(
        "redirect_uri", th.StringType,
        description="HotGlue alias: accepted and ignored by the tap (used by exact-auth).",
    ),
).to_dict()

# HotGlue configs put expires_in as a number; accept either.
CONFIG_SCHEMA["properties"]["expires_in"]["type"] = ["string", "integer", "number", "null"]
CONFIG_SCHEMA["properties"]["stock_warehouse_ids"]["type"] = ["array", "string", "null"]


@dataclass(frozen=True)
class TapSettings:
    base_url: str
    client_id: str
    client_secret: str
    refresh_token: str | None
    token_store_path: str | None
    divisions: tuple[int, ...]
    start_date: datetime | None
    response_format: str
    daily_call_reserve: int
    lookback_minutes: int
    ca_file: str | None
    request_timeout: float
    user_agent: str
    stock_warehouse_ids: frozenset[str]
    access_token: str | None = None
    expires_in: float | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TapSettings:
        base_url = config.get("base_url") or ""
        if not base_url and config.get("auth_url"):
            parts = urlsplit(str(config["auth_url"]))
            base_url = f"{parts.scheme}://{parts.netloc}"
        divisions = tuple(int(d) for d in config.get("divisions") or ())
        if not divisions and config.get("current_division"):
            divisions = (int(config["current_division"]),)
        fmt = str(config.get("response_format") or "json").lower()
        if fmt not in ("json", "xml"):
            raise ValueError(f"response_format must be json or xml, not {fmt!r}")
        return cls(
            base_url=(base_url or DEFAULT_BASE_URL).rstrip("/"),
            client_id=str(config.get("client_id") or ""),
            client_secret=str(config.get("client_secret") or ""),
            refresh_token=config.get("refresh_token") or None,
            token_store_path=config.get("token_store_path") or None,
            divisions=divisions,
            start_date=parse_start_date(config.get("start_date")),
            response_format=fmt,
            daily_call_reserve=int(config.get("daily_call_reserve") or 0),
            lookback_minutes=int(
                config["lookback_minutes"]
                if config.get("lookback_minutes") is not None
                else DEFAULT_LOOKBACK_MINUTES
            ),
            ca_file=config.get("ca_file") or None,
            request_timeout=float(config.get("request_timeout") or DEFAULT_REQUEST_TIMEOUT),
            user_agent=str(config.get("user_agent") or DEFAULT_USER_AGENT),
            stock_warehouse_ids=_warehouse_ids(config.get("stock_warehouse_ids")),
            access_token=config.get("access_token") or None,
            expires_in=_number(config.get("expires_in"), "expires_in"),
        )


def parse_start_date(value: Any) -> datetime | None:
    """``start_date`` as an aware datetime (a date or naive value is taken as UTC)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip().replace("Z", "+00:00")
        dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _warehouse_ids(value: Any) -> frozenset[str]:
    if not value:
        return frozenset()
    items = value.split(",") if isinstance(value, str) else value
    return frozenset(str(v).strip().lower() for v in items if str(v).strip())


def _number(value: Any, key: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number, not {value!r}") from None
