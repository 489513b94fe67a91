"""The ONE request policy: what to do with an answer from Exact, and which URLs are Exact's.

``classify`` decides; it never sleeps, sends or refreshes. The callers act on the decision:
``ExactClient.request`` in its own loop, and the tap's streams through the SDK's backoff
(``validate_response`` raises, ``backoff_wait_generator`` waits). Waits for retries come from one
:class:`~exact_online.retry.RetryPolicy` schedule; 429 waits come from the rate limiter.

- 304: OK (only ever the answer to a conditional download: the caller's copy is current).
- 2xx: OK (or RETRY when ``check_body`` finds the body garbled: an empty, malformed, HTML or
  wrongly typed page, ``{"d": {}}`` or ``{"d": "..."}`` is asked again, never taken as the end of
  the data; ``check_answer`` is that check).
- 401: REFRESH the access token once; a second 401 for the same request is FATAL.
- 429: DAILY_STOP when the daily budget is spent, else WAIT as long as the limiter says.
- 408, 5xx: RETRY (GET, PUT, DELETE); a POST is never retried once it reached Exact: FATAL.
- anything else: FATAL.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from urllib.parse import urlsplit

import requests

from exact_online.decoding import Page
from exact_online.errors import ExactError
from exact_online.ratelimit import RateLimiter
from exact_online.retry import is_retriable_status

_DEFAULT_PORTS = {"https": 443, "http": 80}
# A JSON answer's "d" must be an object or a list: {"d": "..."} is a proxy's or a broken server's.
_D_CONTAINER = re.compile(rb'^\s*\{\s*"d"\s*:\s*[\[{]')
P = TypeVar("P", bound=Page)


class GarbledAnswer(ExactError):
    """A 2xx answer that carries no usable page (asked again, then this fails the run)."""


class Action(enum.Enum):
    OK = "ok"
    RETRY = "retry"  # after the retry schedule's next wait
    WAIT = "wait"  # 429: after ``Decision.wait`` seconds (the limiter's)
    REFRESH = "refresh"  # 401: refresh the access token once, then send again
    DAILY_STOP = "daily_stop"  # the day's budget is spent: stop, resume after ``reset_at``
    FATAL = "fatal"


@dataclass(frozen=True)
class Decision:
    action: Action
    status: int
    reason: str = ""
    wait: float = 0.0
    reset_at: datetime | None = None


def classify(
    response: requests.Response,
    *,
    limiter: RateLimiter,
    division: int | None,
    idempotent: bool = True,
    refreshed: bool = False,
    check_body: Callable[[requests.Response], object] | None = None,
) -> Decision:
    """What to do with ``response``.

    ``refreshed``: a 401 was already answered by a refresh for this request. ``check_body``
    decodes a 2xx body and raises :class:`ExactError` when it is garbled. The limiter's
    bookkeeping of consecutive 429s is the only state this touches.
    """
    status = response.status_code
    if status == 304:
        return Decision(Action.OK, status)
    if status < 300:
        if check_body is not None:
            try:
                check_body(response)
            except ExactError as exc:
                action = Action.RETRY if idempotent else Action.FATAL
                return Decision(action, status, f"garbled answer: {exc}")
        return Decision(Action.OK, status)
    if status == 401:
        if refreshed:
            return Decision(Action.FATAL, status, "access token refused again after a refresh")
        return Decision(Action.REFRESH, status, "access token refused")
    if status == 429:
        reset_at = limiter.daily_exhausted_by(response)
        if reset_at is not None:
            return Decision(Action.DAILY_STOP, status, "daily API limit", reset_at=reset_at)
        wait = limiter.wait_after_429(division, response)
        return Decision(Action.WAIT, status, "minutely API limit", wait=wait)
    if is_retriable_status(status):
        if idempotent:
            return Decision(Action.RETRY, status, f"HTTP {status}")
        return Decision(Action.FATAL, status, f"HTTP {status} to a request that is not retried")
    return Decision(Action.FATAL, status, f"HTTP {status}")


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) with the default port filled in, all lower case."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    return scheme, (parts.hostname or "").lower(), port


def same_origin(a: str, b: str) -> bool:
    """True when both URLs reach the same server (``https://h`` == ``https://H:443/x``)."""
    return origin(a) == origin(b)


def check_answer(
    response: requests.Response, response_format: str, decode: Callable[[requests.Response], P]
) -> P:
    """The decoded page of a 2xx read, or :class:`GarbledAnswer`/``DecodeError`` when the body is
    empty, of the wrong Content-Type, malformed, ``{"d": "..."}`` or an empty entity."""
    body = response.content or b""
    if not body.strip():
        raise GarbledAnswer("empty answer body")
    ctype = response.headers.get("Content-Type", "").lower()
    if "json" not in ctype and "xml" not in ctype:
        # Exact answers JSON or Atom (decoded by type, whichever was asked): HTML or text is a
        # proxy's or a maintenance page.
        wanted = "json" if response_format == "json" else "xml"
        raise GarbledAnswer(f"Content-Type {ctype or '(none)'!r}, expected {wanted}")
    if "json" in ctype and not _D_CONTAINER.match(body[:256]):
        raise GarbledAnswer('JSON answer whose "d" is not an object or a list')
    page = decode(response)
    if any(not record for record in page.records):
        raise GarbledAnswer("answer with an empty entity")
    return page
