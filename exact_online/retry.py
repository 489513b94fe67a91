"""Which failures are retried, and how long to wait between tries.

Retried (GET, PUT, DELETE): 5xx, 408, timeouts, dropped connections — with exponential backoff and
full jitter, capped (the ``backoff`` module of python-backoff supplies the wait generator and the
jitter). A POST is never retried once the request may have reached Exact: a lost answer becomes
:class:`~exact_online.errors.AnswerLost` and the caller looks the record up first. 401 and 429 are
handled by the client (one refresh; wait for the rate-limit reset), not here.
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

    def delays(self) -> Iterator[float]:
        """Jittered waits: ``base * 2**n`` capped at ``cap``, at most ``max_retries`` of them."""
        gen = backoff.expo(base=2, factor=self.base, max_value=self.cap)
        next(gen)  # python-backoff primes its generators with one send(None)
        for _ in range(self.max_retries):
            yield backoff.full_jitter(next(gen))
