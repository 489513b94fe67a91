"""Paging, rate limits, retries and error mapping over real HTTP (local scripted server), each
against both clients: ``ExactClient`` and ``AsyncExactClient`` share one core."""

from __future__ import annotations

import json
import time

import pytest

from exact_online.errors import (
    AnswerLost,
    AuthError,
    BadRequest,
    DailyLimitReached,
    ExactAPIError,
    ExactError,
    Forbidden,
    ServerError,
    Unauthorized,
)
from exact_online.odata import Query, and_, eq
from exact_online.ratelimit import MIN_WAIT_AFTER_429
from exact_online.retry import RetryPolicy

from .atom import entry, feed
from .both import Maker
from .localserver import ACCESS, Reply, ScriptedServer

DIV = 3001001
ITEMS = f"/api/v1/{DIV}/sync/Logistics/Items"


def page(rows: list[dict], next_url: str | None = None) -> bytes:
    d: dict = {"results": rows}
    if next_url:
        d["__next"] = next_url
    return json.dumps({"d": d}).encode()


def limits(minutely_left: int, daily_left: int = 4000, reset_in: float = 30.0) -> dict[str, str]:
    now_ms = int(time.time() * 1000)
    return {
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": str(daily_left),
        "X-RateLimit-Reset": str(now_ms + 3_600_000),
        "X-RateLimit-Minutely-Limit": "60",
        "X-RateLimit-Minutely-Remaining": str(minutely_left),
        "X-RateLimit-Minutely-Reset": str(now_ms + int(reset_in * 1000)),
    }


def test_next_link_on_another_path_is_followed_lazily(make: Maker) -> None:
    with ScriptedServer() as srv:
        nxt = f"{srv.url}/elsewhere/api/v1/{DIV}/sync/Logistics/Items?$skiptoken=9L"
        srv.add(ITEMS, Reply(body=page([{"Timestamp": "1"}], nxt)))
        srv.add(
            "/elsewhere/api/v1/3001001/sync/Logistics/Items", Reply(body=page([{"Timestamp": "9"}]))
        )
        client = make(srv)
        pages = client.iter_pages(
            "{division}/sync/Logistics/Items",
            division=DIV,
            query=Query(select=["Timestamp"], filter="Timestamp gt 1L"),
        )
        first = next(pages)
        assert len(srv.requests) == 1  # lazy: the second page is not fetched yet
        rest = list(pages)
    assert [r["Timestamp"] for r in first.records + rest[0].records] == [1, 9]
    assert client.api_calls[DIV] == 2
    assert srv.requests[1].raw_path.endswith("$skiptoken=9L")


def test_atom_next_link_is_followed(make: Maker) -> None:
    xml = {"Content-Type": "application/atom+xml;type=feed"}
    with ScriptedServer() as srv:
        nxt = f"{srv.url}{ITEMS}2?$skiptoken=2L"
        e1 = entry([("Timestamp", "1", "Edm.Int64")])
        e2 = entry([("Timestamp", "2", "Edm.Int64")])
        srv.add(ITEMS, Reply(body=feed(srv.url, [e1], nxt), headers=xml))
        srv.add(ITEMS + "2", Reply(body=feed(srv.url, [e2]), headers=xml))
        client = make(srv, response_format="xml")
        records = list(client.iter_records("sync/Logistics/Items", division=DIV))
    assert [r["Timestamp"] for r in records] == [1, 2]


def test_next_link_to_another_host_is_refused_without_a_request(make: Maker) -> None:
    with ScriptedServer() as srv:
        evil = "http://attacker.invalid/api/v1/1/sync/Logistics/Items?$skiptoken=1L"
        srv.add(ITEMS, Reply(body=page([{"Timestamp": "1"}], evil)))
        client = make(srv)
        with pytest.raises(ExactError, match="refusing"):
            list(client.iter_pages("sync/Logistics/Items", division=DIV))
    assert len(srv.requests) == 1


def test_query_string_keeps_odata_literals_readable_and_escaped(make: Maker) -> None:
    with ScriptedServer() as srv:
        srv.add(f"/api/v1/{DIV}/crm/Accounts", Reply(body=page([])))
        client = make(srv)
        flt = and_(
            eq("Name", "Jan's & Co"), eq("ID", "6e4c1f7a-0000-4a6b-9d3e-1234567890ab", "Edm.Guid")
        )
        client.find("crm/Accounts", division=DIV, filter=flt, select=["ID", "Name"])
    raw = srv.requests[0].raw_path
    assert "$select=ID,Name" in raw
    assert "$filter=(Name%20eq%20'Jan''s%20%26%20Co')%20and%20(ID%20eq%20guid'6e4c1f7a" in raw
    assert "$top=1" in raw


def test_429_with_headers_waits_for_the_minutely_reset(make: Maker) -> None:
    with ScriptedServer() as srv:
        headers = {k: v for k, v in limits(0, reset_in=2.0).items() if "Minutely" in k}
        srv.add(ITEMS, Reply(429, b"", headers), Reply(body=page([]), headers=limits(59)))
        client = make(srv)
        client.get_page("sync/Logistics/Items", division=DIV)
    waits = client.sleeps.waits  # type: ignore[attr-defined]
    assert len(waits) == 1 and waits[0] == MIN_WAIT_AFTER_429  # the reset is 2 s away: the floor
    assert client.api_calls[DIV] == 2


