"""The resources of ``AsyncExactClient``: ``await client.items.list(division)``,
``async for row in client.items.iter(division)``, … with the sync resources' operations, names,
plans and records.

Everything but the I/O is shared: the plans and readings of :mod:`exact_online.operations`, the
records of :mod:`exact_online.records`, and the naming, missing-operation errors and lazy building
of :mod:`exact_online.resources`. The mixins here only await the client's public methods.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, Protocol

import msgspec

from exact_online import operations as ops
from exact_online.registry import Entity
from exact_online.resources import (
    ModifiedResult,
    Record,
    ResourceAccess,
    ResourceBase,
    Resources,
    SyncResult,
    assemble,
)

__all__ = ["AsyncResource", "AsyncResourceAccess", "AsyncResources", "async_resource_class"]


class AsyncResourceClient(Protocol):
    """What async resources use of ``AsyncExactClient`` (typed loosely: no import of the client,
    which builds the resources)."""

    @property
    def request(self) -> Callable[..., Awaitable[Any]]: ...
    @property
    def get_page(self) -> Callable[..., Awaitable[Any]]: ...
    @property
    def iter_pages(self) -> Callable[..., AsyncIterator[Any]]: ...
    @property
    def iter_records(self) -> Callable[..., AsyncIterator[dict[str, Any]]]: ...
    @property
    def get_one(self) -> Callable[..., Awaitable[dict[str, Any] | None]]: ...
    @property
    def post(self) -> Callable[..., Awaitable[dict[str, Any]]]: ...
    @property
    def put(self) -> Callable[..., Awaitable[None]]: ...
    @property
    def delete(self) -> Callable[..., Awaitable[None]]: ...
    @property
    def sync_timestamp(self) -> Callable[..., Awaitable[int]]: ...


class AsyncResource(ResourceBase):
    """An async resource: the mixins below add the entity's operations."""

    client: AsyncResourceClient

    async def _page(self, call: ops.Call) -> tuple[list[dict[str, Any]], bool]:
        page = await self.client.get_page(call.path, division=call.division, params=call.params,
                                          endpoint=call.endpoint)
        return page.records, bool(page.next_url)

    async def _rows(self, call: ops.Call) -> list[dict[str, Any]]:
        return [row async for row in self.client.iter_records(
            call.path, division=call.division, query=call.query, endpoint=call.endpoint)]


class _Query(AsyncResource):
    async def list(self, division: int, *, filter: ops.FilterSpec = None,
                   select: Sequence[str] | None = None, top: int | None = None,
                   orderby: Sequence[str] | None = None, expand: Sequence[str] | None = None,
                   params: Mapping[str, Any] | None = None) -> list[Record]:
        """One page, as the sync ``list``."""
        call = ops.read_call(self.entity, division, filter=filter, select=select, top=top,
                             orderby=orderby, expand=expand, params=params, case=self.case)
        rows, _ = await self._page(call)
        return self._convert(rows, call.endpoint)

    async def iter(self, division: int, *, filter: ops.FilterSpec = None,
                   select: Sequence[str] | None = None, orderby: Sequence[str] | None = None,
                   expand: Sequence[str] | None = None,
                   params: Mapping[str, Any] | None = None) -> AsyncIterator[Record]:
        """Every matching row (``async for``), a page fetched when the last one is used up."""
        call = ops.read_call(self.entity, division, filter=filter, select=select,
                             orderby=orderby, expand=expand, params=params, case=self.case,
                             prefer_bulk=True)
        async for page in self.client.iter_pages(call.path, division=division, query=call.query,
                                                 endpoint=call.endpoint):
            for record in self._convert(page.records, call.endpoint):
                yield record


class _Count(AsyncResource):
    async def count(self, division: int, *, filter: ops.FilterSpec = None) -> int:
        call = ops.read_call(self.entity, division, filter=filter, case=self.case, count=True)
        resp = await self.client.request("GET", call.path, division=division,
                                         params=call.params, check_body=ops.check_count)
        return ops.parse_count(resp.content)


class _Get(AsyncResource):
    async def get(self, division: int, key: Any, *,
                  select: Sequence[str] | None = None) -> Record | None:
        call = ops.get_call(self.entity, division, key, select=select, case=self.case)
        row = await self.client.get_one(call.endpoint, key, division=division,
                                        select=call.select)
        return None if row is None else self._convert([row], call.endpoint)[0]


class _Create(AsyncResource):
    async def create(self, division: int, record: Mapping[str, Any] | msgspec.Struct) -> Record:
        call = ops.create_call(self.entity, division, record, case=self.case)
        created = await self.client.post(call.path, call.body or {}, division=division)
        return self._convert([created], call.endpoint)[0]


class _Update(AsyncResource):
    async def update(self, division: int, key: Any,
                     changes: Mapping[str, Any] | msgspec.Struct) -> None:
        call = ops.update_call(self.entity, division, key, changes, case=self.case)
        await self.client.put(call.path, key, call.body or {}, division=division)


class _Delete(AsyncResource):
    async def delete(self, division: int, key: Any) -> None:
        call = ops.write_call("DELETE", self.entity, division, key=key)
        await self.client.delete(call.path, key, division=division)


class _Sync(AsyncResource):
    async def sync(self, division: int, timestamp: int = 0, *,
                   select: Sequence[str] | None = None) -> SyncResult:
        call = ops.sync_call(self.entity, division, timestamp, select=select, case=self.case)
        rows, more = await self._page(call)
        return ops.sync_result(rows, timestamp, more, self._convert(rows, call.endpoint))


class _SyncTimestamp(AsyncResource):
    async def sync_timestamp(self, division: int, since: datetime) -> int:
        return await self.client.sync_timestamp(
            division, ops.sync_timestamp_name(self.entity), since)


class _SyncByModified(AsyncResource):
    async def sync_by_modified(self, division: int, since: datetime | None, *,
                               select: Sequence[str] | None = None) -> ModifiedResult:
        call = ops.modified_call(self.entity, division, since, select=select, case=self.case)
        rows = await self._rows(call)
        return ops.modified_result(rows, since, self._convert(rows, call.endpoint))


_MIXINS: tuple[tuple[str, type[ResourceBase]], ...] = (
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


@cache
def async_resource_class(entity: Entity) -> type[ResourceBase]:
    """The async resource class of one entity (``AsyncItemsResource``)."""
    return assemble(entity, _MIXINS, AsyncResource, __name__, prefix="Async")


class AsyncResources(Resources):
    """Every entity's async resource by stream name, built on first use."""

    def _class_of(self, entity: Entity) -> type[ResourceBase]:
        return async_resource_class(entity)


class AsyncResourceAccess(ResourceAccess):
    """``client.items`` … of ``AsyncExactClient``."""

    resources_type: ClassVar[type[Resources]] = AsyncResources
