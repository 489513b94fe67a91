"""The tap's settings: the ``--about`` schema, and the tap-specific keys resolved once.

The connection (host, credentials, token store, timeouts, retries, ...) is resolved by
``exact_online.settings.ConnectionSettings``, the same for the tap, the target and exact-auth;
``TapSettings.connection`` holds it. Nothing here reads files or the network; the user's config file
is never written back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from singer_sdk import typing as th

from exact_online.languages import language_codes
from exact_online.settings import (
    ConnectionSettings,
    connection_properties,
    division_number,
    relax_types,
)
from tap_exact.assets.settings import AssetSettings, asset_properties
from tap_exact.budget import DEFAULT_REFERENCE_HOURS, IntervalSettings
from tap_exact.divisions import UNREACHABLE_POLICIES
from tap_exact.hotglue.flags import HotglueFlags, hotglue_properties
from tap_exact.parallel import DEFAULT_MAX_PARALLEL_DIVISIONS

DEFAULT_LOOKBACK_MINUTES = 10
# The streams of exact_online.keyed_functions.KEY_PARAMETERS (tests/tap guards the list).
KEYED_FUNCTION_STREAMS = ("item_extra_field", "account_documents_count",
                          "opportunity_documents_count")


# ---- output format and HotGlue compatibility (one block: stream_naming, datetime_output) -------

STREAM_NAMING = ("native", "hotglue")
DATETIME_OUTPUT = ("amsterdam", "utc")


def output_properties() -> list[th.Property]:
    return [
        th.Property(
            "stream_naming", th.StringType, default="native", allowed_values=list(STREAM_NAMING),
            description="native: one stream per Exact entity (the registry's names). hotglue: "
            "hotgluexyz/tap-exact's 43 stream names, keys and flag-driven filters, and its "
            "state file's bookmarks are taken over on the first run (docs/hotglue.md).",
        ),
        th.Property(
            "datetime_output", th.StringType, default="amsterdam",
            allowed_values=list(DATETIME_OUTPUT),
            description="Exact datetimes in records: amsterdam = RFC 3339 with Amsterdam's "
            "offset of that moment (2026-10-20T00:00:00+02:00, the calendar day Exact shows); "
            "utc = the same instant in UTC. Bookmarks are stored in UTC either way.",
        ),
    ]


@dataclass(frozen=True)
class OutputSettings:
    stream_naming: str = "native"
    datetime_output: str = "amsterdam"
    hotglue: HotglueFlags = field(default_factory=HotglueFlags)

    @property
    def local_datetimes(self) -> bool:
        return self.datetime_output == "amsterdam"

    @property
    def hotglue_names(self) -> bool:
        return self.stream_naming == "hotglue"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OutputSettings:
        naming = str(config.get("stream_naming") or "native").lower()
        if naming not in STREAM_NAMING:
            raise ValueError(f"stream_naming must be native or hotglue, not {naming!r}")
        output = str(config.get("datetime_output") or "amsterdam").lower()
        if output not in DATETIME_OUTPUT:
            raise ValueError(f"datetime_output must be amsterdam or utc, not {output!r}")
        return cls(naming, output, HotglueFlags.from_config(config))


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
        "(the inventory-planning flag `stock_warehouse_ids`; a comma-separated string is "
        "accepted too).",
    ),
    th.Property(
        "description_languages", th.ArrayType(th.StringType),
        description="Exact language codes (EN, DE, FR-BE, ...): item, item group, G/L account "
        "and G/L classification descriptions in each, as <stream>_translations streams read "
        "with the CustomDescriptionLanguage header (docs/languages.md). Empty: no such streams.",
    ),
    th.Property(
        "keyed_functions", th.ArrayType(th.StringType),
        description="Function streams that answer for one key, run once per key of their parent "
        "when selected: item_extra_field (per item), account_documents_count (per account), "
        "opportunity_documents_count (per opportunity). One call per key; the log says the cost "
        "first, and a division without that many calls left today is skipped (docs/languages.md).",
    ),
    th.Property(
        "unreachable_divisions", th.StringType, default="fail",
        allowed_values=list(UNREACHABLE_POLICIES),
        description="A division answering 403 (the user lost access) is skipped and the others "
        "are read. fail: exit code 77 at the end; warn: exit code 0 (the log still names it).",
    ),
    th.Property(
        "opt_in_streams", th.ArrayType(th.StringType),
        description="Function endpoints (read/...), current/Me and the per-user system/* tables "
        "run only when named here (\"*\": all), whatever the catalog selects: with Meltano's "
        "default select (*.*) they would cost a call each per division for little data "
        "(docs/meltano.md, Choosing streams).",
    ),
    th.Property(
        "max_parallel_divisions", th.IntegerType, default=DEFAULT_MAX_PARALLEL_DIVISIONS,
        description="How many divisions are read at the same time (each division's calls stay "
        "sequential, its own minute and day budget). 1: one division after another.",
    ),
    th.Property(
        "reference_interval_hours", th.NumberType, default=DEFAULT_REFERENCE_HOURS,
        description="Slow-changing reference streams (VAT codes, GL accounts, warehouses, "
        "units, exchange rates, ...; docs/budget.md lists them) are read at most every this many "
        "hours per division; the last read is kept in state. 0: every run.",
    ),
    th.Property(
        "stream_interval_hours", th.ObjectType(additional_properties=th.NumberType),
        description="Per-stream minimum interval in hours, overriding reference_interval_hours "
        "(any stream; 0: every run), e.g. {\"assembly_orders\": 6, \"vat_codes\": 0}.",
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
    *output_properties(),
    *asset_properties(),
    *hotglue_properties(),
).to_dict())

CONFIG_SCHEMA["properties"]["stock_warehouse_ids"]["type"] = ["array", "string", "null"]
CONFIG_SCHEMA["properties"]["description_languages"]["type"] = ["array", "string", "null"]
CONFIG_SCHEMA["properties"]["keyed_functions"]["type"] = ["array", "string", "null"]
# HotGlue's config_jsonschema declares current_division a string ("3001001"): take both.
CONFIG_SCHEMA["properties"]["current_division"]["type"] = ["integer", "string", "null"]


@dataclass(frozen=True)
class TapSettings:
    connection: ConnectionSettings
    divisions: tuple[int, ...]
    start_date: datetime | None
    lookback_minutes: int
    stock_warehouse_ids: frozenset[str]
    unreachable_divisions: str = "fail"
    opt_in_streams: frozenset[str] = frozenset()
    output: OutputSettings = field(default_factory=OutputSettings)
    assets: AssetSettings = field(default_factory=AssetSettings)
    max_parallel_divisions: int = DEFAULT_MAX_PARALLEL_DIVISIONS
    intervals: IntervalSettings = field(default_factory=IntervalSettings)
    description_languages: tuple[str, ...] = ()
    keyed_functions: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TapSettings:
        divisions = tuple(
            d for d in (division_number(v, "divisions") for v in config.get("divisions") or ())
            if d is not None
        )
        if not divisions:
            current = division_number(config.get("current_division"), "current_division")
            divisions = (current,) if current is not None else ()
        parallel = config.get("max_parallel_divisions")
        parallel = DEFAULT_MAX_PARALLEL_DIVISIONS if parallel in (None, "") else int(parallel)
        if parallel < 1:
            raise ValueError(f"max_parallel_divisions must be 1 or more, not {parallel}")
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
            opt_in_streams=frozenset(str(v).strip() for v in config.get("opt_in_streams") or ()),
            output=OutputSettings.from_config(config),
            assets=AssetSettings.from_config(config),
            max_parallel_divisions=parallel,
            intervals=IntervalSettings.from_config(config),
            description_languages=description_languages(config),
            keyed_functions=keyed_functions(config),
        )


def description_languages(config: Mapping[str, Any]) -> tuple[str, ...]:
    """``description_languages`` as Exact's codes (a comma-separated string is accepted too)."""
    try:
        return language_codes(config.get("description_languages"))
    except ValueError as exc:
        raise ValueError(f"description_languages: {exc}") from None


def keyed_functions(config: Mapping[str, Any]) -> frozenset[str]:
    """``keyed_functions``: stream names (a comma-separated string is accepted too)."""
    value = config.get("keyed_functions")
    if not value:
        return frozenset()
    items = value.split(",") if isinstance(value, str) else value
    names = frozenset(str(v).strip() for v in items if str(v).strip())
    unknown = sorted(names - set(KEYED_FUNCTION_STREAMS))
    if unknown:
        raise ValueError(
            f"keyed_functions: {unknown} are not keyed function streams "
            f"(known: {sorted(KEYED_FUNCTION_STREAMS)})"
        )
    return names


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
