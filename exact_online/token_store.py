"""Where the OAuth tokens live between runs.

Exact rotates the refresh token on every refresh, and a spent one cannot be used again: losing the
newest refresh token means a person has to authorise again. So the store is written atomically
(temp file + fsync + rename, mode 0600), every refresh happens under a lock shared by all
processes that use the store (a tap and a target in one pipeline), the store must show it can take
the new pair before the old refresh token is spent, and a pair that could not be written to the
store anyway is kept in a recovery file that the next run reads.

Every problem with the store is a :class:`~exact_online.errors.TokenStoreError` naming the path
and what to do; no message ever contains a token.
"""

from __future__ import annotations

import errno
import json
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from exact_online.errors import (
    TokensNotSaved,
    TokensRecovered,
    TokenStoreCorrupt,
    TokenStoreError,
    TokenStoreLockTimeout,
    TokenStoreNotWritable,
)
from exact_online.redact import register_secret
from exact_online.token_files import (
    MIN_RESERVE_BYTES,
    Reservation,
    atomic_write,
    check_mode,
    default_recovery_dirs,
    ensure_private_dir,
    logger,
    os_reason,
    recovery_paths,
)

if TYPE_CHECKING:
    from filelock import FileLock

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
    def from_json(cls, data: Any) -> TokenSet:
        if not isinstance(data, dict):
            raise TypeError(f"a JSON {_json_kind(data)}, not an object")
        refresh = data.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            raise ValueError("refresh_token missing")
        access = data.get("access_token")
        if access is not None and not isinstance(access, str):
            raise ValueError("access_token is not a string")
        return cls(
            access_token=access or None,
            refresh_token=refresh,
            expires_at=_parse_dt(data.get("expires_at")),
            issued_at=_parse_dt(data.get("issued_at")),
        )

    def __repr__(self) -> str:  # never show the tokens
        return f"TokenSet(expires_at={self.expires_at!r}, issued_at={self.issued_at!r})"


def newer(candidate: TokenSet, than: TokenSet | None) -> bool:
    """Whether ``candidate`` was issued after ``than`` (a pair without an issue time, seeded from
    config, is older than any issued one)."""
    if than is None:
        return True
    if candidate.issued_at is None:
        return False
    return than.issued_at is None or candidate.issued_at > than.issued_at


