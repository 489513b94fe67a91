"""Rate limits per (client id, division): minute-aligned windows and a UTC-day budget, with Exact's
headers."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .clock import Clock

UNLIMITED = 1_000_000


@dataclass
class Verdict:
    allowed: bool
    headers: dict[str, str]


class RateLimits:
    def __init__(
        self, clock: Clock, *, minutely: int = 60, daily: int = 5000, enabled: bool = True
    ) -> None:
        self.clock = clock
        self.minutely = minutely
        self.daily = daily
        self.enabled = enabled
        self._lock = threading.Lock()
        self._minute: dict[tuple[str, int], tuple[int, int]] = {}  # -> (window, used)
        self._day: dict[tuple[str, int], tuple[int, int]] = {}

    def hit(self, client: str, division: int) -> Verdict:
        """Count one call (unless over a limit) and return the headers to send."""
        now = self.clock.time()
        minute, day = int(now // 60), int(now // 86400)
        key = (client, division)
        m_limit = self.minutely if self.enabled else UNLIMITED
        d_limit = self.daily if self.enabled else UNLIMITED
        with self._lock:
            m_win, m_used = self._minute.get(key, (minute, 0))
            if m_win != minute:
                m_used = 0
            d_win, d_used = self._day.get(key, (day, 0))
            if d_win != day:
                d_used = 0
            daily_over = d_used >= d_limit
            minutely_over = m_used >= m_limit
            if not daily_over and not minutely_over:
                m_used += 1
                d_used += 1
            self._minute[key] = (minute, m_used)
            self._day[key] = (day, d_used)
        m_reset = str((minute + 1) * 60 * 1000)
        d_reset = str((day + 1) * 86400 * 1000)
        minutely_headers = {
            "X-RateLimit-Minutely-Limit": str(m_limit),
            "X-RateLimit-Minutely-Remaining": str(max(m_limit - m_used, 0)),
            "X-RateLimit-Minutely-Reset": m_reset,
        }
        daily_headers = {
            "X-RateLimit-Limit": str(d_limit),
            "X-RateLimit-Remaining": str(max(d_limit - d_used, 0)),
            "X-RateLimit-Reset": d_reset,
        }
        if daily_over:
            return Verdict(False, daily_headers)
        if minutely_over:
            return Verdict(
                False, minutely_headers
            )  # a minutely 429 carries only the minutely headers
        return Verdict(True, {**daily_headers, **minutely_headers})

    def reset(self) -> None:
        with self._lock:
            self._minute.clear()
            self._day.clear()
