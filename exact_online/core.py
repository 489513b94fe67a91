"""The sans-I/O core shared by :class:`~exact_online.client.ExactClient` (requests) and
:class:`~exact_online.async_client.AsyncExactClient` (httpx).

Everything that decides lives here, once: request building (URL, params, headers, body), the
policy's decisions (:func:`~exact_online.policy.classify`), the limiter's bookkeeping, the retry
schedule, decoding, and the debug line. :func:`exchange` is one API call as a generator: it yields
actions (:class:`Sleep`, :class:`Authenticate`, :class:`Send`, :class:`Refresh`) and is sent back
what the action produced (the access token, the answer, or :class:`Failed`); it returns the
accepted answer or raises. The clients only perform the actions: with requests and ``time.sleep``,
or with httpx and ``asyncio.sleep`` (the blocking token refresh in a thread). So the 401-refresh-
once, the 429 waits, ``DailyLimitReached`` and "a POST is never retried once it may have reached
Exact" cannot drift apart between the two.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import requests

from exact_online.decoding import Page, decode_response
from exact_online.errors import (
    AnswerLost,
    DailyLimitReached,
    ExactError,
    RateLimited,
    TransportError,
    error_from_response,
)
from exact_online.odata import literal
from exact_online.policy import Action, GarbledAnswer, check_answer, classify
from exact_online.ratelimit import RateLimiter
from exact_online.redact import redact
from exact_online.registry import Endpoint
from exact_online.retry import RetryPolicy
from exact_online.timeconv import format_exact_datetime

logger = logging.getLogger("exact_online.client")
http_logger = logging.getLogger("exact_online.http")  # the debug=True lines

MAX_RATE_LIMIT_WAITS = 10
NO_RETRIES = RetryPolicy(max_retries=0)


@dataclass(frozen=True)
class Call:
    """One API request, built once and sent as often as the policy allows."""

    method: str
    url: str
    division: int | None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def idempotent(self) -> bool:
        return self.method != "POST"


# ---- the actions a client performs for the core ---------------------------------------------


@dataclass(frozen=True)
class Sleep:
    """Wait ``seconds``: the limiter's wait (``rate_limit``) or the retry schedule's."""

    seconds: float
    rate_limit: bool


@dataclass(frozen=True)
class Authenticate:
    """Send back a valid access token (refreshing first when it is about to expire)."""


@dataclass(frozen=True)
class Send:
    """Send ``call`` with ``token``; send back the answer (a ``requests.Response``) or
    :class:`Failed`."""

    call: Call
    token: str | None


@dataclass(frozen=True)
class Refresh:
    """Exact refused ``used_token``: adopt a newer one from the store, else refresh once."""

    used_token: str | None


@dataclass(frozen=True)
class Failed:
    """What a client sends back when the transport failed: no answer came."""

    error: str  # the exception's type name
    sent: bool  # False only when no byte can have reached Exact


Step = Sleep | Authenticate | Send | Refresh
Exchange = Generator[Step, Any, requests.Response]


def exchange(
    call: Call,
    *,
    limiter: RateLimiter,
    policy: RetryPolicy,
    api_calls: Counter[int | None],
    check_body: Callable[[requests.Response], object] | None = None,
) -> Exchange:
    """One API call with the limiter, auth, refresh-on-401, 429 waits and retries.

    GET/PUT/DELETE are retried on 5xx, 408, timeouts, dropped connections and 2xx answers that
    ``check_body`` finds garbled (then :class:`GarbledAnswer`). A POST is never retried once it
    may have reached Exact: :class:`AnswerLost` or :class:`ServerError`. ``policy`` is the retry
    schedule of this call (:data:`NO_RETRIES` for none).
    """
    division, method, url = call.division, call.method, call.url
    delays = policy.delays()
    refreshed = False
    rate_waits = 0
    while True:
        wait = limiter.plan_request(division)
        if wait > 0:
            yield Sleep(wait, rate_limit=True)
        token = yield Authenticate()
        api_calls[division] += 1
        answer = yield Send(call, token)
        if isinstance(answer, Failed):
            what = f"{method} {redact(url)}: {answer.error}"
            if method == "POST" and answer.sent:
                raise AnswerLost(
                    f"{what}; the answer was lost and Exact may have applied the write: "
                    "look the record up before retrying",
                    request_sent=True,
                )
            delay = next(delays, None) if (call.idempotent or not answer.sent) else None
            if delay is None:
                raise TransportError(what, request_sent=answer.sent)
            logger.warning("%s; retrying in %.1f s", what, delay)
            yield Sleep(delay, rate_limit=False)
            continue
        resp: requests.Response = answer
        limiter.observe(division, resp)
        decision = classify(
            resp,
            limiter=limiter,
            division=division,
            idempotent=call.idempotent,
            refreshed=refreshed,
            check_body=check_body,
        )
        if decision.action is Action.OK:
            return resp
        if decision.action is Action.REFRESH:
            refreshed = True
            logger.info("Exact answered 401; refreshing the access token once")
            yield Refresh(token)
            continue
        if decision.action is Action.DAILY_STOP:
            assert decision.reset_at is not None
            raise DailyLimitReached(division, decision.reset_at)
        if decision.action is Action.WAIT:
            if rate_waits >= MAX_RATE_LIMIT_WAITS:
                err = error_from_response(resp)
                raise RateLimited(
                    429,
                    err.message,
                    reset_at=limiter.snapshot(division).minutely_reset_at,
                    minutely=True,
                    method=method,
                    url=url,
                    code=err.code,
                    body=err.body,
                )
            rate_waits += 1
            logger.info(
                "Exact answered 429 (division %s); waiting %.1f s", division, decision.wait
            )
            yield Sleep(decision.wait, rate_limit=True)
            continue
        if decision.action is Action.RETRY:
            delay = next(delays, None)
            if delay is not None:
                logger.warning(
                    "%s %s: %s; retrying in %.1f s", method, redact(url), decision.reason, delay
                )
                yield Sleep(delay, rate_limit=False)
                continue
        if resp.status_code < 300:
            raise GarbledAnswer(
                f"{method} {redact(url)}: {decision.reason}; giving up after "
                f"{policy.max_tries} tries"
            )
        raise error_from_response(resp)


def call_policy(
    default: RetryPolicy, retry: bool = True, retries: RetryPolicy | None = None
) -> RetryPolicy:
    """The retry schedule of one call: ``retries`` when given, none with ``retry=False``, else the
    client's."""
    if not retry:
        return NO_RETRIES
    return retries if retries is not None else default


