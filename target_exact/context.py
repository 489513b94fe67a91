"""What a sink may use of the run: settings, the client, lookups, writers and the result log.

The target builds one :class:`WriteContext` and binds it to every sink class it hands the SDK
(``ExactSink.bound``), so sinks never reach back into the target. Everything here is built on first
use: a dry run never builds a client, and a run with ``division`` set never asks Exact for it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from typing import Any, Protocol

from exact_online.client import ExactClient
from target_exact.lookups import Lookups
from target_exact.results import ResultLog
from target_exact.settings import Settings, normalize
from target_exact.writes import Writer


class EmitResults(Protocol):
    """Prints the results as STATE; ``final`` when the run ends (every result, not just the new)."""

    def __call__(self, *, final: bool = False) -> None: ...


class WriteContext:
    """Shared by all sinks of one run; safe to use from several threads."""

    def __init__(
        self,
        config: Mapping[str, Any],
        settings: Settings,
        results: ResultLog,
        emit_results: EmitResults,
        stdout_lock: threading.Lock,
    ) -> None:
        self.config = config
        self.settings = settings
        self.results = results
        # Prints the results so far as STATE (the target owns stdout and the incoming state).
        self.emit_results = emit_results
        self._stdout_lock = stdout_lock
        self._lock = threading.RLock()
        self._client: ExactClient | None = None
        self._division: int | None = None
        self._lookups: dict[int, Lookups] = {}
        self._writers: dict[tuple[int, str], Writer] = {}

    @property
    def client(self) -> ExactClient:
        with self._lock:
            if self._client is None:
                self._client = ExactClient.from_config(normalize(self.config))
            return self._client

    def default_division(self) -> int:
        """``division`` from the config, else the user's current division in Exact."""
        with self._lock:
            if self._division is None:
                self._division = self.settings.division or self.client.current_division()
            return self._division

    def lookups(self, division: int) -> Lookups:
        with self._lock:
            if division not in self._lookups:
                self._lookups[division] = Lookups(self.client, division)
            return self._lookups[division]

    def writer(self, division: int, stream: str) -> Writer:
        with self._lock:
            key = (division, stream)
            if key not in self._writers:
                dry_run = self.settings.dry_run
                self._writers[key] = Writer(
                    None if dry_run else self.client,
                    division,
                    dry_run=dry_run,
                    stream=stream,
                    out=sys.stdout,
                    lock=self._stdout_lock,
                )
            return self._writers[key]
