"""The tap's settings: the ``--about`` schema, and the tap-specific keys resolved once.

The connection (host, credentials, token store, timeouts, retries, ...) is resolved by
``exact_online.settings.ConnectionSettings``, the same for the tap, the target and exact-auth;
``TapSettings.connection`` holds it. Nothing here reads files or the network; the user's config file
is never written back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from singer_sdk import typing as th

from exact_online.settings import (
    ConnectionSettings,
    connection_properties,
    division_number,
    relax_types,
)
from tap_exact.divisions import UNREACHABLE_POLICIES

DEFAULT_LOOKBACK_MINUTES = 10

CONFIG_SCHEMA = relax_types(th.PropertiesList(
    *connection_properties(required=True),
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
        description="HotGlue alias: one division to read (used when `divisions` is empty); a "
        "number or a numeric string.",
    ),
    th.Property(
        "redirect_uri", th.StringType,
        description="HotGlue alias: accepted and ignored by the tap (used by exact-auth).",
    ),
).to_dict())

CONFIG_SCHEMA["properties"]["stock_warehouse_ids"]["type"] = ["array", "string", "null"]


@dataclass(frozen=True)
class TapSettings:
    connection: ConnectionSettings
    divisions: tuple[int, ...]
    start_date: datetime | None
    lookback_minutes: int
    stock_warehouse_ids: frozenset[str]
    unreachable_divisions: str = "fail"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TapSettings:
        divisions = tuple(
            d for d in (division_number(v, "divisions") for v in config.get("divisions") or ())
            if d is not None
        )
        if not divisions:
            current = division_number(config.get("current_division"), "current_division")
            divisions = (current,) if current is not None else ()
        unreachable = str(config.get("unreachable_divisions") or "fail").lower()
        if unreachable not in UNREACHABLE_POLICIES:
            raise ValueError(f"unreachable_divisions must be fail or warn, not {unreachable!r}")
        return cls(
            connection=ConnectionSettings.from_config(config),
            divisions=divisions,
            start_date=parse_start_date(config.get("start_date")),
            lookback_minutes=int(
                config["lookback_minutes"]
                if config.get("lookback_minutes") is not None
                else DEFAULT_LOOKBACK_MINUTES
            ),
            stock_warehouse_ids=_warehouse_ids(config.get("stock_warehouse_ids")),
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
