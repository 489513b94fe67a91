"""POST/PUT/DELETE: validation, filled fields, sync visibility (one row per line), sync/Deleted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from exact_sandbox.testing import SandboxServer


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    with SandboxServer(
        tmp_path_factory.mktemp("writes"), divisions=1, no_rate_limits=True
    ) as server:
        yield server


@pytest.fixture(scope="module")
def refs(sb: SandboxServer) -> dict[str, Any]:
    d = sb.divisions_list[0]
    supplier = sb.insert_rows(
        d, "crm/Accounts", [{"Code": "W-SUP-1", "Name": "Write Supplier", "IsSupplier": True}]
    )[0]
    items = sb.insert_rows(
        d,
        "logistics/Items",
        [
            {"Code": "W-IT-1", "Description": "Write item 1", "Unit": "pc"},
            {"Code": "W-IT-2", "Description": "Write item 2"},
        ],
    )
    whs = sb.insert_rows(
        d,
        "inventory/Warehouses",
        [{"Code": "W1", "Description": "Main"}, {"Code": "W2", "Description": "Second"}],
    )
    sb.insert_rows(
        d,
        "logistics/SupplierItem",
        [
            {
                "Supplier": supplier["ID"],
                "Item": items[0]["ID"],
                "PurchaseUnitFactor": 6.0,
                "PurchasePrice": 2.5,
            }
        ],
    )
    return {
        "supplier": supplier["ID"],
        "items": [i["ID"] for i in items],
        "warehouses": [w["ID"] for w in whs],
    }


@pytest.fixture(scope="module")
def s(sb: SandboxServer) -> requests.Session:
    return sb.session()


def msg(r: requests.Response) -> str:
    return r.json()["error"]["message"]["value"]


def post_po(
    sb: SandboxServer, s: requests.Session, body: dict[str, Any], full: bool = True
) -> requests.Response:
    headers = {"Prefer": "return=representation"} if full else {}
    return s.post(
        sb.api_url("{division}/purchaseorder/PurchaseOrders"),
        json=body,
        headers=headers,
        timeout=30,
    )


def sync_po_rows(sb: SandboxServer, s: requests.Session, after: int) -> list[dict[str, Any]]:
    r = s.get(
        sb.api_url("{division}/sync/PurchaseOrder/PurchaseOrders"),
        timeout=30,
        params={
            "$select": "ID,PurchaseOrderID,Item,Quantity,SupplierCode,YourRef,Timestamp",
            "$filter": f"Timestamp gt {after}L",
        },
    )
    assert r.status_code == 200, r.text
    return r.json()["d"]["results"]


def high_water(sb: SandboxServer, s: requests.Session) -> int:
    rows = sync_po_rows(sb, s, 1)
    return max((int(r["Timestamp"]) for r in rows), default=1)


def test_purchase_order_post_fills_and_appears_in_sync(
    sb: SandboxServer, s: requests.Session, refs: dict
) -> None:
    mark = high_water(sb, s)
    body = {
        "Supplier": refs["supplier"],
        "YourRef": "BO-1",
        "PurchaseOrderLines": [
            {"Item": refs["items"][0], "QuantityInPurchaseUnits": 2},
            {"Item": refs["items"][1], "QuantityInPurchaseUnits": 3, "NetPrice": 1.5},
        ],
    }
    r = post_po(sb, s, body)
    assert r.status_code == 201, r.text
    po = r.json()["d"]
    assert po["SupplierCode"] == "W-SUP-1" and po["SupplierName"] == "Write Supplier"
    assert po["OrderNumber"] >= 1 and po["OrderStatus"] == 10
    lines = po["PurchaseOrderLines"]["results"]
    assert [ln["ItemCode"] for ln in lines] == ["W-IT-1", "W-IT-2"]
    assert lines[0]["Quantity"] == 12.0  # 2 purchase units x factor 6
    assert lines[0]["NetPrice"] == 2.5 and lines[1]["AmountFC"] == 4.5
    rows = sync_po_rows(sb, s, mark)
    assert sorted(r["ID"] for r in rows) == sorted(ln["ID"] for ln in lines)
    assert {r["PurchaseOrderID"] for r in rows} == {po["PurchaseOrderID"]}
    assert {r["YourRef"] for r in rows} == {"BO-1"}
    # a header change makes every line reappear
    mark = max(int(r["Timestamp"]) for r in rows)
    put = s.put(
        sb.api_url("{division}/purchaseorder/PurchaseOrders") + f"(guid'{po['PurchaseOrderID']}')",
        json={"YourRef": "BO-1b"},
        timeout=30,
    )
    assert put.status_code == 204 and put.content == b""
    again = sync_po_rows(sb, s, mark)
    assert len(again) == 2 and {r["YourRef"] for r in again} == {"BO-1b"}
    # lookup by filter and $expand
    got = s.get(
        sb.api_url("{division}/purchaseorder/PurchaseOrders"),
        timeout=30,
        params={
            "$filter": f"PurchaseOrderID eq guid'{po['PurchaseOrderID']}'",
            "$expand": "PurchaseOrderLines",
            "$select": "PurchaseOrderID,YourRef,PurchaseOrderLines/Item",
        },
    ).json()["d"]["results"]
    assert got[0]["YourRef"] == "BO-1b"
    assert len(got[0]["PurchaseOrderLines"]["results"]) == 2


def test_post_without_representation_returns_key(
    sb: SandboxServer, s: requests.Session, refs: dict
) -> None:
    r = post_po(
        sb,
        s,
        {
            "Supplier": refs["supplier"],
            "PurchaseOrderLines": [{"Item": refs["items"][1], "QuantityInPurchaseUnits": 1}],
        },
        full=False,
    )
    assert r.status_code == 201
    assert "PurchaseOrderID" in r.json()["d"]
    assert "SupplierCode" not in r.json()["d"]


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"PurchaseOrderLines": [{"QuantityInPurchaseUnits": 1}]}, "Supplier"),
        ({"Supplier": "SUP"}, "PurchaseOrderLines"),
        ({"Supplier": "SUP", "PurchaseOrderLines": [{"QuantityInPurchaseUnits": 1}]}, "Item"),
        (
            {
                "Supplier": "SUP",
                "PurchaseOrderLines": [{"Item": "ITEM", "QuantityInPurchaseUnits": 1}],
                "Bogus": 1,
            },
            "Bogus",
        ),
        (
            {
                "Supplier": "00000000-0000-0000-0000-000000000009",
                "PurchaseOrderLines": [{"Item": "ITEM", "QuantityInPurchaseUnits": 1}],
            },
            "Supplier",
        ),
        (
            {
                "Supplier": "SUP",
                "PurchaseOrderLines": [
                    {"Item": "00000000-0000-0000-0000-000000000009", "QuantityInPurchaseUnits": 1}
                ],
            },
            "Item",
        ),
        (
            {
                "Supplier": "SUP",
                "PurchaseOrderLines": [{"Item": "ITEM", "QuantityInPurchaseUnits": "many"}],
            },
            "QuantityInPurchaseUnits",
        ),
    ],
)
def test_purchase_order_validation(
    sb: SandboxServer, s: requests.Session, refs: dict, body: dict, text: str
) -> None:
    def fill(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: fill(x) for k, x in v.items()}
        if isinstance(v, list):
            return [fill(x) for x in v]
        return (
            {"SUP": refs["supplier"], "ITEM": refs["items"][0]}.get(v, v)
            if isinstance(v, str)
            else v
        )

    before = sb.stats()[str(sb.divisions_list[0])].get("purchaseorder/PurchaseOrders", 0)
    r = post_po(sb, s, fill(body))
    assert r.status_code == 400
    assert text in msg(r)
    assert sb.stats()[str(sb.divisions_list[0])].get("purchaseorder/PurchaseOrders", 0) == before


def test_lines_endpoint_and_last_line_rule(
    sb: SandboxServer, s: requests.Session, refs: dict
) -> None:
    po = post_po(
        sb,
        s,
        {
            "Supplier": refs["supplier"],
            "PurchaseOrderLines": [{"Item": refs["items"][0], "QuantityInPurchaseUnits": 1}],
        },
    ).json()["d"]
    lines_url = sb.api_url("{division}/purchaseorder/PurchaseOrderLines")
    alone = s.post(
        lines_url, json={"Item": refs["items"][0], "QuantityInPurchaseUnits": 1}, timeout=30
    )
    assert alone.status_code == 400 and "PurchaseOrderID" in msg(alone)
    added = s.post(
        lines_url,
        json={
            "PurchaseOrderID": po["PurchaseOrderID"],
            "Item": refs["items"][1],
            "QuantityInPurchaseUnits": 4,
        },
        headers={"Prefer": "return=representation"},
        timeout=30,
    )
    assert added.status_code == 201, added.text
    line = added.json()["d"]
    assert line["LineNumber"] == 2 and line["ItemCode"] == "W-IT-2"
    assert (
        s.put(
            f"{lines_url}(guid'{line['ID']}')", json={"QuantityInPurchaseUnits": 5}, timeout=30
        ).status_code
        == 204
    )
    assert s.delete(f"{lines_url}(guid'{line['ID']}')", timeout=30).status_code == 204
    first = po["PurchaseOrderLines"]["results"][0]["ID"]
    last = s.delete(f"{lines_url}(guid'{first}')", timeout=30)
    assert last.status_code == 400
    assert (
        s.put(
            sb.api_url("{division}/purchaseorder/PurchaseOrders")
            + f"(guid'{po['PurchaseOrderID']}')",
            json={"PurchaseOrderLines": []},
            timeout=30,
        ).status_code
        == 400
    )


def test_delete_records_sync_deleted(sb: SandboxServer, s: requests.Session, refs: dict) -> None:
    po = post_po(
        sb,
        s,
        {
            "Supplier": refs["supplier"],
            "PurchaseOrderLines": [{"Item": refs["items"][0], "QuantityInPurchaseUnits": 1}],
        },
    ).json()["d"]
    url = sb.api_url("{division}/purchaseorder/PurchaseOrders") + f"(guid'{po['PurchaseOrderID']}')"
    r = s.delete(url, timeout=30)
    assert r.status_code == 204 and r.content == b""
    assert s.get(url, timeout=30).status_code == 404
    deleted = s.get(
        sb.api_url("{division}/sync/Deleted"),
        timeout=30,
        params={
            "$select": "EntityKey,EntityType,Timestamp,DeletedDate",
            "$filter": "Timestamp gt 1",
        },
    ).json()["d"]["results"]
    assert {"EntityKey": po["PurchaseOrderID"], "EntityType": 22} in [
        {"EntityKey": d["EntityKey"], "EntityType": d["EntityType"]} for d in deleted
    ]
    item = sb.insert_rows(
        sb.divisions_list[0], "logistics/Items", [{"Code": "DEL-1", "Description": "x"}]
    )[0]
    assert (
        s.delete(
            sb.api_url("{division}/logistics/Items") + f"(guid'{item['ID']}')", timeout=30
        ).status_code
        == 204
    )
    deleted = s.get(
        sb.api_url("{division}/sync/Deleted"),
        timeout=30,
        params={"$select": "EntityKey,EntityType", "$filter": "Timestamp gt 1"},
    ).json()["d"]["results"]
    assert {"EntityKey": item["ID"], "EntityType": 9} in [
        {"EntityKey": d["EntityKey"], "EntityType": d["EntityType"]} for d in deleted
    ]


def test_warehouse_transfer_only_open_ones_change(
    sb: SandboxServer, s: requests.Session, refs: dict
) -> None:
    url = sb.api_url("{division}/inventory/WarehouseTransfers")
    body = {
        "EntryDate": "2024-05-01T00:00:00",
        "WarehouseFrom": refs["warehouses"][0],
        "WarehouseTo": refs["warehouses"][1],
        "WarehouseTransferLines": [{"Item": refs["items"][0], "Quantity": 2}],
    }
    r = s.post(url, json=body, headers={"Prefer": "return=representation"}, timeout=30)
    assert r.status_code == 201, r.text
    wt = r.json()["d"]
    assert wt["Status"] == 10 and wt["WarehouseFromCode"] == "W1"
    one = f"{url}(guid'{wt['TransferID']}')"
    assert s.put(one, json={"Status": 50}, timeout=30).status_code == 204
    refused = s.put(one, json={"Description": "late"}, timeout=30)
    assert refused.status_code == 400 and "status 10" in msg(refused)
    missing = s.post(url, json={"EntryDate": "2024-05-01T00:00:00"}, timeout=30)
    assert missing.status_code == 400 and "WarehouseFrom" in msg(missing)


def test_method_not_allowed(sb: SandboxServer, s: requests.Session) -> None:
    r = s.post(sb.api_url("{division}/sync/Logistics/Items"), json={}, timeout=30)
    assert r.status_code == 405