def test_429_without_headers_backs_off_exponentially(make: Maker) -> None:
    with ScriptedServer() as srv:
        srv.add(ITEMS, Reply(429), Reply(429), Reply(429), Reply(body=page([])))
        client = make(srv)
        client.get_page("sync/Logistics/Items", division=DIV)
    waits = client.sleeps.waits  # type: ignore[attr-defined]
    assert len(waits) == 3
    floor = MIN_WAIT_AFTER_429  # doubled per consecutive 429, plus up to half of it as jitter
    assert floor <= waits[0] <= 1.5 * floor and 2 * floor <= waits[1] <= 3 * floor
    assert 4 * floor <= waits[2] <= 6 * floor
    assert client.api_calls[DIV] == 4


def test_daily_429_raises_daily_limit_reached(make: Maker) -> None:
    with ScriptedServer() as srv:
        headers = {k: v for k, v in limits(10, daily_left=0).items() if "Minutely" not in k}
        srv.add(ITEMS, Reply(429, b"", headers))
        client = make(srv)
        with pytest.raises(DailyLimitReached) as info:
            client.get_page("sync/Logistics/Items", division=DIV)
    assert info.value.division == DIV and info.value.reset_at is not None
    assert client.api_calls[DIV] == 1


def test_spent_minute_waits_before_the_next_call_and_reserve_stops_early(make: Maker) -> None:
    with ScriptedServer() as srv:
        srv.add(ITEMS, Reply(body=page([]), headers=limits(0, daily_left=100, reset_in=5)))
        srv.add(
            f"/api/v1/{DIV}/logistics/Items",
            Reply(body=page([]), headers=limits(50, daily_left=20)),
        )
        client = make(srv, reserve=20)
        client.get_page("sync/Logistics/Items", division=DIV)
        assert client.sleeps.waits == []  # type: ignore[attr-defined]
        client.get_page("logistics/Items", division=DIV)  # waits for the minute first
        # Exact's time comes from its whole-second Date header: the wait errs long by up to 1 s.
        assert len(client.sleeps.waits) == 1 and 0 < client.sleeps.waits[0] <= 6  # type: ignore[attr-defined]
        with pytest.raises(DailyLimitReached, match="reserve is 20"):
            client.get_page("logistics/Items", division=DIV)  # 20 left <= reserve: not sent
        assert client.api_calls[DIV] == 2
        # Another division has its own budget; calls without a division never count.
        srv.add("/api/v1/7/logistics/Items", Reply(body=page([])))
        client.get_page("logistics/Items", division=7)
        assert client.api_calls[7] == 1


def test_5xx_on_get_is_retried_then_succeeds(make: Maker) -> None:
    with ScriptedServer() as srv:
        srv.add(
            ITEMS,
            Reply(503, b"maintenance"),
            Reply(drop=True),
            Reply(body=page([{"Timestamp": 1}])),
        )
        client = make(srv)
        recs = client.get_page("sync/Logistics/Items", division=DIV).records
    assert recs == [{"Timestamp": 1}]
    assert client.api_calls[DIV] == 3


def test_5xx_gives_up_after_max_retries(make: Maker) -> None:
    with ScriptedServer() as srv:
        srv.add(ITEMS, Reply(500, b'{"error":{"code":"","message":{"lang":"","value":"Boom"}}}'))
        client = make(srv)
        with pytest.raises(ServerError, match="Boom"):
            client.get_page("sync/Logistics/Items", division=DIV)
    assert client.api_calls[DIV] == 4  # 1 + max_retries(3)


def test_post_is_never_retried_blindly(make: Maker) -> None:
    path = f"/api/v1/{DIV}/purchaseorder/PurchaseOrders"
    with ScriptedServer() as srv:
        srv.add(path, Reply(drop=True))
        client = make(srv)
        with pytest.raises(AnswerLost) as info:
            client.post("purchaseorder/PurchaseOrders", {"Supplier": "x"}, division=DIV)
        assert info.value.request_sent is True
        assert client.api_calls[DIV] == 1
        srv.routes[path].clear()
        srv.add(path, Reply(500, b'{"error":{"message":{"value":"Server-side validation"}}}'))
        with pytest.raises(ServerError, match="Server-side validation"):
            client.post("purchaseorder/PurchaseOrders", {"Supplier": "x"}, division=DIV)
        assert client.api_calls[DIV] == 2
    assert srv.requests[0].headers.get("Prefer") == "return=representation"


def test_post_returns_the_created_entity(make: Maker) -> None:
    path = f"/api/v1/{DIV}/purchaseorder/PurchaseOrders"
    created = {"d": {"PurchaseOrderID": "AA4C1F7A-0000-4A6B-9D3E-1234567890AB", "OrderNumber": 5}}
    with ScriptedServer() as srv:
        srv.add(path, Reply(201, json.dumps(created).encode()))
        client = make(srv)
        rec = client.post(
            "purchaseorder/PurchaseOrders", {"Supplier": "s", "Amount": 1.5}, division=DIV
        )
    assert rec == {"PurchaseOrderID": "aa4c1f7a-0000-4a6b-9d3e-1234567890ab", "OrderNumber": 5}
    assert json.loads(srv.requests[0].body) == {"Supplier": "s", "Amount": 1.5}


