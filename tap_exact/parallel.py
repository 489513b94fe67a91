"""Divisions in parallel: while the SDK reads a stream's partitions (one per division) in order,
background readers fetch the pages of the partitions still to come, one reader per division.

Why this shape: Exact's budget is per division (60 calls a minute, 5,000 a day) and it wants the
calls of one division sequential, so a run of D divisions read one after another waits D times
for the minute budget where it could wait once. The SDK's partition and state machinery stays as
it is: the main thread still runs every partition in order, turns pages into records, writes
RECORD and STATE and moves bookmarks. A reader only sends requests (through the shared client:
limiter, retries, token refresh, the client's per-division lock) and keeps the answers, in
memory up to a bound and in an unlinked temp file beyond it, so it never waits for the consumer
and never holds its division's minute budget hostage. Nothing a reader fetched is a bookmark
until the main thread emitted its records: a kill -9 loses only fetched pages, read again next run.

The main thread serves a request from its partition's reader only when the reader fetched exactly
that URL (first page from :meth:`ExactStream.prefetch_query`, then Exact's next links); anything
else stops the reader and reads live, so a wrong guess costs calls, never records. A reader's
error (403, daily limit, a fatal answer) is raised in the main thread when it reaches that page:
the partition then ends as it would have without readers.

``max_parallel_divisions`` is how many divisions have a request in flight at once (1: no readers).
"""

from __future__ import annotations

import copy
import logging
import pickle
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, TYPE_CHECKING, Protocol
from urllib.parse import urlparse

import requests

from exact_online.client import ExactClient

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from exact_online.odata import Query
    from tap_exact.pagination import ExactPaginator
    from tap_exact.progress import Progress

DEFAULT_MAX_PARALLEL_DIVISIONS = 4
# Answers kept in memory per reader before spilling to its temp file (Exact pages: 60 rows on
# plain endpoints, 1,000 on sync/bulk; a 1,000-row page is 0.5-2 MB).
MEMORY_PER_READER = 16 * 1024 * 1024
WAIT_STEP = 1.0  # seconds between liveness checks while the main thread waits for a page
JOIN_TIMEOUT = 120.0  # a stopped reader ends after its request in flight (bounded by timeouts)


class ReadAheadStream(Protocol):
    """What the readers use of a stream (``ExactStream``; a protocol, so no import circle)."""

    name: str

    @property
    def partitions(self) -> list[dict] | None: ...

    def division_of(self, context: Context | None) -> int | None: ...

    def prefetch_query(self, context: Context | None) -> Callable[[], Query] | None: ...

    def is_due_in(self, division: int | None) -> bool: ...

    def request_url(self, context: Context | None, query: Query) -> str: ...

    def checked_page(self, response: requests.Response) -> object: ...

    def get_new_paginator(self) -> ExactPaginator: ...


@dataclass
class Fetched:
    url: str  # the URL as sent (prepared), compared with the main thread's request
    response: requests.Response
    calls: int  # API calls it took (retries included)


@dataclass
class Failed:
    error: Exception
    calls: int


@dataclass
class _Spilled:
    offset: int
    length: int
    calls: int


class PageBuffer:
    """First-in first-out answers of one reader: in memory up to ``memory_bytes`` of bodies,
    beyond that pickled into an unlinked temp file (without the request: no token on disk)."""

    def __init__(self, memory_bytes: int = MEMORY_PER_READER) -> None:
        self.memory_bytes = memory_bytes
        self._cond = threading.Condition()
        self._items: deque[Fetched | Failed | _Spilled] = deque()
        self._in_memory = 0
        self._closed = False
        self._file: IO[bytes] | None = None
        self._end = 0
        self.spilled = 0  # answers that went to disk (tests, logs)

    def put(self, item: Fetched | Failed) -> None:
        size = len(item.response.content or b"") if isinstance(item, Fetched) else 0
        with self._cond:
            entry: Fetched | Failed | _Spilled = item
            if isinstance(item, Fetched) and self._items and (
                self._in_memory + size > self.memory_bytes
            ):
                entry = self._spill(item)
            else:
                self._in_memory += size
            self._items.append(entry)
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def get(self, alive: Callable[[], bool]) -> Fetched | Failed | None:
        """The next answer, waiting while the reader is alive; None when it ended without one."""
        with self._cond:
            while not self._items:
                if self._closed or not alive():
                    return None
                self._cond.wait(WAIT_STEP)
            entry = self._items.popleft()
            if isinstance(entry, _Spilled):
                return self._unspill(entry)
            if isinstance(entry, Fetched):
                self._in_memory -= len(entry.response.content or b"")
            return entry

    def drain(self) -> int:
        """Drop what is left (a stopped reader); the calls those answers took."""
        calls = 0
        with self._cond:
            while self._items:
                entry = self._items.popleft()
                calls += entry.calls
            self._in_memory = 0
            if self._file is not None:
                self._file.close()
                self._file = None
        return calls

    def _spill(self, item: Fetched) -> _Spilled:
        response = copy.copy(item.response)
        response.request = None  # type: ignore[assignment]  # its Authorization header stays out
        data = pickle.dumps((item.url, item.calls, response), protocol=pickle.HIGHEST_PROTOCOL)
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="tap-exact-pages-")
        self._file.seek(self._end)
        self._file.write(data)
        entry = _Spilled(self._end, len(data), item.calls)
        self._end += len(data)
        self.spilled += 1
        return entry

    def _unspill(self, entry: _Spilled) -> Fetched:
        assert self._file is not None
        self._file.seek(entry.offset)
        # Our own file, written above by this process: not untrusted input.
        url, calls, response = pickle.loads(self._file.read(entry.length))
        return Fetched(url, response, calls)


