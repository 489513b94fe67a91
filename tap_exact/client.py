"""ExactStream: the ONE place where auth, rate limits, requests, paging, decoding and errors live.

Stream families (sync, bulk/plain, function, ...) in ``streams.py`` only say what to ask for.
Records come out of ``exact_online.decoding`` already typed from the registry, so the SDK's type
conformance is switched off (``TYPE_CONFORMANCE_LEVEL = NONE``).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import ParseResult

import requests
from singer_sdk import StreamSchema
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context
from singer_sdk.streams import RESTStream
from singer_sdk.streams.rest import HTTPRequest, PageContext

from exact_online import transport
from exact_online.decoding import DecodeError, Page
from exact_online.errors import DailyLimitReached, error_from_response
from exact_online.odata import Query, encode_params
from exact_online.registry import Endpoint, Entity
from exact_online.timeconv import as_amsterdam
from tap_exact.pagination import ExactPaginator, decoded_page
from tap_exact.schema_source import REGISTRY_SCHEMAS

if TYPE_CHECKING:
    from exact_online.auth import ExactOAuthAuthenticator
    from tap_exact.runtime import TapRuntime
    from tap_exact.tap import TapExact

DIVISION_KEY = "Division"  # partition context key == the record field, see README.md
PER_USER_SERVICE = "system"  # system/* entities are per user, not per division
_RETRY_BASE_SECONDS = 0.5
_RETRY_CAP_SECONDS = 60.0


class ExactFatalError(FatalAPIError):
    """A non-retriable Exact answer; ``status`` lets streams treat some statuses as "no data"."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ExactStream(RESTStream[ParseResult | None]):
    entity: ClassVar[Entity]
    endpoint: ClassVar[Endpoint]
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    _LOG_REQUEST_METRICS = False  # the progress lines and summary say the same, once
    schema = StreamSchema(REGISTRY_SCHEMAS)  # built from the registry entity named like the stream

    def __init__(self, tap: TapExact) -> None:
        self._runtime_source = tap
        self._division: int | None = None
        self._pages_in_partition = 0
        super().__init__(tap=tap, name=self.name)

    # ---- shared services ----------------------------------------------------------------------

    @property
    def runtime(self) -> TapRuntime:
        return self._runtime_source.runtime

    @property
    def url_base(self) -> str:
        return f"{self.runtime.settings.base_url}/api/v1/"

    @property
    def authenticator(self) -> ExactOAuthAuthenticator:  # type: ignore[override]
        return self.runtime.authenticator

    @property
    def requests_session(self) -> requests.Session:
        session = super().requests_session
        if not isinstance(session.get_adapter(self.url_base), transport.ExactAdapter):
            transport.mount(session, self.runtime.verify)
        if self.runtime.settings.response_format == "xml":
            session.headers.pop("Accept", None)  # no Accept header: Exact answers Atom
        return session

    @property
    def timeout(self) -> int:
        return int(self.runtime.settings.request_timeout)

    @property
    def http_headers(self) -> dict:
        headers = {"User-Agent": self.runtime.settings.user_agent}
        if self.runtime.settings.response_format == "json":
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

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        if page.next_page_token is not None:
            # Exact's next link repeats every option and adds $skiptoken: use it verbatim.
            url = page.next_page_token.geturl()
        else:
            params = self.query(page.stream_context).params()
            url = self.get_url(page.stream_context)
            if params:
                url = f"{url}?{encode_params(params)}"
        return HTTPRequest(url=url, method="GET", headers=self.http_headers, params={})

    def get_new_paginator(self) -> ExactPaginator:
        return ExactPaginator(
            self.decoded,
            self.runtime.settings.base_url,
        )

    # ---- answers ------------------------------------------------------------------------------

    def decoded(self, response: requests.Response) -> Page:
        """This response's page, datetimes as ``datetime_output`` says (decoded once)."""
        return decoded_page(response, self.endpoint, self.runtime.settings.output.local_datetimes)

    def validate_response(self, response: requests.Response) -> None:
        division = self._division if self.endpoint.needs_division else None
        self.runtime.rate_limiter.observe(division, response)
        status = response.status_code
        if status < 400:
            try:
                self.decoded(response)
            except DecodeError as exc:  # truncated or garbled body: ask again
                raise RetriableAPIError(f"{self.name}: {exc}", response) from None
            return
        error = error_from_response(response)
        if status == 401:
            used = response.request.headers.get("Authorization", "") if response.request else ""
            self.runtime.authenticator.handle_unauthorized(used.removeprefix("Bearer "))
            raise RetriableAPIError(str(error), response)
        if status == 429:
            reset_at = self.runtime.rate_limiter.daily_exhausted_by(response)
            if reset_at is not None:
                raise DailyLimitReached(division, reset_at)
            raise RetriableAPIError(str(error), response)
        if status == 408 or status >= 500:
            raise RetriableAPIError(str(error), response)
        raise ExactFatalError(f"{self.name}: {error}", status)

    def request_decorator(self, func: Any) -> Any:
        def limited(prepared_request: requests.PreparedRequest, context: Context | None) -> Any:
            division = self.division_of(context) if self.endpoint.needs_division else None
            self.runtime.rate_limiter.before_request(division)
            self.runtime.progress.call(self.name)
            return func(prepared_request, context)

        return super().request_decorator(limited)

    def backoff_wait_generator(self) -> Generator[float, Any, None]:  # type: ignore[override]
        attempt = 0
        exc = yield 0.0  # primed by backoff with None
        while True:
            attempt += 1
            exc = yield self._retry_wait(exc, attempt)

    def _retry_wait(self, exc: Any, attempt: int) -> float:
        response = getattr(exc, "response", None)
        if response is not None and response.status_code == 429:
            return float(self.runtime.rate_limiter.wait_after_429(self._division, response))
        return min(_RETRY_BASE_SECONDS * 2 ** (attempt - 1), _RETRY_CAP_SECONDS)

    def backoff_max_tries(self) -> int:
        return 6

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        if self._pages_in_partition:
            self.checkpoint()  # every row of the previous page is written: save the bookmark
        self._pages_in_partition += 1
        page = self.decoded(response)
        self.runtime.progress.page(self.name, len(page.records))
        for record in page.records:
            shaped = self.shape(record)
            if shaped is not None:
                yield shaped

    def shape(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """A decoded record as the stream emits it; ``None`` drops it (client-side filters)."""
        return record

    def output_datetime(self, value: datetime) -> datetime:
        """A datetime read by the shared client (UTC) as ``datetime_output`` asks."""
        return as_amsterdam(value) if self.runtime.settings.output.local_datetimes else value

    # ---- partition runs -----------------------------------------------------------------------

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        self._division = self.division_of(context)
        self._pages_in_partition = 0
        self.runtime.progress.begin(self.name, self._division)
        try:
            yield from self.read_partition(context)
        finally:
            self.runtime.progress.end()

    def read_partition(self, context: Context | None) -> Iterator[dict[str, Any]]:
        yield from self.request_records(context)

    def checkpoint(self) -> None:
        """Emit STATE now (page boundaries); the SDK skips it when nothing changed."""
        self._write_state_message()
