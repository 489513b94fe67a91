"""What the sandbox derives from the registry: routes, field types per entity, line collections."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from exact_online.registry import Endpoint, Entity, Registry, load_registry

# Division lists are one table read from every division ("the divisions this user can reach").
DIVISION_TABLE = "system/Divisions"
DIVISION_ALIASES = frozenset(
    {
        "system/Divisions",
        "system/AllDivisions",
        "system/GetMostRecentlyUsedDivisions",
        "hrm/Divisions",
    }
)
DELETED = "sync/Deleted"


@dataclass(frozen=True)
class LineCollection:
    field: str  # "PurchaseOrderLines" on the header
    line_entity: str  # "purchaseorder/PurchaseOrderLines"
    link: str  # "PurchaseOrderID" on the line (= the header key)


@dataclass(frozen=True)
class Route:
    entity: Entity
    endpoint: Endpoint


class Catalog:
    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry or load_registry()
        self.routes: dict[str, Route] = {}
        for e in self.registry.entities:
            for ep in e.endpoints.values():
                self.routes.setdefault(ep.path.lower(), Route(e, ep))
        self._fields: dict[str, dict[str, str]] = {}
        self._lines: dict[str, tuple[LineCollection, ...]] = {}
        self._line_parent: dict[str, tuple[str, str]] = {}
        for e in self.registry.entities:
            self._lines[e.qualified_name] = self._find_lines(e)
            for lc in self._lines[e.qualified_name]:
                self._line_parent.setdefault(lc.line_entity, (e.qualified_name, lc.link))

    def route(self, path: str) -> Route | None:
        """``{division}/logistics/Items`` (case-insensitive) -> Route."""
        return self.routes.get(path.lower())

    def entity(self, name: str) -> Entity:
        e = self.registry.find(name)
        if e is None:
            raise KeyError(f"unknown entity {name!r}")
        return e

    def canonical(self, name: str) -> str:
        return self.entity(name).qualified_name

    def field_types(self, entity: str) -> dict[str, str]:
        """Scalar field -> Edm type over all of an entity's endpoints (the row is their union)."""
        got = self._fields.get(entity)
        if got is None:
            e = self.entity(entity)
            got = {}
            for ep in (e.plain, *e.endpoints.values()):
                if ep is None:
                    continue
                for f in ep.scalar_fields:
                    got.setdefault(f.name, f.edm_type)
            self._fields[entity] = got
        return got

    def key_field(self, entity: str) -> str | None:
        e = self.entity(entity)
        keys = e.write_key or e.key
        return keys[0] if len(keys) == 1 else None

    def lines(self, entity: str) -> tuple[LineCollection, ...]:
        return self._lines.get(entity, ())

    def line_parent(self, line_entity: str) -> tuple[str, str] | None:
        """(header entity, link field) for a line entity."""
        return self._line_parent.get(line_entity)

    def _find_lines(self, e: Entity) -> tuple[LineCollection, ...]:
        ep = e.plain
        if ep is None:
            return ()
        found = []
        for f in ep.fields:
            if not f.is_navigation:
                continue
            le = self.registry.find(f"{e.service}/{f.edm_type}")
            if le is None or le.plain is None or le.qualified_name == e.qualified_name:
                continue
            line_fields = le.plain.field_map
            singular = e.name[:-1] if e.name.endswith("s") else e.name
            # Lines point at their header by its key, "<Header>ID", or a generic name (InvoiceID on
            # purchase invoice lines, EntryID on entries).
            for link in (*(e.write_key[:1]), f"{singular}ID", "InvoiceID", "EntryID"):
                if link in line_fields and link not in le.key:
                    found.append(LineCollection(f.name, le.qualified_name, link))
                    break
        return tuple(found)


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return Catalog()
