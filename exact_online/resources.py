"""``client.purchase_orders``, ``client.items``, …: one resource per registry entity, named as the
tap's streams, with the operations Exact has for it and no others.

A resource class is assembled per entity on first use from the operation mixins below (cached; never
360 classes at import). An operation the entity lacks is absent: ``client.items.sync_timestamp``
raises ``AttributeError`` saying which endpoints Exact has. The mixins only run plans from
:mod:`exact_online.operations` through the client's public methods and convert the rows with
:mod:`exact_online.records`; :mod:`exact_online.async_resources` runs the same plans, awaited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import cache, cached_property
from typing import Any, ClassVar, Protocol

import msgspec

from exact_online import operations as ops
from exact_online.records import (
    RECORD_KINDS,
    Case,
    RecordKind,
    check_case,
    record_type,
    to_records,
)
from exact_online.registry import Endpoint, Entity, load_registry


class ResourceClient(Protocol):
    """What resources use of ``ExactClient``: its public calls (typed loosely here so this module
    does not import the client, which builds the resources)."""

    @property
    def request(self) -> Callable[..., Any]: ...
    @property
    def get_page(self) -> Callable[..., Any]: ...
    @property
    def iter_pages(self) -> Callable[..., Iterator[Any]]: ...
    @property
    def iter_records(self) -> Callable[..., Iterator[dict[str, Any]]]: ...
    @property
    def get_one(self) -> Callable[..., dict[str, Any] | None]: ...
    @property
    def post(self) -> Callable[..., dict[str, Any]]: ...
    @property
    def put(self) -> Callable[..., None]: ...
    @property
    def delete(self) -> Callable[..., None]: ...
    @property
    def sync_timestamp(self) -> Callable[..., int]: ...

__all__ = [
    "ModifiedResult", "Resource", "ResourceAccess", "ResourceBase", "Resources", "SyncResult",
    "assemble", "resource_class",
]

SyncResult = ops.SyncResult
ModifiedResult = ops.ModifiedResult
Record = Any  # a Struct of exact_online.records, or a dict with records="dict"


class ResourceBase:
    """One entity's resource without I/O: its operations' names, record types and conversion
    (shared by these sync resources and :mod:`exact_online.async_resources`)."""

    entity: ClassVar[Entity]
    operations: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, client: Any, *, case: Case = "pascal",
                 records: RecordKind = "struct") -> None:
        self.client = client
        self.case = check_case(case)
        if records not in RECORD_KINDS:
            raise ValueError(f"records must be one of {RECORD_KINDS}, not {records!r}")
        self.records: RecordKind = records

    def __repr__(self) -> str:
        return f"<{self.entity.stream}: {self.entity.qualified_name} {sorted(self.operations)}>"

    def __getattr__(self, name: str) -> Any:
        if name in ops.ALL_OPERATIONS:
            raise AttributeError(ops.missing_operation(self.entity, name))
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def record_type(self, kind: str | None = None) -> type[msgspec.Struct]:
        """The Struct of this entity's records (``kind``: plain, bulk, sync; default the first)."""
        ep = self.entity.endpoints[kind] if kind else next(iter(self.entity.endpoints.values()))
        return record_type(self.entity, ep, self.case)

    def _convert(self, rows: list[dict[str, Any]], endpoint: Endpoint) -> list[Record]:
        return to_records(rows, self.entity, endpoint, case=self.case, kind=self.records)


class Resource(ResourceBase):
    """A sync resource: the mixins below add the entity's operations."""

    client: ResourceClient

    # ---- I/O shared by the mixins (the part the async twin replaces) ----------------------------

    def _page(self, call: ops.Call) -> tuple[list[dict[str, Any]], bool]:
        page = self.client.get_page(call.path, division=call.division, params=call.params,
                                    endpoint=call.endpoint)
        return page.records, bool(page.next_url)

    def _rows(self, call: ops.Call) -> Iterator[dict[str, Any]]:
        return self.client.iter_records(call.path, division=call.division, query=call.query,
                                        endpoint=call.endpoint)


class _Query(Resource):
    def list(self, division: int, *, filter: ops.FilterSpec = None,
             select: Sequence[str] | None = None, top: int | None = None,
             orderby: Sequence[str] | None = None, expand: Sequence[str] | None = None,
             params: Mapping[str, Any] | None = None) -> list[Record]:
        """One page (60 rows on plain endpoints; ``top`` fewer). ``filter``: a ``$filter`` text
        or a mapping ``{"Field": value, "Other": ("ge", value)}`` (literals escaped)."""
        call = ops.read_call(self.entity, division, filter=filter, select=select, top=top,
                             orderby=orderby, expand=expand, params=params, case=self.case)
        rows, _ = self._page(call)
        return self._convert(rows, call.endpoint)

    def iter(self, division: int, *, filter: ops.FilterSpec = None,
             select: Sequence[str] | None = None, orderby: Sequence[str] | None = None,
             expand: Sequence[str] | None = None,
             params: Mapping[str, Any] | None = None) -> Iterator[Record]:
        """Every matching row, page by page (``/bulk/`` when the entity has it)."""
        call = ops.read_call(self.entity, division, filter=filter, select=select,
                             orderby=orderby, expand=expand, params=params, case=self.case,
                             prefer_bulk=True)
        for page in self.client.iter_pages(call.path, division=division, query=call.query,
                                           endpoint=call.endpoint):
            yield from self._convert(page.records, call.endpoint)


class _Count(Resource):
    def count(self, division: int, *, filter: ops.FilterSpec = None) -> int:
        """``GET …/Entity/$count`` (one call): the number of matching rows."""
        call = ops.read_call(self.entity, division, filter=filter, case=self.case, count=True)
        resp = self.client.request("GET", call.path, division=division, params=call.params,
                                   check_body=ops.check_count)
        return ops.parse_count(resp.content)


