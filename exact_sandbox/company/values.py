"""Deterministic values from one ``random.Random``: GUIDs, sequence numbers, Exact's dates
(midnight Amsterdam as UTC), money, barcodes and the padded codes Exact returns.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
UTC = timezone.utc


class Values:
    """Deterministic ids, dates and text from one ``random.Random``."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.now = datetime(today.year, today.month, today.day, 9, 0, tzinfo=UTC)
        self._seq: Counter[str] = Counter()

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def seq(self, name: str, start: int = 1) -> int:
        self._seq[name] += 1
        return start + self._seq[name] - 1

    def day(self, offset_days: int) -> datetime:
        """Midnight in Amsterdam ``offset_days`` from today, as aware UTC (Exact's dates)."""
        d = self.today + timedelta(days=offset_days)
        return datetime(d.year, d.month, d.day, tzinfo=AMSTERDAM).astimezone(UTC)

    def moment(self, offset_days: float) -> datetime:
        """A wall-clock moment (Created/Modified) ``offset_days`` from now, whole seconds."""
        return (self.now + timedelta(days=offset_days)).replace(microsecond=0)

    def money(self, low: float, high: float) -> float:
        return round(self.rng.uniform(low, high), 2)

    def pick(self, seq: list[Any] | tuple[Any, ...]) -> Any:
        return seq[self.rng.randrange(len(seq))]


def ean13(rng: random.Random) -> str:
    """A valid EAN-13 with a Dutch GS1 prefix (871)."""
    digits = [8, 7, 1] + [rng.randrange(10) for _ in range(9)]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def ean13_valid(code: str) -> bool:
    if len(code) != 13 or not code.isdigit():
        return False
    digits = [int(c) for c in code]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == digits[12]


def account_code(number: int) -> str:
    """crm/Accounts.Code: 18 characters, right-aligned with leading spaces."""
    return str(number).rjust(18)


def short_code(code: str) -> str:
    """Short codes (units) come back padded with trailing spaces, like ``"stuk    "``."""
    return code.ljust(8)
