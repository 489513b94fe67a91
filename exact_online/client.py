"""``ExactClient``: the Exact Online REST client for standalone use (target, exact-auth, scripts).

It composes the pieces of this package: auth (:mod:`.auth`), the per-division rate limiter
(:mod:`.ratelimit`), the retry policy (:mod:`.retry`), decoding (:mod:`.decoding`) and OData
query building (:mod:`.odata`).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters

from exact_online import __version__, transport
from exact_online.auth import ExactOAuthAuthenticator
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
from exact_online.ratelimit import RateLimiter
from exact_online.redact import redact
from exact_online.registry import Endpoint, Entity, load_registry
from exact_online.retry import TRANSPORT_ERRORS, RetryPolicy, is_retriable_status, request_was_sent
from exact_online.timeconv import format_exact_datetime
from exact_online.token_store import FileTokenStorage, TokenStorage, default_token_store_path

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://start.exactonline.nl"
DEFAULT_USER_AGENT = f"exact-online-python/{__version__}"
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


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, f"{(parts.hostname or '').lower()}:{port}"


def base_url_from_config(config: Mapping[str, Any]) -> str:
    """``base_url``, else the host of a HotGlue ``auth_url``/``token_url``, else the Dutch host."""
    if config.get("base_url"):
        return str(config["base_url"]).rstrip("/")
    for key in ("auth_url", "token_url", "api_url"):
        if config.get(key):
            parts = urlsplit(str(config[key]))
            if parts.scheme and parts.netloc:
                return f"{parts.scheme}://{parts.netloc}"
    return DEFAULT_BASE_URL


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
        request_timeout: float = 60.0,
        user_agent: str = DEFAULT_USER_AGENT,
        ca_file: str | None = None,
        max_retries: int = 5,
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
        verify: bool | str = ca_file or True
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
        self.rate_limiter = rate_limiter or RateLimiter(daily_reserve=daily_call_reserve)
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self.api_calls: Counter[int | None] = Counter()
        self._origin = _origin(self.base_url)
        self._division_locks: dict[int | None, threading.RLock] = {}
        self._locks_guard = threading.Lock()
        self._endpoints: dict[str, Endpoint | None] = {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **overrides: Any) -> ExactClient:
        """A client from the tap/target config keys (HotGlue aliases accepted)."""
        for key in ("client_id", "client_secret"):
            if not config.get(key):
                raise ValueError(f"config is missing {key!r}")
        kwargs: dict[str, Any] = {
            "base_url": base_url_from_config(config),
            "client_id": str(config["client_id"]),
            "client_secret": str(config["client_secret"]),
            "token_store_path": config.get("token_store_path") or None,
            "refresh_token": config.get("refresh_token") or None,
            "response_format": config.get("response_format") or "json",
            "daily_call_reserve": int(config.get("daily_call_reserve") or 0),
            "request_timeout": float(config.get("request_timeout") or 60.0),
            "ca_file": config.get("ca_file") or None,
        }
        if config.get("user_agent"):
            kwargs["user_agent"] = str(config["user_agent"])
        if config.get("max_retries") is not None:
            kwargs["max_retries"] = int(config["max_retries"])
        kwargs.update(overrides)
        return cls(**kwargs)

    def close(self) -> None:
        self.session.close()

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
        if _origin(url) != self._origin:
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
    ) -> requests.Response:
        """One API call with the limiter, auth, refresh-on-401, 429 waits and retries.

        GET/PUT/DELETE are retried on 5xx, 408, timeouts and dropped connections. A POST is never
        retried once it may have reached Exact: :class:`AnswerLost` or :class:`ServerError`.
        """
        method = method.upper()
        url = self._with_params(self.url(path_or_url, division), params)
        body = None
        hdrs: dict[str, Any] = {
            "Accept": "application/json" if self.response_format == "json" else None
        }
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
                status = resp.status_code
                if status < 300:
                    return resp
                if status == 401 and not refreshed:
                    refreshed = True
                    logger.info("Exact answered 401; refreshing the access token once")
                    self.authenticator.handle_unauthorized(used_token)
                    continue
                if status == 429:
                    daily_reset = self.rate_limiter.daily_exhausted_by(resp)
                    if daily_reset is not None:
                        raise DailyLimitReached(division, daily_reset)
                    wait = self.rate_limiter.wait_after_429(division, resp)
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
                    logger.info("Exact answered 429 (division %s); waiting %.1f s", division, wait)
                    self.rate_limiter.wait(wait)
                    continue
                if retry and idempotent and is_retriable_status(status):
                    delay = next(delays, None)
                    if delay is not None:
                        logger.warning(
                            "%s %s: HTTP %s; retrying in %.1f s", method, redact(url), status, delay
                        )
                        self.retry_policy.sleep(delay)
                        continue
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
        resp = self.request("GET", path_or_url, division=division, params=params)
        return decode_response(resp, endpoint or self.endpoint_for(resp.url or path_or_url))

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
