"""Exact's call budget, per division, from the six ``X-RateLimit-*`` headers.

Exact allows 60 calls per calendar minute and 5,000 per day per app and division; each answer to a
division URL reports what is left and when each window resets (epoch milliseconds, UTC). We wait
for the minutely reset when the minute's budget is spent (never a fixed sleep), and stop with
:class:`DailyLimitReached` before a call would eat into the configured daily reserve. Calls
without a division (``current/Me``, the token endpoint) do not count.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import requests

from exact_online.errors import DailyLimitReached

logger = logging.getLogger(__name__)

MAX_MINUTELY_WAIT = 61.0  # a calendar-minute window never needs more; guards against clock skew
BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0


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


class RateLimiter:
    """Per-division budget. One instance per client; requests per division are sequential."""

    def __init__(
        self,
        daily_reserve: int = 0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        backoff_base: float = BACKOFF_BASE,
        backoff_cap: float = BACKOFF_CAP,
    ) -> None:
        self.daily_reserve = max(0, int(daily_reserve))
        self.clock = clock
        self.sleep = sleep
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._state: dict[int | None, RateLimitState] = {}
        self._consecutive_429: dict[int | None, int] = {}
        self.waited: float = 0.0  # total seconds spent waiting (for reports)

    def snapshot(self, division: int | None) -> RateLimitState:
        st = self._state.get(division)
        return RateLimitState(**vars(st)) if st else RateLimitState()

    def before_request(self, division: int | None) -> None:
        """Wait for the minute's reset if its budget is spent; raise before crossing the reserve."""
        if division is None:
            return
        st = self._state.get(division)
        if st is None:
            return
        now = self.clock()
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
        if (
            st.minutely_remaining is not None
            and st.minutely_remaining <= 0
            and st.minutely_reset_at is not None
        ):
            wait = min(st.minutely_reset_at.timestamp() - now, MAX_MINUTELY_WAIT)
            if wait > 0:
                logger.info(
                    "Minutely API budget of division %s spent; waiting %.1f s for the reset",
                    division,
                    wait,
                )
                self._sleep(wait)
            st.minutely_remaining = None  # unknown until the next answer tells us
        # Count this call ourselves, so a run of calls without headers still respects the budget.
        if st.minutely_remaining is not None:
            st.minutely_remaining -= 1
        if st.remaining is not None:
            st.remaining -= 1

    def observe(self, division: int | None, response: requests.Response) -> None:
        """Read the ``X-RateLimit-*`` headers of an answer."""
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
        """Seconds to wait before trying again: until the reset header, else exponential backoff."""
        now = self.clock()
        n = self._consecutive_429.get(division, 0)
        self._consecutive_429[division] = n + 1
        st = self._state.get(division)
        if st is not None:
            st.minutely_remaining = None  # the caller waits out this window now
        reset = _epoch_ms(response.headers.get("X-RateLimit-Minutely-Reset"))
        if reset is not None:
            return max(0.0, min(reset.timestamp() - now, MAX_MINUTELY_WAIT))
        retry_after = _int(response.headers.get("Retry-After"))
        if retry_after is not None:
            return float(max(0, min(retry_after, MAX_MINUTELY_WAIT)))
        # No headers: exponential backoff with full jitter (never less than half the step).
        step = min(self.backoff_cap, self.backoff_base * (2**n))
        return step / 2 + random.uniform(0, step / 2)  # jitter, not crypto

    def _sleep(self, seconds: float) -> None:
        self.waited += seconds
        self.sleep(seconds)

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` (through the injectable ``sleep``)."""
        if seconds > 0:
            self._sleep(seconds)
