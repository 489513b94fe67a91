"""``AsyncExactClient``: :class:`~exact_online.client.ExactClient` for asyncio, over httpx.

The same public methods and semantics (the sans-I/O :func:`.core.exchange` decides; this module
only performs its actions): ``await client.get_page(...)``, ``async for page in
client.iter_pages(...)``, and the same resources (:mod:`.async_resources`):
``await client.items.list(division)``. Needs the ``[async]`` extra (httpx).

- Calls of one division are sequential (an ``asyncio.Lock`` per division: Exact asks for that);
  different divisions run concurrently.
- ONE token store and its lock, shared with every sync client and process: the store's file lock
  blocks, so a refresh runs in a thread (``asyncio.to_thread``) under one ``asyncio.Lock`` per
  client, and concurrent coroutines refresh once (the others adopt the new token from the store).
- Waits (429, the minute's budget, the retry schedule) are awaited, never slept.
- One event loop per client (its locks belong to the loop that first used them).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import requests

from exact_online.async_resources import AsyncResourceAccess
from exact_online.async_transport import (
    TRANSPORT_ERRORS,
    as_requests_response,
    httpx,
    request_was_sent,
    ssl_context,
)
from exact_online.auth import ExactOAuthAuthenticator
from exact_online.client import ExactClient
from exact_online.client_base import ClientBase
from exact_online.core import (
    Authenticate,
    Call,
    Exchange,
    Failed,
    Refresh,
    Send,
    Sleep,
    call_policy,
    exchange,
    first_record_or_none,
    log_exchange,
    me_record,
    next_page_url,
    page_checker,
    sync_timestamp_params,
    sync_timestamp_value,
)
from exact_online.decoding import Page, decode_response
from exact_online.errors import NotFound
from exact_online.languages import language_headers
from exact_online.models import AsyncEntityResources
from exact_online.odata import Query
from exact_online.ratelimit import RateLimiter
from exact_online.registry import Endpoint, Entity
from exact_online.retry import RetryPolicy
from exact_online.settings import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_USER_AGENT,
    ConnectionSettings,
)
from exact_online.token_store import TokenStorage

__all__ = ["AsyncExactClient"]

AsyncSleep = Callable[[float], Awaitable[None]]
_ASYNC_ONLY = ("http_client", "sleep", "debug")


class AsyncExactClient(ClientBase, AsyncEntityResources, AsyncResourceAccess):
    """Exact Online over REST for asyncio: the sync client's behaviour, awaited.

    ``http_client``: an ``httpx.AsyncClient`` of your own (its transport, event hooks, proxies are
    kept; build it with ``verify=async_transport.ssl_context(ca_file)`` to pin TLS: ``ca_file``
    cannot be applied to a client built elsewhere, so both together are refused). ``sleep``: how
    waits are awaited (tests record them).
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        client_id: str,
        client_secret: str,
        token_storage: TokenStorage | None = None,
        token_store_path: str | None = None,
        refresh_token: str | None = None,
        response_format: str = "json",
        daily_call_reserve: int = 0,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        user_agent: str = DEFAULT_USER_AGENT,
        ca_file: str | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        authenticator: ExactOAuthAuthenticator | None = None,
        rate_limiter: RateLimiter | None = None,
        retry_policy: RetryPolicy | None = None,
        debug: bool | logging.Logger = False,
        sleep: AsyncSleep = asyncio.sleep,
    ) -> None:
        if http_client is not None and ca_file:
            raise ValueError(
                "ca_file cannot be applied to an httpx.AsyncClient built elsewhere: build it with "
                "verify=exact_online.async_transport.ssl_context(ca_file) instead"
            )
        self._setup(
            base_url=base_url,
            client_id=client_id,
            client_secret=client_secret,
            token_storage=token_storage,
            token_store_path=token_store_path,
            refresh_token=refresh_token,
            response_format=response_format,
            daily_call_reserve=daily_call_reserve,
            request_timeout=request_timeout,
            user_agent=user_agent,
            ca_file=ca_file,
            max_retries=max_retries,
            authenticator=authenticator,
            rate_limiter=rate_limiter,
            retry_policy=retry_policy,
            debug=debug,
        )
        self._own_http = http_client is None
        # No redirects are followed (a redirect would carry our token elsewhere); retries are
        # the core's alone (httpx's transport retries are 0 by default).
        self.http = http_client or httpx.AsyncClient(
            verify=ssl_context(self.verify), timeout=request_timeout, follow_redirects=False
        )
        self._sleep = sleep
        self._auth_lock = asyncio.Lock()
        self._division_locks: dict[int | None, asyncio.Lock] = {}

    @classmethod
    def from_settings(
        cls,
        settings: ConnectionSettings,
        *,
        token_storage: TokenStorage | None = None,
        rate_limiter: RateLimiter | None = None,
        retry_policy: RetryPolicy | None = None,
        logger: logging.Logger | None = None,
        http_client: httpx.AsyncClient | None = None,
        debug: bool | logging.Logger = False,
        sleep: AsyncSleep = asyncio.sleep,
    ) -> AsyncExactClient:
        """The async client of one connection, built exactly as ``ExactClient.from_settings``
        builds its store, authenticator, limiter and retry schedule (one place resolves them)."""
        sync = ExactClient.from_settings(
            settings,
            token_storage=token_storage,
            rate_limiter=rate_limiter,
            retry_policy=retry_policy,
            logger=logger,
        )
        return cls._from_sync(sync, http_client=http_client, debug=debug, sleep=sleep)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **overrides: Any) -> AsyncExactClient:
        """A client from the tap/target config keys, as ``ExactClient.from_config``;
        ``http_client``, ``debug`` and ``sleep`` are this client's own."""
        own = {k: overrides.pop(k) for k in _ASYNC_ONLY if k in overrides}
        return cls._from_sync(ExactClient.from_config(config, **overrides), **own)

    @classmethod
    def _from_sync(cls, sync: ExactClient, **own: Any) -> AsyncExactClient:
        sync.close()  # only its parts are kept: store, authenticator, limiter, retry schedule
        return cls(
            base_url=sync.base_url,
            client_id=sync.authenticator.client_id or "",
            client_secret=sync.authenticator.client_secret or "",
            token_storage=sync.token_storage,
            response_format=sync.response_format,
            request_timeout=sync.timeout,
            user_agent=sync.user_agent,
            ca_file=None if own.get("http_client") is not None else sync.ca_file,
            authenticator=sync.authenticator,
            rate_limiter=sync.rate_limiter,
            retry_policy=sync.retry_policy,
            **own,
        )

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def __aenter__(self) -> AsyncExactClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ---- requests --------------------------------------------------------------------------

    def _division_lock(self, division: int | None) -> asyncio.Lock:
        lock = self._division_locks.get(division)
        if lock is None:
            lock = self._division_locks[division] = asyncio.Lock()
        return lock

    async def request(
        self,
        method: str,
        path_or_url: str,
        *,
        division: int | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
        retries: RetryPolicy | None = None,
        check_body: Callable[[requests.Response], object] | None = None,
    ) -> requests.Response:
        """One API call, as :meth:`ExactClient.request` (the answer is a ``requests.Response``)."""
        call = self._call(
            method, path_or_url, division, params=params, json=json, headers=headers
        )
        policy = call_policy(self.retry_policy, retry, retries)
        steps = exchange(
            call,
            limiter=self.rate_limiter,
            policy=policy,
            api_calls=self.api_calls,
            check_body=check_body,
        )
        async with self._division_lock(division):
            return await self._drive(steps)

    async def _drive(self, steps: Exchange) -> requests.Response:
        """Perform the core's actions with httpx until it returns an answer or raises."""
        reply: Any = None
        while True:
            try:
                step = steps.send(reply)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            reply = None
            if isinstance(step, Sleep):
                if step.rate_limit:
                    self.rate_limiter.note_wait(step.seconds)
                await self._sleep(step.seconds)
            elif isinstance(step, Authenticate):
                reply = await self._token()
            elif isinstance(step, Send):
                reply = await self._send(step.call, step.token)
            elif isinstance(step, Refresh):
                async with self._auth_lock:
                    await asyncio.to_thread(self.authenticator.handle_unauthorized, step.used_token)

    async def _token(self) -> str | None:
        auth = self.authenticator
        if auth.is_token_valid():
            return auth.access_token
        async with self._auth_lock:  # one refresh for all coroutines; the store's lock in a thread
            return await asyncio.to_thread(auth.valid_token)

    async def _send(self, call: Call, token: str | None) -> requests.Response | Failed:
        headers = {**self.default_headers(), **call.headers, "Authorization": f"Bearer {token}"}
        request = self.http.build_request(
            call.method, call.url, content=call.body, headers=headers, timeout=self.timeout
        )
        if "Accept" not in headers:
            request.headers.pop("Accept", None)  # Atom: Exact answers XML without an Accept
        started = time.monotonic()
        try:
            answer = await self.http.send(request, follow_redirects=False)
        except TRANSPORT_ERRORS as exc:
            if self.debug_logger is not None:
                log_exchange(
                    self.debug_logger,
                    call,
                    status=type(exc).__name__,
                    seconds=time.monotonic() - started,
                    size=0,
                )
            return Failed(type(exc).__name__, request_was_sent(exc))
        if self.debug_logger is not None:
            log_exchange(
                self.debug_logger,
                call,
                status=answer.status_code,
                seconds=time.monotonic() - started,
                size=len(answer.content),
            )
        return as_requests_response(answer, call)

    # ---- reading ---------------------------------------------------------------------------

    async def get_page(
        self,
        path_or_url: str,
        *,
        division: int | None,
        params: Mapping[str, Any] | None = None,
        endpoint: Endpoint | None = None,
        retry: bool = True,
        retries: RetryPolicy | None = None,
        language: str | None = None,
    ) -> Page:
        """One answer; ``language``: language-sensitive properties in that language
        (:mod:`exact_online.languages`), else the division's default."""
        pages, check = page_checker(
            self.response_format, lambda r: endpoint or self.endpoint_for(r.url or path_or_url)
        )
        await self.request(
            "GET",
            path_or_url,
            division=division,
            params=params,
            headers=language_headers(language),
            check_body=check,
            retry=retry,
            retries=retries,
        )
        return pages[-1]

    async def iter_pages(
        self,
        path: str,
        *,
        division: int | None,
        query: Query | None = None,
        endpoint: Endpoint | None = None,
        retry: bool = True,
        retries: RetryPolicy | None = None,
        language: str | None = None,
    ) -> AsyncIterator[Page]:
        """Pages one at a time, following next links lazily (``async for``)."""
        url = self._with_params(self.url(path, division), query.params() if query else None)
        endpoint = endpoint or self.endpoint_for(url)
        seen: set[str] = set()
        while url:
            page = await self.get_page(
                url, division=division, endpoint=endpoint, retry=retry, retries=retries,
                language=language,
            )
            yield page
            url = next_page_url(page, url, seen, self._check_origin)

    async def iter_records(
        self,
        path: str,
        *,
        division: int | None,
        query: Query | None = None,
        endpoint: Endpoint | None = None,
        retry: bool = True,
        retries: RetryPolicy | None = None,
        language: str | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        async for page in self.iter_pages(
            path, division=division, query=query, endpoint=endpoint, retry=retry, retries=retries,
            language=language,
        ):
            for record in page.records:
                yield record

    async def get_one(
        self,
        entity_or_path: Entity | Endpoint | str,
        key: Any,
        *,
        division: int | None,
        select: list[str] | None = None,
        retry: bool = True,
        retries: RetryPolicy | None = None,
    ) -> dict[str, Any] | None:
        path, ep = self._entity_path(entity_or_path)
        url = self.keyed_url(path, key, division)
        params = Query(select=list(select or [])).params()
        try:
            page = await self.get_page(
                url, division=division, params=params, endpoint=ep, retry=retry, retries=retries
            )
        except NotFound:
            return None
        return first_record_or_none(page)

    async def find(
        self,
        path: str,
        *,
        division: int | None,
        filter: str,
        select: list[str],
        top: int = 1,
        retry: bool = True,
        retries: RetryPolicy | None = None,
    ) -> list[dict[str, Any]]:
        query = Query(select=list(select), filter=filter, top=top)
        page = await self.get_page(
            path, division=division, params=query.params(), retry=retry, retries=retries
        )
        return page.records

    # ---- writing ---------------------------------------------------------------------------

    async def post(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        division: int | None,
        retry: bool = True,
        retries: RetryPolicy | None = None,
    ) -> dict[str, Any]:
        resp = await self.request(
            "POST",
            path,
            division=division,
            json=dict(body),
            headers={"Prefer": "return=representation"},
            retry=retry,
            retries=retries,
        )
        if not resp.content:
            return {}
        page = decode_response(resp, self.endpoint_for(resp.url or self.url(path, division)))
        return first_record_or_none(page) or {}

    async def put(
        self,
        path: str,
        key: Any,
        body: Mapping[str, Any],
        *,
        division: int | None,
        retry: bool = True,
        retries: RetryPolicy | None = None,
    ) -> None:
        url = self.keyed_url(path, key, division)
        await self.request(
            "PUT", url, division=division, json=dict(body), retry=retry, retries=retries
        )

    async def delete(
        self,
        path: str,
        key: Any,
        *,
        division: int | None,
        retry: bool = True,
        retries: RetryPolicy | None = None,
    ) -> None:
        url = self.keyed_url(path, key, division)
        await self.request("DELETE", url, division=division, retry=retry, retries=retries)

    # ---- conveniences ----------------------------------------------------------------------

    async def me(self, *, retry: bool = True, retries: RetryPolicy | None = None) -> dict[str, Any]:
        page = await self.get_page("current/Me", division=None, retry=retry, retries=retries)
        return me_record(page)

    async def current_division(self) -> int:
        return int((await self.me())["CurrentDivision"])

    async def divisions(
        self,
        division: int | None = None,
        *,
        retry: bool = True,
        retries: RetryPolicy | None = None,
    ) -> list[dict[str, Any]]:
        if division is None:
            division = int((await self.me(retry=retry, retries=retries))["CurrentDivision"])
        query = Query(select=["Code", "Description", "Hid", "Current"])
        return [
            record
            async for record in self.iter_records(
                "system/Divisions", division=division, query=query, retry=retry, retries=retries
            )
        ]

    async def sync_timestamp(
        self,
        division: int,
        endpoint_name: str,
        modified: datetime,
        *,
        retry: bool = True,
        retries: RetryPolicy | None = None,
    ) -> int:
        page = await self.get_page(
            "read/sync/Sync/SyncTimestamp",
            division=division,
            params=sync_timestamp_params(endpoint_name, modified),
            retry=retry,
            retries=retries,
        )
        return sync_timestamp_value(page, endpoint_name)
