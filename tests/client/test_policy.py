"""exact_online.policy: the one decision table for Exact's answers (pure: no I/O, no sleeping)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import requests

from exact_online.decoding import decode_response
from exact_online.errors import ExactError
from exact_online.policy import Action, check_answer, classify, origin, same_origin
from exact_online.ratelimit import RateLimiter
from exact_online.retry import RetryPolicy

NOW = 1_800_000_000.0  # a fixed clock, epoch seconds


def answer(status: int, body: bytes = b"", **headers: str) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = body  # the documented way to build a Response without a server
    resp.headers.update(headers)
    resp.url = "https://start.exactonline.nl/api/v1/1/logistics/Items"
    return resp


def limiter() -> RateLimiter:
    return RateLimiter(clock=lambda: NOW, sleep=lambda _s: None)


def decide(resp: requests.Response, **kw: object) -> Action:
    return classify(resp, limiter=limiter(), division=1, **kw).action  # type: ignore[arg-type]


def test_success_and_garbled_success() -> None:
    good = answer(200, json.dumps({"d": {"results": []}}).encode(), **{
        "Content-Type": "application/json"})
    assert decide(good) is Action.OK
    assert decide(good, check_body=decode_response) is Action.OK
    broken = answer(200, b'{"d": {"results": [', **{"Content-Type": "application/json"})
    decision = classify(broken, limiter=limiter(), division=1, check_body=decode_response)
    assert decision.action is Action.RETRY and decision.reason.startswith("garbled answer")
    # A POST's garbled answer is not asked again: the write may have happened.
    assert decide(broken, check_body=decode_response, idempotent=False) is Action.FATAL


def test_401_refreshes_once() -> None:
    assert decide(answer(401)) is Action.REFRESH
    assert decide(answer(401), refreshed=True) is Action.FATAL


def test_429_minutely_waits_until_the_reset_and_daily_stops() -> None:
    reset_ms = int((NOW + 12) * 1000)
    minutely = answer(429, **{
        "X-RateLimit-Minutely-Remaining": "0",
        "X-RateLimit-Minutely-Reset": str(reset_ms),
        "X-RateLimit-Remaining": "4000",
    })
    decision = classify(minutely, limiter=limiter(), division=1)
    assert decision.action is Action.WAIT and decision.wait == pytest.approx(12.0)
    daily_reset = int((NOW + 3600) * 1000)
    daily = answer(429, **{
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(daily_reset),
        "X-RateLimit-Minutely-Remaining": "30",
    })
    decision = classify(daily, limiter=limiter(), division=1)
    assert decision.action is Action.DAILY_STOP
    assert decision.reset_at == datetime.fromtimestamp(daily_reset / 1000, timezone.utc)


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504, 599])
def test_transient_statuses_are_retried_unless_not_idempotent(status: int) -> None:
    assert decide(answer(status)) is Action.RETRY
    assert decide(answer(status), idempotent=False) is Action.FATAL


@pytest.mark.parametrize("status", [301, 400, 403, 404, 405, 409])
def test_other_statuses_are_fatal(status: int) -> None:
    assert decide(answer(status)) is Action.FATAL


def test_same_origin_fills_in_default_ports_and_ignores_case() -> None:
    assert same_origin("https://Start.ExactOnline.nl", "https://start.exactonline.nl:443/api/v1/x")
    assert same_origin("http://127.0.0.1/x", "http://127.0.0.1:80/y")
    assert not same_origin("https://start.exactonline.nl", "http://start.exactonline.nl")
    assert not same_origin("https://start.exactonline.nl", "https://start.exactonline.nl:8443")
    assert not same_origin("https://start.exactonline.nl", "https://evil.example")
    assert origin("HTTPS://h:444/x") == ("https", "h", 444)


def test_one_retry_schedule() -> None:
    policy = RetryPolicy(max_retries=4, base=0.5, cap=3.0)
    assert policy.max_tries == 5
    assert [policy.step(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    waits = list(policy.delays())
    assert len(waits) == 4
    assert all(0 <= w <= policy.step(n) for n, w in enumerate(waits, start=1))


JSON = {"Content-Type": "application/json; charset=utf-8"}


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"", JSON),
        (b'{"d": {"results": [{"ID": 1}', JSON),
        (b"<html><body>maintenance</body></html>", {"Content-Type": "text/html"}),
        (b'{"d": {"results": []}}', {"Content-Type": "text/plain"}),
        (b'{"d": {}}', JSON),
        (b'{"d": "temporarily unavailable"}', JSON),
    ],
    ids=["empty", "malformed", "html", "wrong-type", "empty-entity", "string-d"],
)
def test_check_answer_refuses_unusable_bodies(body: bytes, headers: dict[str, str]) -> None:
    resp = answer(200, body, **headers)
    with pytest.raises(ExactError):
        check_answer(resp, "json", decode_response)
    decision = classify(
        resp, limiter=limiter(), division=1,
        check_body=lambda r: check_answer(r, "json", decode_response),
    )
    assert decision.action is Action.RETRY


def test_check_answer_passes_real_pages() -> None:
    page = check_answer(answer(200, b'{"d": {"results": []}}', **JSON), "json", decode_response)
    assert page.records == []
    page = check_answer(answer(200, b' {"d" : [{"A": 1}]}', **JSON), "json", decode_response)
    assert page.records == [{"A": 1}]