def _encode(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2).encode()


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    return "string" if isinstance(value, str) else type(value).__name__


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

    Optional: ``reserved()``, a context manager that holds the lock and fails *before* a refresh
    token is spent if the next ``save()`` could not succeed (see :class:`FileTokenStorage`).
    """

    def get(self) -> TokenSet | None: ...

    def save(self, tokens: TokenSet) -> None: ...

    def lock(self) -> AbstractContextManager[None]: ...


class FileTokenStorage:
    """Tokens in a JSON file, shared by every process of the app.

    - Writes are atomic (temp file + fsync + rename), mode 0600, under a filelock ``<file>.lock``.
      A symlinked path is resolved first: the lock and the write are on the real file, so the link
      stays a link and everyone using either name shares one lock.
    - Reading needs neither the lock nor write access (a read-only store works until a refresh is
      due); only writes do.
    - :meth:`reserved` proves the store writable and holds the disk space for the next save before
      a refresh token is spent.
    - If a save fails anyway, the pair goes to a recovery file (beside the store, then
      ``recovery_dirs``), and :meth:`get` prefers a recovery file that is newer than the store,
      moving it back into the store as soon as it can.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        lock_timeout: float = 120.0,
        recovery_dirs: Sequence[str | os.PathLike[str]] | None = None,
    ) -> None:
        self.path = Path(path).expanduser()
        self.real_path = Path(os.path.realpath(self.path))
        self.lock_path = Path(f"{self.real_path}.lock")
        self.lock_timeout = lock_timeout
        dirs = (
            default_recovery_dirs()
            if recovery_dirs is None
            else [Path(d).expanduser() for d in recovery_dirs]
        )
        self.recovery_paths = recovery_paths(self.real_path, dirs)
        self._file_lock: FileLock | None = None  # made at the first lock(): see _lock
        self._file_lock_made = threading.Lock()
        self._reservation: Reservation | None = None
        self._noted: set[tuple[str, str]] = set()

    def __repr__(self) -> str:
        return f"FileTokenStorage({str(self.path)!r})"

    @property
    def shown(self) -> str:
        """The path as configured, plus the real file when it is a link."""
        if self.path.absolute() == self.real_path:
            return str(self.path)
        return f"{self.path} (-> {self.real_path})"

    @property
    def _lock(self) -> FileLock:
        """The store's one ``FileLock``, made (and filelock imported, ~10 ms) at the first lock:
        a run on a valid access token reads the store and never locks it."""
        if self._file_lock is None:
            with self._file_lock_made:  # one instance even when threads lock at once
                if self._file_lock is None:
                    from filelock import FileLock

                    # A short poll: waiters are other refreshers, and a refresh takes milliseconds.
                    self._file_lock = FileLock(
                        str(self.lock_path), timeout=self.lock_timeout, mode=0o600,
                        poll_interval=0.005,
                    )
        return self._file_lock

    # ---- the TokenStorage protocol ---------------------------------------------------------

    @contextmanager
    def lock(self) -> Iterator[None]:
        from filelock import Timeout

        lock = self._lock
        try:
            self.real_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            lock.acquire()  # re-entrant within a thread (filelock counts acquisitions)
        except Timeout:  # before OSError: filelock's Timeout is a TimeoutError
            raise TokenStoreLockTimeout(
                f"waited {self.lock_timeout:g} s for the token store lock {self.lock_path}: "
                f"another process using {self.shown} (a tap, a target or exact-auth) holds it. "
                "A refresh takes well under a second, so that process is probably stuck; the lock "
                f"is released when it ends (`fuser {self.lock_path}` shows it). Stop it, then run "
                "again.",
                lock_path=str(self.lock_path),
            ) from None
        except OSError as exc:
            raise TokenStoreNotWritable(
                f"token store {self.shown} cannot be locked for writing: creating "
                f"{self.lock_path} failed ({os_reason(exc)}). Reading needs no write access, but "
                "a refresh, the first seeding and exact-auth do; no refresh token was spent. "
                f"Make {self.real_path.parent} writable for this user, or move the file to a "
                "writable place and point token_store_path at it."
            ) from None
        try:
            yield
        finally:
            lock.release()

    def get(self) -> TokenSet | None:
        try:
            stored, problem = self._read_store(), None
        except TokenStoreCorrupt as exc:
            stored, problem = None, exc
        found = self._newest_recovery()
        if found is not None and newer(found[0], stored):
            self._use_recovery(found[1], problem)
            return found[0]
        if problem is not None:
            raise problem
        return stored

    def save(self, tokens: TokenSet) -> None:
        data = _encode(tokens.to_json())
        with self.lock():
            reservation, self._reservation = self._reservation, None
            try:
                if self.real_path.is_dir():
                    raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
                if reservation is not None and reservation.open:
                    reservation.commit(data)
                else:
                    atomic_write(self.real_path, data)
            except OSError as exc:
                self._save_elsewhere(tokens, exc)  # always raises
            self._remove_recoveries()

    # ---- before a refresh ------------------------------------------------------------------

    @contextmanager
    def reserved(self) -> Iterator[None]:
        """Hold the lock, and room on disk for the next :meth:`save`, or fail now: called before
        a refresh token (or an authorization code) is spent, which cannot be undone."""
        with self.lock():
            if self.real_path.is_dir():
                raise TokenStoreError(self._is_dir_message())
            try:
                size = max(MIN_RESERVE_BYTES, 4 * self.real_path.stat().st_size)
            except OSError:
                size = MIN_RESERVE_BYTES
            try:
                reservation = Reservation(self.real_path, size)
            except OSError as exc:
                raise TokenStoreNotWritable(
                    f"token store {self.shown} cannot be written ({os_reason(exc)} while setting "
                    f"aside {size} bytes in {self.real_path.parent}). New tokens are due but "
                    "could not be saved, so they were not asked for: the stored refresh token "
                    f"still works. Free space in {self.real_path.parent} or make it writable for "
                    "this user, then run again."
                ) from None
            self._reservation = reservation
            try:
                yield
            finally:
                self._reservation = None
                reservation.discard()

    # ---- reading -----------------------------------------------------------------------------

    def _read_store(self) -> TokenSet | None:
        try:
            with open(self.real_path, "rb") as fh:
                st = os.fstat(fh.fileno())
                raw = fh.read()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise TokenStoreError(self._is_dir_message()) from None
        except PermissionError as exc:
            raise TokenStoreError(
                f"cannot read token store {self.shown} ({os_reason(exc)}): run as the user who "
                "owns it (it should be mode 600, readable by that user only)."
            ) from None
        except OSError as exc:
            raise TokenStoreError(
                f"cannot read token store {self.shown} ({os_reason(exc)}): check token_store_path."
            ) from None
        check_mode(self.real_path, self.shown, st)
        return self._parse(raw)

    def _parse(self, raw: bytes) -> TokenSet:
        lost = "The refresh token in it is lost: run exact-auth to authorise again."
        if not raw.strip():
            # Our writes never leave the file empty: something else truncated or created it. Seeding
            # again from the config would hide that and may spend an old token; so say so instead.
            raise TokenStoreCorrupt(
                f"token store {self.shown} is empty. This library never leaves it empty (its "
                "writes are atomic), so something else truncated or created it, and the newest "
                "refresh token may be lost. If you created the file yourself, delete it: the "
                "config's refresh_token then seeds the store. Otherwise run exact-auth to "
                "authorise again."
            )
        try:
            data = json.loads(raw)
        except ValueError:
            raise TokenStoreCorrupt(f"token store {self.shown} is not valid JSON. {lost}") from None
        if not isinstance(data, dict):
            raise TokenStoreCorrupt(
                f"token store {self.shown} holds a JSON {_json_kind(data)}, not an object with a "
                f"refresh_token. {lost}"
            )
        try:
            return TokenSet.from_json(data)
        except (ValueError, TypeError) as exc:
            raise TokenStoreCorrupt(
                f"token store {self.shown} holds no usable tokens ({exc}). {lost}"
            ) from None

    def _is_dir_message(self) -> str:
        return (
            f"token store {self.shown} is a directory, not a file: set token_store_path to a file "
            f"(for example {self.path / 'tokens.json'}) or remove the directory."
        )

    # ---- recovery files ----------------------------------------------------------------------

    def _newest_recovery(self) -> tuple[TokenSet, Path] | None:
        best: tuple[TokenSet, Path] | None = None
        for where in self.recovery_paths:
            try:
                with open(where, "rb") as fh:
                    owner = os.fstat(fh.fileno()).st_uid
                    raw = fh.read()
            except FileNotFoundError:
                continue
            except OSError as exc:
                self._note(
                    where, "unreadable", f"cannot read recovery file {where} ({os_reason(exc)})"
                )
                continue
            try:
                if hasattr(os, "geteuid") and owner != os.geteuid():
                    raise ValueError("it belongs to another user")
                data = json.loads(raw)
                if not isinstance(data, dict) or data.get("store") != str(self.real_path):
                    raise ValueError(f"it was not written for {self.real_path}")
                tokens = TokenSet.from_json(data.get("tokens"))
            except (ValueError, TypeError) as exc:
                self._note(where, "ignored", f"ignoring recovery file {where}: {exc}")
                continue
            if best is None or newer(tokens, best[0]):
                best = (tokens, where)
        return best

    def _use_recovery(self, where: Path, problem: TokenStoreError | None) -> None:
        detail = f"; the store itself: {problem}" if problem else ""
        self._note(
            where,
            "using",
            f"token store {self.shown}: using the newer tokens in recovery file {where}, left by "
            f"a run that could not write the store{detail}",
        )
        try:
            self._promote()
        except (TokenStoreError, OSError) as exc:
            reason = os_reason(exc) if isinstance(exc, OSError) else str(exc)
            self._note(
                where,
                "stuck",
                f"recovery file {where} could not be moved back into token store {self.shown} "
                f"({reason}); it stays in use. Do NOT delete it: it holds the only valid refresh "
                "token.",
            )
            return
        logger.warning("recovery file %s moved back into token store %s", where, self.shown)

    def _promote(self) -> None:
        """Write the newest recovery file into the store (under the lock, after checking again
        that it is still newer), then remove the recovery files."""
        with self.lock():
            try:
                stored = self._read_store()
            except TokenStoreCorrupt:
                stored = None
            found = self._newest_recovery()
            if found is None or not newer(found[0], stored):
                return  # another process did it meanwhile
            atomic_write(self.real_path, _encode(found[0].to_json()))
            self._remove_recoveries()

    def _save_elsewhere(self, tokens: TokenSet, failure: OSError) -> None:
        payload = _encode(
            {
                "store": str(self.real_path),
                "saved_at": datetime.now(timezone.utc).isoformat(),
                "tokens": tokens.to_json(),
            }
        )
        failures = [f"{self.real_path}: {os_reason(failure)}"]
        for where in self.recovery_paths:
            try:
                if where.parent != self.real_path.parent:
                    ensure_private_dir(where.parent)
                atomic_write(where, payload)
            except OSError as exc:
                failures.append(f"{where}: {os_reason(exc)}")
                continue
            raise TokensRecovered(
                f"TOKEN STORE NOT WRITTEN: Exact rotated the refresh token, but writing token "
                f"store {self.shown} failed ({os_reason(failure)}). The new tokens are safe in "
                f"{where}; the next run (tap, target or client) uses that file automatically and "
                "moves it back into the store once the store can be written. Now: free space in "
                f"{self.real_path.parent} or make it writable. Do NOT delete {where}: it holds "
                "the only valid refresh token.",
                recovery_path=str(where),
            ) from None
        raise TokensNotSaved(
            "TOKENS LOST: Exact rotated the refresh token, but the new one could be saved nowhere "
            f"({'; '.join(failures)}). It is not printed (logs are no place for it) and is gone "
            f"when this process ends. Free space in {self.real_path.parent} or make it writable, "
            "then run exact-auth to authorise again."
        ) from None

    def _remove_recoveries(self) -> None:
        for where in self.recovery_paths:
            try:
                where.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:  # older than the store now, so never used again
                logger.warning("could not remove recovery file %s (%s)", where, os_reason(exc))

    def _note(self, where: Path, what: str, text: str) -> None:
        """Log a recovery-file warning once per file and kind, not on every read."""
        if (str(where), what) not in self._noted:
            self._noted.add((str(where), what))
            logger.warning("%s", text)


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
