"""Exact's entities, from the reference vendored in ``data/registry.json``.

One ``Entity`` is one Exact table; it has up to three read endpoints (plain, ``/bulk/``,
``/sync/``), or one function endpoint (``read/...``).
Regenerate the data with ``scripts/vendor_registry.py``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import Literal

EndpointKind = Literal["plain", "bulk", "sync", "function", "current"]
READ_PREFERENCE: tuple[EndpointKind, ...] = ("sync", "bulk", "plain", "function", "current")
_SNAKE_OVERRIDES = {"EmploymentCLAs": "employment_clas"}


def snake_case(name: str) -> str:
    """Exact's PascalCase as snake_case: ``PurchaseOrders`` -> ``purchase_orders``,
    ``GLAccount`` -> ``gl_account``. Entity names give stream (and client resource) names."""
    if name in _SNAKE_OVERRIDES:
        return _SNAKE_OVERRIDES[name]
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")


@dataclass(frozen=True)
class Field:
    name: str
    edm_type: str
    mandatory_on_post: bool
    filterable: bool

    @property
    def is_navigation(self) -> bool:
        """A line collection or other complex property (``PurchaseOrderLines``), not a scalar."""
        return not self.edm_type.startswith("Edm.")


@dataclass(frozen=True)
class Endpoint:
    kind: EndpointKind
    path: str  # below /api/v1/, with "{division}": "{division}/sync/Logistics/Items"
    methods: tuple[str, ...]
    odata_key: tuple[str, ...]  # what $skiptoken pages on (Timestamp on sync)
    key_guessed: bool
    webhook_topic: bool
    # ``[name, edm_type, flags]`` rows as the JSON has them: :attr:`fields` is built from them at
    # first use, so loading the registry does not make ~11,500 ``Field`` objects a run of a few
    # streams never looks at. Compared (fields follow from them), not hashed (a list).
    field_rows: list[list[str]] = field(repr=False, hash=False)

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        return tuple(Field(n, t, "m" in fl, "f" in fl) for n, t, fl in self.field_rows)

    @cached_property
    def field_map(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @cached_property
    def scalar_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.is_navigation)

    @property
    def needs_division(self) -> bool:
        return "{division}" in self.path

    def url_path(self, division: int | None) -> str:
        """Path below ``/api/v1/`` for a division."""
        if self.needs_division:
            if division is None:
                raise ValueError(f"{self.path} needs a division")
            return self.path.replace("{division}", str(int(division)))
        return self.path

    @property
    def is_beta(self) -> bool:
        return self.path.startswith("beta/")

    @property
    def relative_path(self) -> str:
        """The path after the division: ``sync/Logistics/Items``, ``logistics/Items``."""
        return self.path.split("{division}/", 1)[-1]


@dataclass(frozen=True)
class Entity:
    service: str
    name: str
    stream: str
    key: tuple[str, ...]
    line_grained: bool  # its sync rows are lines (one per order line), keyed by the line ID
    deleted_entity_types: tuple[int, ...]
    sync_timestamp_endpoint: str | None  # endPoint value for read/sync/Sync/SyncTimestamp
    endpoints: dict[str, Endpoint] = field(hash=False, compare=False)

    @property
    def qualified_name(self) -> str:
        """``logistics/Items``: the service and name as they appear in the plain URL."""
        return f"{self.service}/{self.name}"

    @property
    def plain(self) -> Endpoint | None:
        return self.endpoints.get("plain")

    @property
    def bulk(self) -> Endpoint | None:
        return self.endpoints.get("bulk")

    @property
    def sync(self) -> Endpoint | None:
        return self.endpoints.get("sync")

    @property
    def is_readable(self) -> bool:
        return any("GET" in ep.methods for ep in self.endpoints.values())

    def read_endpoint(self) -> Endpoint:
        """The endpoint a full mirror should read: sync, else bulk, else plain (or function)."""
        for kind in READ_PREFERENCE:
            ep = self.endpoints.get(kind)
            if ep is not None and "GET" in ep.methods:
                return ep
        raise LookupError(f"{self.qualified_name} has no GET endpoint")

    @property
    def write_endpoint(self) -> Endpoint | None:
        """The plain endpoint when it accepts POST, PUT or DELETE."""
        ep = self.plain
        if ep is not None and set(ep.methods) & {"POST", "PUT", "DELETE"}:
            return ep
        fn = self.endpoints.get("function")
        if fn is not None and "POST" in fn.methods:
            return fn
        return None

    @property
    def write_key(self) -> tuple[str, ...]:
        """The key the plain endpoint addresses single records by (``PurchaseOrderID``)."""
        ep = self.plain
        if ep is not None and ep.odata_key:
            return ep.odata_key
        return self.key

    def mandatory_on_post(self) -> tuple[str, ...]:
        ep = self.write_endpoint
        return tuple(f.name for f in ep.fields if f.mandatory_on_post) if ep else ()


class Registry:
    def __init__(self, raw: dict) -> None:
        self.source: str = raw.get("source", "")
        self.deleted_entity_types: dict[int, str] = {
            int(k): v for k, v in raw["deleted_entity_types"].items()
        }
        self.no_sync_timestamp: frozenset[str] = frozenset(raw["no_sync_timestamp"])
        self.entities: tuple[Entity, ...] = tuple(_entity(e) for e in raw["entities"])
        self._by_stream = {e.stream: e for e in self.entities}
        self._by_name: dict[str, Entity] = {}
        for e in self.entities:
            self._by_name.setdefault(e.qualified_name.lower(), e)
            for ep in e.endpoints.values():
                self._by_name.setdefault(ep.relative_path.lower(), e)
        self._by_code: dict[int, Entity] = {}
        for e in self.entities:
            for code in e.deleted_entity_types:
                self._by_code[code] = e

    @property
    def endpoints(self) -> list[Endpoint]:
        return [ep for e in self.entities for ep in e.endpoints.values()]

    def by_stream(self, stream: str) -> Entity:
        return self._by_stream[stream]

    def find(self, name: str) -> Entity | None:
        """Look up by stream name, ``service/Name`` or an endpoint path (case-insensitive)."""
        return self._by_stream.get(name) or self._by_name.get(name.strip("/").lower())

    def by_deleted_code(self, code: int) -> Entity | None:
        return self._by_code.get(code)

    def readable(self) -> list[Entity]:
        return [e for e in self.entities if e.is_readable]

    def writable(self) -> list[Entity]:
        return [e for e in self.entities if e.write_endpoint is not None]


def _entity(raw: dict) -> Entity:
    eps = {
        kind: Endpoint(
            kind=kind,
            path=ep["path"],
            methods=tuple(ep["methods"]),
            odata_key=tuple(ep["odata_key"]),
            key_guessed=ep["key_guessed"],
            webhook_topic=ep["webhook_topic"],
            field_rows=ep["fields"],
        )
        for kind, ep in raw["endpoints"].items()
    }
    return Entity(
        service=raw["service"],
        name=raw["name"],
        stream=raw["stream"],
        key=tuple(raw["key"]),
        line_grained=raw["line_grained"],
        deleted_entity_types=tuple(raw["deleted_entity_types"]),
        sync_timestamp_endpoint=raw["sync_timestamp_endpoint"],
        endpoints=eps,
    )


@lru_cache(maxsize=1)
def load_registry() -> Registry:
    """The vendored registry (parsed once per process)."""
    text = resources.files("exact_online").joinpath("data/registry.json").read_text("utf-8")
    return Registry(json.loads(text))