# ---- building requests and reading answers (shared by both clients) ---------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return format_exact_datetime(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot send a {type(value).__name__} to Exact")


def dumps(body: Any) -> bytes:
    return json.dumps(body, default=_json_default, ensure_ascii=False).encode("utf-8")


def build_call(
    method: str,
    url: str,
    division: int | None,
    *,
    json_body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Call:
    hdrs: dict[str, str] = {}
    body = None
    if json_body is not None:
        body = dumps(json_body)
        hdrs["Content-Type"] = "application/json"
    if headers:
        hdrs.update(headers)
    return Call(method.upper(), url, division, body, hdrs)


def page_checker(
    response_format: str, endpoint_of: Callable[[requests.Response], Endpoint | None]
) -> tuple[list[Page], Callable[[requests.Response], None]]:
    """A ``check_body`` that decodes a read's answer, and the list it leaves the page in (the
    page of the last answer that passed is the result: no second decode)."""
    pages: list[Page] = []

    def check(resp: requests.Response) -> None:
        ep = endpoint_of(resp)
        pages.append(check_answer(resp, response_format, lambda r: decode_response(r, ep)))

    return pages, check


def next_page_url(page: Page, url: str, seen: set[str], check_origin: Callable[[str], None]) -> str:
    """The next link to follow ('' at the end), followed as given (it may name another path) but
    only on our own host and never twice."""
    next_url = page.next_url
    if not next_url:
        return ""
    check_origin(next_url)
    if next_url in seen or next_url == url:
        raise ExactError(f"Exact repeated a next link ({redact(next_url)}); stopping")
    seen.add(url)
    return next_url


def first_record_or_none(page: Page) -> dict[str, Any] | None:
    return page.records[0] if page.records else None


def me_record(page: Page) -> dict[str, Any]:
    if not page.records:
        raise ExactError("current/Me answered no user")
    return page.records[0]


def sync_timestamp_params(endpoint_name: str, modified: datetime) -> dict[str, str]:
    return {"modified": literal(modified, "Edm.DateTime"), "endPoint": literal(endpoint_name)}


def sync_timestamp_value(page: Page, endpoint_name: str) -> int:
    records = page.records
    if not records or records[0].get("TimeStampAsBigInt") is None:
        raise ExactError(f"SyncTimestamp answered no timestamp for {endpoint_name}")
    return int(records[0]["TimeStampAsBigInt"])


def log_exchange(
    log: logging.Logger, call: Call, *, status: int | str, seconds: float, size: int
) -> None:
    """The ``debug=True`` line: method, redacted URL, status, milliseconds, body size. Never a
    header or a body (they carry tokens and personal data)."""
    log.info(
        "%s %s -> %s in %.0f ms, %d bytes",
        call.method,
        redact(call.url),
        status,
        seconds * 1000,
        size,
    )
