"""OAuth for Exact: the SDK's ``OAuthAuthenticator`` plus Exact's refresh rules.

- The refresh token rotates on every refresh. The new pair is saved to the token store (a response
  hook on the token session) before the new access token is used by anyone.
- Refreshes happen under ``storage.lock()``, and the store is re-read first: when another process
  has refreshed already, its tokens are adopted instead of spending the (now old) refresh token.
- A refresh happens only when the access token has less than ``refresh_margin`` seconds left, or
  once after a 401.
- "Rate limit exceeded: access_token not expired" (``Reason: TooEarlyToRefreshTokens``) means the
  current access token is still good: re-read the store and use it. Never retry in a loop.
- The token POST is never retried automatically: a retry after a lost answer would send a spent
  refresh token and break the chain.
- Before the POST the store must prove it can take the answer (``reserved()``: writable, disk
  space held); if the save still fails, the pair lands in a recovery file (``TokensRecovered`` is
  logged as an error and the run goes on) and the next run reads it from there.
- No refresh is due: the store is only read (no lock, no write access needed).
"""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

import requests
import requests.adapters
from singer_sdk.authenticators import OAuthAuthenticator

from exact_online import transport
from exact_online.errors import (
    AuthError,
    AuthorizationCodeInvalid,
    NoTokens,
    OldRefreshTokenUsed,
    TokensRecovered,
    TokenStoreError,
    TooEarlyToRefresh,
    TransportError,
    auth_error_from_response,
)
from exact_online.redact import register_secret
from exact_online.token_sibling import warn_if_newer_chain_elsewhere
from exact_online.token_store import TokenSet, TokenStorage

DEFAULT_EXPIRES_IN = 600


