"""read/sync/Sync/SyncTimestamp: ``Timestamp gt value`` on the sync endpoint returns every row the
endpoint serves with Modified >= the date (line-grained endpoints and entities without Modified
included)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from exact_online.registry import Entity, load_registry
from exact_sandbox.testing import SandboxServer

WITH_SYNC_TIMESTAMP = [
    e for e in load_registry().entities if e.sync_timestamp_endpoint and e.sync is not None
]
MAX_PAGES = 50


@pytest.fixture(scope="module")
def s(sandbox: SandboxServer) -> requests.Session:
    return sandbox.session()


def sync_timestamp(sb: SandboxServer, s: requests.Session, entity: Entity, modified: str) -> int:
    r = s.get(
        sb.api_url("{division}/read/sync/Sync/SyncTimestamp"),
        params={
            "modified": f"datetime'{modified}'",
            "endPoint": f"'{entity.sync_timestamp_endpoint}'",
        },
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return int(r.json()["d"]["results"][0]["TimeStampAsBigInt"])


def sync_rows(
    sb: SandboxServer, s: requests.Session, entity: Entity, after: int, select: str = "Timestamp"
) -> list[dict[str, Any]]:
    assert entity.sync is not None
    url: str | None = sb.api_url(entity.sync.path)
    params: dict[str, str] | None = {"$filter": f"Timestamp gt {after}L", "$select": select}
    rows: list[dict[str, Any]] = []
    for _ in range(MAX_PAGES):
        assert url is not None
        r = s.get(url, params=params, timeout=30)
        assert r.status_code == 200, r.text
        d = r.json()["d"]
        rows.extend(d["results"])
        url, params = d.get("__next"), None
        if url is None:
            return rows
    raise AssertionError("too many pages")


@pytest.mark.parametrize("entity", WITH_SYNC_TIMESTAMP, ids=lambda e: e.qualified_name)
def test_an_old_date_gives_every_row(
    sandbox: SandboxServer, s: requests.Session, entity: Entity
) -> None:
    everything = sync_rows(sandbox, s, entity, 1)
    assert everything, "the demo company has rows for every entity"
    value = sync_timestamp(sandbox, s, entity, "2000-01-01T00:00:00")
    assert len(sync_rows(sandbox, s, entity, value)) == len(everything)


@pytest.mark.parametrize(
    "name", ["salesinvoice/SalesInvoices", "purchaseorder/PurchaseOrders", "crm/Addresses"]
)
def test_a_date_in_between_keeps_every_row_modified_since(
    sandbox: SandboxServer, s: requests.Session, name: str
) -> None:
    entity = load_registry().find(name)
    assert entity is not None
    rows = sync_rows(sandbox, s, entity, 1, select="Timestamp,ID,Modified")
    stamps = sorted({int(r["Modified"][6:-2]) for r in rows if r["Modified"]})
    assert len(stamps) > 2
    middle = stamps[len(stamps) // 2]
    # Modified is Amsterdam wall-clock ms, and so is a datetime'' literal: no zone conversion.
    literal = datetime.fromtimestamp(middle / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    wanted = {
        r["ID"] for r in rows if r["Modified"] and int(r["Modified"][6:-2]) >= middle // 1000 * 1000
    }
    got = {
        r["ID"]
        for r in sync_rows(sandbox, s, entity, sync_timestamp(sandbox, s, entity, literal), "ID")
    }
    assert wanted <= got
    future = sync_timestamp(sandbox, s, entity, "2999-01-01T00:00:00")
    assert sync_rows(sandbox, s, entity, future) == []
