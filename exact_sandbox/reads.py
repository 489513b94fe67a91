"""GET on a registry endpoint: OData options, Exact's query rules, paging, line-grained sync
rows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from exact_online.registry import Endpoint, Entity

from .catalog import DELETED, DIVISION_ALIASES, Catalog
from .odata_filter import FilterError, to_sql
from .rendering import Nested, RenderedRecord, json_feed_rows, row_plan
from .store import Row, Store

PLAIN_PAGE = 60
BIG_PAGE = 1000


class QueryError(Exception):
    """An answer other than 200 (status + Exact's message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Page:
    records: list[RenderedRecord]
    next_url: str | None = None
    count: int | None = None
    json_body: bytes | None = None  # the JSON answer, when rendered straight from the store


@dataclass
class Selection:
    fields: list[tuple[str, str]]  # scalar (name, edm)
    deferred: list[str] = field(default_factory=list)
    expand: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # nav -> line fields


def type_name(entity: Entity) -> str:
    name = entity.name
    singular = (
        name[:-3] + "y" if name.endswith("ies") else name[:-1] if name.endswith("s") else name
    )
    return f"Exact.Web.Api.Models.{singular}"


def key_literal(value: Any, edm: str | None) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value}L" if edm == "Edm.Int64" else str(value)
    text = str(value)
    if edm == "Edm.Guid":
        return f"guid'{text}'"
    return "'" + text.replace("'", "''") + "'"


_SKIP = re.compile(r"^(?:guid'(?P<g>[0-9a-fA-F-]{36})'|(?P<n>-?\d+)[Ll]?|'(?P<s>(?:[^']|'')*)')$")


def parse_key_literal(text: str) -> Any:
    m = _SKIP.match(text.strip())
    if m is None:
        raise QueryError(400, f"Invalid key or $skiptoken value: {text}")
    if m.group("g"):
        return m.group("g").lower()
    if m.group("n") is not None:
        return int(m.group("n"))
    return m.group("s").replace("''", "'")