class ExactOAuthAuthenticator(OAuthAuthenticator):
    """Bearer auth for Exact with a shared, rotating token store."""

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        storage: TokenStorage,
        seed_refresh_token: str | None = None,
        verify: bool | str = True,
        timeout: float = 60,
        refresh_margin: float = 30.0,
        logger: logging.Logger | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        super().__init__(
            auth_endpoint=f"{self.base_url}/api/oauth2/token",
            client_id=client_id,
            client_secret=client_secret,
            default_expiration=DEFAULT_EXPIRES_IN,
        )
        if logger is not None:
            self.logger = logger
        register_secret(client_secret)
        register_secret(seed_refresh_token)
        self.storage = storage
        self.seed_refresh_token = seed_refresh_token
        self.timeout = timeout
        self.refresh_margin = refresh_margin
        self.token_calls = 0
        self._tokens: TokenSet | None = None
        self._grant: dict[str, str] | None = None
        self._too_early_token: str | None = None
        self._mutex = threading.RLock()
        # Replace the SDK's urllib3 Retry(allowed_methods=["POST"]) on the token session.
        transport.mount(self._session, verify, timeout)
        self._session.hooks["response"].append(self._on_token_response)

    # ---- the SDK's hooks ---------------------------------------------------------------------

    @property
    def oauth_request_body(self) -> dict:
        if self._grant is not None:
            return self._grant
        return {
            "grant_type": "refresh_token",
            "refresh_token": self.refresh_token or "",
            "client_id": self.client_id or "",
            "client_secret": self.client_secret or "",
        }

    def is_token_valid(self) -> bool:
        tokens = self._tokens
        if tokens is None or not tokens.access_token:
            return False
        left = tokens.seconds_left()
        if left > self.refresh_margin:
            return True
        # Exact refused an early refresh for this token: keep using it while it lasts.
        return self._too_early_token == tokens.access_token and left > 1

    def valid_token(self) -> str | None:
        """The access token to send, refreshed first when it is about to expire (blocking: the
        store's lock and the token POST; the async client runs it in a thread)."""
        with self._mutex:
            if not self.is_token_valid():
                self.update_access_token()
            return self.access_token

    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self.valid_token()
        # Not super(): the SDK's version re-encodes the query string, which would alter OData
        # literals in $filter.
        request.headers["Authorization"] = f"Bearer {token}"
        return request

    def update_access_token(self) -> None:
        """Refresh, unless another process already did (then adopt its tokens from the store)."""
        self._refresh(reject=None)

    # ---- Exact specifics ---------------------------------------------------------------------

    def handle_unauthorized(self, used_token: str | None) -> None:
        """After a 401 with ``used_token``: adopt a newer token from the store, else refresh."""
        self._refresh(reject=used_token)

    def current_tokens(self) -> TokenSet | None:
        return self._tokens

    def exchange_code(self, code: str, redirect_uri: str) -> TokenSet:
        """The authorization-code grant; the code is URL-decoded first (it contains ``!``)."""
        if "%" in code:
            code = unquote(code)
        register_secret(code)
        # reserved(): a code, like a refresh token, can be spent once; check the store first.
        with self._mutex, self.storage.lock(), self._reserved():
            self._grant = {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": self.client_id or "",
                "client_secret": self.client_secret or "",
            }
            try:
                self._session.post(
                    self.auth_endpoint, data=self._grant, headers=self._oauth_headers
                )
            except TokenStoreError:
                raise
            except AuthError as exc:
                raise AuthorizationCodeInvalid(
                    f"the authorization code was refused: {exc}",
                    status=exc.status,
                    reason=exc.reason,
                ) from None
            except requests.RequestException as exc:
                raise TransportError(
                    f"token request failed ({type(exc).__name__}); authorise again"
                ) from None
            finally:
                self._grant = None
            tokens = self._tokens
            assert tokens is not None  # set by the response hook
            self._adopt(tokens)
            return tokens

    # ---- internals -------------------------------------------------------------------------

    def _load_store(self) -> TokenSet | None:
        tokens = self.storage.get()
        if tokens is None and self.seed_refresh_token:
            warn_if_newer_chain_elsewhere(
                self.storage, self.client_id, self.seed_refresh_token, self.logger
            )
            # A refresh token from config only seeds an empty store; afterwards the store wins.
            tokens = TokenSet(access_token=None, refresh_token=self.seed_refresh_token)
            self.storage.save(tokens)
        return tokens

    def _adopt(self, tokens: TokenSet) -> None:
        self._tokens = tokens
        self.access_token = tokens.access_token
        self.refresh_token = tokens.refresh_token
        self.last_refreshed = tokens.issued_at
        if tokens.expires_at is not None and tokens.issued_at is not None:
            self.expires_in = int((tokens.expires_at - tokens.issued_at).total_seconds())

    def _usable(self, tokens: TokenSet, reject: str | None) -> bool:
        return bool(
            tokens.access_token
            and tokens.access_token != reject
            and tokens.seconds_left() > self.refresh_margin
        )

    def _reserved(self) -> AbstractContextManager[None]:
        """The store's ``reserved()`` (proves it writable before a token is spent), if it has one:
        the ``TokenStorage`` protocol does not require it."""
        reserved = getattr(self.storage, "reserved", None)
        return reserved() if callable(reserved) else nullcontext()

    def _refresh(self, reject: str | None) -> None:
        with self._mutex:
            # Reading needs no lock (the store is replaced atomically): a read-only store works
            # as long as no refresh is due.
            current = self.storage.get()
            if current is not None and self._usable(current, reject):
                self._adopt(current)  # someone else refreshed already
                return
            with self.storage.lock():
                self._refresh_locked(reject)

    def _refresh_locked(self, reject: str | None) -> None:
        current = self._load_store()
        if current is None:
            raise NoTokens(
                f"no tokens in {self.storage!r} and no refresh_token to seed it: run exact-auth"
            )
        if self._usable(current, reject):
            self._adopt(current)  # someone else refreshed while we waited for the lock
            return
        self._adopt(current)
        self._grant = None
        with self._reserved():
            try:
                super().update_access_token()
            except TooEarlyToRefresh:
                latest = self.storage.get()
                if latest is None:
                    latest = current
                if latest.access_token and latest.seconds_left() > 0:
                    self.logger.warning(
                        "Exact refused an early token refresh; using the current access token "
                        "(%.0f s left)",
                        latest.seconds_left(),
                    )
                    self._too_early_token = latest.access_token
                    self._adopt(latest)
                    return
                raise TooEarlyToRefresh(
                    "Exact refused to refresh the access token this soon after the last refresh, "
                    f"and {self.storage!r} holds no valid access token: give the current "
                    "access_token and expires_in in the config, or run again in 10 minutes",
                ) from None
            except OldRefreshTokenUsed:
                latest = self.storage.get()
                if (
                    latest is not None
                    and latest.refresh_token != current.refresh_token
                    and latest.seconds_left() > 0
                ):
                    self._adopt(latest)
                    return
                raise
            except requests.RequestException as exc:
                raise TransportError(
                    f"token request failed ({type(exc).__name__}); it is not retried because the "
                    "refresh token may already be spent"
                ) from None
            tokens = self._tokens
            if tokens is not None:
                self._adopt(tokens)

    def _on_token_response(self, response: requests.Response, *_args: Any, **_kw: Any) -> None:
        """Runs inside the SDK's token POST: persist the new pair before anyone uses it."""
        self.token_calls += 1
        if response.status_code != 200:
            raise auth_error_from_response(response)
        try:
            data = response.json()
        except ValueError:
            raise AuthError("the token endpoint answered 200 without JSON", status=200) from None
        access = data.get("access_token") if isinstance(data, dict) else None
        if not access:
            raise AuthError("the token endpoint answered without an access_token", status=200)
        previous = self._tokens.refresh_token if self._tokens else None
        refresh = data.get("refresh_token") or previous
        if not refresh:
            raise AuthError("the token endpoint answered without a refresh_token", status=200)
        try:
            expires_in = int(str(data.get("expires_in") or DEFAULT_EXPIRES_IN).strip())
        except ValueError:
            expires_in = DEFAULT_EXPIRES_IN
        issued = datetime.now(timezone.utc) - response.elapsed
        tokens = TokenSet(
            access_token=str(access),
            refresh_token=str(refresh),
            expires_at=issued + timedelta(seconds=expires_in),
            issued_at=issued,
        )
        try:
            self.storage.save(tokens)
        except TokensRecovered as exc:
            # Safe in a recovery file that the next run picks up: go on, but loudly.
            self.logger.error("%s", exc)
        self._tokens = tokens
        self._too_early_token = None
        self.logger.info("Exact access token refreshed; valid for %d s", expires_in)
