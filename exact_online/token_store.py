"""Where the OAuth tokens live between runs.

Exact rotates the refresh token on every refresh, and a spent one cannot be used again: losing the
newest refresh token means a person has to authorise again. So the store is written atomically
(temp file + fsync + rename, mode 0600) and every refresh happens under a lock shared by all
processes that use the store (a tap and a target in one pipeline).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from filelock import FileLock

from exact_online.errors import AuthError
from exact_online.redact import register_secret

DEFAULT_TOKEN_STORE = "~/.config/exact-online/tokens-<client_id>.json"


def default_token_store_path(client_id: str) -> Path:
    """The documented default: ``~/.config/exact-online/tokens-<client_id>.json``."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in client_id) or "default"
    return Path(DEFAULT_TOKEN_STORE.replace("<client_id>", safe)).expanduser()


@dataclass
class TokenSet:
    access_token: str | None
    refresh_token: str
    expires_at: datetime | None = None  # aware UTC
    issued_at: datetime | None = None  # aware UTC

    def __post_init__(self) -> None:
        register_secret(self.access_token)
        register_secret(self.refresh_token)

    def seconds_left(self, now: datetime | None = None) -> float:
        """Seconds until the access token expires (``-inf`` when there is none)."""
        if not self.access_token or self.expires_at is None:
            return float("-inf")
        now = now or datetime.now(timezone.utc)
        return (self.expires_at - now).total_seconds()

    def to_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenSet:
        refresh = data.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            raise ValueError("refresh_token missing")
        return cls(
            access_token=data.get("access_token") or None,
            refresh_token=refresh,
            expires_at=_parse_dt(data.get("expires_at")),
            issued_at=_parse_dt(data.get("issued_at")),
        )

    def __repr__(self) -> str:  # never show the tokens
        return f"TokenSet(expires_at={self.expires_at!r}, issued_at={self.issued_at!r})"


def _parse_dt(value: Any) -> datetime | None:
    if not value:
        return None
    dt = datetime.fromisoformat(str(value))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


@runtime_checkable
class TokenStorage(Protocol):
    """Where tokens are kept. Implement it to keep them in a database or a secret manager.

    ``lock()`` must exclude every other process (and thread) using the same tokens while it is held
    and be re-entrant within one thread; ``save()`` must be durable before it returns.
    """

    def get(self) -> TokenSet | None: ...

    def save(self, tokens: TokenSet) -> None: ...

    def lock(self) -> AbstractContextManager[None]: ...


class FileTokenStorage:
    """Tokens in a JSON file: atomic writes, mode 0600, a filelock ``<path>.lock`` shared by all
    processes."""

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = 120.0) -> None:
        self.path = Path(path).expanduser()
        # A short poll: waiters are other refreshers, and a refresh takes milliseconds.
        self._lock = FileLock(
            str(self.path) + ".lock", timeout=lock_timeout, mode=0o600, poll_interval=0.005
        )

    def __repr__(self) -> str:
        return f"FileTokenStorage({str(self.path)!r})"

    @contextmanager
    def lock(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._lock:  # re-entrant within a thread (filelock counts acquisitions)
            yield

    def get(self) -> TokenSet | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        if not raw.strip():
            return None
        try:
            return TokenSet.from_json(json.loads(raw))
        except (ValueError, TypeError) as exc:
            raise AuthError(
                f"token store {self.path} is unreadable ({exc}); run exact-auth to authorise again"
            ) from None

    def save(self, tokens: TokenSet) -> None:
        with self.lock():
            _atomic_write(self.path, json.dumps(tokens.to_json(), indent=2).encode())


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    # The rename itself must survive a crash too.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class MemoryTokenStorage:
    """Tokens in memory (one process): for tests and for callers who persist tokens themselves."""

    def __init__(self, tokens: TokenSet | None = None) -> None:
        self._tokens = tokens
        self._lock = threading.RLock()

    @contextmanager
    def lock(self) -> Iterator[None]:
        with self._lock:
            yield

    def get(self) -> TokenSet | None:
        return self._tokens

    def save(self, tokens: TokenSet) -> None:
        with self._lock:
            self._tokens = tokens
