"""The sandbox's count of the calls it answered (API per division and path, token calls): what
tests assert call counts against, through the control API. ``max_in_flight`` is the most API calls
of one division the sandbox was handling at the same time (Exact wants them sequential)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CallLog:
    lock: threading.Lock = field(default_factory=threading.Lock)
    by_division: Counter[str] = field(default_factory=Counter)
    by_path: Counter[str] = field(default_factory=Counter)
    in_flight: Counter[str] = field(default_factory=Counter)
    max_in_flight: Counter[str] = field(default_factory=Counter)
    downloads: Counter[str] = field(default_factory=Counter)  # binaries answered 200, per page
    max_divisions_busy: int = 0  # the most divisions with a call in flight at the same time
    token: int = 0
    total: int = 0

    @contextmanager
    def serving(self, division: int | None) -> Iterator[None]:
        """Around the handling of one API call of ``division``."""
        if division is None:
            yield
            return
        key = str(division)
        with self.lock:
            self.in_flight[key] += 1
            self.max_in_flight[key] = max(self.max_in_flight[key], self.in_flight[key])
            busy = sum(1 for n in self.in_flight.values() if n > 0)
            self.max_divisions_busy = max(self.max_divisions_busy, busy)
        try:
            yield
        finally:
            with self.lock:
                self.in_flight[key] -= 1

    def api(self, method: str, path: str, division: int | None) -> None:
        with self.lock:
            self.total += 1
            self.by_path[f"{method} {path}"] += 1
            if division is not None:
                self.by_division[str(division)] += 1

    def download(self, page: str) -> None:
        """A picture, logo or attachment served with its bytes (binaries.py)."""
        with self.lock:
            self.downloads[page] += 1

    def token_call(self) -> None:
        with self.lock:
            self.token += 1

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "total": self.total,
                "by_division": dict(self.by_division),
                "by_path": dict(self.by_path),
                "max_in_flight": dict(self.max_in_flight),
                "downloads": dict(self.downloads),
                "max_divisions_busy": self.max_divisions_busy,
                "token": self.token,
            }

    def reset(self) -> None:
        with self.lock:
            self.by_division.clear()
            self.by_path.clear()
            self.max_in_flight.clear()
            self.downloads.clear()
            self.max_divisions_busy = 0
            self.token = 0
            self.total = 0
