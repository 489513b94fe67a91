"""Rotated tokens written back into the ``--config`` file, as HotGlue's tap and target do.

HotGlue runs every job in a fresh container with its ``config.json`` and keeps that file for the
next job; the token store under ``~/.config`` dies with the container. So when the config file
carries the token pair (``write_tokens_to_config: auto``, the default) or a setting says so
(``always``), :class:`ConfigFileMirror` wraps the token store: every ``save()`` writes the store,
then the config file, under the store's cross-process lock, in HotGlue's keys and formats:
``access_token``, ``refresh_token`` and ``expires_in`` as **epoch seconds** (issue time + lifetime).

The config write is atomic (temp file in the same directory + fsync + rename + fsync of the
directory), keeps the file's mode and owner, every other key and their order, and the JSON layout
(indent, separators, trailing newline); a symlinked config stays a link (the real file is
replaced). A config that cannot be written (read-only, not a regular file such as a pipe) gets ONE
warning per run; the store still holds the chain. Nothing here logs a token.

The plugins learn the ``--config`` paths from their CLI (``remember_config_files`` in their
``cb_config``); ``ConnectionSettings.from_config`` picks the file with :func:`pick_config_file`.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import stat
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from exact_online.errors import TokensNotSaved, TokensRecovered
from exact_online.token_files import fsync_dir, os_reason, write_all
from exact_online.token_store import TokenSet, TokenStorage

logger = logging.getLogger("exact_online.config_tokens")

WRITE_MODES = ("auto", "always", "never")
TOKEN_KEYS = ("access_token", "refresh_token", "expires_in")
# HotGlue writes expires_in as an epoch (issue time + lifetime); Exact's answer has it relative.
EPOCH_THRESHOLD = 1_000_000_000
_CLI_KEY = "exact_online.config_files"


# ---- which file -----------------------------------------------------------------------------


def remember_config_files(ctx: click.Context, values: Sequence[str]) -> None:
    """Called from a plugin's ``cb_config``: keep the raw ``--config`` values of this command."""
    ctx.meta[_CLI_KEY] = tuple(str(v) for v in values)


