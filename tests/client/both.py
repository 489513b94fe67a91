"""Run the same behaviour tests against ``ExactClient`` and ``AsyncExactClient``: ``Blocking``
drives the async client's coroutines and async iterators to completion on one event loop, so a test
written for the sync client's interface exercises the async client unchanged (lazy paging too)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from exact_online.async_client import AsyncExactClient


class Blocking:
    """The async client with the sync client's call style."""

    def __init__(self, client: AsyncExactClient, loop: asyncio.AbstractEventLoop) -> None:
        self._client = client
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if inspect.iscoroutinefunction(attr):
            return lambda *a, **k: self._loop.run_until_complete(attr(*a, **k))
        if inspect.isasyncgenfunction(attr):
            return lambda *a, **k: self._iterate(attr(*a, **k))
        return attr

    def _iterate(self, agen: AsyncIterator[Any]) -> Iterator[Any]:
        while True:
            try:
                yield self._loop.run_until_complete(agen.__anext__())
            except StopAsyncIteration:
                return


Maker = Callable[..., Any]
