"""What a resource operation asks Exact and how it reads the answer, without doing any I/O.

Each operation of :mod:`exact_online.resources` is a pure plan (a :class:`Call`: endpoint, query,
key, body) plus a pure reading of the decoded rows (:func:`sync_result`, :func:`last_modified`,
:func:`parse_count`). The sync resources run the plans with ``ExactClient``; an async client runs
the same plans with its own I/O.

Which endpoint a read uses: ``list``/``count``/``get`` the plain endpoint; ``iter`` the ``/bulk/``
endpoint when there is one (1000 rows a page instead of 60) unless ``orderby``/``expand`` ask for
the plain one; ``sync`` the ``/sync/`` endpoint. A plain endpoint with Exact's mandatory filtering
gets ``Division eq N`` added where that is needed and accepted, else the read goes to ``/bulk/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import msgspec

from exact_online.errors import ExactError
from exact_online.mandatory_filter import is_accepted, scope_for
from exact_online.odata import Query, and_, compare, literal
from exact_online.records import Case, exact_names, to_wire, unknown_field
from exact_online.registry import Endpoint, Entity

FilterSpec = str | Mapping[str, Any] | None
OPERATORS = ("eq", "ne", "gt", "ge", "lt", "le")
QUERYABLE: tuple[str, ...] = ("plain", "bulk", "function", "current")
ALL_OPERATIONS = frozenset(
    {"list", "iter", "count", "get", "create", "update", "delete", "sync", "sync_timestamp",
     "sync_by_modified"}
)


class SyncResult(NamedTuple):
    """One page of a ``/sync/`` endpoint: unpacks as ``records, next_timestamp, has_more``."""

    records: list[Any]
    next_timestamp: int
    has_more: bool


class ModifiedResult(NamedTuple):
    """Every row with ``Modified`` at or after ``since``; ``last_modified`` is where to go on."""

    records: list[Any]
    last_modified: datetime | None


@dataclass(frozen=True)
class Call:
    """One request of an operation: ``GET path?query``, ``GET path(key)``, ``POST path`` …"""

    method: str
    endpoint: Endpoint
    division: int
    query: Query | None = None
    key: Any = None
    body: dict[str, Any] | None = None
    count: bool = False

    @property
    def path(self) -> str:
        return f"{self.endpoint.path}/$count" if self.count else self.endpoint.path

    @property
    def params(self) -> dict[str, str] | None:
        return self.query.params() if self.query else None

    @property
    def select(self) -> list[str] | None:
        return self.query.select if self.query else None


# ---- which operations an entity has -------------------------------------------------------------


def _gets(ep: Endpoint | None) -> bool:
    return ep is not None and "GET" in ep.methods


def query_endpoint(entity: Entity) -> Endpoint | None:
    """The endpoint ``list``/``count`` read (plain, else bulk, else the function)."""
    for kind in QUERYABLE:
        ep = entity.endpoints.get(kind)
        if _gets(ep):
            return ep
    return None


def modified_endpoint(entity: Entity) -> Endpoint | None:
    """Bulk or plain endpoint with a ``Modified`` date (for ``sync_by_modified``)."""
    for kind in ("bulk", "plain"):
        ep = entity.endpoints.get(kind)
        fl = ep.field_map.get("Modified") if ep is not None and _gets(ep) else None
        if ep is not None and fl is not None and fl.edm_type == "Edm.DateTime":
            return ep
    return None


def operations(entity: Entity) -> frozenset[str]:
    """The operation names ``entity`` supports in Exact (the others are absent)."""
    ops: set[str] = set()
    query_ep = query_endpoint(entity)
    plain = entity.plain
    if query_ep is not None:
        ops |= {"list", "iter"}
        if query_ep.kind in ("plain", "bulk"):
            ops.add("count")
    if _gets(plain) and plain is not None and plain.odata_key:
        ops.add("get")
    for method, name in (("POST", "create"), ("PUT", "update"), ("DELETE", "delete")):
        if plain is not None and method in plain.methods:
            ops.add(name)
    if _gets(entity.sync):
        ops.add("sync")
    if entity.sync_timestamp_endpoint:
        ops.add("sync_timestamp")
    if modified_endpoint(entity) is not None:
        ops.add("sync_by_modified")
    return frozenset(ops)


def missing_operation(entity: Entity, name: str) -> str:
    """Why ``name`` is not an operation of ``entity`` (the AttributeError's message)."""
    kinds = ", ".join(f"{k} {'/'.join(ep.methods)}" for k, ep in entity.endpoints.items())
    return (
        f"{entity.stream} has no {name}(): Exact's {entity.qualified_name} offers {kinds}; "
        f"its operations are {', '.join(sorted(operations(entity)))}"
    )


# ---- building queries ---------------------------------------------------------------------------


def _exact_name(entity: Entity, endpoint: Endpoint, name: str, case: Case) -> str:
    exact = exact_names(endpoint, case).get(name)
    if exact is None:
        raise unknown_field(entity, endpoint, name, case)
    return exact


def build_filter(
    spec: FilterSpec, entity: Entity, endpoint: Endpoint, case: Case
) -> tuple[str | None, set[str] | None]:
    """A ``$filter`` text and the fields it names (None when not known: a text filter).

    A mapping is the small builder: ``{"OrderStatus": 10, "Modified": ("ge", since)}`` becomes
    ``(OrderStatus eq 10) and (Modified ge datetime'…')``, every literal escaped for its Edm type.
    """
    if spec is None or isinstance(spec, str):
        return spec or None, None
    parts: list[str] = []
    fields: set[str] = set()
    for name, value in spec.items():
        exact = _exact_name(entity, endpoint, name, case)
        op, operand = ("eq", value)
        if isinstance(value, tuple) and len(value) == 2 and value[0] in OPERATORS:
            op, operand = value
        parts.append(compare(exact, op, operand, endpoint.field_map[exact].edm_type))
        fields.add(exact)
    return (and_(*parts) if parts else None), fields


def select_list(
    select: Sequence[str] | None, entity: Entity, endpoint: Endpoint, case: Case
) -> list[str]:
    """``$select`` in Exact's names: the given fields, or every scalar field of the endpoint."""
    if select is None:
        return [fl.name for fl in endpoint.scalar_fields]
    return [_exact_name(entity, endpoint, name, case) for name in select]


def read_call(
    entity: Entity,
    division: int,
    *,
    filter: FilterSpec = None,
    select: Sequence[str] | None = None,
    top: int | None = None,
    orderby: Sequence[str] | None = None,
    expand: Sequence[str] | None = None,
    params: Mapping[str, Any] | None = None,
    case: Case = "pascal",
    prefer_bulk: bool = False,
    count: bool = False,
) -> Call:
    """The GET of ``list`` (``prefer_bulk``: ``iter``; ``count``: ``…/$count``)."""
    endpoint = query_endpoint(entity)
    if endpoint is None:
        raise ExactError(f"{entity.stream} cannot be queried")
    plain_only = bool(orderby or expand)
    if prefer_bulk and entity.bulk is not None and not plain_only:
        endpoint = entity.bulk
    text, fields = build_filter(filter, entity, endpoint, case)
    if endpoint.kind == "plain":
        scoped = scope_for(entity, endpoint, division, text, fields)
        if not is_accepted(entity, endpoint, scoped) and entity.bulk is not None and not plain_only:
            endpoint = entity.bulk  # no mandatory filtering there, and the same rows
        else:
            text = scoped
    query = Query(filter=text, top=top)
    if endpoint.kind in ("plain", "bulk") and not count:
        query.select = select_list(select, entity, endpoint, case)
        query.orderby = [_orderby(o, entity, endpoint, case) for o in orderby or ()]
        query.expand = [_exact_name(entity, endpoint, e, case) for e in expand or ()]
    if params:
        query.extra = {k: literal(v) for k, v in params.items()}
    return Call("GET", endpoint, division, query=query, count=count)


def _orderby(item: str, entity: Entity, endpoint: Endpoint, case: Case) -> str:
    name, _, direction = item.strip().partition(" ")
    return f"{_exact_name(entity, endpoint, name, case)} {direction}".strip()


def get_call(entity: Entity, division: int, key: Any, *, select: Sequence[str] | None,
             case: Case) -> Call:
    plain = entity.plain
    assert plain is not None
    return Call("GET", plain, division, key=key,
                query=Query(select=select_list(select, entity, plain, case)))


def write_call(method: str, entity: Entity, division: int, *, key: Any = None,
               body: dict[str, Any] | None = None) -> Call:
    plain = entity.plain
    assert plain is not None
    return Call(method, plain, division, key=key, body=body)


def create_call(entity: Entity, division: int, record: Mapping[str, Any] | msgspec.Struct, *,
                case: Case) -> Call:
    """POST of ``record`` (a mapping or Struct in ``case``); unknown names fail here."""
    plain = entity.plain
    assert plain is not None
    return write_call("POST", entity, division, body=to_wire(record, entity, plain, case=case))


def update_call(entity: Entity, division: int, key: Any,
                changes: Mapping[str, Any] | msgspec.Struct, *, case: Case) -> Call:
    """PUT of the changed fields (a mapping or Struct in ``case``)."""
    plain = entity.plain
    assert plain is not None
    return write_call("PUT", entity, division, key=key,
                      body=to_wire(changes, entity, plain, case=case))


def sync_timestamp_name(entity: Entity) -> str:
    """The ``endPoint`` parameter of ``read/sync/Sync/SyncTimestamp`` for this entity."""
    name = entity.sync_timestamp_endpoint
    assert name is not None
    return name


def sync_call(entity: Entity, division: int, timestamp: int, *,
              select: Sequence[str] | None = None, case: Case = "pascal") -> Call:
    """``Timestamp gt n`` on the ``/sync/`` endpoint (Exact's first call is ``gt 1``)."""
    endpoint = entity.sync
    assert endpoint is not None
    start = max(int(timestamp), 1)
    query = Query(
        select=select_list(select, entity, endpoint, case),
        filter=compare("Timestamp", "gt", start, "Edm.Int64"),
    )
    return Call("GET", endpoint, division, query=query)


def modified_call(entity: Entity, division: int, since: datetime | None, *,
                  select: Sequence[str] | None = None, case: Case = "pascal") -> Call:
    """``Modified ge since`` (``ge``, full precision: rows at the bookmark come again)."""
    endpoint = modified_endpoint(entity)
    assert endpoint is not None
    text = compare("Modified", "ge", since, "Edm.DateTime") if since is not None else None
    if endpoint.kind == "plain":
        text = scope_for(entity, endpoint, division, text, {"Modified"} if text else set())
    query = Query(select=select_list(select, entity, endpoint, case), filter=text)
    return Call("GET", endpoint, division, query=query)


# ---- reading answers ----------------------------------------------------------------------------


def sync_result(rows: list[dict[str, Any]], timestamp: int, has_more: bool,
                records: list[Any]) -> SyncResult:
    """``records`` (``rows`` converted) with the highest Timestamp seen: the next call's start."""
    high = max(int(timestamp), 0)
    for row in rows:
        ts = row.get("Timestamp")
        if isinstance(ts, int) and ts > high:
            high = ts
    return SyncResult(records, high, has_more)


def modified_result(rows: list[dict[str, Any]], since: datetime | None,
                    records: list[Any]) -> ModifiedResult:
    """``records`` (``rows`` converted) with the highest ``Modified``: where to go on from."""
    return ModifiedResult(records, last_modified(rows, since))


def last_modified(rows: list[dict[str, Any]], since: datetime | None) -> datetime | None:
    high = since
    for row in rows:
        modified = row.get("Modified")
        if isinstance(modified, datetime) and (high is None or modified > high):
            high = modified
    return high


def check_count(response: Any) -> int:
    """``check_body`` of a ``$count`` request: a garbled answer is retried like any other."""
    return parse_count(response.content)


def parse_count(body: bytes) -> int:
    """``…/$count`` answers a bare integer (as text)."""
    text = body.decode("utf-8", "replace").strip().strip('"')
    if not text.isdigit():
        raise ExactError(f"$count answered {text[:80]!r}, not a number")
    return int(text)
