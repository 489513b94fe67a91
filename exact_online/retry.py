"""The ONE retry schedule, and which transport failures may be retried.

Retried (GET, PUT, DELETE): 5xx, 408, garbled answers, timeouts, dropped connections — with
exponential backoff and full jitter, capped (python-backoff supplies the jitter). The client's loop
and the tap's SDK backoff both take their waits from one :class:`RetryPolicy`
(``ConnectionSettings.retry_policy``). A POST is never retried once the request may have reached
Exact: a lost answer becomes :class:`~exact_online.errors.AnswerLost` and the caller looks the
record up first. Which answers are retried is decided in :mod:`exact_online.policy`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import backoff
import requests
import urllib3.exceptions

RETRIABLE_STATUS = frozenset({408, 500, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


def is_retriable_status(status: int) -> bool:
    return status in RETRIABLE_STATUS or 500 <= status < 600


def request_was_sent(exc: requests.RequestException) -> bool:
    """False when the failure happened before any byte reached the server (safe to retry a POST)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        cause: BaseException | None = exc.args[0] if exc.args else None
        if isinstance(cause, urllib3.exceptions.MaxRetryError):
            cause = cause.reason
        if isinstance(cause, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError)):
            return False
    return True


TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class RetryPolicy:
    """Exponential backoff with full jitter, capped; ``max_retries`` tries after the first."""

    def __init__(
        self,
        max_retries: int = 5,
        base: float = 0.5,
        cap: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_retries = max(0, int(max_retries))
        self.base = base
        self.cap = cap
        self.sleep = sleep

    @property
    def max_tries(self) -> int:
        """The first try plus the retries."""
        return self.max_retries + 1

    def step(self, retry: int) -> float:
        """The un-jittered wait before retry number ``retry`` (1-based): ``base * 2**(retry-1)``,
        capped at ``cap``."""
        return float(min(self.cap, self.base * 2 ** max(0, retry - 1)))

    def delay(self, retry: int) -> float:
        """The jittered wait before retry number ``retry`` (1-based)."""
        return float(backoff.full_jitter(self.step(retry)))

    def delays(self) -> Iterator[float]:
        """The waits of one request, at most ``max_retries`` of them."""
        for retry in range(1, self.max_retries + 1):
            yield self.delay(retry)