class PartitionReader:
    """One thread reading one partition's pages in order, from its first URL along next links."""

    def __init__(
        self,
        division: int,
        first_url: Callable[[], str],
        fetch: Callable[[str], requests.Response],
        next_url: Callable[[requests.Response], str | None],
        calls_made: Callable[[], int],
        *,
        memory_bytes: int = MEMORY_PER_READER,
    ) -> None:
        self.division = division
        self._first_url = first_url
        self._fetch = fetch
        self._next_url = next_url
        self._calls_made = calls_made
        self.buffer = PageBuffer(memory_bytes)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"tap-exact-division-{division}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        seen: set[str] = set()
        try:
            url: str | None = self._first_url()
            while url is not None and url not in seen and not self._stop.is_set():
                seen.add(url)
                before = self._calls_made()
                try:
                    response = self._fetch(url)
                    sent = response.request.url if response.request is not None else url
                    item = Fetched(sent or url, response, self._calls_made() - before)
                    url = self._next_url(response)
                except Exception as exc:  # noqa: BLE001 -- handed to the main thread, raised there
                    self.buffer.put(Failed(exc, self._calls_made() - before))
                    return
                self.buffer.put(item)
        except Exception as exc:  # noqa: BLE001 -- the first URL (SyncTimestamp) failed
            self.buffer.put(Failed(exc, 0))
        finally:
            self.buffer.close()

    def next_item(self) -> Fetched | Failed | None:
        return self.buffer.get(self._thread.is_alive)

    def stop(self) -> int:
        """Stop after the request in flight; the calls of the answers nobody will use."""
        self._stop.set()
        self._thread.join(JOIN_TIMEOUT)
        return self.buffer.drain()


class SyncTimestamps:
    """``read/sync/Sync/SyncTimestamp`` answers of this run, asked once per (division, endpoint,
    start_date) whether a reader or the main thread asks first."""

    def __init__(self, client: Callable[[], ExactClient]) -> None:
        self._client = client
        self._guard = threading.Lock()
        self._locks: dict[tuple[int, str, datetime], threading.Lock] = {}
        self._values: dict[tuple[int, str, datetime], int] = {}

    def get(self, division: int, endpoint: str, since: datetime) -> int:
        key = (division, endpoint, since)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                self._values[key] = int(self._client().sync_timestamp(division, endpoint, since))
            return self._values[key]


