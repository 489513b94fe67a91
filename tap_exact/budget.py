"""Minimum intervals: slow-changing reference streams are read at most every N hours.

A 30-minute schedule spends one call per stream and division even when nothing changed; VAT codes,
GL accounts or warehouses change a few times a year, so reading them every run spends most of a
division's 5,000 daily calls on nothing. Each partition's state keeps when it was last read in
full (``last_read_at``, the run's start, UTC); a partition read less than its interval ago is left
out of the run: no call, no record, its state untouched.

Intervals: ``reference_interval_hours`` (default 24) for the entities in :data:`REFERENCE_STREAMS`,
``stream_interval_hours`` ({stream: hours}) for any stream, overriding; 0 reads every run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

LAST_READ_KEY = "last_read_at"
DEFAULT_REFERENCE_HOURS = 24.0
# A scheduler's jitter must not push a due read to the next slot (a 24 h interval on a 30-minute
# schedule would otherwise read every 24.5 h).
DUE_ALLOWANCE = timedelta(minutes=5)

# Master and configuration tables that change rarely (by registry entity name, so HotGlue-named
# streams of the same entity are covered too). Transactional tables are never in this list.
REFERENCE_STREAMS: frozenset[str] = frozenset({
    "warehouses",
    "gl_accounts",
    "gl_classifications",
    "gl_schemes",
    "gl_account_classification_mappings",
    "gl_transaction_sources",
    "gl_transaction_types",
    "vat_codes",
    "vat_percentages",
    "exchange_rates",
    "currencies",
    "units",
    "item_groups",
    "journals",
    "payment_conditions",
    "costcenters",
    "costunits",
    "shipping_methods",
    "document_types",
    "document_type_categories",
    "document_type_folders",
    "account_classifications",
    "account_classification_names",
    "sales_price_lists",
    "bill_of_material_versions",
    "bill_of_material_materials",
    "bill_of_material_routings",
})


@dataclass(frozen=True)
class IntervalSettings:
    reference_hours: float = DEFAULT_REFERENCE_HOURS
    per_stream: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> IntervalSettings:
        raw = config.get("reference_interval_hours")
        reference = (
            DEFAULT_REFERENCE_HOURS if raw is None else _hours(raw, "reference_interval_hours")
        )
        overrides = config.get("stream_interval_hours") or {}
        if not isinstance(overrides, Mapping):
            raise ValueError("stream_interval_hours must be an object {stream: hours}")
        per_stream = {
            str(name): _hours(value, f"stream_interval_hours.{name}")
            for name, value in overrides.items()
        }
        return cls(reference, per_stream)

    def hours(self, stream: str, entity_stream: str) -> float:
        """The minimum interval of a stream in hours (0: every run)."""
        if stream in self.per_stream:
            return self.per_stream[stream]
        if entity_stream in REFERENCE_STREAMS:
            return self.reference_hours
        return 0.0


def _hours(value: Any, name: str) -> float:
    try:
        hours = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of hours, not {value!r}") from None
    if hours < 0:
        raise ValueError(f"{name} must be 0 or more hours, not {hours}")
    return hours


def last_read(partition_state: Mapping[str, Any]) -> datetime | None:
    value = partition_state.get(LAST_READ_KEY)
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None  # a damaged value: read now, the next read writes a good one


def next_read(partition_state: Mapping[str, Any], hours: float) -> datetime | None:
    """When the partition is due again (None: due now, it was never read or has no interval)."""
    if hours <= 0:
        return None
    read_at = last_read(partition_state)
    if read_at is None:
        return None
    return read_at + timedelta(hours=hours) - DUE_ALLOWANCE


def is_due(partition_state: Mapping[str, Any], hours: float, now: datetime) -> bool:
    due_at = next_read(partition_state, hours)
    return due_at is None or now >= due_at


def mark_read(partition_state: dict[str, Any], hours: float, run_start: datetime) -> None:
    """After a complete read: remember when, for streams with an interval."""
    if hours > 0:
        partition_state[LAST_READ_KEY] = run_start.isoformat(timespec="seconds")
    else:
        partition_state.pop(LAST_READ_KEY, None)
