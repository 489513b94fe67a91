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

Progress and final STATE: a STATE printed during the run carries in ``bookmarks`` only the results
added since the previous STATE, the running ``summary`` of the whole run, and
``"results_partial": true`` next to them; so the output grows with the number of records, not
with its square. The last STATE of a run (after the input ended, or when a fatal error stops it)
is the complete one: every result, no ``results_partial`` - the shape HotGlue reads.
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
PARTIAL_KEY = "results_partial"  # marks a progress STATE (bookmarks: only the newest results)
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
        self._unprinted: dict[str, list[dict[str, Any]]] = {}  # results since the last STATE
        self._printed_incoming: Any = None  # the upstream state in the last STATE printed
        self.closing = False  # input ended: only the final STATE is printed from now on

    def add(self, stream: str, record: dict[str, Any], result: RecordResult) -> dict[str, Any]:
        entry = result.bookmark(record_hash(record))
        with self._lock:
            self.bookmarks.setdefault(stream, []).append(entry)
            self._unprinted.setdefault(stream, []).append(entry)
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
        """The complete STATE value: the upstream state (passed through) with every result.

        ``hotglue``: merged into ``bookmarks``/``summary``; upstream bookmarks of other streams
        are kept, a stream name used by both keeps ours. ``separate``: the upstream state as it
        came, plus ``target_exact: {bookmarks, summary}``.
        """
        with self._lock:
            return _merge(incoming, self.bookmarks, self.summary, shape)

    def state_to_print(
        self, incoming: dict[str, Any] | None, shape: StateResults, *, final: bool
    ) -> dict[str, Any] | None:
        """The next STATE to print, or None when it would say nothing new.

        ``final``: the complete state. Otherwise a progress state (the results since the last
        one, the running summary, ``results_partial``); none while the input is closing, because
        the final state follows.
        """
        with self._lock:
            if final:
                if not self.bookmarks and incoming is None:
                    return None  # no input state and no record: nothing to say
                self._unprinted = {}
                self._printed_incoming = copy.deepcopy(incoming)
                return _merge(incoming, self.bookmarks, self.summary, shape)
            if self.closing or (not self._unprinted and incoming == self._printed_incoming):
                return None
            state = _merge(incoming, self._unprinted, self.summary, shape, partial=True)
            self._unprinted = {}
            self._printed_incoming = copy.deepcopy(incoming)
            return state


def _merge(
    incoming: dict[str, Any] | None,
    bookmarks: dict[str, list[dict[str, Any]]],
    summary: dict[str, dict[str, int]],
    shape: StateResults,
    *,
    partial: bool = False,
) -> dict[str, Any]:
    merged = copy.deepcopy(incoming) if incoming else {}
    if shape == "separate":
        results: dict[str, Any] = {
            "bookmarks": copy.deepcopy(bookmarks),
            "summary": copy.deepcopy(summary),
        }
        if partial:
            results[PARTIAL_KEY] = True
        merged[RESULTS_KEY] = results
        return merged
    upstream = merged.get("bookmarks")
    merged["bookmarks"] = dict(upstream) if isinstance(upstream, dict) else {}
    merged["bookmarks"].update(copy.deepcopy(bookmarks))
    upstream_summary = merged.get("summary")
    merged["summary"] = dict(upstream_summary) if isinstance(upstream_summary, dict) else {}
    merged["summary"].update(copy.deepcopy(summary))
    merged.pop(PARTIAL_KEY, None)
    if partial:
        merged[PARTIAL_KEY] = True
    return merged
