"""What ``ExactClient`` and ``AsyncExactClient`` share besides the request loop (:mod:`.core`):
the construction of auth over ONE token store, the limiter and the retry schedule, the URLs, the
registry endpoint of a URL (to type the records), and the debug option."""

from __future__ import annotations

import logging
import re
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from exact_online.auth import ExactOAuthAuthenticator
from exact_online.core import Call, build_call
from exact_online.errors import ExactError
from exact_online.odata import encode_params, literal
from exact_online.policy import same_origin
from exact_online.ratelimit import RateLimiter
from exact_online.registry import Endpoint, Entity, load_registry
from exact_online.retry import RetryPolicy
from exact_online.settings import DEFAULT_USER_AGENT, tls_verify
from exact_online.token_store import FileTokenStorage, TokenStorage, default_token_store_path

_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


class ClientBase:
    """Auth, limiter, retry schedule, URLs and endpoint lookup of one Exact connection."""

    base_url: str
    response_format: str
    timeout: float
    ca_file: str | None
    verify: bool | str
    user_agent: str
    token_storage: TokenStorage
    authenticator: ExactOAuthAuthenticator
    rate_limiter: RateLimiter
    retry_policy: RetryPolicy
    api_calls: Counter[int | None]
    debug_logger: logging.Logger | None

    def _setup(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        token_storage: TokenStorage | None,
        token_store_path: str | None,
        refresh_token: str | None,
        response_format: str,
        daily_call_reserve: int,
        request_timeout: float,
        user_agent: str,
        ca_file: str | None,
        max_retries: int,
        authenticator: ExactOAuthAuthenticator | None,
        rate_limiter: RateLimiter | None,
        retry_policy: RetryPolicy | None,
        debug: bool | logging.Logger,
    ) -> None:
        if response_format not in ("json", "xml"):
            raise ValueError(f"response_format must be 'json' or 'xml', not {response_format!r}")
        self.base_url = base_url.rstrip("/")
        if urlsplit(self.base_url).scheme not in ("http", "https"):
            raise ValueError(f"base_url must be https:// (http:// for a sandbox): {base_url}")
        self.response_format = response_format
        self.timeout = request_timeout
        self.ca_file = ca_file
        self.verify = tls_verify(ca_file)
        self.user_agent = user_agent or DEFAULT_USER_AGENT
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
            verify=self.verify,
            timeout=request_timeout,
        )
        self.rate_limiter = rate_limiter or RateLimiter(daily_reserve=daily_call_reserve)
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self.api_calls = Counter()
        self.debug = debug
        self._endpoints: dict[str, Endpoint | None] = {}

    @property
    def debug(self) -> bool:
        """True when every request and answer is logged as one line (``exact_online.http``)."""
        return self.debug_logger is not None

    @debug.setter
    def debug(self, value: bool | logging.Logger) -> None:
        if isinstance(value, logging.Logger):
            self.debug_logger = value
        else:
            self.debug_logger = logging.getLogger("exact_online.http") if value else None

    def default_headers(self) -> dict[str, str]:
        headers = {"User-Agent": self.user_agent}
        if self.response_format == "json":
            headers["Accept"] = "application/json"  # no Accept header: Exact answers Atom
        return headers

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

    def _call(
        self,
        method: str,
        path_or_url: str,
        division: int | None,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
    ) -> Call:
        url = self._with_params(self.url(path_or_url, division), params)
        return build_call(method, url, division, json_body=json, headers=headers)

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