def test_json_and_xml_error_bodies_and_reason_header(make: Maker) -> None:
    with ScriptedServer() as srv:
        srv.add(
            f"/api/v1/{DIV}/crm/Accounts",
            Reply(
                400,
                b'{"error":{"code":"","message":{"lang":"",'
                b'"value":"This endpoint has mandatory filtering applied."}}}',
                {"Reason": "Mandatory filter"},
            ),
        )
        srv.add(
            f"/api/v1/{DIV}/logistics/Items",
            Reply(
                403,
                b'<?xml version="1.0" encoding="utf-8"?><error xmlns='
                b'"http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">'
                b'<code></code><message xml:lang="en-US">'
                b"Forbidden - WrongDivision</message></error>",
                {"Content-Type": "application/xml"},
            ),
        )
        client = make(srv)
        with pytest.raises(BadRequest) as bad:
            client.get_page("crm/Accounts", division=DIV)
        with pytest.raises(Forbidden) as forbidden:
            client.get_page("logistics/Items", division=DIV)
    assert bad.value.status == 400
    assert bad.value.message == "This endpoint has mandatory filtering applied."
    assert bad.value.reason == "Mandatory filter"
    assert forbidden.value.message == "Forbidden - WrongDivision"
    assert client.api_calls[DIV] == 2  # other 4xx are not retried


def test_get_one_404_is_none(make: Maker) -> None:
    with ScriptedServer() as srv:
        client = make(srv)
        assert client.get_one("logistics/Items", 5, division=DIV) is None
    assert srv.requests[0].raw_path == f"/api/v1/{DIV}/logistics/Items(5)"


def test_401_after_one_refresh_is_an_auth_error(make: Maker) -> None:
    fresh = json.dumps(
        {"access_token": "second-access-token-0123", "refresh_token": "second-refresh-0123",
         "expires_in": "600"}
    ).encode()
    with ScriptedServer() as srv:
        srv.add(ITEMS, Reply(401, b'{"error":{"code":"","message":{"value":"Unauthorized"}}}'))
        srv.add("/api/oauth2/token", Reply(200, fresh))
        client = make(srv)
        with pytest.raises(AuthError) as info:
            client.get_page("sync/Logistics/Items", division=DIV)
    assert isinstance(info.value, ExactAPIError) and isinstance(info.value, Unauthorized)
    assert info.value.status == 401 and info.value.request_method == "GET"
    assert client.api_calls[DIV] == 2  # the 401, one refresh, the 401 again: no loop
    assert client.authenticator.token_calls == 1
    assert [r.headers["Authorization"] for r in srv.requests if r.raw_path.startswith(ITEMS)] == [
        f"Bearer {ACCESS}", "Bearer second-access-token-0123"
    ]


def test_retries_per_call_and_retry_false(make: Maker) -> None:
    with ScriptedServer() as srv:
        srv.add(ITEMS, Reply(503, b"maintenance"))
        client = make(srv)  # the client's schedule: 3 retries
        with pytest.raises(ServerError):
            client.get_page("sync/Logistics/Items", division=DIV, retry=False)
        assert client.api_calls[DIV] == 1
        once = RetryPolicy(max_retries=1, base=0.01, cap=0.01, sleep=client.sleeps)
        with pytest.raises(ServerError):
            list(client.iter_records("sync/Logistics/Items", division=DIV, retries=once))
        assert client.api_calls[DIV] == 3
        srv.add(f"/api/v1/{DIV}/logistics/Items(5)", Reply(503))
        srv.add(f"{ITEMS}(7)", Reply(503))
        with pytest.raises(ServerError):
            client.delete("logistics/Items", 5, division=DIV, retries=once)
        assert client.api_calls[DIV] == 5
        with pytest.raises(ServerError):
            client.get_one("sync/Logistics/Items", 7, division=DIV, retry=False)
        assert client.api_calls[DIV] == 6


def test_error_carries_code_body_method_and_redacted_url(make: Maker) -> None:
    body = b'{"error":{"code":"E123","message":{"lang":"","value":"Invalid: Supplier"}}}'
    with ScriptedServer() as srv:
        srv.add(f"/api/v1/{DIV}/purchaseorder/PurchaseOrders", Reply(400, body))
        client = make(srv)
        with pytest.raises(BadRequest) as info:
            client.post(
                f"purchaseorder/PurchaseOrders?access_token={ACCESS}", {"x": 1}, division=DIV
            )
    err = info.value
    assert (err.status, err.code, err.message) == (400, "E123", "Invalid: Supplier")
    assert err.body == body and err.request_method == "POST"
    assert err.url.endswith("/purchaseorder/PurchaseOrders?access_token=***")
    assert ACCESS not in str(err) and "POST" in str(err)
