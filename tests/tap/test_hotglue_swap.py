"""The swap: a HotGlue job's config and state file, run through ours with stream_naming: hotglue.

The config is HotGlue's (its key names, ``current_division`` as a string, ``sync_endpoints: true``,
``auth_url``); the state is what hotgluexyz/tap-exact leaves behind (one stream-level bookmark per
stream: Timestamp text for sync streams, Exact's Amsterdam wall-clock text for classic ones). The
first run must use HotGlue's names and read only what changed since those bookmarks.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from exact_online.registry import load_registry
from tap_exact.tap import TapExact

from .conftest import parse_messages, path_calls, tap_command

_EPOCH = datetime(1970, 1, 1)
STREAMS = ["items", "purchase_orders", "stock_positions", "warehouses", "suppliers",
           "sales_invoices", "gl_accounts"]


def _rows(
    session: Any, url: str, select: str, where: str | None = None
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    params: dict[str, str] | None = {"$select": select}
    if where:
        params["$filter"] = where
    for _ in range(1000):  # bounded: a few pages
        answer = session.get(url, params=params).json()
        assert "d" in answer, answer
        d = answer["d"]
        rows += d["results"]
        url, params = d.get("__next"), None
        if not url:
            return rows
    raise AssertionError("too many pages")


def _wall_text(exact_date: str) -> str:
    """``/Date(ms)/`` as hotgluexyz/tap-exact stores it (Atom text: wall clock, no offset)."""
    ms = int(exact_date[6:-2])
    return (_EPOCH + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds")


def _hotglue_catalog() -> dict[str, Any]:
    tap = TapExact(config={"client_id": "x", "client_secret": "y", "stream_naming": "hotglue",
                           "sync_endpoints": True}, validate_config=False)
    catalog = tap.catalog_dict
    catalog["streams"] = [s for s in catalog["streams"] if s["tap_stream_id"] in STREAMS]
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = True
    return catalog


def test_hotglue_config_and_state_swap_in_without_a_full_read(
    fresh_sandbox: Any, tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    d1 = sb.divisions_list[0]
    reg = load_registry()
    session = sb.session()
    url = {name: sb.api_url(reg.by_stream(name).read_endpoint().path, d1)
           for name in ("items", "purchase_orders", "stock_positions", "item_warehouses",
                        "gl_accounts")}
    # History HotGlue has read already: > 1000 items, so a full re-read would take 2 pages.
    sb.insert_rows(d1, "logistics/Items", [
        {"ID": str(uuid.uuid4()), "Code": f"HG{i:05d}", "Description": f"HG {i}"}
        for i in range(1000)
    ])

    def max_ts(name: str) -> str:
        rows = _rows(session, url[name] + "", "Timestamp")
        return str(max(int(r["Timestamp"]) for r in rows))

    stock = _rows(session, url["item_warehouses"], "ID,Warehouse,Modified")
    warehouse = stock[0]["Warehouse"]
    mine = [r for r in stock if r["Warehouse"] == warehouse]
    newest = max(mine, key=lambda r: int(r["Modified"][6:-2]))["Modified"]
    gl = _rows(session, url["gl_accounts"], "ID,Modified,Timestamp")
    gl_newest = max(gl, key=lambda r: int(r["Modified"][6:-2]))["Modified"]
    hotglue_state = {"bookmarks": {
        "items": {"replication_key": "Timestamp", "replication_key_value": max_ts("items"),
                  "partitions": []},
        "purchase_orders": {"replication_key": "Timestamp",
                            "replication_key_value": max_ts("purchase_orders")},
        "stock_positions": {"replication_key": "Timestamp",
                            "replication_key_value": max_ts("stock_positions")},
        "warehouses": {"replication_key": "Modified", "replication_key_value": _wall_text(newest)},
        # A job that ran classic (Modified) and swaps with sync_endpoints on: the date becomes
        # a Timestamp through read/sync/Sync/SyncTimestamp (one call).
        "gl_accounts": {"replication_key": "Modified",
                        "replication_key_value": _wall_text(gl_newest)},
    }}
    # Changed after HotGlue's last run: one item.
    new_item = sb.insert_rows(d1, "logistics/Items", [
        {"ID": str(uuid.uuid4()), "Code": "AFTER", "Description": "changed after the swap"}
    ])[0]

    config = {
        "client_id": sb.config["client_id"], "client_secret": sb.config["client_secret"],
        "refresh_token": sb.config["refresh_token"],
        "token_store_path": sb.config["token_store_path"],
        "auth_url": f"{sb.base_url}/api/oauth2/token",
        "current_division": str(d1),
        "sync_endpoints": True,
        "warehouse_uuid": warehouse,
        "stream_naming": "hotglue",
    }
    paths = {name: tmp_path / f"{name}.json" for name in ("config", "catalog", "state")}
    paths["config"].write_text(json.dumps(config))
    paths["catalog"].write_text(json.dumps(_hotglue_catalog()))
    paths["state"].write_text(json.dumps(hotglue_state))
    sb.reset_calls()
    result = subprocess.run(
        tap_command(paths["config"], paths["catalog"], paths["state"]),
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    messages, records = parse_messages(result.stdout)

    # HotGlue's names and keys.
    schemas = {m["stream"]: m for m in messages if m["type"] == "SCHEMA"}
    assert set(schemas) == set(STREAMS)
    assert schemas["purchase_orders"]["key_properties"] == ["PurchaseOrderID"]
    assert set(records) <= set(STREAMS)
    # Only what changed since HotGlue's bookmarks: the one new item, in one call (a full read
    # would be 1050+ rows in 2 pages); nothing of purchase orders and stock positions.
    assert [r["ID"] for r in records["items"]] == [new_item["ID"]]
    calls = sb.calls()
    assert path_calls(calls, f"/{d1}/sync/Logistics/Items") == 1
    assert "purchase_orders" not in records and "stock_positions" not in records
    assert path_calls(calls, f"/{d1}/sync/PurchaseOrder/PurchaseOrders") == 1
    # Classic warehouses: `Modified ge <HotGlue's bookmark>` (the rows AT it come again) and
    # HotGlue's warehouse filter (sync_endpoints present, use_stock_multiple_warehouses off).
    at_bookmark = {r["ID"] for r in mine if r["Modified"] == newest}
    assert {r["ID"] for r in records["warehouses"]} == at_bookmark
    assert {r["Warehouse"] for r in records["warehouses"]} == {warehouse}
    # gl_accounts: its Modified bookmark became the Timestamp Exact names for that date; only
    # rows after it are read (the sandbox's generated history is not in Timestamp order).
    since = session.get(sb.api_url("{division}/read/sync/Sync/SyncTimestamp", d1), params={
        "modified": f"datetime'{_wall_text(gl_newest)}'", "endPoint": "'GLAccounts'",
    }).json()["d"]["results"][0]["TimeStampAsBigInt"]
    after = {r["ID"] for r in gl if int(r["Timestamp"]) > int(since)}
    assert {r["ID"] for r in records.get("gl_accounts", [])} == after
    assert len(after) < len(gl)
    assert path_calls(calls, "/read/sync/Sync/SyncTimestamp") == 1
    assert path_calls(calls, f"/{d1}/sync/Financial/GLAccounts") == 1
    # suppliers had no HotGlue bookmark: read in full, accounts with IsSupplier only.
    assert records["suppliers"] and all(r["IsSupplier"] is True for r in records["suppliers"])
    # use_sales_invoices is off by default in HotGlue: no rows and no calls.
    assert "sales_invoices" not in records
    assert path_calls(calls, "SalesInvoices") == 0
    # Only current_division is read, and nothing else of other divisions.
    assert all(f"/{sb.divisions_list[1]}/" not in path for path in calls["by_path"])

    # Our state: per-division partitions; HotGlue's stream-level copies are gone.
    state = [m["value"] for m in messages if m["type"] == "STATE"][-1]["bookmarks"]
    for name in ("items", "purchase_orders", "stock_positions", "warehouses"):
        assert "replication_key_value" not in state[name], name
        (partition,) = state[name]["partitions"]
        assert partition["context"] == {"Division": d1}
        assert partition["replication_key_value"], name
    assert int(state["items"]["partitions"][0]["replication_key_value"]) > int(
        hotglue_state["bookmarks"]["items"]["replication_key_value"]
    )


def test_hotglue_filters_in_classic_mode(sandbox: Any, tmp_path: Path) -> None:
    """``sync_endpoints: false`` (present: HotGlue's filters on): classic endpoints, the PO status
    and warehouse filters (warehouse looked up once from ``default_warehouse_id``), gates."""
    d1 = sandbox.divisions_list[0]
    session = sandbox.session()
    warehouses = _rows(session, sandbox.api_url("{division}/inventory/Warehouses", d1), "ID,Code")
    orders = _rows(session, sandbox.api_url("{division}/purchaseorder/PurchaseOrders", d1),
                   "PurchaseOrderID,OrderStatus,ReceiptStatus,Warehouse", f"Division eq {d1}")
    used = {o["Warehouse"] for o in orders}
    warehouse = next(w for w in warehouses if w["ID"] in used)
    config = {
        "client_id": sandbox.config["client_id"],
        "client_secret": sandbox.config["client_secret"],
        "refresh_token": sandbox.config["refresh_token"],
        "token_store_path": sandbox.config["token_store_path"],
        "base_url": sandbox.base_url,
        "current_division": str(d1),
        "sync_endpoints": False,
        "default_warehouse_id": warehouse["Code"],
        "use_assembly_orders": False,
        "stream_naming": "hotglue",
    }
    catalog = TapExact(config={"client_id": "x", "client_secret": "y",
                               "stream_naming": "hotglue"}, validate_config=False).catalog_dict
    wanted = {"purchase_orders", "assembly_orders"}
    catalog["streams"] = [s for s in catalog["streams"] if s["tap_stream_id"] in wanted]
    for entry in catalog["streams"]:
        entry["metadata"][0]["metadata"]["selected"] = True
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = True
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    result = subprocess.run(
        tap_command(tmp_path / "config.json", tmp_path / "catalog.json"),
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    _, records = parse_messages(result.stdout)
    expected = {
        o["PurchaseOrderID"] for o in orders
        if o["OrderStatus"] in (10, 20) and o["ReceiptStatus"] in (10, 20)
        and o["Warehouse"] == warehouse["ID"]
    }
    assert expected, "the demo company should have open orders in that warehouse"
    assert {r["PurchaseOrderID"] for r in records["purchase_orders"]} == expected
    assert "assembly_orders" not in records  # use_assembly_orders: false
    assert "assembly_orders: off (HotGlue flag use_assembly_orders is false)" in result.stderr


@pytest.mark.parametrize("sync_endpoints", [True, False], ids=["sync", "classic"])
def test_every_hotglue_stream_runs(sandbox: Any, tmp_path: Path, sync_endpoints: bool) -> None:
    d1 = sandbox.divisions_list[0]
    config = {
        "client_id": sandbox.config["client_id"],
        "client_secret": sandbox.config["client_secret"],
        "refresh_token": sandbox.config["refresh_token"],
        "token_store_path": sandbox.config["token_store_path"],
        "base_url": sandbox.base_url,
        "current_division": str(d1),
        "sync_endpoints": sync_endpoints,
        "use_sales_invoices": True,
        "stream_naming": "hotglue",
    }
    catalog = TapExact(config={**config, "client_id": "x"}, validate_config=False).catalog_dict
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = True
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    result = subprocess.run(
        tap_command(tmp_path / "config.json", tmp_path / "catalog.json"),
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    messages, records = parse_messages(result.stdout)
    names = {entry["tap_stream_id"] for entry in catalog["streams"]}
    assert {m["stream"] for m in messages if m["type"] == "SCHEMA"} == names
    assert set(records) <= names
    # Switched off by HotGlue's defaults: logistics_stock_positions (one warehouse mode).
    assert "logistics_stock_positions" not in records
    for name in ("items", "purchase_orders", "warehouses", "suppliers", "sales_invoices"):
        assert records.get(name), name
    assert all(r["Division"] == d1 for rows in records.values() for r in rows)
