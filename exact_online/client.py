"""``ExactClient``: the Exact Online REST client over requests (target, exact-auth, the tap's side
calls, scripts). ``AsyncExactClient`` (:mod:`.async_client`) is the same client over httpx.

It composes the pieces of this package: the connection settings (:mod:`.settings`), auth
(:mod:`.auth`) over ONE token store, the per-division rate limiter (:mod:`.ratelimit`), the request
policy (:mod:`.policy`) with its retry schedule (:mod:`.retry`), decoding (:mod:`.decoding`) and
OData query building (:mod:`.odata`). The request loop is the sans-I/O :func:`.core.exchange`; this
module only performs its actions with requests and ``time.sleep``. ``ExactClient.from_settings`` is
the way to build one; the tap's streams share its authenticator, limiter, retry policy and session.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from exact_online import transport
from exact_online.auth import ExactOAuthAuthenticator
from exact_online.client_base import ClientBase
from exact_online.config_tokens import ConfigFileMirror
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
from exact_online.errors import (
    NotFound,
)
from exact_online.languages import language_headers
from exact_online.models import EntityResources
from exact_online.odata import Query
from exact_online.ratelimit import RateLimiter
from exact_online.registry import Endpoint, Entity
from exact_online.resources import ResourceAccess
from exact_online.retry import TRANSPORT_ERRORS, RetryPolicy, request_was_sent
from exact_online.settings import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_USER_AGENT,
    ConnectionSettings,
    base_url_from_config,
)
from exact_online.token_seed import reconcile
from exact_online.token_store import FileTokenStorage, TokenStorage

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_USER_AGENT", "ExactClient", "base_url_from_config"]


class ExactClient(ClientBase, EntityResources, ResourceAccess):
    """Exact Online over REST: auth, rate limits, retries, paging and decoding in one place.

    ``retry_policy`` is the retry schedule of every call; each operation takes ``retries=`` (a
    :class:`RetryPolicy` for that call) or ``retry=False``. A ``session`` passed in keeps its
    mounted adapters and hooks (:func:`.transport.adopt_session`). ``debug=True`` logs one line per
    request (``exact_online.http``; a :class:`logging.Logger` to use another).
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
        session: requests.Session | None = None,
        authenticator: ExactOAuthAuthenticator | None = None,
        rate_limiter: RateLimiter | None = None,
        retry_policy: RetryPolicy | None = None,
        debug: bool | logging.Logger = False,
    ) -> None:
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
        if session is None:
            self.session = requests.Session()
            # Our own retry loop decides what is retried (never urllib3's, which could resend a
            # POST); the adapter pins TLS for the tap's streams, which send through this session.
            transport.mount(self.session, self.verify)
            self._send_verify: bool | str = self.verify
        else:
            self.session = session
            self._send_verify = transport.adopt_session(session, self.verify)
        self.session.headers["User-Agent"] = self.user_agent
        if response_format == "json":
            self.session.headers["Accept"] = "application/json"
        else:
            self.session.headers.pop("Accept", None)  # no Accept header: Exact answers Atom
        self._division_locks: dict[int | None, threading.RLock] = {}
        self._locks_guard = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: ConnectionSettings,
        *,
        token_storage: TokenStorage | None = None,
        session: requests.Session | None = None,
        rate_limiter: RateLimiter | None = None,
        retry_policy: RetryPolicy | None = None,
        logger: logging.Logger | None = None,
    ) -> ExactClient:
        """The client of one connection: ONE token store (mirrored into the ``--config`` file
        when it carries the tokens, HotGlue-style), reconciled with the config's token pair (the
        newer wins), its authenticator, the limiter, the retry schedule and the session."""
        log = logger if logger is not None else logging.getLogger(__name__)
        storage = token_storage or cls.token_storage_for(settings, log)
        reconcile(storage, settings, log)
        authenticator = ExactOAuthAuthenticator(
            base_url=settings.base_url,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            storage=storage,
            seed_refresh_token=settings.refresh_token,
            verify=settings.verify,
            timeout=settings.request_timeout,
            logger=logger,
        )
        return cls(
            base_url=settings.base_url,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            token_storage=storage,
            response_format=settings.response_format,
            request_timeout=settings.request_timeout,
            user_agent=settings.user_agent,
            ca_file=settings.ca_file,
            session=session,
            authenticator=authenticator,
            rate_limiter=rate_limiter or settings.rate_limiter(),
            retry_policy=retry_policy or settings.retry_policy(),
        )

    @staticmethod
    def token_storage_for(settings: ConnectionSettings, log: logging.Logger) -> TokenStorage:
        """The file store, wrapped by the config-file mirror when rotations go back into the
        ``--config`` file; a config that cannot take them is warned about once, here."""
        store = FileTokenStorage(settings.token_store_path)
        target = settings.token_config
        if target.path is not None:
            return ConfigFileMirror(store, target.path, log)
        if target.problem:
            log.warning("%s; they are kept in the token store %r only", target.problem, store)
        return store

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **overrides: Any) -> ExactClient:
        """A client from the tap/target config keys (HotGlue aliases accepted).

        ``overrides`` replace connection settings (e.g. ``token_store_path``) or are passed to
        :meth:`from_settings` (``session``, ``rate_limiter``, ...).
        """
        debug = overrides.pop("debug", False)  # the client's own option, not a setting
        settings = ConnectionSettings.from_config(config)
        names = {f.name for f in dataclasses.fields(ConnectionSettings)}
        changes = {k: overrides.pop(k) for k in list(overrides) if k in names}
        if changes.get("token_store_path"):
            changes["token_store_path"] = Path(str(changes["token_store_path"])).expanduser()
        elif "token_store_path" in changes:
            del changes["token_store_path"]
        client = cls.from_settings(dataclasses.replace(settings, **changes), **overrides)
        client.debug = debug
        return client

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> ExactClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- requests --------------------------------------------------------------------------

    def division_lock(self, division: int | None) -> threading.RLock:
        """The lock held around every call of ``division``: Exact wants them sequential, and a
        caller sending requests of its own (the tap's streams) takes it too."""
        with self._locks_guard:
            lock = self._division_locks.get(division)
            if lock is None:
                lock = self._division_locks[division] = threading.RLock()
            return lock

    def request(
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
        """One API call with the limiter, auth, refresh-on-401, 429 waits and retries
        (:func:`.core.exchange`); calls of one division are sequential.

        GET/PUT/DELETE are retried on 5xx, 408, timeouts, dropped connections and 2xx answers
        that ``check_body`` finds garbled (then :class:`GarbledAnswer`). A POST is never retried
        once it may have reached Exact: :class:`AnswerLost` or :class:`ServerError`.
        """
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
        with self.division_lock(division):
            return self._drive(steps, policy)

    def _drive(self, steps: Exchange, policy: RetryPolicy) -> requests.Response:
        """Perform the core's actions with requests until it returns an answer or raises."""
        reply: Any = None
        while True:
            try:
                step = steps.send(reply)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            reply = None
            if isinstance(step, Sleep):
                if step.rate_limit:
                    self.rate_limiter.wait(step.seconds)
                else:
                    policy.sleep(step.seconds)
            elif isinstance(step, Authenticate):
                reply = self.authenticator.valid_token()
            elif isinstance(step, Send):
                reply = self._send(step.call, step.token)
            elif isinstance(step, Refresh):
                self.authenticator.handle_unauthorized(step.used_token)

    def _send(self, call: Call, token: str | None) -> requests.Response | Failed:
        prepared = self.session.prepare_request(
            requests.Request(call.method, call.url, data=call.body, headers=call.headers)
        )
        # Set here, not by the SDK's authenticate_request (it re-encodes OData literals).
        prepared.headers["Authorization"] = f"Bearer {token}"
        started = time.monotonic()
        try:
            resp = self.session.send(
                prepared, timeout=self.timeout, allow_redirects=False, verify=self._send_verify
            )
        except TRANSPORT_ERRORS as exc:
            sent = isinstance(exc, requests.RequestException) and request_was_sent(exc)
            if self.debug_logger is not None:
                log_exchange(
                    self.debug_logger,
                    call,
                    status=type(exc).__name__,
                    seconds=time.monotonic() - started,
                    size=0,
                )
            return Failed(type(exc).__name__, sent)
        if self.debug_logger is not None:
            log_exchange(
                self.debug_logger,
                call,
                status=resp.status_code,
                seconds=time.monotonic() - started,
                size=len(resp.content or b""),
            )
        return resp

    # ---- reading ---------------------------------------------------------------------------

    def get_page(
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
        self.request(
            "GET",
            path_or_url,
            division=division,
            params=params,
            headers=language_headers(language),
            check_body=check,
            retry=retry,
            retries=retries,
        )
        return pages[-1]  # the page of the answer that passed the check

    def iter_pages(
        self,
        path: str,
        *,
        division: int | None,
        query: Query | None = None,
        endpoint: Endpoint | None = None,
        retry: bool = True,
        retries: RetryPolicy | None = None,
        language: str | None = None,
    ) -> Iterator[Page]:
        """Pages one at a time, following ``__next`` / ``<link rel="next">`` lazily."""
        url = self._with_params(self.url(path, division), query.params() if query else None)
        endpoint = endpoint or self.endpoint_for(url)
        seen: set[str] = set()
        while url:
            page = self.get_page(
                url, division=division, endpoint=endpoint, retry=retry, retries=retries,
                language=language,
            )
            yield page
            url = next_page_url(page, url, seen, self._check_origin)

    def iter_records(
        self,
        path: str,
        *,
        division: int | None,
        query: Query | None = None,
        endpoint: Endpoint | None = None,
        retry: bool = True,
        retries: RetryPolicy | None = None,
        language: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        for page in self.iter_pages(
            path, division=division, query=query, endpoint=endpoint, retry=retry, retries=retries,
            language=language,
        ):
            yield from page.records

    def get_one(
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
            page = self.get_page(
                url, division=division, params=params, endpoint=ep, retry=retry, retries=retries
            )
        except NotFound:
            return None
        return first_record_or_none(page)

    def find(
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
        """Lookup by ``$filter`` (build it with :mod:`exact_online.odata`: escaped literals)."""
        query = Query(select=list(select), filter=filter, top=top)
        return self.get_page(
            path, division=division, params=query.params(), retry=retry, retries=retries
        ).records

    # ---- writing ---------------------------------------------------------------------------

    def post(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        division: int | None,
        retry: bool = True,
        retries: RetryPolicy | None = None,
    ) -> dict[str, Any]:
        """Create a record; returns the created entity (``Prefer: return=representation``).
        Retried only while nothing can have reached Exact (a refused connection)."""
        resp = self.request(
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

    def put(
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
        self.request("PUT", url, division=division, json=dict(body), retry=retry, retries=retries)

    def delete(
        self,
        path: str,
        key: Any,
        *,
        division: int | None,
        retry: bool = True,
        retries: RetryPolicy | None = None,
    ) -> None:
        url = self.keyed_url(path, key, division)
        self.request("DELETE", url, division=division, retry=retry, retries=retries)

    # ---- conveniences ----------------------------------------------------------------------

    def me(self, *, retry: bool = True, retries: RetryPolicy | None = None) -> dict[str, Any]:
        """``current/Me``: the user, with ``CurrentDivision`` (does not count against limits)."""
        return me_record(self.get_page("current/Me", division=None, retry=retry, retries=retries))

    def current_division(self) -> int:
        return int(self.me()["CurrentDivision"])

    def divisions(
        self,
        division: int | None = None,
        *,
        retry: bool = True,
        retries: RetryPolicy | None = None,
    ) -> list[dict[str, Any]]:
        """The divisions the user can reach (``system/Divisions``, asked in the current one)."""
        if division is None:
            division = int(self.me(retry=retry, retries=retries)["CurrentDivision"])
        query = Query(select=["Code", "Description", "Hid", "Current"])
        return list(
            self.iter_records(
                "system/Divisions", division=division, query=query, retry=retry, retries=retries
            )
        )

    def sync_timestamp(
        self,
        division: int,
        endpoint_name: str,
        modified: datetime,
        *,
        retry: bool = True,
        retries: RetryPolicy | None = None,
    ) -> int:
        """The sync Timestamp from which changes since ``modified`` are read (SyncTimestamp)."""
        page = self.get_page(
            "read/sync/Sync/SyncTimestamp",
            division=division,
            params=sync_timestamp_params(endpoint_name, modified),
            retry=retry,
            retries=retries,
        )
        return sync_timestamp_value(page, endpoint_name)
