"""Exception types of the Exact client, and mapping of HTTP error answers to them.

``str()`` of every exception goes through :mod:`exact_online.redact`: no token, code or secret ever
appears in exception text.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import requests

from exact_online.redact import redact

_MAX_MESSAGE = 1000


class ExactError(Exception):
    """Base class. ``str()`` never contains a secret."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))

    def __str__(self) -> str:
        return redact(super().__str__())


class DecodeError(ExactError):
    """A body that is neither a JSON nor an Atom answer of Exact (or is cut short)."""


class ExactAPIError(ExactError):
    """Any non-2xx answer from the API.

    ``status``; Exact's ``code`` and ``message`` (from the JSON or XML error body) and its
    ``Reason`` header; the request's ``method`` (also ``request_method``) and ``url`` (redacted);
    ``body``, the raw answer body (bytes, never part of ``str()``).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        reason: str | None = None,
        method: str = "",
        url: str = "",
        code: str | None = None,
        body: bytes = b"",
    ) -> None:
        text_message = redact(message)
        text_reason = redact(reason) if reason else None
        shown_url = redact(url)
        text = f"{method} {shown_url} -> HTTP {status}: {text_message}".strip()
        if text_reason and text_reason not in text_message:
            text += f" (Reason: {text_reason})"
        # Not super(): Unauthorized is also an AuthError, whose __init__ takes other arguments.
        ExactError.__init__(self, text)
        self.status = status
        self.message = text_message
        self.reason = text_reason
        self.method = method
        self.url = shown_url
        self.code = code or None
        self.body = body

    @property
    def request_method(self) -> str:
        return self.method


class BadRequest(ExactAPIError):
    """400: validation, bad query, missing $select, mandatory filter."""


class AuthError(ExactError):
    """OAuth failure (and an API 401 that a refresh did not cure: :class:`Unauthorized`)."""

    def __init__(
        self, message: str, *, status: int | None = None, reason: str | None = None
    ) -> None:
        self.status = status
        self.reason = reason
        super().__init__(message)


class Unauthorized(ExactAPIError, AuthError):  # type: ignore[misc]  # status: int here
    """401: the access token was refused again after one refresh. Both an API error (status,
    code, body) and an :class:`AuthError` (a person must act: the token chain is not accepted)."""


class Forbidden(ExactAPIError):
    """403: no rights, or the wrong division."""


class NotFound(ExactAPIError):
    """404."""


class MethodNotAllowed(ExactAPIError):
    """405."""


class RequestTimeout(ExactAPIError):
    """408."""


class ServerError(ExactAPIError):
    """5xx (Exact also reports some validation failures as 500)."""


class RateLimited(ExactAPIError):
    """429 that could not be waited out within the retry budget."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        reset_at: datetime | None = None,
        minutely: bool = True,
        **kwargs: Any,
    ) -> None:
        self.reset_at = reset_at
        self.minutely = minutely
        super().__init__(status, message, **kwargs)


class DailyLimitReached(ExactError):
    """The daily call budget (minus the configured reserve) is spent for a division."""

    def __init__(self, division: int | None, reset_at: datetime, message: str = "") -> None:
        self.division = division
        self.reset_at = reset_at
        super().__init__(
            message
            or f"Daily API limit reached for division {division}; "
            f"it resets at {reset_at.isoformat()}"
        )


class TransportError(ExactError):
    """Timeout, dropped connection or truncated body."""

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        self.request_sent = request_sent
        super().__init__(message)


class AnswerLost(TransportError):
    """A write whose answer never came: the server may have applied it. Look the record up before
    retrying.
    """


class OldRefreshTokenUsed(AuthError):
    """The refresh token was already spent (another process refreshed): a person must authorise
    again.
    """


class RefreshTokenExpired(AuthError):
    """The refresh token was unused for 30 days: run ``exact-auth`` again."""


class NoTokens(AuthError):
    """The token store is empty and no refresh token was given to seed it."""


class AuthorizationCodeInvalid(AuthError):
    """The authorization code was refused (expired after 3 minutes, used twice, or mistyped)."""


class TooEarlyToRefresh(AuthError):
    """Exact refuses a refresh within 570 s of the last one; the current access token is good."""


