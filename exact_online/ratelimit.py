"""Exact's call budget, per division, from the six ``X-RateLimit-*`` headers.

Exact allows 60 calls per calendar minute and 5,000 per day per app and division; each answer to a
division URL reports what is left and when each window resets (epoch milliseconds, UTC). We wait
for the minutely reset when the minute's budget is spent (never a fixed sleep), and stop with
:class:`DailyLimitReached` before a call would eat into the configured daily reserve. Calls
without a division (``current/Me``, the token endpoint) do not count.

The reset times are Exact's clock, not ours: every answer's ``Date`` header gives a sample of
"Exact's time minus ours" (:class:`ClockSkew`), and every wait is computed in Exact's time. After a
429 we never wait less than :data:`MIN_WAIT_AFTER_429`, doubled per consecutive 429 of a division,
so even with every header wrong a few retries span a whole minute window instead of burning 429s
(Exact blocks apps that keep making failing calls).
"""

from __future__ import annotations

import logging
import random
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests

from exact_online.errors import DailyLimitReached

logger = logging.getLogger(__name__)

MAX_MINUTELY_WAIT = 61.0  # a calendar-minute window never needs more (+1 s: Date is whole seconds)
# The least wait after a 429, doubled per consecutive 429 of a division (3, 6, 12, 24, 48 s): a 429
# means Exact counted the minute as full, and our estimate of its clock is only good to about a
# second (Date has whole seconds, plus latency). 3 s costs little once per minute, and five
# consecutive 429s then span 93 s, more than a whole window, whatever the headers say.
MIN_WAIT_AFTER_429 = 3.0
BACKOFF_CAP = 60.0
SKEW_SAMPLES = 5  # the last N Date headers; the median ignores one bad header among them
SKEW_WARNING = 5.0  # seconds of skew worth one warning line


@dataclass
class RateLimitState:
    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None
    minutely_limit: int | None = None
    minutely_remaining: int | None = None
    minutely_reset_at: datetime | None = None


