"""Where generated rows go: a batching sink that checks every field against the registry, and
the few facts about the store the generator must respect (what it fills, what it owns).

Values are Python values per Edm type (the store's contract): str, int, float, bool, None,
aware UTC datetimes, GUIDs as lowercase str.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import Protocol

from exact_online.registry import Entity, load_registry

# Filled by the store (Timestamp, Division) or never stored as a column (navigation properties).
STORE_FILLED = frozenset({"Timestamp", "Division"})

# Entities the store writes itself (create_division) or that record deletions, never demo data.
STORE_OWNED = frozenset(
    {
        "system/Divisions",
        "system/AllDivisions",
        "system/GetMostRecentlyUsedDivisions",
        "hrm/Divisions",
        "sync/Deleted",
    }
)


class StoreLike(Protocol):
    """The part of ``exact_sandbox.store.Store`` the generator uses."""

    def insert_many(self, division: int, entity: str, records: Iterable[dict]) -> int: ...

    def count(self, division: int, entity: str) -> int: ...


def entity_fields(entity: Entity) -> dict[str, str]:
    """Scalar field name -> Edm type over all endpoints of an entity (the plain endpoint's type
    first, as the store has it)."""
    return dict(_entity_fields(entity.qualified_name))


@cache
def _entity_fields(qualified_name: str) -> tuple[tuple[str, str], ...]:
    entity = load_registry().find(qualified_name)
    if entity is None:
        raise KeyError(qualified_name)
    merged: dict[str, str] = {}
    for ep in (entity.plain, *entity.endpoints.values()):
        if ep is None:
            continue
        for f in ep.scalar_fields:
            merged.setdefault(f.name, f.edm_type)
    return tuple(merged.items())


@cache
def _field_names(qualified_name: str) -> frozenset[str]:
    return frozenset(name for name, _ in _entity_fields(qualified_name))


class Sink:
    """Buffers rows per entity and writes them with ``insert_many`` in big batches.

    Every distinct set of field names is checked once against the registry, so a typo in the
    generator fails loudly (naming entity and field) instead of writing a column Exact lacks.
    """

    def __init__(self, store: StoreLike, division: int, batch_size: int = 5000) -> None:
        self.store = store
        self.division = division
        self.batch_size = batch_size
        self.counts: Counter[str] = Counter()
        self._buffers: dict[str, list[dict]] = {}
        self._checked: set[tuple[str, frozenset[str]]] = set()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, entity: str, record: dict) -> dict:
        """Queue a row; None values are left out (an absent field reads as null anyway)."""
        shape = (entity, frozenset(record))
        if shape not in self._checked:
            unknown = shape[1] - _field_names(entity)
            if unknown:
                raise ValueError(f"{entity}: the registry has no field(s) {sorted(unknown)}")
            self._checked.add(shape)
        buf = self._buffers.setdefault(entity, [])
        buf.append({k: v for k, v in record.items() if v is not None})
        self.counts[entity] += 1
        if len(buf) >= self.batch_size:
            self._flush_one(entity)
        return record

    def flush(self) -> None:
        for entity in list(self._buffers):
            self._flush_one(entity)

    def _flush_one(self, entity: str) -> None:
        rows = self._buffers.pop(entity, [])
        if rows:
            self.store.insert_many(self.division, entity, rows)
