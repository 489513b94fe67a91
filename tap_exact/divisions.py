"""Which divisions to read, and whether a division's Timestamps were reset (DivisionMoveDate).

Looked up once per run, on first need during sync (never during discovery): ``current/Me`` (free)
for the current division, then ``system/Divisions`` (one call) for the reachable divisions and
their move dates.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from exact_online.client import ExactClient
from exact_online.errors import ExactAPIError
from exact_online.odata import Query

MOVE_DATE_KEY = "division_move_date"


class DivisionDirectory:
    def __init__(
        self, client: ExactClient, configured: tuple[int, ...], logger: logging.Logger
    ) -> None:
        self._client = client
        self._configured = configured
        self._logger = logger
        self._listed: list[dict[str, Any]] | None = None
        self._current: int | None = None

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
            return list(self._configured)
        current = self._current_division()
        found = [int(row["Code"]) for row in self._list() if row.get("Code") is not None]
        ordered = [current, *sorted(d for d in set(found) if d != current)]
        self._logger.info("Divisions to read: %s", ", ".join(map(str, ordered)))
        return ordered

    def home(self) -> int:
        """The one division per-user tables (system/*) are read in: the first configured one,
        else the user's current division."""
        return self._configured[0] if self._configured else self._current_division()

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
        current = self.move_date(division)
        if current is None:
            return False
        recorded = partition_state[MOVE_DATE_KEY]
        return recorded is None or _parse(current) > _parse(str(recorded))

    def record(self, division: int, partition_state: dict[str, Any]) -> None:
        partition_state[MOVE_DATE_KEY] = self.move_date(division)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
