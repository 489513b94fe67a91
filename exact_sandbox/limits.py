"""Rate limits per (client id, division): minute-aligned windows and a UTC-day budget, with Exact's
headers. The daily count is kept in the store (written at most once a second per client and
division, and when the budget runs out) so a restart does not hand out a fresh day."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .clock import Clock

if TYPE_CHECKING:
    from .store import Store

_TABLE = """
CREATE TABLE IF NOT EXISTS daily_calls (
    client TEXT NOT NULL, division INTEGER NOT NULL, day INTEGER NOT NULL, used INTEGER NOT NULL,
    PRIMARY KEY (client, division)
);
"""
SAVE_EVERY = 1.0  # seconds

UNLIMITED = 1_000_000


@dataclass
class Verdict:
    allowed: bool
    headers: dict[str, str]


class RateLimits:
    def __init__(
        self,
        clock: Clock,
        *,
        minutely: int = 60,
        daily: int = 5000,
        enabled: bool = True,
        store: Store | None = None,
        minute_seconds: float = 60.0,
    ) -> None:
        self.clock = clock
        self.store = store
        self._saved: dict[tuple[str, int], float] = {}  # -> clock time of the last write
        if store is not None:
            store.create_tables(_TABLE)
        self.minutely = minutely
        # The length of the "minute" window: 60 like Exact; benchmarks shrink it to measure many
        # windows in little time (the per-window limit stays `minutely`).
        self.minute_seconds = float(minute_seconds)
        self.daily = daily
        self.enabled = enabled
        self._lock = threading.Lock()
        self._minute: dict[tuple[str, int], tuple[int, int]] = {}  # -> (window, used)
        self._day: dict[tuple[str, int], tuple[int, int]] = {}
        self.refused = {"minutely": 0, "daily": 0}  # 429s answered (GET /_sandbox/limits)

    def hit(self, client: str, division: int) -> Verdict:
        """Count one call (unless over a limit) and return the headers to send."""
        now = self.clock.time()
        minute, day = int(now // self.minute_seconds), int(now // 86400)
        key = (client, division)
        m_limit = self.minutely if self.enabled else UNLIMITED
        d_limit = self.daily if self.enabled else UNLIMITED
        with self._lock:
            m_win, m_used = self._minute.get(key, (minute, 0))
            if m_win != minute:
                m_used = 0
            if key not in self._day:
                self._day[key] = self._load(key, day)
            d_win, d_used = self._day[key]
            if d_win != day:
                d_used = 0
            daily_over = d_used >= d_limit
            minutely_over = m_used >= m_limit
            if not daily_over and not minutely_over:
                m_used += 1
                d_used += 1
            else:
                self.refused["daily" if daily_over else "minutely"] += 1
            self._minute[key] = (minute, m_used)
            self._day[key] = (day, d_used)
            tick = time.monotonic()
            if tick - self._saved.get(key, float("-inf")) >= SAVE_EVERY or d_used >= d_limit:
                self._save(key, day, d_used)
                self._saved[key] = tick
        m_reset = str(int((minute + 1) * self.minute_seconds * 1000))
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
            self._saved.clear()
            self.refused = {"minutely": 0, "daily": 0}
            if self.store is not None:
                with self.store.transaction() as conn:
                    conn.execute("DELETE FROM daily_calls")

    def describe(self) -> dict[str, object]:
        with self._lock:
            return {
                "enabled": self.enabled,
                "minutely_limit": self.minutely,
                "minute_seconds": self.minute_seconds,
                "daily_limit": self.daily,
                "refused": dict(self.refused),
            }

    def flush(self) -> None:
        """Write every daily count (at shutdown)."""
        with self._lock:
            for key, (day, used) in self._day.items():
                self._save(key, day, used)

    def _load(self, key: tuple[str, int], day: int) -> tuple[int, int]:
        if self.store is None:
            return day, 0
        row = self.store.execute(
            "SELECT day, used FROM daily_calls WHERE client = ? AND division = ?", key
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else (day, 0)

    def _save(self, key: tuple[str, int], day: int, used: int) -> None:
        if self.store is None:
            return
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO daily_calls (client, division, day, used) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (client, division) DO UPDATE SET day = excluded.day, "
                "used = excluded.used",
                (*key, day, used),
            )
