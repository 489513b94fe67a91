"""sync/Deleted, read ONCE per division per run and shared by every stream that needs it.

The ``deleted`` stream and the tombstones of each deletable entity come from the same read. It
starts after the LOWEST bookmark of the streams that consume it this run (each keeps its own
bookmark in its own partition state), so a stream that was not selected last time still gets every
deletion since its own bookmark; Exact keeps deletions for two months.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from exact_online.client import ExactClient
from exact_online.odata import Query
from exact_online.registry import Endpoint, load_registry

DELETED_PATH = "{division}/sync/Deleted"
DELETED_BOOKMARK = "deleted_timestamp"  # a deletable stream's tombstone bookmark, in its state


@dataclass
class DivisionDeletions:
    rows: list[dict[str, Any]] = field(default_factory=list)
    high_water: int = 0  # highest Timestamp of sync/Deleted covered by this run's read
    calls: int = 0
    claimed: bool = False

    def claim_calls(self) -> int:
        """The read's API calls, counted once: for the first stream that uses it."""
        if self.claimed:
            return 0
        self.claimed = True
        return self.calls


def deleted_endpoint() -> Endpoint:
    entity = load_registry().find("sync/Deleted")
    if entity is None or entity.sync is None:  # pragma: no cover - registry invariant
        raise LookupError("sync/Deleted missing from the registry")
    return entity.sync


class DeletionLog:
    def __init__(
        self,
        client: ExactClient,
        start_for: Callable[[int], int | None],
        logger: logging.Logger,
    ) -> None:
        self._client = client
        self._start_for = start_for  # lowest bookmark of this run's consumers in a division
        self._logger = logger
        self._by_division: dict[int, DivisionDeletions] = {}

    def for_division(self, division: int) -> DivisionDeletions:
        found = self._by_division.get(division)
        if found is None:
            found = self._read(division)
            self._by_division[division] = found
        return found

    def _read(self, division: int) -> DivisionDeletions:
        start = self._start_for(division) or 1
        endpoint = deleted_endpoint()
        select = [f.name for f in endpoint.scalar_fields]
        query = Query(select=select, filter=f"Timestamp gt {int(start)}L")
        out = DivisionDeletions(high_water=start)
        for page in self._client.iter_pages(
            endpoint.path, division=division, query=query, endpoint=endpoint
        ):
            out.calls += 1
            for row in page.records:
                row.setdefault("Division", division)
                out.rows.append(row)
                ts = row.get("Timestamp")
                if isinstance(ts, int) and ts > out.high_water:
                    out.high_water = ts
        self._logger.info(
            "sync/Deleted of division %s: %d deletions after Timestamp %d (%d calls)",
            division, len(out.rows), start, out.calls,
        )
        return out