_BY_STATUS: dict[int, type[ExactAPIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    408: RequestTimeout,
    429: RateLimited,
}


def error_message(response: requests.Response) -> str:
    """Exact's error text from a JSON or XML error body (or the HTTP reason phrase when there is
    none).
    """
    body = response.content or b""
    text = ""
    if body:
        stripped = body.lstrip()
        if stripped[:1] in (b"{", b"["):
            text = _json_message(stripped)
        elif stripped[:1] == b"<":
            text = _xml_message(stripped)
        else:
            text = body.decode("utf-8", "replace").strip()
    if not text:
        text = response.reason or f"HTTP {response.status_code}"
    if len(text) > _MAX_MESSAGE:
        text = text[:_MAX_MESSAGE] + "…"
    return text


def _json_message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()
    if not isinstance(data, dict):
        return ""
    err = data.get("error")
    if isinstance(err, dict):
        msg = err.get("message")
        if isinstance(msg, dict):
            return str(msg.get("value") or "")
        if msg:
            return str(msg)
        return str(err.get("code") or "")
    if isinstance(err, str):
        # OAuth form: {"error": "invalid_request", "error_description": "..."}
        desc = data.get("error_description")
        return f"{err}: {desc}" if desc else err
    return ""


def _xml_message(body: bytes) -> str:
    from defusedxml import ElementTree as SafeET  # XML error bodies only: not at start-up

    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except Exception:  # noqa: BLE001 - any parse failure: fall back to the raw text
        return body.decode("utf-8", "replace").strip()
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == "message" and el.text:
            return el.text.strip()
    return ""


def error_from_response(response: requests.Response) -> ExactAPIError:
    """The specific :class:`ExactAPIError` for a non-2xx answer, with Exact's message and ``Reason``
    header.
    """
    status = response.status_code
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else ExactAPIError
    method = (response.request.method or "") if response.request is not None else ""
    return cls(
        status,
        error_message(response),
        reason=response.headers.get("Reason"),
        method=method,
        url=response.url or "",
        code=error_code(response.content or b""),
        body=response.content or b"",
    )


def error_code(body: bytes) -> str | None:
    """Exact's ``error.code`` from a JSON or XML error body (usually empty: then None)."""
    stripped = body.lstrip()
    code: Any = None
    if stripped[:1] == b"{":
        try:
            data = json.loads(stripped)
        except ValueError:
            return None
        err = data.get("error") if isinstance(data, dict) else None
        code = err.get("code") if isinstance(err, dict) else None
    elif stripped[:1] == b"<":
        from defusedxml import ElementTree as SafeET  # XML error bodies only: not at start-up

        try:
            root = SafeET.fromstring(stripped, forbid_dtd=True)
        except Exception:  # noqa: BLE001 - any parse failure: no code
            return None
        for el in root.iter():
            if el.tag.rsplit("}", 1)[-1] == "code":
                code = el.text
                break
    text = str(code).strip() if code is not None else ""
    return redact(text) if text else None


def auth_error_from_response(response: requests.Response) -> AuthError:
    """The specific :class:`AuthError` for a refused token request."""
    status = response.status_code
    reason = response.headers.get("Reason")
    message = error_message(response)
    lowered = f"{message} {reason or ''}".lower()
    cls: type[AuthError] = AuthError
    if "toearlytorefresh" in lowered.replace(" ", "") or "access_token not expired" in lowered:
        cls = TooEarlyToRefresh
    elif "old refresh token" in lowered:
        cls = OldRefreshTokenUsed
    elif "refresh token expired" in lowered:
        cls = RefreshTokenExpired
    return cls(f"Token request refused (HTTP {status}): {message}", status=status, reason=reason)


class TokenStoreError(AuthError):
    """The token store cannot be used as it is; the message names the path and what to do."""


class TokenStoreCorrupt(TokenStoreError):
    """The store file exists but holds no token pair (empty, not JSON, not a JSON object, no
    ``refresh_token``)."""


class TokenStoreNotWritable(TokenStoreError):
    """A write is needed (a refresh, the first seeding) but the store cannot be written. Raised
    before a refresh token is spent: the stored one still works."""


class TokenStoreLockTimeout(TokenStoreError):
    """Another process held the token store's lock for longer than the lock timeout."""

    def __init__(self, message: str, *, lock_path: str) -> None:
        self.lock_path = lock_path
        super().__init__(message)


class TokensRecovered(TokenStoreError):
    """Exact rotated the tokens but the store could not be written; the new pair is safe in
    ``recovery_path`` and the next run picks it up from there."""

    def __init__(self, message: str, *, recovery_path: str) -> None:
        self.recovery_path = recovery_path
        super().__init__(message)


class TokensNotSaved(TokenStoreError):
    """Exact rotated the tokens and the new pair could be saved nowhere: once this process ends, a
    person must authorise again (``exact-auth``)."""
