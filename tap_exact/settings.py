"""The tap's settings: the ``--about`` schema, and the config (with HotGlue aliases) resolved once.

Nothing here reads files or the network; ``TapSettings.from_config`` only interprets the mapping the
SDK loaded. The user's config file is never written back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from singer_sdk import typing as th

from exact_online.client import base_url_from_config
from exact_online.settings import connection_properties, relax_types
from tap_exact.divisions import UNREACHABLE_POLICIES

DEFAULT_LOOKBACK_MINUTES = 10
DEFAULT_REQUEST_TIMEOUT = 300.0
DEFAULT_USER_AGENT = "tap-exact"

CONFIG_SCHEMA = relax_types(th.PropertiesList(
    *connection_properties(
        required=True,
        defaults={
            "response_format": "json",
            "daily_call_reserve": 0,
            "request_timeout": DEFAULT_REQUEST_TIMEOUT,
            "user_agent": DEFAULT_USER_AGENT,
        },
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
        "lookback_minutes", th.IntegerType, default=DEFAULT_LOOKBACK_MINUTES,
        description="Modified-bookmark streams: the saved bookmark never passes run start minus "
        "this many minutes, so rows committed late are read again next run.",
    ),
    th.Property(
        "stock_warehouse_ids", th.ArrayType(th.StringType),
        description="Only these warehouse GUIDs in stock_positions and item_warehouses "
        "(seed 001 `stock_warehouse_ids`; a comma-separated string is accepted too).",
    ),
    th.Property(
        "unreachable_divisions", th.StringType, default="fail",
        allowed_values=list(UNREACHABLE_POLICIES),
        description="A division answering 403 (the user lost access) is skipped and the others "
        "are read. fail: exit code 77 at the end; warn: exit code 0 (the log still names it).",
    ),
    th.Property(
        "current_division", th.IntegerType,
        description="HotGlue alias: one division to read (used when `divisions` is empty).",
    ),
    th.Property(
        "redirect_uri", th.StringType,
        description="HotGlue alias: accepted and ignored by the tap (used by exact-auth).",
    ),
).to_dict())

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
    unreachable_divisions: str = "fail"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TapSettings:
        divisions = tuple(int(d) for d in config.get("divisions") or ())
        if not divisions and config.get("current_division"):
            divisions = (int(config["current_division"]),)
        unreachable = str(config.get("unreachable_divisions") or "fail").lower()
        if unreachable not in UNREACHABLE_POLICIES:
            raise ValueError(f"unreachable_divisions must be fail or warn, not {unreachable!r}")
        fmt = str(config.get("response_format") or "json").lower()
        if fmt not in ("json", "xml"):
            raise ValueError(f"response_format must be json or xml, not {fmt!r}")
        return cls(
            base_url=base_url_from_config(config),
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
            unreachable_divisions=unreachable,
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
