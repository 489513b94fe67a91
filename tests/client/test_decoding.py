"""JSON and Atom answers decode to identical typed records (over real HTTP, local server)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from exact_online.decoding import DecodeError, decode_atom, decode_json, typed_record_converter
from exact_online.registry import load_registry

from .atom import entry, feed
from .localserver import Reply, ScriptedServer, make_client

DIV = 3001001
PATH = f"/api/v1/{DIV}/sync/Logistics/Items"
ITEMS = load_registry().find("logistics/Items").sync  # type: ignore[union-attr]

UTC = timezone.utc
# Amsterdam wall clock written as if it were UTC (what Exact sends), and the true UTC instant.
SUMMER_WALL = 1719835200000  # 2024-07-01 12:00 wall -> 10:00Z (CEST)
WINTER_WALL = 1705320000000  # 2024-01-15 12:00 wall -> 11:00Z (CET)
AMBIGUOUS_WALL = 1729996200000  # 2024-10-27 02:30 wall, happens twice -> first (CEST) 00:30Z
GAP_WALL = 1711852200000  # 2024-03-31 02:30 wall, does not exist -> read as CET 01:30Z

ROW_JSON = {
    "__metadata": {"uri": "x", "type": "Exact.Web.Api.Models.Logistics.Item"},
    "Timestamp": "8589934592123",  # Int64 as a string
    "ID": "6E4C1F7A-0000-4A6B-9D3E-1234567890AB",
    "Code": "ITEM1   ",  # padded: kept as sent
    "Description": 'it\'s <special> & "quoted"',
    "Created": f"/Date({SUMMER_WALL})/",
    "Modified": f"/Date({WINTER_WALL})/",
    "StartDate": f"/Date({AMBIGUOUS_WALL})/",
    "EndDate": f"/Date({GAP_WALL})/",
    "FreeDateField_01": None,
    "IsSalesItem": True,
    "IsBatchItem": 1,
    "Stock": 12.5,
    "SecurityLevel": 10,
    "Division": DIV,
    "Notes": "",
    "Picture": "aGVsbG8=",
    "NotInRegistry": "kept",
}

EXPECTED = {
    "Timestamp": 8589934592123,
    "ID": "6e4c1f7a-0000-4a6b-9d3e-1234567890ab",
    "Code": "ITEM1   ",
    "Description": 'it\'s <special> & "quoted"',
    "Created": datetime(2024, 7, 1, 10, 0, tzinfo=UTC),
    "Modified": datetime(2024, 1, 15, 11, 0, tzinfo=UTC),
    "StartDate": datetime(2024, 10, 27, 0, 30, tzinfo=UTC),
    "EndDate": datetime(2024, 3, 31, 1, 30, tzinfo=UTC),
    "FreeDateField_01": None,
    "IsSalesItem": True,
    "IsBatchItem": 1,
    "Stock": 12.5,
    "SecurityLevel": 10,
    "Division": DIV,
    "Notes": "",
    "Picture": "aGVsbG8=",
    "NotInRegistry": "kept",
}

ATOM_PROPS: list[tuple[str, object, str | None]] = [
    ("Timestamp", "8589934592123", "Edm.Int64"),
    ("ID", "6E4C1F7A-0000-4A6B-9D3E-1234567890AB", "Edm.Guid"),
    ("Code", "ITEM1   ", None),
    ("Description", 'it\'s <special> & "quoted"', None),
    ("Created", "2024-07-01T12:00:00", "Edm.DateTime"),
    ("Modified", "2024-01-15T12:00:00", "Edm.DateTime"),
    ("StartDate", "2024-10-27T02:30:00", "Edm.DateTime"),
    ("EndDate", "2024-03-31T02:30:00", "Edm.DateTime"),
    ("FreeDateField_01", None, "Edm.DateTime"),
    ("IsSalesItem", "true", "Edm.Boolean"),
    ("IsBatchItem", "1", "Edm.Byte"),
    ("Stock", "12.5", "Edm.Double"),
    ("SecurityLevel", "10", "Edm.Int32"),
    ("Division", str(DIV), "Edm.Int32"),
    ("Notes", "", None),
    ("Picture", "aGVsbG8=", "Edm.Binary"),
    ("NotInRegistry", "kept", None),
]


def _json_page(rows: list[dict], next_url: str | None = None) -> bytes:
    d: dict = {"results": rows}
    if next_url:
        d["__next"] = next_url
    return json.dumps({"d": d}).encode()


def test_json_and_atom_give_identical_typed_records() -> None:
    with ScriptedServer() as srv:
        srv.add(PATH + "json", Reply(body=_json_page([dict(ROW_JSON)])))
        atom = feed(srv.url, [entry(ATOM_PROPS)])
        srv.add(PATH + "atom", Reply(body=atom, headers={"Content-Type": "application/atom+xml"}))
        json_client = make_client(srv)
        xml_client = make_client(srv, response_format="xml")
        from_json = json_client.get_page(PATH + "json", division=DIV, endpoint=ITEMS).records
        from_atom = xml_client.get_page(PATH + "atom", division=DIV, endpoint=ITEMS).records
    assert from_json == [EXPECTED]
    assert from_atom == [EXPECTED]
    # JSON is asked for explicitly; Atom by sending no Accept header at all (Exact's default).
    assert srv.requests[0].headers.get("Accept") == "application/json"
    assert "Accept" not in srv.requests[1].headers


def test_int64_as_number_and_string() -> None:
    page = decode_json(
        json.dumps({"d": {"results": [{"Timestamp": 5}, {"Timestamp": "6"}]}}).encode(), ITEMS
    )
    assert [r["Timestamp"] for r in page.records] == [5, 6]


def test_single_row_empty_and_single_entity_pages() -> None:
    with ScriptedServer() as srv:
        srv.add("/api/v1/1/sync/Logistics/Items", Reply(body=_json_page([{"Timestamp": "7"}])))
        srv.add("/api/v1/1/logistics/Items", Reply(body=_json_page([])))
        srv.add(
            "/api/v1/1/logistics/Items(guid'6e4c1f7a-0000-4a6b-9d3e-1234567890ab')",
            Reply(body=json.dumps({"d": {"ID": "6E4C1F7A-0000-4A6B-9D3E-1234567890AB"}}).encode()),
        )
        srv.add(
            "/api/v1/2/logistics/Items",
            Reply(body=feed(srv.url, []), headers={"Content-Type": "application/atom+xml"}),
        )
        client = make_client(srv)
        one = client.get_page("sync/Logistics/Items", division=1)
        empty = client.get_page("logistics/Items", division=1)
        got = client.get_one("logistics/Items", "6e4c1f7a-0000-4a6b-9d3e-1234567890ab", division=1)
        atom_empty = client.get_page("logistics/Items", division=2)
    assert one.records == [{"Timestamp": 7}] and one.next_url is None
    assert empty.records == [] and empty.next_url is None
    assert got == {"ID": "6e4c1f7a-0000-4a6b-9d3e-1234567890ab"}
    assert atom_empty.records == []


def test_function_answer_list_and_inlinecount() -> None:
    page = decode_json(b'{"d": [{"A": 1}, {"A": 2}]}', None)
    assert page.records == [{"A": 1}, {"A": 2}]
    page = decode_json(b'{"d": {"results": [], "__count": "42"}}', ITEMS)
    assert page.count == 42


def test_atom_with_invalid_xml_characters_is_read() -> None:
    props = [("Code", "A\x01B", None), ("Description", "x&#x1;y&#11;z", None)]
    body = (
        feed("http://h", [entry(props)])
        .replace(b"&amp;#x1;", b"&#x1;")
        .replace(b"&amp;#11;", b"&#11;")
    )
    with ScriptedServer() as srv:
        srv.add(
            "/api/v1/1/logistics/Items",
            Reply(body=body, headers={"Content-Type": "application/atom+xml"}),
        )
        page = make_client(srv, response_format="xml").get_page("logistics/Items", division=1)
    assert page.records == [{"Code": "AB", "Description": "xyz"}]


def test_atom_refuses_entity_expansion() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>&lol2;</title></feed>"
    )
    with pytest.raises(DecodeError, match="refused"):
        decode_atom(bomb, None)
    external = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<feed>&e;</feed>"
    )
    with pytest.raises(DecodeError, match="refused"):
        decode_atom(external, None)


def test_expanded_lines_are_typed_and_deferred_links_dropped() -> None:
    orders = load_registry().find("purchaseorder/PurchaseOrders").plain  # type: ignore[union-attr]
    body = {
        "d": {
            "results": [
                {
                    "PurchaseOrderID": "AA4C1F7A-0000-4A6B-9D3E-1234567890AB",
                    "PurchaseOrderLines": {
                        "results": [
                            {
                                "QuantityInPurchaseUnits": 3,
                                "Item": "BB4C1F7A-0000-4A6B-9D3E-1234567890AB",
                            }
                        ]
                    },
                    "Supplier": {"__deferred": {"uri": "x"}},
                }
            ]
        }
    }
    rec = decode_json(json.dumps(body).encode(), orders).records[0]
    assert rec["PurchaseOrderLines"] == [
        {"QuantityInPurchaseUnits": 3.0, "Item": "bb4c1f7a-0000-4a6b-9d3e-1234567890ab"}
    ]
    assert "Supplier" not in rec


def test_bad_value_keeps_the_record_and_names_the_field(caplog: pytest.LogCaptureFixture) -> None:
    rows = [{"ID": "x1", "Stock": "not-a-number"}, {"ID": "x2", "Stock": 1}]
    page = decode_json(json.dumps({"d": {"results": rows}}).encode(), ITEMS)
    assert [r["Stock"] for r in page.records] == ["not-a-number", 1.0]
    assert "field Stock" in caplog.text and "ID=x1" in caplog.text


def test_typed_record_converter_for_the_tap() -> None:
    convert = typed_record_converter(ITEMS)
    rec = convert({"__metadata": {}, "Created": f"/Date({SUMMER_WALL})/", "Timestamp": "9"})
    assert rec == {"Created": datetime(2024, 7, 1, 10, 0, tzinfo=UTC), "Timestamp": 9}


def test_truncated_json_is_a_clear_error() -> None:
    with pytest.raises(DecodeError, match="not valid JSON"):
        decode_json(b'{"d": {"results": [{"ID": ', ITEMS)
