"""Secret redaction for log text and exception text.

Two layers: values this process knows to be secret (client secret, tokens, codes) are replaced
wherever they appear, and well-known shapes (``access_token=…``, ``"refresh_token": "…"``, ``Bearer
…``) are masked even when the value was never registered.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"
_MIN_SECRET_LEN = 6  # shorter values would mask ordinary words

_lock = threading.Lock()
# Newest secrets last; bounded, because a long run rotates tokens every ten minutes and the old ones
# are dead anyway.
_MAX_KNOWN = 256
_known: dict[str, None] = {}

_KEYS = r"access_token|refresh_token|client_secret|code|password|assertion|id_token|token"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # form / query strings: refresh_token=abc&...
    (re.compile(rf"(?i)\b({_KEYS})=([^&\s\"'<>]+)"), rf"\1={MASK}"),
    # JSON: "refresh_token": "abc" (an empty value, e.g. Exact's error "code":"", stays as it is)
    (re.compile(rf"(?i)(\"(?:{_KEYS})\"\s*:\s*\")([^\"]+)(\")"), rf"\1{MASK}\3"),
    # Python reprs: 'refresh_token': 'abc'
    (re.compile(rf"(?i)('(?:{_KEYS})'\s*:\s*')([^']+)(')"), rf"\1{MASK}\3"),
    (re.compile(r"(?i)\b(Bearer)\s+[A-Za-z0-9\-._~+/!%=]+"), rf"\1 {MASK}"),
)


def register_secret(value: str | None) -> None:
    """Remember a secret value so that :func:`redact` masks it anywhere it appears."""
    if not value or len(value) < _MIN_SECRET_LEN:
        return
    with _lock:
        _known.pop(value, None)
        _known[value] = None
        while len(_known) > _MAX_KNOWN:
            del _known[next(iter(_known))]


def redact(text: object) -> str:
    """``text`` as a string with every known secret and secret-shaped value masked."""
    out = str(text)
    with _lock:
        known = sorted(_known, key=len, reverse=True)  # a secret containing another goes first
    for secret in known:
        if secret in out:
            out = out.replace(secret, MASK)
    for pattern, repl in _PATTERNS:
        out = pattern.sub(repl, out)
    return out


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the formatted message (attach it to handlers you own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        clean = redact(message)
        if clean != message:
            record.msg = clean
            record.args = None
        return True
