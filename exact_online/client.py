"""``ExactClient``: the Exact Online REST client (target, exact-auth, tap side calls, scripts).

It composes the pieces of this package: the connection settings (:mod:`.settings`), auth
(:mod:`.auth`) over ONE token store, the per-division rate limiter (:mod:`.ratelimit`), the request
policy (:mod:`.policy`) with its retry schedule (:mod:`.retry`), decoding (:mod:`.decoding`) and
OData query building (:mod:`.odata`). ``ExactClient.from_settings`` is the way to build one; the
tap's streams share its authenticator, limiter, retry policy and session.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters

from exact_online import transport
from exact_online.auth import ExactOAuthAuthenticator
from exact_online.config_tokens import ConfigFileMirror
from exact_online.decoding import Page, decode_response
from exact_online.errors import (
    AnswerLost,
    DailyLimitReached,
    ExactError,
    NotFound,
    RateLimited,
    TransportError,
    error_from_response,
)
from exact_online.odata import Query, encode_params, literal
from exact_online.policy import Action, GarbledAnswer, check_answer, classify, same_origin
from exact_online.ratelimit import RateLimiter
from exact_online.records import Case, RecordKind
from exact_online.redact import redact
from exact_online.registry import Endpoint, Entity, load_registry
from exact_online.resources import Resources
from exact_online.retry import TRANSPORT_ERRORS, RetryPolicy, request_was_sent
from exact_online.settings import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_USER_AGENT,
    ConnectionSettings,
    base_url_from_config,
    tls_verify,
)
from exact_online.timeconv import format_exact_datetime
from exact_online.token_seed import reconcile
from exact_online.token_store import FileTokenStorage, TokenStorage, default_token_store_path

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_USER_AGENT", "ExactClient", "base_url_from_config"]

MAX_RATE_LIMIT_WAITS = 10
_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return format_exact_datetime(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot send a {type(value).__name__} to Exact")


class ExactClient:
    """Exact Online over REST: auth, rate limits, retries, paging and decoding in one place."""

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
    ) -> None:
        if response_format not in ("json", "xml"):
            raise ValueError(f"response_format must be 'json' or 'xml', not {response_format!r}")
        self.base_url = base_url.rstrip("/")
        if urlsplit(self.base_url).scheme not in ("http", "https"):
            raise ValueError(f"base_url must be https:// (http:// for a sandbox): {base_url}")
        self.response_format = response_format
        self.timeout = request_timeout
        verify = tls_verify(ca_file)
        if token_storage is None and authenticator is not None:
            token_storage = authenticator.storage  # one store per token chain, never two
        if token_storage is None:
            path = token_store_path or default_token_store_path(client_id)
            token_storage = FileTokenStorage(path)
        self.token_storage = token_storage
        self.authenticator = authenticator or ExactOAuthAuthenticator(
            base_url=self.base_url,
            client_id=client_id,
            client_secret=client_secret,
            storage=token_storage,
            seed_refresh_token=refresh_token,
            verify=verify,
            timeout=request_timeout,
        )
        self.session = session or requests.Session()
        # Our own retry loop decides what is retried (never urllib3's, which could resend a POST).
        transport.mount(self.session, verify)
        self.session.headers["User-Agent"] = user_agent
        if response_format == "json":
            self.session.headers["Accept"] = "application/json"
        else:
            self.session.headers.pop("Accept", None)  # no Accept header: Exact answers Atom
        self.rate_limiter = rate_limiter or RateLimiter(daily_reserve=daily_call_reserve)
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self.api_calls: Counter[int | None] = Counter()
        self._division_locks: dict[int | None, threading.RLock] = {}
        self._locks_guard = threading.Lock()
        self._endpoints: dict[str, Endpoint | None] = {}

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
        settings = ConnectionSettings.from_config(config)
        names = {f.name for f in dataclasses.fields(ConnectionSettings)}
        changes = {k: overrides.pop(k) for k in list(overrides) if k in names}
        if changes.get("token_store_path"):
            changes["token_store_path"] = Path(str(changes["token_store_path"])).expanduser()
        elif "token_store_path" in changes:
            del changes["token_store_path"]
        return cls.from_settings(dataclasses.replace(settings, **changes), **overrides)

    def close(self) -> None:
        self.session.close()

    # ---- resources (exact_online.resources): client.purchase_orders, client.items, … -------

    @cached_property
    def resources(self) -> Resources:
        """Every entity's resource by stream name; records as PascalCase Structs."""
        return Resources(self)

    def resource_view(self, *, case: Case = "pascal", records: RecordKind = "struct") -> Resources:
        """The resources with records in ``case`` (``"snake"``), as Structs or ``"dict"``."""
        return Resources(self, case=case, records=records)

    def __getattr__(self, name: str) -> Any:
        # Only called for names not found otherwise: the entity resources, built on first use.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.resources, name)

    def __enter__(self) -> ExactClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- URLs ------------------------------------------------------------------------------

    def url(self, path: str, division: int | None) -> str:
        """The absolute URL of ``path`` below ``/api/v1/``, with ``{division}`` filled.

        A path without ``{division}`` gets the division prefixed when one is given (except
        ``current/…`` and paths that already start with a division number).
        """
        if path.startswith(("http://", "https://")):
            self._check_origin(path)
            return path
        rel = path.lstrip("/")
        if rel.startswith("api/"):
            return f"{self.base_url}/{rel}"
        if "{division}" in rel:
            if division is None:
                raise ValueError(f"{path} needs a division")
            rel = rel.replace("{division}", str(int(division)))
        elif division is not None and not rel.startswith("current/"):
            first = rel.split("/", 1)[0]
            if not first.isdigit() and first != "beta":
                rel = f"{int(division)}/{rel}"
        return f"{self.base_url}/api/v1/{rel}"

    def _check_origin(self, url: str) -> None:
        if not same_origin(url, self.base_url):
            host = urlsplit(url).netloc
            raise ExactError(
                f"refusing to send a request to {host}: only {urlsplit(self.base_url).netloc} "
                "gets our access token"
            )

    def _with_params(self, url: str, params: Mapping[str, Any] | None) -> str:
        if not params:
            return url
        query = encode_params({k: str(v) for k, v in params.items() if v is not None})
        return f"{url}{'&' if '?' in url else '?'}{query}"

    def endpoint_for(self, url: str) -> Endpoint | None:
        """The registry endpoint a URL addresses (used to type the records)."""
        path = urlsplit(url).path
        cached = self._endpoints.get(path, False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        ep: Endpoint | None = None
        i = path.find("/api/v1/")
        if i >= 0:
            parts = path[i + 8 :].split("/")
            if parts and parts[0] == "beta":
                parts = parts[1:]
            if parts and parts[0].isdigit():
                parts = parts[1:]
            rel = re.sub(r"\(.*\)$", "", "/".join(parts))
            entity = load_registry().find(rel)
            if entity is not None:
                for candidate in entity.endpoints.values():
                    if candidate.relative_path.lower() == rel.lower():
                        ep = candidate
                        break
        if len(self._endpoints) < 10_000:
            self._endpoints[path] = ep
        return ep

    # ---- requests --------------------------------------------------------------------------

    def _division_lock(self, division: int | None) -> threading.RLock:
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
        check_body: Callable[[requests.Response], object] | None = None,
    ) -> requests.Response:
        """One API call with the limiter, auth, refresh-on-401, 429 waits and retries.

        GET/PUT/DELETE are retried on 5xx, 408, timeouts, dropped connections and 2xx answers
        that ``check_body`` finds garbled (then :class:`GarbledAnswer`). A POST is never retried
        once it may have reached Exact: :class:`AnswerLost` or :class:`ServerError`.
        """
        method = method.upper()
        url = self._with_params(self.url(path_or_url, division), params)
        body = None
        hdrs: dict[str, Any] = {}
        if json is not None:
            body = _dumps(json)
            hdrs["Content-Type"] = "application/json"
        if headers:
            hdrs.update(headers)
        idempotent = method != "POST"
        delays = self.retry_policy.delays()
        refreshed = False
        rate_waits = 0
        with self._division_lock(division):
            while True:
                self.rate_limiter.before_request(division)
                prepared = self.session.prepare_request(
                    requests.Request(method, url, data=body, headers=hdrs)
                )
                self.authenticator.authenticate_request(prepared)
                used_token = self.authenticator.access_token
                self.api_calls[division] += 1
                try:
                    resp = self.session.send(prepared, timeout=self.timeout, allow_redirects=False)
                except TRANSPORT_ERRORS as exc:
                    sent = isinstance(exc, requests.RequestException) and request_was_sent(exc)
                    what = f"{method} {redact(url)}: {type(exc).__name__}"
                    if method == "POST" and sent:
                        raise AnswerLost(
                            f"{what}; the answer was lost and Exact may have applied the write: "
                            "look the record up before retrying",
                            request_sent=True,
                        ) from None
                    delay = next(delays, None) if (retry and (idempotent or not sent)) else None
                    if delay is None:
                        raise TransportError(what, request_sent=sent) from None
                    logger.warning("%s; retrying in %.1f s", what, delay)
                    self.retry_policy.sleep(delay)
                    continue
                self.rate_limiter.observe(division, resp)
                decision = classify(
                    resp,
                    limiter=self.rate_limiter,
                    division=division,
                    idempotent=idempotent,
                    refreshed=refreshed,
                    check_body=check_body,
                )
                if decision.action is Action.OK:
                    return resp
                if decision.action is Action.REFRESH:
                    refreshed = True
                    logger.info("Exact answered 401; refreshing the access token once")
                    self.authenticator.handle_unauthorized(used_token)
                    continue
                if decision.action is Action.DAILY_STOP:
                    assert decision.reset_at is not None
                    raise DailyLimitReached(division, decision.reset_at)
                if decision.action is Action.WAIT:
                    if rate_waits >= MAX_RATE_LIMIT_WAITS:
                        err = error_from_response(resp)
                        raise RateLimited(
                            429,
                            err.message,
                            reset_at=self.rate_limiter.snapshot(division).minutely_reset_at,
                            minutely=True,
                            method=method,
                            url=url,
                        )
                    rate_waits += 1
                    logger.info(
                        "Exact answered 429 (division %s); waiting %.1f s", division, decision.wait
                    )
                    self.rate_limiter.wait(decision.wait)
                    continue
                if decision.action is Action.RETRY and retry:
                    delay = next(delays, None)
                    if delay is not None:
                        logger.warning(
                            "%s %s: %s; retrying in %.1f s",
                            method, redact(url), decision.reason, delay,
                        )
                        self.retry_policy.sleep(delay)
                        continue
                if resp.status_code < 300:
                    raise GarbledAnswer(
                        f"{method} {redact(url)}: {decision.reason}; giving up after "
                        f"{self.retry_policy.max_tries if retry else 1} tries"
                    )
                raise error_from_response(resp)

    # ---- reading ---------------------------------------------------------------------------

    def get_page(
        self,
        path_or_url: str,
        *,
        division: int | None,
        params: Mapping[str, Any] | None = None,
        endpoint: Endpoint | None = None,
    ) -> Page:
        pages: list[Page] = []

        def check(resp: requests.Response) -> None:
            ep = endpoint or self.endpoint_for(resp.url or path_or_url)
            pages.append(check_answer(resp, self.response_format, lambda r: decode_response(r, ep)))

        self.request("GET", path_or_url, division=division, params=params, check_body=check)
        return pages[-1]  # the page of the answer that passed the check

    def iter_pages(
        self,
        path: str,
        *,
        division: int | None,
        query: Query | None = None,
        endpoint: Endpoint | None = None,
    ) -> Iterator[Page]:
        """Pages one at a time, following ``__next`` / ``<link rel="next">`` lazily."""
        url = self._with_params(self.url(path, division), query.params() if query else None)
        endpoint = endpoint or self.endpoint_for(url)
        seen: set[str] = set()
        while True:
            page = self.get_page(url, division=division, endpoint=endpoint)
            yield page
            next_url = page.next_url
            if not next_url:
                return
            # Followed as given (it may name another path) but only on our own host.
            self._check_origin(next_url)
            if next_url in seen or next_url == url:
                raise ExactError(f"Exact repeated a next link ({redact(next_url)}); stopping")
            seen.add(url)
            url = next_url

    def iter_records(
        self,
        path: str,
        *,
        division: int | None,
        query: Query | None = None,
        endpoint: Endpoint | None = None,
    ) -> Iterator[dict[str, Any]]:
        for page in self.iter_pages(path, division=division, query=query, endpoint=endpoint):
            yield from page.records

    def _entity_path(self, entity_or_path: Entity | Endpoint | str) -> tuple[str, Endpoint | None]:
        if isinstance(entity_or_path, Entity):
            ep = entity_or_path.plain or entity_or_path.read_endpoint()
            return ep.path, ep
        if isinstance(entity_or_path, Endpoint):
            return entity_or_path.path, entity_or_path
        return entity_or_path, None

    def keyed_url(self, path: str, key: Any, division: int | None) -> str:
        """``…/Entity(guid'…')`` or ``…/Entity(123)``."""
        if isinstance(key, bool):
            raise ValueError(f"not a key: {key!r}")
        if isinstance(key, int):
            lit = str(key)
        elif isinstance(key, uuid.UUID) or (isinstance(key, str) and _GUID_RE.match(key)):
            lit = literal(key, "Edm.Guid")
        else:
            lit = literal(str(key))
        return f"{self.url(path, division)}({lit})"

    def get_one(
        self,
        entity_or_path: Entity | Endpoint | str,
        key: Any,
        *,
        division: int | None,
        select: list[str] | None = None,
    ) -> dict[str, Any] | None:
        path, ep = self._entity_path(entity_or_path)
        url = self.keyed_url(path, key, division)
        params = Query(select=list(select or [])).params()
        try:
            page = self.get_page(url, division=division, params=params, endpoint=ep)
        except NotFound:
            return None
        return page.records[0] if page.records else None

    def find(
        self,
        path: str,
        *,
        division: int | None,
        filter: str,
        select: list[str],
        top: int = 1,
    ) -> list[dict[str, Any]]:
        """Lookup by ``$filter`` (build it with :mod:`exact_online.odata`: escaped literals)."""
        query = Query(select=list(select), filter=filter, top=top)
        return self.get_page(path, division=division, params=query.params()).records

    # ---- writing ---------------------------------------------------------------------------

    def post(self, path: str, body: Mapping[str, Any], *, division: int | None) -> dict[str, Any]:
        """Create a record; returns the created entity (``Prefer: return=representation``)."""
        resp = self.request(
            "POST",
            path,
            division=division,
            json=dict(body),
            headers={"Prefer": "return=representation"},
        )
        if not resp.content:
            return {}
        page = decode_response(resp, self.endpoint_for(resp.url or self.url(path, division)))
        return page.records[0] if page.records else {}

    def put(self, path: str, key: Any, body: Mapping[str, Any], *, division: int | None) -> None:
        self.request("PUT", self.keyed_url(path, key, division), division=division, json=dict(body))

    def delete(self, path: str, key: Any, *, division: int | None) -> None:
        self.request("DELETE", self.keyed_url(path, key, division), division=division)

    # ---- conveniences ----------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        """``current/Me``: the user, with ``CurrentDivision`` (does not count against limits)."""
        records = self.get_page("current/Me", division=None).records
        if not records:
            raise ExactError("current/Me answered no user")
        return records[0]

    def current_division(self) -> int:
        return int(self.me()["CurrentDivision"])

    def divisions(self, division: int | None = None) -> list[dict[str, Any]]:
        """The divisions the user can reach (``system/Divisions``, asked in the current one)."""
        division = division if division is not None else self.current_division()
        query = Query(select=["Code", "Description", "Hid", "Current"])
        return list(self.iter_records("system/Divisions", division=division, query=query))

    def sync_timestamp(self, division: int, endpoint_name: str, modified: datetime) -> int:
        """The sync Timestamp from which changes since ``modified`` are read (SyncTimestamp)."""
        params = {
            "modified": literal(modified, "Edm.DateTime"),
            "endPoint": literal(endpoint_name),
        }
        records = self.get_page(
            "read/sync/Sync/SyncTimestamp", division=division, params=params
        ).records
        if not records or records[0].get("TimeStampAsBigInt") is None:
            raise ExactError(f"SyncTimestamp answered no timestamp for {endpoint_name}")
        return int(records[0]["TimeStampAsBigInt"])


def _dumps(body: Any) -> bytes:
    return json.dumps(body, default=_json_default, ensure_ascii=False).encode("utf-8")
