"""Per-record results, in STATE.

``bookmarks[stream]`` is a list of ``{hash, success, id, externalId, error?}`` entries and
``summary[stream]`` counts ``{success, fail, existing, updated}``: ``success`` counts created
documents, ``existing`` records that matched a document already in Exact (nothing to change),
``updated`` records that changed one, ``fail`` records that were not written, ``skipped``
(only present when non-zero) records there was nothing to write for.

Two places for them (setting ``state_results``): ``hotglue`` merges them into the top-level
``bookmarks``/``summary`` (HotGlue's shape); ``separate`` leaves the upstream state untouched and
puts them under ``target_exact``, because Meltano feeds the target's STATE back to the tap, and a
singer-sdk tap cannot load a list where it expects its own bookmark dict.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

Outcome = Literal["created", "updated", "existing", "failed", "dry_run", "skipped"]
StateResults = Literal["hotglue", "separate"]
STATE_RESULTS: tuple[StateResults, ...] = ("hotglue", "separate")
RESULTS_KEY = "target_exact"  # top-level STATE key of the results in "separate" mode
_SUMMARY_KEY = {
    "created": "success",
    "updated": "updated",
    "existing": "existing",
    "failed": "fail",
    "dry_run": "success",
    "skipped": "skipped",  # nothing to write (counted only when it happens)
}


def record_hash(record: dict[str, Any]) -> str:
    """A stable hash of the input record (as HotGlue computes it: sha256 of its JSON)."""
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class RecordResult:
    outcome: Outcome
    id: str | None = None
    external_id: str | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return self.outcome != "failed"

    def bookmark(self, hash_: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"hash": hash_, "success": self.success}
        if self.id is not None:
            entry["id"] = self.id
        if self.external_id is not None:
            entry["externalId"] = self.external_id
        if self.error is not None:
            entry["error"] = self.error
        entry.update(self.extra)
        return entry


class ResultLog:
    """Collects results of every stream; thread-safe (sinks may drain in parallel)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.bookmarks: dict[str, list[dict[str, Any]]] = {}
        self.summary: dict[str, dict[str, int]] = {}

    def add(self, stream: str, record: dict[str, Any], result: RecordResult) -> dict[str, Any]:
        entry = result.bookmark(record_hash(record))
        with self._lock:
            self.bookmarks.setdefault(stream, []).append(entry)
            counts = self.summary.setdefault(
                stream, {"success": 0, "fail": 0, "existing": 0, "updated": 0}
            )
            key = _SUMMARY_KEY[result.outcome]
            counts[key] = counts.get(key, 0) + 1
        return entry

    @property
    def failed(self) -> int:
        with self._lock:
            return sum(c["fail"] for c in self.summary.values())

    def state(
        self, incoming: dict[str, Any] | None = None, shape: StateResults = "hotglue"
    ) -> dict[str, Any]:
        """The STATE value: the upstream state (passed through) with our results.

        ``hotglue``: merged into ``bookmarks``/``summary``; upstream bookmarks of other streams
        are kept, a stream name used by both keeps ours. ``separate``: the upstream state as it
        came, plus ``target_exact: {bookmarks, summary}``.
        """
        merged = copy.deepcopy(incoming) if incoming else {}
        with self._lock:
            if shape == "separate":
                merged[RESULTS_KEY] = {
                    "bookmarks": copy.deepcopy(self.bookmarks),
                    "summary": copy.deepcopy(self.summary),
                }
                return merged
            bookmarks = merged.get("bookmarks")
            merged["bookmarks"] = dict(bookmarks) if isinstance(bookmarks, dict) else {}
            merged["bookmarks"].update(copy.deepcopy(self.bookmarks))
            summary = merged.get("summary")
            merged["summary"] = dict(summary) if isinstance(summary, dict) else {}
            merged["summary"].update(copy.deepcopy(self.summary))
        return merged
