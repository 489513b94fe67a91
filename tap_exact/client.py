"""ExactStream: the ONE place where the tap's streams meet auth, rate limits, paging and decoding.

What an answer means is decided by ``exact_online.policy.classify`` (the client's own policy);
the waits come from the client's ``RetryPolicy`` and rate limiter, the requests go through the
client's session and authenticator (``TapRuntime``). Stream families (sync, bulk/plain, function,
...) in ``streams.py`` only say what to ask for.
Records come out of ``exact_online.decoding`` already typed from the registry, so the SDK's type
conformance is switched off (``TYPE_CONFORMANCE_LEVEL = NONE``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, cast
from urllib.parse import ParseResult

import requests
from singer_sdk import StreamSchema, Tap
from singer_sdk import singerlib as singer
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context
from singer_sdk.streams import RESTStream
from singer_sdk.streams.rest import HTTPRequest, PageContext

from exact_online.decoding import Page
from exact_online.errors import DailyLimitReached, error_from_response
from exact_online.odata import Query, encode_params
from exact_online.policy import Action, check_answer, classify
from exact_online.registry import Endpoint, Entity
from exact_online.timeconv import as_amsterdam
from tap_exact import budget
from tap_exact.pagination import ExactPaginator, decoded_page
from tap_exact.runtime import RuntimeSource, TapRuntime
from tap_exact.schema_source import REGISTRY_SCHEMAS

if TYPE_CHECKING:
    from exact_online.auth import ExactOAuthAuthenticator
    from tap_exact.parallel import PartitionReader

DIVISION_KEY = "Division"  # partition context key == the record field, see docs/tap.md
PER_USER_SERVICE = "system"  # system/* entities are per user, not per division


class ExactFatalError(FatalAPIError):
    """A non-retriable Exact answer; ``status`` lets streams treat some statuses as "no data"."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RetryAnswer(RetriableAPIError):
    """An answer to ask again: after ``wait`` seconds (429, refresh), else the retry schedule."""

    def __init__(
        self, message: str, response: requests.Response, wait: float | None = None
    ) -> None:
        super().__init__(message, response)
        self.wait = wait


