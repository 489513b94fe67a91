"""start_date per entity family, against a fresh sandbox:

* sync with SyncTimestamp (gl_accounts): one read/sync/Sync/SyncTimestamp call per stream and
  division, then `Timestamp gt TimeStampAsBigInt`: older rows never come back;
* sync without it (items): a full read, rows kept when Modified >= start_date;
* plain/bulk with Modified (warehouses): `$filter=Modified ge datetime'…'` on the server;
* a saved bookmark wins over start_date.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from exact_online.registry import load_registry

from .conftest import path_calls, run_tap

SYNC_TIMESTAMP = "/read/sync/Sync/SyncTimestamp"


def _iso(dt: datetime) -> str:
    return dt.isoformat()


def test_start_date_per_family_and_bookmark_wins(fresh_sandbox: Any, tmp_path: Path) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    d1, d2 = sb.divisions_list
    # Every generated row is older than now; these are "modified" after start_date.
    later = datetime.now(timezone.utc) + timedelta(days=10)
    start_date = later - timedelta(days=5)
    new_gl = {
        d: sb.insert_rows(d, "financial/GLAccounts", [
            {"Code": f"9{d % 1000}{i}", "Description": f"new {i}", "Modified": _iso(later)}
            for i in range(2)
        ])
        for d in (d1, d2)
    }
    new_items = sb.insert_rows(d1, "logistics/Items", [
        {"ID": str(uuid.uuid4()), "Code": f"LATE{i}", "Description": "late",
         "Modified": _iso(later)}
        for i in range(3)
    ])
    new_wh = sb.insert_rows(d2, "inventory/Warehouses", [
        {"Code": "LATEWH", "Description": "late warehouse", "Modified": _iso(later)}
    ])
    stats = sb.stats()
    sb.reset_calls()

    streams = ["gl_accounts", "items", "warehouses"]
    first = run_tap(sb, tmp_path, streams, start_date=start_date.isoformat())
    assert first.returncode == 0, first.stderr[-3000:]
    calls = sb.calls()

    # SyncTimestamp: exactly one call per stream that supports it and per division.
    for d in (d1, d2):
        assert path_calls(calls, f"/{d}{SYNC_TIMESTAMP}") == 1
        assert path_calls(calls, f"/{d}/sync/Financial/GLAccounts") == 1
    got_gl = sorted((r["Division"], r["ID"]) for r in first.records["gl_accounts"])
    assert got_gl == sorted((d, row["ID"]) for d, rows in new_gl.items() for row in rows)

    # Items: no SyncTimestamp in Exact; every row is read, only the late ones are emitted.
    for d in (d1, d2):
        n = stats[str(d)]["logistics/Items"]
        assert path_calls(calls, f"/{d}/sync/Logistics/Items") == max(1, math.ceil(n / 1000))
    assert sorted(r["ID"] for r in first.records["items"]) == sorted(r["ID"] for r in new_items)

    # Warehouses: filtered by the server (Modified ge start_date), one call per division.
    assert [r["ID"] for r in first.records["warehouses"]] == [new_wh[0]["ID"]]
    for d in (d1, d2):
        assert path_calls(calls, f"/{d}/inventory/Warehouses") == 1

    # Second run with the state: the bookmark wins. No SyncTimestamp call, and rows changed
    # after the bookmark are emitted even when their Modified is older than start_date.
    old = datetime(2020, 1, 1, tzinfo=timezone.utc)
    old_gl = sb.insert_rows(d1, "financial/GLAccounts", [
        {"Code": "OLDGL", "Description": "old", "Modified": _iso(old)}
    ])
    old_item = sb.insert_rows(d2, "logistics/Items", [
        {"ID": str(uuid.uuid4()), "Code": "OLDIT", "Description": "old", "Modified": _iso(old)}
    ])
    sb.reset_calls()
    second = run_tap(
        sb, tmp_path, ["gl_accounts", "items"], state=first.states[-1],
        start_date=start_date.isoformat(),
        reference_interval_hours=0,  # gl_accounts is a reference stream: read it again now
    )
    assert second.returncode == 0, second.stderr[-3000:]
    assert path_calls(sb.calls(), SYNC_TIMESTAMP) == 0
    assert [r["ID"] for r in second.records["gl_accounts"]] == [old_gl[0]["ID"]]
    assert [r["ID"] for r in second.records["items"]] == [old_item[0]["ID"]]


def test_start_date_uses_the_sync_timestamp_answer_as_given(sandbox: Any, tmp_path: Path) -> None:
    """Line-grained sales_invoices and bill_of_material_materials: the tap asks SyncTimestamp for
    the endpoint's own name and reads `Timestamp gt <answer>L`, exactly the rows above it."""
    start = "2000-01-01T00:00:00"
    streams = {
        "sales_invoices": ("SalesInvoices", "sync/SalesInvoice/SalesInvoices"),
        "bill_of_material_materials": (
            "BillOfMaterialMaterials", "sync/Manufacturing/BillOfMaterialMaterials",
        ),
    }
    session = sandbox.session()
    expected: dict[str, set[tuple[int, str]]] = {name: set() for name in streams}
    answers: dict[tuple[str, int], int] = {}
    for name, (endpoint, path) in streams.items():
        assert load_registry().by_stream(name).sync_timestamp_endpoint == endpoint
        for d in sandbox.divisions_list:
            r = session.get(
                sandbox.api_url("{division}" + SYNC_TIMESTAMP, d),
                params={"modified": f"datetime'{start}'", "endPoint": f"'{endpoint}'"},
                timeout=30,
            )
            r.raise_for_status()
            answer = int(r.json()["d"]["results"][0]["TimeStampAsBigInt"])
            answers[(name, d)] = answer
            url: str | None = sandbox.api_url("{division}/" + path, d)
            params: dict[str, str] | None = {
                "$select": "ID,Timestamp", "$filter": f"Timestamp gt {answer}L",
            }
            for _ in range(100):  # bounded: small scale is a few pages at most
                if url is None:
                    break
                page = session.get(url, params=params, timeout=30)
                page.raise_for_status()
                body = page.json()["d"]
                expected[name] |= {(d, row["ID"]) for row in body["results"]}
                url, params = body.get("__next"), None

    run = run_tap(sandbox, tmp_path, list(streams), start_date=start + "Z")
    assert run.returncode == 0, run.stderr[-3000:]
    for name in streams:
        got = {(r["Division"], r["ID"]) for r in run.records.get(name, [])}
        assert got == expected[name], name
        for d in sandbox.divisions_list:
            assert f"{name}: start_date 2000-01-01T00:00:00+00:00 is Timestamp " \
                   f"{answers[(name, d)]} in division {d}" in run.stderr