def _int(value: str | None) -> int | None:
    if value is None or value.strip() == "":
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def _epoch_ms(value: str | None) -> datetime | None:
    ms = _int(value)
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def _http_date(value: str | None) -> float | None:
    """An HTTP ``Date`` header as epoch seconds; None when missing or unreadable."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:  # some Python versions return None instead of raising
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


class ClockSkew:
    """Exact's clock minus ours (seconds), from the ``Date`` headers of its answers.

    The estimate is the median of the last :data:`SKEW_SAMPLES` samples; with an even number the
    oldest counts twice, so one odd header never moves the estimate on its own (the first header
    is taken as is: there is nothing to compare it with). ``Date`` is whole seconds and written
    before the answer travels, so the estimate errs low by up to about a second: we then think
    Exact's clock is a little earlier than it is and wait a little longer, the safe side.
    """

    def __init__(self, samples: int = SKEW_SAMPLES) -> None:
        self._samples: deque[float] = deque(maxlen=samples)
        self._lock = threading.Lock()  # divisions may be read in parallel threads
        self.seconds = 0.0
        self._warned = False

    def observe(self, date_header: str | None, our_now: float) -> None:
        server = _http_date(date_header)
        if server is None:
            return
        with self._lock:
            self._samples.append(server - our_now)
            window = list(self._samples)
            if len(window) % 2 == 0:
                window.insert(0, window[0])
            self.seconds = float(statistics.median(window))
            warn = not self._warned and abs(self.seconds) >= SKEW_WARNING
            self._warned = self._warned or warn
        if warn:
            logger.warning(
                "Our clock is %.0f s %s Exact's (from its Date header); rate-limit waits use "
                "Exact's time",
                abs(self.seconds),
                "behind" if self.seconds > 0 else "ahead of",
            )


class RateLimiter:
    """Per-division budget. One instance per client; requests per division are sequential (the
    client's division lock), divisions may run in parallel threads: each division's state is only
    touched by the thread holding that division's lock."""

    def __init__(
        self,
        daily_reserve: int = 0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        min_wait_after_429: float = MIN_WAIT_AFTER_429,
        backoff_cap: float = BACKOFF_CAP,
    ) -> None:
        self.daily_reserve = max(0, int(daily_reserve))
        self.clock = clock
        self.sleep = sleep
        self.min_wait_after_429 = min_wait_after_429
        self.backoff_cap = backoff_cap
        self.skew = ClockSkew()  # one server, one clock: shared by every division
        self._state: dict[int | None, RateLimitState] = {}
        self._consecutive_429: dict[int | None, int] = {}
        self.waited: float = 0.0  # total seconds spent waiting (for reports)
        self._waited_lock = threading.Lock()  # divisions may wait in parallel threads

    def server_time(self) -> float:
        """Exact's "now" (epoch seconds) as far as its Date headers tell."""
        return self.clock() + self.skew.seconds

    def snapshot(self, division: int | None) -> RateLimitState:
        st = self._state.get(division)
        return RateLimitState(**vars(st)) if st else RateLimitState()

    def before_request(self, division: int | None) -> None:
        """Wait for the minute's reset if its budget is spent; raise before crossing the reserve."""
        self.wait(self.plan_request(division))

    def plan_request(self, division: int | None) -> float:
        """The seconds to wait before the next call of ``division`` (0: none), counting the call;
        raises :class:`DailyLimitReached` before crossing the reserve. It never sleeps: the sync
        client sleeps through :meth:`wait`, the async one awaits (the sans-I/O core's bookkeeping).
        """
        if division is None:
            return 0.0
        st = self._state.get(division)
        if st is None:
            return 0.0
        now = self.server_time()  # the reset headers are Exact's clock
        if st.remaining is not None and st.reset_at is not None:
            if st.reset_at.timestamp() <= now:
                st.remaining = None  # a new day
            elif st.remaining <= self.daily_reserve:
                raise DailyLimitReached(
                    division,
                    st.reset_at,
                    f"Daily API limit for division {division}: {st.remaining} calls left, "
                    f"reserve is {self.daily_reserve}; it resets at {st.reset_at.isoformat()}",
                )
        wait = 0.0
        if (
            st.minutely_remaining is not None
            and st.minutely_remaining <= 0
            and st.minutely_reset_at is not None
        ):
            wait = max(0.0, min(st.minutely_reset_at.timestamp() - now, MAX_MINUTELY_WAIT))
            if wait > 0:
                logger.info(
                    "Minutely API budget of division %s spent; waiting %.1f s for the reset",
                    division,
                    wait,
                )
            st.minutely_remaining = None  # unknown until the next answer tells us
        # Count this call ourselves, so a run of calls without headers still respects the budget.
        if st.minutely_remaining is not None:
            st.minutely_remaining -= 1
        if st.remaining is not None:
            st.remaining -= 1
        return wait

    def observe(self, division: int | None, response: requests.Response) -> None:
        """Read the ``Date`` and ``X-RateLimit-*`` headers of an answer."""
        self.skew.observe(response.headers.get("Date"), self.clock())
        if division is None:
            return
        h = response.headers
        if response.status_code != 429:
            self._consecutive_429.pop(division, None)
        if not any(k.lower().startswith("x-ratelimit-") for k in h):
            return
        st = self._state.setdefault(division, RateLimitState())
        for attr, name, conv in (
            ("limit", "X-RateLimit-Limit", _int),
            ("remaining", "X-RateLimit-Remaining", _int),
            ("reset_at", "X-RateLimit-Reset", _epoch_ms),
            ("minutely_limit", "X-RateLimit-Minutely-Limit", _int),
            ("minutely_remaining", "X-RateLimit-Minutely-Remaining", _int),
            ("minutely_reset_at", "X-RateLimit-Minutely-Reset", _epoch_ms),
        ):
            value = conv(h.get(name))
            if value is not None:
                setattr(st, attr, value)

    def daily_exhausted_by(self, response: requests.Response) -> datetime | None:
        """The daily reset time when a 429 is the daily limit (its daily headers say 0 left)."""
        remaining = _int(response.headers.get("X-RateLimit-Remaining"))
        minutely = _int(response.headers.get("X-RateLimit-Minutely-Remaining"))
        minutely_spent = minutely is not None and minutely <= 0
        if remaining is None or remaining > 0 or minutely_spent:
            return None
        reset = _epoch_ms(response.headers.get("X-RateLimit-Reset"))
        return reset or datetime.now(timezone.utc)

    def wait_after_429(self, division: int | None, response: requests.Response) -> float:
        """Seconds to wait before trying again: until the reset header (in Exact's time), else
        ``Retry-After``, else exponential backoff; never less than the floor for this 429."""
        n = self._consecutive_429.get(division, 0)
        self._consecutive_429[division] = n + 1
        st = self._state.get(division)
        if st is not None:
            st.minutely_remaining = None  # the caller waits out this window now
        floor = min(self.backoff_cap, self.min_wait_after_429 * 2**n)
        reset = _epoch_ms(response.headers.get("X-RateLimit-Minutely-Reset"))
        retry_after = _int(response.headers.get("Retry-After"))
        if reset is not None:
            wait = max(floor, reset.timestamp() - self.server_time())
        elif retry_after is not None:
            wait = max(floor, float(retry_after))
        else:  # no headers: the floor plus jitter, so parallel clients spread out
            wait = floor + random.uniform(0, floor / 2)  # jitter, not crypto
        return min(wait, MAX_MINUTELY_WAIT)

    def _sleep(self, seconds: float) -> None:
        self.note_wait(seconds)
        self.sleep(seconds)

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` (through the injectable ``sleep``)."""
        if seconds > 0:
            self._sleep(seconds)

    def note_wait(self, seconds: float) -> None:
        """Count a wait that the caller spends itself (the async client awaits it)."""
        if seconds > 0:
            with self._waited_lock:
                self.waited += seconds
