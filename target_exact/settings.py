"""Target settings: the config keys (with HotGlue aliases) read once into typed values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, cast

from singer_sdk import typing as th

from exact_online.settings import connection_properties, division_number
from target_exact.results import STATE_RESULTS, StateResults

DEFAULT_COMPLETED_STATUS = ("30", "40")
BuyOrdersMode = Literal["hotglue", "planner"]
BUY_ORDERS_MODES: tuple[BuyOrdersMode, ...] = ("hotglue", "planner")

# HotGlue/legacy key -> our key (ConnectionSettings reads the connection's own aliases).
ALIASES = {
    "current_division": "division",
    "warehouse_uuid": "default_warehouse_id",
}

TARGET_PROPERTIES = th.PropertiesList(
    # The same keys and defaults as the tap: exact_online.settings.ConnectionSettings reads them.
    *connection_properties(),
    th.Property(
        "division",
        th.IntegerType,
        description="Division written to (default: the user's current division); a number or a "
        "numeric string",
    ),
    th.Property(
        "current_division",
        th.IntegerType,
        description="HotGlue alias of division (a number or a numeric string)",
    ),
    th.Property(
        "external_reference_field",
        th.StringType,
        description="Field that carries the source id on created documents (default YourRef)",
    ),
    th.Property(
        "dry_run",
        th.BooleanType,
        description="Print the payloads as JSON lines on stdout instead of writing",
    ),
    th.Property(
        "allow_failures",
        th.BooleanType,
        description="Exit 0 even when some records failed (they are still reported in STATE)",
    ),
    th.Property(
        "state_results",
        th.StringType,
        allowed_values=list(STATE_RESULTS),
        description="Where the per-record results go in STATE. hotglue (default): HotGlue's "
        "shape, a list per stream under bookmarks.<stream> plus summary. separate: the "
        "upstream tap's state passes through untouched and the results go under a top-level "
        '"target_exact": {"bookmarks": ..., "summary": ...} (use this under Meltano, which '
        "feeds the target's STATE back to the tap)",
    ),
    th.Property(
        "default_warehouse_id",
        th.StringType,
        description="Warehouse (GUID or code) for buy and shop orders without one",
    ),
    th.Property(
        "warehouse_uuid", th.StringType, description="HotGlue alias of default_warehouse_id"
    ),
    th.Property(
        "buy_orders_mode",
        th.StringType,
        allowed_values=list(BUY_ORDERS_MODES),
        description="How BuyOrders are written. hotglue (default): as hotgluexyz/target-exact "
        "writes them (OrderNumber = id, YourRef = reference, ReceiptDate = created_at, "
        "quantity / (lot_size or 1), UnitPrice from sub_total_price, config warehouse; a record "
        "with remoteId is not written; no line_items: skipped), plus a look-up by OrderNumber "
        "before every POST so a resend never duplicates. planner: found by remoteId or YourRef "
        "= id and updated with line diffs, lot size from Exact's PurchaseUnitFactor when the "
        "line has none, ReceiptDate from the supplier's lead days, lines sorted by item code "
        "(docs/hotglue.md)",
    ),
    th.Property(
        "write_stock_counts",
        th.BooleanType,
        description="Write UpdateInventory records as Exact stock counts (inventory/StockCounts). "
        "Off by default: HotGlue's UpdateInventory writes nothing, and the records are reported "
        "as skipped",
    ),
    th.Property(
        "bo_completed_status",
        th.ArrayType(th.StringType),
        description='Purchase order OrderStatus values that mean completed (default ["30","40"])',
    ),
    th.Property(
        "export_BOLine_price",
        th.BooleanType,
        description="Send buy order line prices (UnitPrice/NetPrice) to Exact",
    ),
    th.Property(
        "map_buyOrders_AmountFC",
        th.BooleanType,
        description="Line prices are in the supplier's currency: send the record's currency",
    ),
    th.Property(
        "export_stock_transfers",
        th.BooleanType,
        description="Write buy orders as warehouse transfers (stock_transfer_from -> _to)",
    ),
    th.Property(
        "stock_transfer_from",
        th.StringType,
        description="Source warehouse (GUID or code) for transfers",
    ),
    th.Property(
        "stock_transfer_to",
        th.StringType,
        description="Destination warehouse (GUID or code) for transfers",
    ),
    th.Property(
        "unit_filter", th.BooleanType, description="Apply unit_factors (default true when set)"
    ),
    th.Property(
        "unit_factors",
        th.ObjectType(additional_properties=th.NumberType),
        description="Planning unit -> Exact item unit factors by item code or unit code: "
        "exact = quantity / factor",
    ),
)


def normalize(config: Mapping[str, Any]) -> dict[str, Any]:
    """Config with HotGlue aliases copied to our names (the original keys are kept)."""
    out = dict(config)
    for alias, name in ALIASES.items():
        if out.get(name) in (None, "") and out.get(alias) not in (None, ""):
            out[name] = out[alias]
    return out


@dataclass(frozen=True)
class Settings:
    division: int | None = None
    external_reference_field: str = "YourRef"
    dry_run: bool = False
    allow_failures: bool = False
    state_results: StateResults = "hotglue"
    buy_orders_mode: BuyOrdersMode = "hotglue"
    write_stock_counts: bool = False
    default_warehouse: str | None = None
    completed_status: frozenset[int] = frozenset(int(s) for s in DEFAULT_COMPLETED_STATUS)
    export_line_price: bool = False
    amount_fc: bool = False
    export_stock_transfers: bool = False
    stock_transfer_from: str | None = None
    stock_transfer_to: str | None = None
    unit_factors: dict[str, Decimal] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        c = normalize(config)
        factors: dict[str, Decimal] = {}
        if c.get("unit_factors") and c.get("unit_filter", True) is not False:
            factors = {str(k): Decimal(str(v)) for k, v in dict(c["unit_factors"]).items()}
        status = c.get("bo_completed_status") or DEFAULT_COMPLETED_STATUS
        if isinstance(status, str):
            status = [s.strip().strip('"') for s in status.split(",")]
        key = "division" if config.get("division") not in (None, "") else "current_division"
        division = division_number(c.get("division"), key)
        state_results = str(c.get("state_results") or "hotglue").strip().lower()
        if state_results not in STATE_RESULTS:
            raise ValueError(
                f"state_results: {c.get('state_results')!r} is not one of "
                f"{', '.join(STATE_RESULTS)}"
            )
        mode = str(c.get("buy_orders_mode") or "hotglue").strip().lower()
        if mode not in BUY_ORDERS_MODES:
            raise ValueError(
                f"buy_orders_mode: {c.get('buy_orders_mode')!r} is not one of "
                f"{', '.join(BUY_ORDERS_MODES)}"
            )
        return cls(
            division=division,
            external_reference_field=c.get("external_reference_field") or "YourRef",
            dry_run=bool(c.get("dry_run", False)),
            allow_failures=bool(c.get("allow_failures", False)),
            state_results=cast(StateResults, state_results),
            buy_orders_mode=cast(BuyOrdersMode, mode),
            write_stock_counts=bool(c.get("write_stock_counts", False)),
            default_warehouse=c.get("default_warehouse_id") or None,
            completed_status=frozenset(int(s) for s in status if str(s).strip()),
            export_line_price=bool(c.get("export_BOLine_price", False)),
            amount_fc=bool(c.get("map_buyOrders_AmountFC", False)),
            export_stock_transfers=bool(c.get("export_stock_transfers", False)),
            stock_transfer_from=c.get("stock_transfer_from") or None,
            stock_transfer_to=c.get("stock_transfer_to") or None,
            unit_factors=factors,
        )