class _Get(Resource):
    def get(self, division: int, key: Any, *,
            select: Sequence[str] | None = None) -> Record | None:
        """The record with this key (the plain endpoint's: ``PurchaseOrderID``), or None."""
        call = ops.get_call(self.entity, division, key, select=select, case=self.case)
        row = self.client.get_one(call.endpoint, key, division=division, select=call.select)
        return None if row is None else self._convert([row], call.endpoint)[0]


class _Create(Resource):
    def create(self, division: int, record: Mapping[str, Any] | msgspec.Struct) -> Record:
        """POST; returns the created record. Unknown field names fail before the request."""
        call = ops.create_call(self.entity, division, record, case=self.case)
        created = self.client.post(call.path, call.body or {}, division=division)
        return self._convert([created], call.endpoint)[0]


class _Update(Resource):
    def update(self, division: int, key: Any,
               changes: Mapping[str, Any] | msgspec.Struct) -> None:
        """PUT the changed fields (Exact answers 204: nothing is returned)."""
        call = ops.update_call(self.entity, division, key, changes, case=self.case)
        self.client.put(call.path, key, call.body or {}, division=division)


class _Delete(Resource):
    def delete(self, division: int, key: Any) -> None:
        call = ops.write_call("DELETE", self.entity, division, key=key)
        self.client.delete(call.path, key, division=division)


class _Sync(Resource):
    def sync(self, division: int, timestamp: int = 0, *,
             select: Sequence[str] | None = None) -> SyncResult:
        """One page of changes after ``timestamp``: ``(records, next_timestamp, has_more)``."""
        call = ops.sync_call(self.entity, division, timestamp, select=select, case=self.case)
        rows, more = self._page(call)
        return ops.sync_result(rows, timestamp, more, self._convert(rows, call.endpoint))


class _SyncTimestamp(Resource):
    def sync_timestamp(self, division: int, since: datetime) -> int:
        """The Timestamp from which :meth:`sync` reads the changes since ``since``."""
        return self.client.sync_timestamp(division, ops.sync_timestamp_name(self.entity), since)


class _SyncByModified(Resource):
    def sync_by_modified(self, division: int, since: datetime | None, *,
                         select: Sequence[str] | None = None) -> ModifiedResult:
        """Every row with ``Modified >= since`` (all pages) and the highest ``Modified``."""
        call = ops.modified_call(self.entity, division, since, select=select, case=self.case)
        rows = list(self._rows(call))
        return ops.modified_result(rows, since, self._convert(rows, call.endpoint))


_MIXINS: tuple[tuple[str, type[Resource]], ...] = (
    ("list", _Query),
    ("count", _Count),
    ("get", _Get),
    ("update", _Update),
    ("create", _Create),
    ("delete", _Delete),
    ("sync", _Sync),
    ("sync_timestamp", _SyncTimestamp),
    ("sync_by_modified", _SyncByModified),
)


def assemble(entity: Entity, mixins: Sequence[tuple[str, type[ResourceBase]]],
             base: type[ResourceBase], module: str, prefix: str = "") -> type[ResourceBase]:
    """A class of ``base`` with the mixins of the operations ``entity`` supports."""
    supported = ops.operations(entity)
    bases = [mixin for op, mixin in mixins if op in supported]
    name = prefix + "".join(part.capitalize() for part in entity.stream.split("_")) + "Resource"
    attrs = {"__module__": module, "__doc__": f"{entity.qualified_name}: "
             f"{', '.join(sorted(supported))}", "entity": entity, "operations": supported}
    return type(name, tuple(bases) or (base,), attrs)


@cache
def resource_class(entity: Entity) -> type[ResourceBase]:
    """The resource class of one entity: the mixins of the operations it supports."""
    return assemble(entity, _MIXINS, Resource, __name__)


class Resources:
    """Every entity's resource by stream name, built on first use (``client.purchase_orders``)."""

    def __init__(self, client: Any, *, case: Case = "pascal",
                 records: RecordKind = "struct") -> None:
        self._client = client
        self._case = check_case(case)
        self._records = records
        self._built: dict[str, ResourceBase] = {}

    def _class_of(self, entity: Entity) -> type[ResourceBase]:
        return resource_class(entity)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)

    def get(self, stream: str) -> Any:
        """The resource of a stream name (``purchase_orders``) or Exact path."""
        built = self._built.get(stream)
        if built is not None:
            return built
        registry = load_registry()
        entity = registry.find(stream)
        if entity is None:
            import difflib  # an error path only: not imported at start-up

            close = difflib.get_close_matches(stream, [e.stream for e in registry.entities], n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise AttributeError(f"no Exact entity named {stream!r}{hint}")
        built = self._class_of(entity)(self._client, case=self._case, records=self._records)
        self._built[stream] = built
        return built

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *(e.stream for e in load_registry().entities)})


class ResourceAccess:
    """``client.items``, ``client.resources``, ``client.resource_view(...)`` for a client class;
    ``resources_type`` says which resources (sync or async) it builds."""

    resources_type: ClassVar[type[Resources]] = Resources

    @cached_property
    def resources(self) -> Resources:
        """Every entity's resource by stream name; records as PascalCase Structs."""
        return self.resources_type(self)

    def resource_view(self, *, case: Case = "pascal", records: RecordKind = "struct") -> Resources:
        """The resources with records in ``case`` (``"snake"``), as Structs or ``"dict"``."""
        return self.resources_type(self, case=case, records=records)

    def __getattr__(self, name: str) -> Any:
        # Only called for names not found otherwise: the entity resources, built on first use.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.resources, name)