def cli_config_files() -> tuple[str, ...]:
    """The ``--config`` values of the running plugin command; () outside a CLI run."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return ()
    return tuple(ctx.meta.get(_CLI_KEY, ()))


@dataclass(frozen=True)
class ConfigTarget:
    """The config file rotations are written to (None: none), and why not, to warn once."""

    path: Path | None = None
    problem: str | None = None


def pick_config_file(files: Sequence[str], mode: str) -> ConfigTarget:
    """The ``--config`` file that holds the token keys (the last one, as later files win when
    the SDK merges them); with ``always`` the last regular file when none does. ``ENV`` and
    non-regular files (pipes, ``/dev/stdin``) are never written; they are not read again either
    (a pipe can be read once)."""
    if mode == "never":
        return ConfigTarget()
    holder: Path | None = None
    last_regular: Path | None = None
    unwritable: list[str] = []
    for value in files:
        if value == "ENV":
            continue
        path = Path(value).expanduser()
        try:
            regular = stat.S_ISREG(os.stat(path).st_mode)
        except OSError:
            continue  # the SDK has read it already; a file gone since then is not ours to create
        if not regular:
            unwritable.append(value)
            continue
        last_regular = path
        data = _read_object(path)
        if data is not None and data.get("refresh_token"):
            holder = path
    if holder is not None:
        return ConfigTarget(holder)
    if mode == "always" and last_regular is not None:
        return ConfigTarget(last_regular)
    if unwritable:
        return ConfigTarget(
            problem=f"config {', '.join(unwritable)} is not a regular file (a pipe?): rotated "
            "tokens cannot be written back to it"
        )
    if mode == "always":
        return ConfigTarget(problem="no --config file to write the rotated tokens to")
    return ConfigTarget()


def _read_object(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# ---- HotGlue's key formats ----------------------------------------------------------------------


def tokens_from_config(
    config: Mapping[str, Any], now: datetime | None = None
) -> TokenSet | None:
    """The config's pair (``access_token`` + ``refresh_token`` + ``expires_in``), or None.

    An epoch ``expires_in`` (HotGlue) is an absolute expiry; a small one (Exact's answer) counts
    from ``now`` and marks the pair's age as unknown (``issued_at`` stays None either way)."""
    access = config.get("access_token")
    refresh = config.get("refresh_token")
    expiry = epoch_or_relative(config.get("expires_in"))
    if not access or not refresh or expiry is None:
        return None
    value, absolute = expiry
    now = now or datetime.now(timezone.utc)
    expires_at = (
        datetime.fromtimestamp(value, timezone.utc)
        if absolute
        else datetime.fromtimestamp(now.timestamp() + value, timezone.utc)
    )
    return TokenSet(access_token=str(access), refresh_token=str(refresh), expires_at=expires_at)


def epoch_or_relative(value: Any) -> tuple[float, bool] | None:
    """``expires_in`` as (number, is_epoch); None when absent or not a number."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number, number >= EPOCH_THRESHOLD


def config_expiry_is_absolute(config: Mapping[str, Any]) -> bool:
    expiry = epoch_or_relative(config.get("expires_in"))
    return expiry is not None and expiry[1]


def config_is_newer(config_pair: TokenSet, stored: TokenSet | None, *, dated: bool) -> bool:
    """THE start-up rule: whether the config's pair beats the store's.

    - an empty store: the config wins (a fresh container is seeded from its config);
    - the same refresh token: the store wins (it knows the issue time);
    - ``dated`` False (``expires_in`` is not an epoch): the age is unknown, the store wins;
    - else the later expiry wins (Exact gives every access token the same lifetime, so the later
      expiry is the later issue); a store pair without an expiry is older than any dated one.
    """
    if stored is None:
        return True
    if config_pair.refresh_token == stored.refresh_token:
        return False
    if not dated or config_pair.expires_at is None:
        return False
    if stored.expires_at is None:
        return True
    return config_pair.expires_at > stored.expires_at


def hotglue_values(tokens: TokenSet, old: dict[str, Any]) -> dict[str, Any]:
    """The token keys as HotGlue writes them; ``expires_in`` keeps a string type if it had one."""
    values: dict[str, Any] = {"refresh_token": tokens.refresh_token}
    if tokens.access_token:
        values["access_token"] = tokens.access_token
        if tokens.expires_at is not None:
            epoch = int(tokens.expires_at.timestamp())
            values["expires_in"] = str(epoch) if isinstance(old.get("expires_in"), str) else epoch
    return values


# ---- keeping the file's layout ----------------------------------------------------------------


def render_like(original: str, data: dict[str, Any]) -> str:
    """``data`` as JSON laid out like ``original``: indent, separators, ASCII escaping and the
    trailing newline."""
    indent_match = re.match(r"\s*\{[ \t]*\r?\n([ \t]+)\"", original)
    indent: str | None = indent_match.group(1) if indent_match else None
    if '":' not in original and '" :' not in original:
        separators = (",", ": ") if indent is not None else (", ", ": ")  # {}: json's defaults
    else:
        colon = ": " if re.search(r"\"[ \t]*:[ \t]", original) else ":"
        if indent is not None:
            comma = ","
        elif re.search(r",[ \t]", original) or ("," not in original and colon == ": "):
            comma = ", "  # spaced like the colon when the file has a single key
        else:
            comma = ","
        separators = (comma, colon)
    text = json.dumps(
        data,
        indent=indent,
        separators=separators,
        ensure_ascii=original.isascii(),
    )
    if "\r\n" in original:
        text = text.replace("\n", "\r\n")
    tail = original[len(original.rstrip()) :]
    return text + tail


# ---- the mirror -------------------------------------------------------------------------------


class ConfigFileMirror:
    """A :class:`TokenStorage` that keeps ``store`` (the chain) and mirrors every save into the
    config file ``path``. ``get()`` answers the newer of the two pairs (:func:`config_is_newer`),
    so a process that lost a race to another one sharing only the config file adopts the other's
    tokens instead of spending an old one."""

    def __init__(
        self, store: TokenStorage, path: Path, log: logging.Logger | None = None
    ) -> None:
        self.store = store
        self.path = Path(path)
        self.real_path = Path(os.path.realpath(self.path))
        self.logger = log or logger
        self.warned = False

    def __repr__(self) -> str:
        return f"ConfigFileMirror({self.store!r}, config={str(self.path)!r})"

    # ---- the TokenStorage protocol ---------------------------------------------------------

    def lock(self) -> AbstractContextManager[None]:
        return self.store.lock()

    def reserved(self) -> AbstractContextManager[None]:
        reserved = getattr(self.store, "reserved", None)
        return reserved() if callable(reserved) else nullcontext()

    def get(self) -> TokenSet | None:
        stored = self.store.get()
        data = self._read()
        found = tokens_from_config(data) if data is not None else None
        if found is not None and data is not None and config_is_newer(
            found, stored, dated=config_expiry_is_absolute(data)
        ):
            return found
        return stored

    def save(self, tokens: TokenSet) -> None:
        with self.lock():
            try:
                self.store.save(tokens)
            except TokensNotSaved as exc:
                if self.write_config(tokens):
                    raise TokensRecovered(
                        "TOKEN STORE NOT WRITTEN: Exact rotated the refresh token and the store "
                        f"could not take it ({exc}); the new pair IS saved in the config file "
                        f"{self.path}, which the next run reads.",
                        recovery_path=str(self.path),
                    ) from None
                raise
            except TokensRecovered:
                self.write_config(tokens)
                raise
            self.write_config(tokens)

    # ---- the config file -----------------------------------------------------------------

    def write_config(self, tokens: TokenSet) -> bool:
        """Write ``tokens`` into the config file (caller holds the lock); False, after one
        warning per run, when it cannot be written. Never raises for file problems."""
        try:
            return self._write(tokens)
        except (OSError, ValueError) as exc:
            reason = os_reason(exc) if isinstance(exc, OSError) else str(exc)
            self._warn(reason)
            return False

    def _read(self) -> dict[str, Any] | None:
        try:
            st = os.stat(self.real_path)
            if not stat.S_ISREG(st.st_mode):
                return None
            data = json.loads(self.real_path.read_bytes())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _write(self, tokens: TokenSet) -> bool:
        with open(self.real_path, "rb") as fh:
            st = os.fstat(fh.fileno())
            raw = fh.read()
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("not a regular file (a pipe?)")
        # No write bit is a "do not write" even for root (who may write anyway).
        if not st.st_mode & 0o222 or not os.access(self.real_path, os.W_OK):
            raise PermissionError(errno.EACCES, "the file is read-only")
        original = raw.decode("utf-8")
        data = json.loads(original)
        if not isinstance(data, dict):
            raise ValueError("it does not hold a JSON object")
        values = hotglue_values(tokens, data)
        if all(data.get(k) == v for k, v in values.items()):
            return True  # already there (e.g. the config seeded the store)
        data.update(values)  # existing keys keep their place; new ones go last
        _replace_file(self.real_path, render_like(original, data).encode("utf-8"), st)
        return True

    def _warn(self, reason: str) -> None:
        if self.warned:
            return
        self.warned = True
        self.logger.warning(
            "config file %s: the rotated tokens could not be written back (%s). They are safe "
            "in the token store %r, but a fresh container given only this config will need "
            "exact-auth. Make the file writable, or keep token_store_path on storage that "
            "outlives the job.",
            self.path,
            reason,
            self.store,
        )


def _replace_file(path: Path, data: bytes, st: os.stat_result) -> None:
    """Temp file beside ``path`` with its mode (and owner, where allowed), fsync, rename, fsync
    the directory: a crash leaves either the old file or the new one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, stat.S_IMODE(st.st_mode))
        if hasattr(os, "fchown") and (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
            try:
                os.fchown(fd, st.st_uid, st.st_gid)
            except PermissionError:
                pass  # not root: the file becomes ours, which only we read anyway
        write_all(fd, data)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass  # the temp name never holds the config's name: harmless
        raise
    fsync_dir(path.parent)