class ExactStream(RESTStream[ParseResult | None]):
    entity: ClassVar[Entity]
    endpoint: ClassVar[Endpoint]
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    _LOG_REQUEST_METRICS = False  # the progress lines and summary say the same, once
    schema = StreamSchema(REGISTRY_SCHEMAS)  # built from the registry entity named like the stream

    def __init__(self, tap: Tap) -> None:
        # The tap builds the run's shared services (runtime.py); typed by what streams use of it
        # so this base class does not import the tap (which imports the streams).
        self._runtime_source = cast(RuntimeSource, tap)
        self._division: int | None = None
        self._pages_in_partition = 0
        self._refreshed = False  # a 401 was answered by a refresh; another one is fatal
        self._reader: PartitionReader | None = None  # this partition read ahead (parallel.py)
        self._mask_checked: object = None  # the mask that _all_selected was computed for
        self._all_selected = False
        # When the page being emitted was received: every RECORD of it says so (time_extracted);
        # None outside a page (tombstones, side reads: the clock at each record).
        self._extracted_at: datetime | None = None
        super().__init__(tap=tap, name=self.name)

    # ---- shared services ----------------------------------------------------------------------

    @property
    def runtime(self) -> TapRuntime:
        return self._runtime_source.runtime

    @property
    def url_base(self) -> str:
        return f"{self.runtime.connection.base_url}/api/v1/"

    @property
    def authenticator(self) -> ExactOAuthAuthenticator:  # type: ignore[override]
        return self.runtime.authenticator

    @property
    def requests_session(self) -> requests.Session:
        # The client's session: our adapter (no urllib3 retries, pinned TLS verification), the
        # User-Agent and the Accept header of the response format, set up once.
        return self.runtime.session

    @property
    def timeout(self) -> int:
        return int(self.runtime.connection.request_timeout)

    @property
    def http_headers(self) -> dict:
        headers = {"User-Agent": self.runtime.connection.user_agent}
        if self.runtime.connection.response_format == "json":
            headers["Accept"] = "application/json"
        return headers

    # ---- partitions: one per division ---------------------------------------------------------

    @property
    def partitions(self) -> list[dict] | None:
        if not self.endpoint.needs_division:
            return None
        if self.entity.service == PER_USER_SERVICE:
            # system/* lists what the USER can see, the same from every division: read it once.
            return [{DIVISION_KEY: self.runtime.divisions.home()}]
        return [{DIVISION_KEY: d} for d in self.runtime.divisions.partitions()]

    @staticmethod
    def division_of(context: Context | None) -> int | None:
        return int(context[DIVISION_KEY]) if context and DIVISION_KEY in context else None

    # ---- what to ask for ----------------------------------------------------------------------

    def selected_fields(self) -> list[str]:
        """Exactly the selected properties that Exact has on this endpoint, in schema order."""
        known = self.endpoint.field_map
        mask = self.mask
        return [
            name for name in self.schema["properties"]
            if name in known and not known[name].is_navigation and mask[("properties", name)]
        ]

    def query(self, context: Context | None) -> Query:
        return Query(select=self.selected_fields())

    def get_url(self, context: Context | None) -> str:
        return self.url_base + self.endpoint.url_path(self.division_of(context))

    def request_url(self, context: Context | None, query: Query) -> str:
        """The URL of a partition's first page."""
        params = query.params()
        url = self.get_url(context)
        return f"{url}?{encode_params(params)}" if params else url

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        if page.next_page_token is not None:
            # Exact's next link repeats every option and adds $skiptoken: use it verbatim.
            url = page.next_page_token.geturl()
        else:
            url = self.request_url(page.stream_context, self.query(page.stream_context))
        return HTTPRequest(url=url, method="GET", headers=self.http_headers, params={})

    # ---- reading ahead (tap_exact/parallel.py) -------------------------------------------------

    def prefetch_query(self, context: Context | None) -> Callable[[], Query] | None:
        """How a partition not yet started will build its first query, so that a reader can
        fetch its pages ahead (None: it cannot be known ahead; read it live). Called in the main
        thread; the callable runs in the reader's thread and may make calls of that division."""
        return None

    @contextmanager
    def state_ahead(self, context: Context | None) -> Iterator[dict[str, Any]]:
        """A partition's state as the SDK will have it when the partition starts (its starting
        replication value written), put back as it was afterwards: a partition the state did not
        know is taken out again, so STATE messages stay those of a run without readers."""
        known = any(p.get("context") == context for p in self._state_partitions())
        state = self.get_context_state(context)
        before = copy.deepcopy(state)
        try:
            self.state_manager.write_starting_replication_value(
                context=context,
                replication_method=self.replication_method,
                replication_key=self.replication_key,
                config=dict(self.config),
                compare_start_date_fn=self.compare_start_date,
            )
            yield state
        finally:
            state.clear()
            state.update(before)
            if not known:
                partitions = self._state_partitions()
                for i, partition in enumerate(partitions):
                    if partition is state:
                        del partitions[i]
                        break

    def _state_partitions(self) -> list[dict[str, Any]]:
        return self.state_manager.get_state_partitions() or []

    def get_new_paginator(self) -> ExactPaginator:
        return ExactPaginator(
            self.decoded,
            self.runtime.connection.base_url,
        )

    # ---- answers ------------------------------------------------------------------------------

    def decoded(self, response: requests.Response) -> Page:
        """This response's page, datetimes as ``datetime_output`` says (decoded once)."""
        return decoded_page(response, self.endpoint, self.runtime.settings.output.local_datetimes)

    def validate_response(self, response: requests.Response) -> None:
        """Act on ``classify``'s decision by raising; waiting is the backoff's job."""
        division = self._division if self.endpoint.needs_division else None
        limiter = self.runtime.rate_limiter
        limiter.observe(division, response)
        decision = classify(
            response,
            limiter=limiter,
            division=division,
            refreshed=self._refreshed,
            check_body=self.checked_page,
        )
        if decision.action is Action.OK:
            self._refreshed = False
            return
        if decision.action is Action.RETRY and response.status_code < 300:
            raise RetryAnswer(f"{self.name}: {decision.reason}", response)
        error = error_from_response(response)
        if decision.action is Action.REFRESH:
            used = response.request.headers.get("Authorization", "") if response.request else ""
            self.runtime.authenticator.handle_unauthorized(used.removeprefix("Bearer "))
            self._refreshed = True
            raise RetryAnswer(str(error), response, wait=0.0)
        if decision.action is Action.DAILY_STOP:
            assert decision.reset_at is not None
            raise DailyLimitReached(division, decision.reset_at)
        if decision.action is Action.WAIT:
            raise RetryAnswer(str(error), response, wait=decision.wait)
        if decision.action is Action.RETRY:
            raise RetryAnswer(str(error), response)
        raise ExactFatalError(f"{self.name}: {error}", response.status_code)

    def checked_page(self, response: requests.Response) -> object:
        fmt = self.runtime.connection.response_format
        return check_answer(response, fmt, self.decoded)

    def request_decorator(self, func: Any) -> Any:
        def limited(prepared_request: requests.PreparedRequest, context: Context | None) -> Any:
            if self._reader is not None:
                served = self.runtime.parallel.serve(self._reader, prepared_request.url or "")
                if served is not None:
                    return served
                self._reader = None  # the reader ended: the rest of the partition is read live
            division = self.division_of(context) if self.endpoint.needs_division else None
            # The client's lock of the division: one request in flight per division, whoever
            # sends it (this thread, a reader, a side call).
            with self.runtime.client.division_lock(division):
                self.runtime.rate_limiter.before_request(division)
                self.runtime.progress.call(self.name, division)
                response = func(prepared_request, context)
            self.runtime.parallel.answered()
            return response

        return super().request_decorator(limited)

    def backoff_wait_generator(self) -> Generator[float, Any, None]:  # type: ignore[override]
        """The client's retry schedule; a 429 waits as the limiter said, a refresh not at all."""
        retry = 0
        exc = yield 0.0  # primed by backoff with None
        while True:
            wait = getattr(exc, "wait", None)
            if wait is None:
                retry += 1
                wait = self.runtime.retry_policy.delay(retry)
            exc = yield float(wait)

    def backoff_jitter(self, value: float) -> float:
        return value  # the schedule is jittered already; a 429 waits exactly until the reset

    def backoff_max_tries(self) -> int:
        return self.runtime.retry_policy.max_tries

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        if self._pages_in_partition:
            self.checkpoint()  # every row of the previous page is written: save the bookmark
        self._pages_in_partition += 1
        self._extracted_at = datetime.now(timezone.utc)
        page = self.decoded(response)
        self.runtime.progress.page(self.name, len(page.records))
        for record in page.records:
            shaped = self.shape(record)
            if shaped is not None:
                yield shaped
        self._extracted_at = None

    def shape(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """A decoded record as the stream emits it; ``None`` drops it (client-side filters)."""
        return record

    # ---- records out -------------------------------------------------------------------------

    def nothing_deselected(self) -> bool:
        """Whether every entry of the selection mask is selected (then no property is dropped).

        Checked once per mask: the SDK builds a new one when the selection changes.
        """
        mask = self.mask
        if mask is not self._mask_checked:
            self._all_selected = all(mask.values())
            self._mask_checked = mask
        return self._all_selected

    def _generate_record_messages(
        self, record: dict
    ) -> Generator[singer.RecordMessage, None, None]:
        # The SDK walks every property of every record through the selection mask to drop the
        # deselected ones (about 15% of a large run's CPU). When nothing is deselected that walk
        # drops nothing, so it is skipped; type conformance is off (TYPE_CONFORMANCE_LEVEL), so
        # the rest is the SDK's own loop over the stream maps. singer-sdk 0.54 has no public
        # hook for this: with anything deselected the SDK's method runs unchanged, and
        # tests/tap/test_record_messages.py checks that both paths give the same messages.
        # time_extracted is the page's (one clock read per page, not per record).
        conforming = self.TYPE_CONFORMANCE_LEVEL != TypeConformanceLevel.NONE
        if conforming or not self.nothing_deselected():
            yield from super()._generate_record_messages(record)
            return
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield singer.RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self._stream_version,
                    time_extracted=self._extracted_at or datetime.now(timezone.utc),
                )

    def output_datetime(self, value: datetime) -> datetime:
        """A datetime read by the shared client (UTC) as ``datetime_output`` asks."""
        return as_amsterdam(value) if self.runtime.settings.output.local_datetimes else value

    # ---- partition runs -----------------------------------------------------------------------

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        self._division = self.division_of(context)
        self._pages_in_partition = 0
        self._refreshed = False
        divisions = self.runtime.divisions  # a division answering 403 is skipped: divisions.py
        if self.endpoint.needs_division and divisions.skipped(self._division):
            return
        state = self.get_context_state(context)
        interval = self.min_interval_hours
        if not budget.is_due(state, interval, self.run_start):
            self.logger.info(
                "%s division %s: read %s, next read due %s (minimum interval %g h): skipped",
                self.name, self._division, state.get(budget.LAST_READ_KEY),
                budget.next_read(state, interval), interval,
            )
            return
        self.runtime.progress.begin(self.name, self._division)
        parallel = self.runtime.parallel
        self._reader = parallel.start_partition(self, context)
        reader = self._reader
        try:
            with divisions.guard(self.name, self._division, state):
                yield from self.read_partition(context)
                budget.mark_read(state, interval, self.run_start)
        except BaseException:
            parallel.finish_partition(reader)
            parallel.abort()  # the run ends here: no reader outlives it
            raise
        else:
            parallel.finish_partition(reader)
        finally:
            self._reader = None
            self.runtime.progress.end()

    def is_due_in(self, division: int | None) -> bool:
        """Whether this run reads the stream's partition of ``division`` (minimum interval)."""
        context = {DIVISION_KEY: division} if division is not None else None
        # Looked up, not created: readers ask ahead of the partition, and STATE must stay
        # what a run without readers writes (a partition unknown to the state is due).
        known = [p for p in self._state_partitions() if p.get("context") == context]
        state = known[0] if known else {}
        return budget.is_due(state, self.min_interval_hours, self.run_start)

    @property
    def min_interval_hours(self) -> float:
        """Hours between two reads of a partition (0: every run), see tap_exact/budget.py."""
        return self.runtime.settings.intervals.hours(self.name, self.entity.stream)

    @property
    def run_start(self) -> datetime:
        """The run's start (the SDK's ``initialized_at``), UTC."""
        return datetime.fromtimestamp(self._runtime_source.initialized_at / 1000, timezone.utc)

    def read_partition(self, context: Context | None) -> Iterator[dict[str, Any]]:
        yield from self.request_records(context)

    def checkpoint(self) -> None:
        """Emit STATE now (page boundaries); the SDK skips it when nothing changed."""
        self._write_state_message()
