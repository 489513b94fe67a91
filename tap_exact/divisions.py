"""Which divisions to read, and whether a division's Timestamps were reset (DivisionMoveDate).

Looked up at most once per run, on first need during sync (never during discovery): ``current/Me``
(free) for the current division, then ``system/Divisions`` (one call) for the reachable divisions
and their move dates. With ``divisions`` configured, the move check is the only need, and a
partition whose move date was checked less than :data:`MOVE_CHECK_INTERVAL` ago (its state says
when) does not ask again: a 30-minute schedule pays 24 calls a day for it, not 48. A move is then
noticed up to an hour late; nothing is lost (the moved division is read in full once noticed).

A division that answers 403 (the user lost access to that company) is reported once, skipped for
the rest of the run with its state untouched, and named again at the end; the exit code is
:data:`EXIT_UNREACHABLE_DIVISION` unless the ``unreachable_divisions`` setting is ``warn``.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from singer_sdk.exceptions import FatalAPIError

from exact_online.client import ExactClient
from exact_online.errors import ExactAPIError
from exact_online.odata import Query

MOVE_DATE_KEY = "division_move_date"
MOVE_CHECKED_KEY = "division_checked_at"  # when MOVE_DATE_KEY was last looked up (UTC)
MOVE_CHECK_INTERVAL = timedelta(hours=1)
# EX_NOPERM: every reachable division was read, but the user cannot reach some configured ones.
EXIT_UNREACHABLE_DIVISION = 77
UNREACHABLE_STATUSES = frozenset({403})
UNREACHABLE_POLICIES = ("fail", "warn")  # the ``unreachable_divisions`` setting


class DivisionDirectory:
    def __init__(
        self, client: ExactClient, configured: tuple[int, ...], logger: logging.Logger
    ) -> None:
        self._client = client
        self._configured = configured
        self._logger = logger
        self._listed: list[dict[str, Any]] | None = None
        self._current: int | None = None
        self._unreachable: dict[int, str] = {}  # division -> what it answered
        self._announced: list[int] = []
        self._now = datetime.now(timezone.utc)  # built on the run's first need: its start

    def _current_division(self) -> int:
        if self._current is None:
            self._current = int(self._client.current_division())
        return self._current

    def _list(self) -> list[dict[str, Any]]:
        if self._listed is None:
            try:
                query = Query(select=["Code", "Description", "DivisionMoveDate"])
                self._listed = list(
                    self._client.iter_records(
                        "{division}/system/Divisions",
                        division=self._current_division(),
                        query=query,
                    )
                )
            except ExactAPIError as exc:
                if not self._configured:
                    raise
                # Configured divisions still work; only move detection is lost.
                self._logger.warning(
                    "system/Divisions unavailable (%s): cannot detect moved divisions", exc
                )
                self._listed = []
        return self._listed

    def partitions(self) -> list[int]:
        """The divisions of this run: the configured ones, else every reachable one."""
        if self._configured:
            return [d for d in self._configured if d not in self._unreachable]
        current = self._current_division()
        found = [int(row["Code"]) for row in self._list() if row.get("Code") is not None]
        ordered = [current, *sorted(d for d in set(found) if d != current)]
        ordered = [d for d in ordered if d not in self._unreachable]
        if ordered != self._announced:  # every stream asks; say it once (again if it changes)
            self._announced = ordered
            self._logger.info("Divisions to read: %s", ", ".join(map(str, ordered)))
        return ordered

    def home(self) -> int:
        """The one division per-user tables (system/*) are read in: the first reachable configured
        one, else the user's current division."""
        if self._configured:
            reachable = [d for d in self._configured if d not in self._unreachable]
            return (reachable or list(self._configured))[0]
        return self._current_division()

    # ---- unreachable divisions ------------------------------------------------------------------

    def skipped(self, division: int | None) -> bool:
        """True when a partition must not be read: its division answered 403 earlier in this run
        (``None``: no division was left to read at all)."""
        return division is None or division in self._unreachable

    @contextmanager
    def guard(self, stream: str, division: int | None, state: dict[str, Any]) -> Iterator[None]:
        """Read one partition of ``division``; a 403 marks the division unreachable, puts the
        partition's state back as it was and ends the partition without an error."""
        if division is None:
            yield
            return
        before = copy.deepcopy(state)
        try:
            yield
        except (FatalAPIError, ExactAPIError) as exc:
            status = getattr(exc, "status", None)
            if status not in UNREACHABLE_STATUSES:
                raise
            # Rows read before a 403 in mid-partition are read again next run: nothing is lost.
            state.clear()
            state.update(before)
            self._unreachable[division] = f"HTTP {status}"
            self._logger.error(
                "Division %s is unreachable (HTTP %s on stream %s: %s): skipped for the rest of "
                "this run, its state kept. Check the user's access to this company in Exact, or "
                "remove it from `divisions`.",
                division, status, stream, _exact_message(exc, status),
            )

    @property
    def unreachable(self) -> dict[int, str]:
        return dict(self._unreachable)

    def report(self, policy: str) -> int:
        """The closing line about skipped divisions, and the exit code it calls for."""
        if not self._unreachable:
            return 0
        names = ", ".join(f"{d} ({why})" for d, why in sorted(self._unreachable.items()))
        code = EXIT_UNREACHABLE_DIVISION if policy == "fail" else 0
        self._logger.error(
            "Unreachable divisions skipped: %s. Every other division was read in full and its "
            "state saved (exit code %d; setting unreachable_divisions=%s).",
            names, code, policy,
        )
        return code

    def move_date(self, division: int) -> str | None:
        """The division's DivisionMoveDate (ISO, UTC) or None."""
        for row in self._list():
            if row.get("Code") is not None and int(row["Code"]) == division:
                value = row.get("DivisionMoveDate")
                if isinstance(value, datetime):
                    return value.isoformat()
                return str(value) if value else None
        return None

    def moved_since(self, division: int, partition_state: dict[str, Any]) -> bool:
        """True when the division moved after the move date recorded in the partition state.

        A state without the key predates this check and is trusted; a recorded ``None`` means
        "never moved", so any move date now is a move.
        """
        if MOVE_DATE_KEY not in partition_state:
            return False
        if self._checked_recently(partition_state):
            return False
        current = self.move_date(division)
        if current is None:
            return False
        recorded = partition_state[MOVE_DATE_KEY]
        return recorded is None or _parse(current) > _parse(str(recorded))

    def moved_since_if_listed(self, division: int, partition_state: dict[str, Any]) -> bool | None:
        """:meth:`moved_since` for a reader looking ahead (parallel.py): None when answering
        would list the divisions now. A run with one reader lists them later, when a partition
        needs it; listing earlier makes every check after it free, so partitions read in between
        would decide (and record) otherwise than with one reader."""
        if (
            MOVE_DATE_KEY in partition_state
            and self._listed is None
            and not self._checked_recently(partition_state)
        ):
            return None
        return self.moved_since(division, partition_state)

    def record(self, division: int, partition_state: dict[str, Any]) -> None:
        if MOVE_DATE_KEY in partition_state and self._checked_recently(partition_state):
            return
        partition_state[MOVE_DATE_KEY] = self.move_date(division)
        partition_state[MOVE_CHECKED_KEY] = self._now.isoformat(timespec="seconds")

    def _checked_recently(self, partition_state: dict[str, Any]) -> bool:
        """The partition's move date is younger than MOVE_CHECK_INTERVAL and this run has not
        listed the divisions anyway (when it has, checking is free)."""
        if self._listed is not None:
            return False
        checked = partition_state.get(MOVE_CHECKED_KEY)
        try:
            at = _parse(str(checked)) if checked else None
        except ValueError:
            return False
        return at is not None and self._now - at < MOVE_CHECK_INTERVAL


def _exact_message(exc: Exception, status: int) -> str:
    """Exact's own words (e.g. "Forbidden - WrongDivision"), without the long request URL."""
    text = getattr(exc, "message", None) or str(exc)
    return text.rpartition(f"HTTP {status}: ")[2] or text


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
