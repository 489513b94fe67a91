"""The JSON hot path (rows rendered straight from the stored text) answers byte for byte what the
general renderer answers, on every sync and bulk endpoint of the demo company."""

from __future__ import annotations

import pytest

from exact_online.registry import Endpoint, load_registry
from exact_sandbox.catalog import catalog
from exact_sandbox.cli import DB_NAME
from exact_sandbox.reads import Page, Reader
from exact_sandbox.rendering import json_feed
from exact_sandbox.store import Store
from exact_sandbox.testing import SandboxServer

ENDPOINTS = [
    ep
    for e in load_registry().entities
    for ep in e.endpoints.values()
    if ep.kind in ("sync", "bulk") and "GET" in ep.methods
]


@pytest.fixture(scope="module")
def reader(sandbox: SandboxServer) -> Reader:
    # Reads the running sandbox's database (WAL: readers do not disturb the server).
    return Reader(Store(sandbox.data_dir / DB_NAME), catalog())


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda ep: ep.relative_path)
def test_hot_path_matches_general_renderer(
    sandbox: SandboxServer, reader: Reader, ep: Endpoint
) -> None:
    route = reader.catalog.route(ep.path)
    assert route is not None
    division = sandbox.divisions_list[0]
    args = {
        "$select": ",".join(f.name for f in ep.scalar_fields),
        "$top": "7",
        "$inlinecount": "allpages",
        **({"$filter": "Timestamp gt 1"} if ep.kind == "sync" else {}),
    }
    pages = []
    for json_body in (True, False):
        page = reader.collection(
            base="http://h",
            url_path=ep.url_path(division),
            division=division,
            ep=ep,
            entity=route.entity,
            args=args,
            json_body=json_body,
        )
        assert isinstance(page, Page)
        pages.append(page)
    fast, general = pages
    expected = json_feed(general.records, general.next_url, general.count)
    if fast.json_body is None:  # empty pages and line-grained sync rows take the general path
        assert not general.records or (ep.kind == "sync" and route.entity.line_grained)
        return
    assert fast.json_body == expected
