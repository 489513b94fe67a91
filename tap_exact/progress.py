"""Progress lines while a stream runs (at least every 10 s), one line when a partition ends, and
the end-of-run summary as single-line records (:func:`summary_records`).

Everything goes to the tap's logger (stderr); stdout carries only Singer messages. The interval can
be changed with the environment variable ``TAP_EXACT_PROGRESS_SECONDS`` (tests set 0: a line per
page).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from exact_online.ratelimit import RateLimiter

LOG_EVERY_SECONDS = 10.0
PROGRESS_SECONDS_ENV = "TAP_EXACT_PROGRESS_SECONDS"
# current/Me, system/Divisions and a sync/Deleted read that no stream claimed
SHARED_ROW = "(shared lookups)"


def progress_interval(environ: Mapping[str, str]) -> float:
    """Seconds between progress lines: ``TAP_EXACT_PROGRESS_SECONDS``, else 10."""
    raw = environ.get(PROGRESS_SECONDS_ENV, "").strip()
    if not raw:
        return LOG_EVERY_SECONDS
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise ValueError(
            f"{PROGRESS_SECONDS_ENV} must be a number of seconds, not {raw!r}"
        ) from None


@dataclass
class StreamTotals:
    rows: int = 0
    calls: int = 0
    pages: int = 0
    seconds: float = 0.0


class Progress:
    def __init__(
        self,
        logger: logging.Logger,
        limiter: RateLimiter,
        clock: Callable[[], float] = time.monotonic,
        every: float = LOG_EVERY_SECONDS,
    ) -> None:
        self._logger = logger
        self._limiter = limiter
        self._clock = clock
        self.every = every
        self.side_calls = 0  # calls made through the shared client and claimed by a stream
        self.totals: dict[str, StreamTotals] = {}
        self.division_calls: Counter[int | None] = Counter()  # the streams' own requests
        self._running: tuple[str, int | None] | None = None
        self._started = 0.0
        self._last_log = 0.0
        self._part_rows = 0
        self._part_pages = 0
        self._part_calls = 0

    def begin(self, stream: str, division: int | None) -> None:
        self._running = (stream, division)
        self._started = self._last_log = self._clock()
        self._part_rows = self._part_pages = self._part_calls = 0
        self.totals.setdefault(stream, StreamTotals())

    def call(self, stream: str, division: int | None = None) -> None:
        self.totals.setdefault(stream, StreamTotals()).calls += 1
        self.division_calls[division] += 1
        self._part_calls += 1

    def add_calls(self, stream: str, calls: int) -> None:
        """Calls a stream made through the shared client (SyncTimestamp, sync/Deleted)."""
        self.totals.setdefault(stream, StreamTotals()).calls += calls
        self.side_calls += calls
        self._part_calls += calls

    def page(self, stream: str, rows: int) -> None:
        totals = self.totals.setdefault(stream, StreamTotals())
        totals.pages += 1
        self._part_pages += 1
        self.rows(stream, rows)

    def rows(self, stream: str, rows: int) -> None:
        self.totals.setdefault(stream, StreamTotals()).rows += rows
        self._part_rows += rows
        now = self._clock()
        if now - self._last_log >= self.every:
            self._last_log = now
            self._log_line(now, "progress")

    def end(self) -> None:
        if self._running is None:
            return
        now = self._clock()
        self.totals[self._running[0]].seconds += now - self._started
        self._log_line(now, "done")
        self._running = None

    def _log_line(self, now: float, what: str) -> None:
        if self._running is None:
            return
        stream, division = self._running
        elapsed = max(now - self._started, 1e-9)
        budget = self._budget(division)
        self._logger.info(
            "%s %s division %s: %d rows, %.0f rows/s, %d pages, %d calls%s",
            stream, what, division, self._part_rows, self._part_rows / elapsed,
            self._part_pages, self._part_calls, budget,
        )

    def _budget(self, division: int | None) -> str:
        if division is None:
            return ""
        snap = self._limiter.snapshot(division)
        if snap is None:
            return ""
        minutely = getattr(snap, "minutely_remaining", None)
        daily = getattr(snap, "remaining", None)
        if minutely is None and daily is None:
            return ""
        return f", budget left {minutely}/min {daily}/day"

    def summary_records(
        self, client_calls: Mapping[int | None, int]
    ) -> list[tuple[str, dict[str, Any]]]:
        """The end-of-run summary: (one-line message, structured fields) per stream, per division
        and for the run.

        ``client_calls``: the shared client's calls by division (lookups, SyncTimestamp,
        sync/Deleted); those no stream claimed get the row :data:`SHARED_ROW`, so the total is
        every API call of the run. The division records add the minute/day budget left as Exact's
        last answer reported it.
        """
        shared = sum(client_calls.values()) - self.side_calls
        if shared > 0:
            self.totals.setdefault(SHARED_ROW, StreamTotals()).calls = shared
        records: list[tuple[str, dict[str, Any]]] = []
        total = StreamTotals()
        for name in sorted(self.totals):
            t = self.totals[name]
            total.rows += t.rows
            total.calls += t.calls
            total.pages += t.pages
            total.seconds += t.seconds
            fields = {"stream": name, "rows": t.rows, "calls": t.calls, "pages": t.pages,
                      "seconds": round(t.seconds, 3)}
            records.append((
                f"Summary stream {name}: {t.rows} rows, {t.calls} calls, {t.pages} pages, "
                f"{t.seconds:.1f} s", fields,
            ))
        by_division = Counter(self.division_calls)
        by_division.update(client_calls)
        for division in sorted(d for d in by_division if d is not None):
            snap = self._limiter.snapshot(division)
            fields = {
                "division": division, "calls": by_division[division],
                "minute_remaining": snap.minutely_remaining, "minute_limit": snap.minutely_limit,
                "day_remaining": snap.remaining, "day_limit": snap.limit,
                "day_resets_at": snap.reset_at.isoformat() if snap.reset_at else None,
            }
            records.append((
                f"Summary division {division}: {by_division[division]} calls, budget left "
                f"{_known(snap.minutely_remaining)}/min {_known(snap.remaining)}/day", fields,
            ))
        streams = len([name for name in self.totals if name != SHARED_ROW])
        fields = {"rows": total.rows, "calls": total.calls, "pages": total.pages,
                  "streams": streams, "seconds": round(total.seconds, 3)}
        records.append((
            f"Summary total: {total.rows} rows, {total.calls} calls, {streams} streams, "
            f"{total.seconds:.1f} s", fields,
        ))
        return records


def _known(value: int | None) -> str:
    return "?" if value is None else str(value)
