"""The ``make`` fixture: each behaviour test that takes it runs against ``ExactClient`` and
``AsyncExactClient`` (through :class:`.both.Blocking`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from exact_online.async_client import AsyncExactClient

from .both import Blocking, Maker
from .localserver import ScriptedServer, make_async_client, make_client


@pytest.fixture(params=["sync", "async"])
def make(request: pytest.FixtureRequest) -> Iterator[Maker]:
    """``make(server, **kwargs)``: a client of either kind on the scripted server."""
    if request.param == "sync":
        yield make_client
        return
    loop = asyncio.new_event_loop()
    made: list[AsyncExactClient] = []

    def build(server: ScriptedServer, **kwargs: object) -> Blocking:
        client = make_async_client(server, **kwargs)
        made.append(client)
        return Blocking(client, loop)

    yield build
    for client in made:
        loop.run_until_complete(client.aclose())
    loop.close()