class DivisionReaders:
    """The run's readers: which partitions of the running stream are read ahead, and serving
    their answers to the main thread. Only the main thread calls these methods."""

    def __init__(
        self,
        client: Callable[[], ExactClient],
        *,
        progress: Callable[[], Progress],
        skipped: Callable[[int], bool],
        limit: int,
        logger: logging.Logger,
        memory_bytes: int = MEMORY_PER_READER,
    ) -> None:
        self._client = client
        self._progress = progress
        self._skipped = skipped  # divisions that answered 403 earlier in the run
        self.limit = max(1, int(limit))
        self._logger = logger
        self.memory_bytes = memory_bytes
        self._stream: ReadAheadStream | None = None
        self._upcoming: list[Context] = []
        self._readers: dict[int, PartitionReader] = {}  # partitions still to come
        # The main thread's partition: its division, and the reader serving it (None: live).
        self._division: int | None = None
        self._serving: PartitionReader | None = None
        # Readers start once the stream answered a page: a stream failing on its first page
        # (garbled answers, an expired grant) then fails after the same calls as one reader.
        self._answered = False
        self.started = 0  # readers started this run (tests, logs)

    # ---- the main thread's hooks (tap_exact/client.py) ----------------------------------------

    def start_partition(
        self, stream: ReadAheadStream, context: Context | None
    ) -> PartitionReader | None:
        """A partition begins: its reader (None: read it live), and readers for what comes next."""
        division = stream.division_of(context)
        if self.limit <= 1 or division is None or context is None:
            return None
        if stream is not self._stream:
            self._begin_stream(stream)
        if context in self._upcoming:
            del self._upcoming[: self._upcoming.index(context) + 1]
        reader = self._readers.pop(division, None)
        self._division, self._serving = division, reader
        self._fill()
        return reader

    def serve(self, reader: PartitionReader, url: str) -> requests.Response | None:
        """The reader's answer for ``url``; None: read it live (the reader ended or guessed
        another URL). A reader's error is raised here, where the live request would raise it."""
        item = reader.next_item()
        self._fill()
        stream = self._stream
        assert stream is not None
        if isinstance(item, Fetched):
            self.answered()
        if item is None:
            self._serving = None
            return None
        self._progress().add_calls(stream.name, item.calls)
        if isinstance(item, Failed):
            raise item.error
        if item.url != url:
            self._logger.warning(
                "%s: division %s: read ahead %s but the stream asks %s; reading live",
                stream.name, reader.division, _path(item.url), _path(url),
            )
            self._progress().add_calls(stream.name, reader.stop())
            self._serving = None
            return None
        return item.response

    def answered(self) -> None:
        """The running stream got a page (live or read ahead): readers may start."""
        if not self._answered:
            self._answered = True
            self._fill()

    def finish_partition(self, reader: PartitionReader | None) -> None:
        """The partition ended (or failed): a reader still going is stopped, its calls counted."""
        self._division = self._serving = None
        if reader is not None and self._stream is not None:
            self._progress().add_calls(self._stream.name, reader.stop())

    def abort(self) -> None:
        """The run stops (an error left the stream): stop every reader."""
        for reader in list(self._readers.values()):
            calls = reader.stop()
            if self._stream is not None:
                self._progress().add_calls(self._stream.name, calls)
        self._readers.clear()
        self._upcoming = []
        self._division = self._serving = None

    # ---- scheduling ---------------------------------------------------------------------------

    def _begin_stream(self, stream: ReadAheadStream) -> None:
        self.abort()  # a previous stream's readers were all consumed, unless it failed
        self._stream = stream
        self._upcoming = list(stream.partitions or [])
        self._answered = False

    def _fill(self) -> None:
        """Start readers for the next partitions while fewer than ``limit`` divisions are busy."""
        stream = self._stream
        if stream is None or not self._answered:
            return
        busy = {d for d, r in self._readers.items() if r.running}
        if self._division is not None and (self._serving is None or self._serving.running):
            busy.add(self._division)
        while self._upcoming and len(busy) < self.limit:
            context = self._upcoming.pop(0)
            division = stream.division_of(context)
            if division is None or division in busy or self._skipped(division):
                continue
            if not stream.is_due_in(division):
                continue  # its minimum interval has not passed: the stream skips it (budget.py)
            plan = stream.prefetch_query(context)
            if plan is None:
                continue  # read live when its turn comes
            reader = self._reader(stream, context, division, plan)
            self._readers[division] = reader
            busy.add(division)
            reader.start()
            self.started += 1
            self._logger.info("%s: division %s read ahead", stream.name, division)

    def _reader(
        self,
        stream: ReadAheadStream,
        context: Context,
        division: int,
        plan: Callable[[], Query],
    ) -> PartitionReader:
        client = self._client()
        paginator = stream.get_new_paginator()

        def fetch(url: str) -> requests.Response:
            return client.request("GET", url, division=division, check_body=stream.checked_page)

        def next_url(response: requests.Response) -> str | None:
            url = paginator.get_next_url(response)
            return urlparse(url).geturl() if url else None  # as the SDK's HATEOAS token

        return PartitionReader(
            division,
            lambda: stream.request_url(context, plan()),
            fetch,
            next_url,
            lambda: client.api_calls[division],
            memory_bytes=self.memory_bytes,
        )


def _path(url: str) -> str:
    parts = urlparse(url)
    return parts.path + (f"?{parts.query[:200]}" if parts.query else "")
