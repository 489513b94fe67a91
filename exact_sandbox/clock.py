"""The sandbox's notion of "now": real time plus an offset tests can move (``POST
/_sandbox/clock``), plus a skew that plays a server whose clock is off (the ``skew`` fault).

Everything the sandbox dates uses this clock: rows, tokens, the rate-limit windows and headers,
and the HTTP ``Date`` header (:func:`dated_request_handler`).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from email.utils import formatdate
from typing import Any


class Clock:
    def __init__(self, offset_seconds: float = 0.0) -> None:
        self._offset = offset_seconds
        self._skew = 0.0
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        return self._offset

    @property
    def skew(self) -> float:
        return self._skew

    def set_offset(self, seconds: float) -> None:
        with self._lock:
            self._offset = float(seconds)

    def set_skew(self, seconds: float) -> None:
        """Run ``seconds`` ahead of the real clock (negative: behind), on top of the offset."""
        with self._lock:
            self._skew = float(seconds)

    def time(self) -> float:
        return time.time() + self._offset + self._skew

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), timezone.utc)


def dated_request_handler(clock: Clock) -> Any:
    """werkzeug's request handler with the ``Date`` header from ``clock`` (the standard library
    writes the machine's time), so a skewed sandbox looks like a server whose clock is off."""
    from werkzeug.serving import WSGIRequestHandler

    class DatedRequestHandler(WSGIRequestHandler):
        def date_time_string(self, timestamp: float | None = None) -> str:
            return formatdate(clock.time() if timestamp is None else timestamp, usegmt=True)

    return DatedRequestHandler