class Reader:
    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog

    # -- helpers
    # -----------------------------------------------------------------------------------------
    def storage_entity(self, entity: Entity) -> str:
        return entity.qualified_name

    def column(self, entity: str, kind: str) -> Any:
        key_field = self.catalog.key_field(entity) if entity not in DIVISION_ALIASES else "Code"

        def col(name: str) -> str:
            if name == "Timestamp":
                return "ts"
            if name == key_field and kind != "sync":
                return "key"
            return f"json_extract(data, '$.{name}')"

        return col

    def select_fields(self, ep: Endpoint, raw: str | None, expand: list[str]) -> Selection:
        nav = [f.name for f in ep.fields if f.is_navigation]
        expandable = {lc.field: lc for lc in self.catalog.lines(self._entity_of(ep).qualified_name)}
        for name in expand:
            if name not in nav or name not in expandable:
                raise QueryError(400, f"Could not find a property named '{name}' to expand")
        if not raw or raw.strip() == "*":
            scalars = [(f.name, f.edm_type) for f in ep.scalar_fields if f.name]
            sel = Selection(scalars, deferred=[n for n in nav if n not in expand])
            for name in expand:
                sel.expand[name] = self._line_fields(expandable[name].line_entity, None)
            return sel
        wanted: list[str] = []
        nested: dict[str, list[str]] = {}
        for part in (p.strip() for p in raw.split(",")):
            if not part:
                continue
            if "/" in part:
                head, _, rest = part.partition("/")
                if head not in expand:
                    raise QueryError(
                        400,
                        f"Only properties specified in $expand can be traversed in $select: {head}",
                    )
                nested.setdefault(head, []).append(rest)
                continue
            if part not in ep.field_map:
                raise QueryError(
                    400, f"No property '{part}' exists in type '{type_name(self._entity_of(ep))}'"
                )
            wanted.append(part)
        sel = Selection(
            [(n, ep.field_map[n].edm_type) for n in wanted if not ep.field_map[n].is_navigation]
        )
        for name in expand:
            if name in wanted or name in nested:
                sel.expand[name] = self._line_fields(expandable[name].line_entity, nested.get(name))
        sel.deferred = [n for n in wanted if n in nav and n not in expand]
        return sel

    def _line_fields(self, line_entity: str, names: list[str] | None) -> list[tuple[str, str]]:
        ep = self.catalog.entity(line_entity).plain
        assert ep is not None
        if not names or "*" in names:
            return [(f.name, f.edm_type) for f in ep.scalar_fields]
        out = []
        for n in names:
            if n not in ep.field_map:
                raise QueryError(
                    400,
                    f"No property '{n}' exists in type "
                    f"'{type_name(self.catalog.entity(line_entity))}'",
                )
            out.append((n, ep.field_map[n].edm_type))
        return out

    def _entity_of(self, ep: Endpoint) -> Entity:
        route = self.catalog.route(ep.path)
        assert route is not None
        return route.entity

    def render(  # noqa: PLR0917
        self,
        base: str,
        division: int | None,
        ep: Endpoint,
        entity: Entity,
        row: Row,
        sel: Selection,
        uri_key: tuple[Any, str | None] | None = None,
    ) -> RenderedRecord:
        data = row.data
        if uri_key is None:
            key_name = ep.odata_key[0] if len(ep.odata_key) == 1 else None
            if key_name == "Timestamp":
                uri_key = (row.ts, "Edm.Int64")
            elif key_name is not None:
                edm = ep.field_map[key_name].edm_type if key_name in ep.field_map else None
                uri_key = (data.get(key_name, row.key), edm)
            else:
                uri_key = (row.key, None)
        path = ep.url_path(division) if ep.needs_division else ep.path
        uri = f"{base}/api/v1/{path}({key_literal(*uri_key)})"
        return RenderedRecord(
            uri, type_name(entity), sel.fields, data, row.ts, [], list(sel.deferred)
        )

    # -- GET collection
    # ------------------------------------------------------------------------------------
    def collection(
        self,
        *,
        base: str,
        url_path: str,
        division: int,
        ep: Endpoint,
        entity: Entity,
        args: Mapping[str, str],
        count_only: bool = False,
        json_body: bool = False,
    ) -> Page | int:
        """One page; with ``json_body`` the page may come back already rendered as JSON."""
        kind = ep.kind
        store_entity = self.storage_entity(entity)
        select = args.get("$select")
        filt = args.get("$filter")
        expand = [e.strip() for e in (args.get("$expand") or "").split(",") if e.strip()]
        orderby = args.get("$orderby")
        top = self._int_option(args, "$top")
        if "$skip" in args and kind in ("bulk", "sync"):
            raise QueryError(400, "The query parameter '$skip' is not supported on this endpoint.")
        if kind == "bulk" and not select and not count_only:
            raise QueryError(
                400, "Please add a $select to the query string: it is mandatory for bulk endpoints."
            )
        if kind == "sync" and select and "*" in [s.strip() for s in select.split(",")]:
            raise QueryError(
                400, "$select=* is not allowed on sync endpoints. Please specify the fields."
            )
        if orderby and kind == "sync":
            raise QueryError(
                400, "The query parameter '$orderby' is not supported on this endpoint."
            )
        if expand and kind in ("sync", "bulk"):
            raise QueryError(
                400, "The query parameter '$expand' is not supported on this endpoint."
            )
        sel = self.select_fields(ep, select, expand)
        types = {f.name: f.edm_type for f in ep.scalar_fields}
        where, params = "", []
        line_grained = kind == "sync" and entity.line_grained
        filter_entity = store_entity
        if line_grained:
            filter_entity = self.catalog.lines(store_entity)[0].line_entity
        if filt:
            try:
                sf = to_sql(filt, types, self.column(filter_entity, kind))
            except FilterError as exc:
                raise QueryError(400, str(exc)) from exc
            if kind == "sync" and (
                sf.has_other or any(c[0] != "Timestamp" or c[1] != "gt" for c in sf.comparisons)
            ):
                raise QueryError(
                    400, "Only the filter 'Timestamp gt' is supported on sync endpoints."
                )
            where, params = sf.sql, list(sf.params)
            referenced = sf.fields
        else:
            referenced = set()
        if kind == "plain" and entity.sync is not None and not count_only:
            listed = [f.name for f in ep.fields if f.filterable]
            # (medium) real clients (tap-exact 0.7.1 on financial/GLAccounts) filter by Modified
            # where the reference does not mark it filterable: Modified and the key always count.
            for extra in ("Modified", *ep.odata_key[:1]):
                if listed and extra in ep.field_map and extra not in listed:
                    listed.append(extra)
            if listed and not (referenced & set(listed)):
                raise QueryError(
                    400,
                    "This endpoint has mandatory filtering applied. "
                    "A GET request for this endpoint must have "
                    "a $filter parameter with one of the following fields in the url: "
                    + ", ".join(listed)
                    + ".",
                )
        # (medium) FACTS.md: some plain endpoints demand "$select or $top=1"; applied to plain
        # endpoints
        # that have a bulk or sync twin.
        if (
            kind == "plain"
            and (entity.sync or entity.bulk)
            and not select
            and top != 1
            and not count_only
        ):
            raise QueryError(400, "Please add a $select or a $top=1 statement to the query string.")

        if count_only:
            return self.store.count_where(division, filter_entity, where=where, params=params)
        count = None
        if (args.get("$inlinecount") or "").lower() == "allpages":
            count = self.store.count_where(division, filter_entity, where=where, params=params)

        page_size = BIG_PAGE if kind in ("bulk", "sync") else PLAIN_PAGE
        limit = min(page_size, top) if top is not None else page_size
        skiptoken = args.get("$skiptoken")
        after = parse_key_literal(skiptoken) if skiptoken else None
        if kind == "sync":
            order, cursor_col = "ts", "ts"  # ts is unique per division
        else:
            order, cursor_col = "key", "key"
        conds = [where] if where else []
        qparams = list(params)
        if after is not None and not orderby:
            conds.append(f"{cursor_col} > ?")
            qparams.append(after)
        uri_key = self._raw_uri_key(ep, store_entity) if json_body else None
        raw: list[tuple[Any, int, str]] = []
        rows: list[Row] = []
        if orderby:
            order_sql = self._orderby(orderby, types, self.column(store_entity, kind))
            rows = self._ordered_page(
                division, store_entity, where, qparams, order_sql, after, limit
            )
        elif uri_key is not None and not line_grained and not sel.expand and not sel.deferred:
            raw = self.store.select_raw(
                division,
                filter_entity,
                where=" AND ".join(conds),
                params=qparams,
                order=order,
                limit=limit + 1,
            )
        else:
            rows = self.store.select(
                division,
                filter_entity,
                where=" AND ".join(conds),
                params=qparams,
                order=order,
                limit=limit + 1,
            )
        got = len(raw) if raw else len(rows)
        more = got > limit
        raw, rows = raw[:limit], rows[:limit]
        next_url = None
        remaining = None if top is None else top - min(got, limit)
        if more and (remaining is None or remaining > 0):
            last_key, last_ts = (raw[-1][0], raw[-1][1]) if raw else (rows[-1].key, rows[-1].ts)
            token = (
                f"{last_ts}L"
                if kind == "sync"
                else key_literal(last_key, self._key_edm(store_entity))
            )
            next_args = {k: v for k, v in args.items() if k != "$skiptoken"}
            if remaining is not None:
                next_args["$top"] = str(remaining)
            next_args["$skiptoken"] = token
            query = urlencode(next_args, safe="$'(),/:")
            next_url = f"{base}/api/v1/{url_path}?{query}"
        if raw:
            assert uri_key is not None
            prefix = f"{base}/api/v1/{ep.url_path(division)}("
            by_ts, edm = uri_key
            body = json_feed_rows(
                row_plan(tuple(sel.fields)),
                [
                    (f"{prefix}{key_literal(ts if by_ts else key, edm)})", ts, text)
                    for key, ts, text in raw
                ],
                type_name(entity),
                next_url,
                count,
            )
            return Page([], next_url, count, body)
        if line_grained:
            records = self._line_rows(base, division, ep, entity, rows, sel)
        else:
            records = [self.render(base, division, ep, entity, r, sel) for r in rows]
            if sel.expand:
                self._expand(base, division, store_entity, rows, records, sel)
        return Page(records, next_url, count)

    def _raw_uri_key(self, ep: Endpoint, store_entity: str) -> tuple[bool, str | None] | None:
        """(by Timestamp?, key edm) when a row's uri needs only its store key or ts (what
        ``render`` would put there), else None."""
        if store_entity in DIVISION_ALIASES:
            return None
        key_name = ep.odata_key[0] if len(ep.odata_key) == 1 else None
        if key_name == "Timestamp":
            return True, "Edm.Int64"
        if key_name is None:
            return False, None
        if key_name != self.catalog.key_field(store_entity):
            return None
        return False, ep.field_map[key_name].edm_type if key_name in ep.field_map else None

    def _key_edm(self, entity: str) -> str | None:
        key_field = self.catalog.key_field(entity)
        return self.catalog.field_types(entity).get(key_field) if key_field else None

    def _int_option(self, args: Mapping[str, str], name: str) -> int | None:
        raw = args.get(name)
        if raw is None:
            return None
        try:
            value = int(raw)
        except ValueError:
            raise QueryError(400, f"Invalid value for {name}: {raw}") from None
        if value < 0:
            raise QueryError(400, f"Invalid value for {name}: {raw}")
        return value

    def _orderby(self, raw: str, types: dict[str, str], col: Any) -> str:
        parts = []
        for item in raw.split(","):
            bits = item.split()
            if (
                not bits
                or len(bits) > 2
                or bits[0] not in types
                or (len(bits) == 2 and bits[1].lower() not in ("asc", "desc"))
            ):
                raise QueryError(400, f"Invalid $orderby: {item.strip()}")
            parts.append(
                f"{col(bits[0])} "
                f"{'DESC' if len(bits) == 2 and bits[1].lower() == 'desc' else 'ASC'}"
            )
        return ", ".join([*parts, "key"])

    def _ordered_page(  # noqa: PLR0917
        self,
        division: int,
        entity: str,
        where: str,
        params: list[Any],
        order: str,
        after: Any,
        limit: int,
    ) -> list[Row]:
        """$orderby pages resume after the $skiptoken key's position in the ordered sequence."""
        out: list[Row] = []
        seen_token = after is None
        for row in self.store.iter_select(
            division, entity, where=where, params=params, order=order
        ):
            if not seen_token:
                seen_token = row.key == after
                continue
            out.append(row)
            if len(out) > limit:
                break
        return out

    def _expand(  # noqa: PLR0917
        self,
        base: str,
        division: int,
        entity: str,
        rows: list[Row],
        records: list[RenderedRecord],
        sel: Selection,
    ) -> None:
        by_field = {lc.field: lc for lc in self.catalog.lines(entity)}
        keys = [r.key for r in rows]
        for name, fields in sel.expand.items():
            lc = by_field[name]
            line_entity = self.catalog.entity(lc.line_entity)
            line_ep = line_entity.plain
            assert line_ep is not None
            children = self.store.children(division, lc.line_entity, keys)
            line_sel = Selection(fields)
            for row, rec in zip(rows, records, strict=True):
                lines = children.get(str(row.key).lower(), [])
                rec.nested.append(
                    Nested(
                        name,
                        [
                            self.render(base, division, line_ep, line_entity, ln, line_sel)
                            for ln in lines
                        ],
                    )
                )

    def _line_rows(  # noqa: PLR0917
        self,
        base: str,
        division: int,
        ep: Endpoint,
        entity: Entity,
        lines: list[Row],
        sel: Selection,
    ) -> list[RenderedRecord]:
        """sync rows of line-grained entities: one per line, header fields repeated, Timestamp of
        the line
        (lines are re-stamped whenever their header changes, so it is max(header, line))."""
        lc = self.catalog.lines(entity.qualified_name)[0]
        headers = self.store.get_many(
            division,
            entity.qualified_name,
            [ln.data.get(lc.link) for ln in lines if ln.data.get(lc.link)],
        )
        out = []
        for ln in lines:
            header = headers.get(ln.data.get(lc.link))
            merged = {**(header.data if header else {}), **ln.data}
            out.append(
                self.render(
                    base,
                    division,
                    ep,
                    entity,
                    Row(ln.key, ln.ts, merged),
                    sel,
                    (ln.ts, "Edm.Int64"),
                )
            )
        return out

    # -- GET one
    # -------------------------------------------------------------------------------------------
    def one(
        self,
        *,
        base: str,
        division: int | None,
        ep: Endpoint,
        entity: Entity,
        key_text: str,
        args: Mapping[str, str],
    ) -> RenderedRecord:
        key = parse_key_literal(key_text)
        store_entity = self.storage_entity(entity)
        if ep.kind == "sync":
            raise QueryError(400, "Single records cannot be read from sync endpoints.")
        expand = [e.strip() for e in (args.get("$expand") or "").split(",") if e.strip()]
        sel = self.select_fields(ep, args.get("$select"), expand)
        row = self.store.raw(division or 0, store_entity, key)
        if row is None:
            raise QueryError(404, "The requested resource could not be found.")
        rec = self.render(base, division, ep, entity, row, sel)
        if sel.expand:
            self._expand(base, division or 0, store_entity, [row], [rec], sel)
        return rec


def is_deleted_entity(entity: Entity) -> bool:
    return entity.qualified_name == DELETED
