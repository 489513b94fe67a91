"""File mechanics of the token store: atomic writes, disk space held before a refresh, recovery
files, and permission checks. :mod:`exact_online.token_store` decides what to do with them.

Nothing here ever logs or formats a token: only paths and OS error texts.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import tempfile
from pathlib import Path

logger = logging.getLogger("exact_online.token_store")

# Space held on disk for the next write of the store: a token file is about 1-3 KB.
MIN_RESERVE_BYTES = 8192
RECOVERY_SUFFIX = ".recovery"

_warned_modes: set[str] = set()


def os_reason(exc: OSError) -> str:
    """``[Errno 28] No space left on device`` without the file name (the caller names the path)."""
    if exc.errno is not None and exc.strerror:
        return f"[Errno {exc.errno}] {exc.strerror}"
    return f"{type(exc).__name__}: {exc}"


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:  # bounded: every os.write writes at least one byte or raises
        written = os.write(fd, view)
        view = view[written:]


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` survive a crash."""
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _temp_in(directory: Path, name: str) -> tuple[int, str]:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o600)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    return fd, tmp


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass  # a temp file we could not remove is harmless: it never holds the store's name


class Reservation:
    """A temp file beside the store, already filled with ``size`` bytes and fsynced: proof that the
    directory is writable and that the disk has room, taken *before* a refresh token is spent.
    ``commit`` then overwrites those blocks in place and renames the file over the store, so a disk
    that fills up during the token request cannot stop the save (on filesystems that overwrite in
    place, which is all but copy-on-write ones)."""

    def __init__(self, target: Path, size: int) -> None:
        self.target = target
        self.fd, self.tmp = _temp_in(target.parent, target.name)
        self.open = True
        try:
            write_all(self.fd, b" " * size)
            os.fsync(self.fd)
        except BaseException:
            self.discard()
            raise

    def commit(self, data: bytes) -> None:
        if not self.open:
            raise RuntimeError("reservation already used")
        self.open = False
        try:
            os.lseek(self.fd, 0, os.SEEK_SET)
            write_all(self.fd, data)
            os.ftruncate(self.fd, len(data))
            os.fsync(self.fd)
            os.close(self.fd)
            os.replace(self.tmp, self.target)
        except BaseException:
            _close_quietly(self.fd)
            _unlink_quietly(self.tmp)
            raise
        fsync_dir(self.target.parent)

    def discard(self) -> None:
        if self.open:
            self.open = False
            _close_quietly(self.fd)
            _unlink_quietly(self.tmp)


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass  # already closed by commit


def atomic_write(path: Path, data: bytes) -> None:
    """temp file + fsync + rename + fsync of the directory; mode 0600."""
    Reservation(path, 0).commit(data)


def recovery_paths(real_path: Path, extra_dirs: list[Path]) -> list[Path]:
    """Where a rotated pair goes when the store cannot be written, in order: beside the store,
    then each of ``extra_dirs`` (other filesystems, in case the store's is full). The names derive
    from the store's real path, so every process using the store finds the same files."""
    digest = hashlib.sha256(str(real_path).encode()).hexdigest()[:12]
    beside = real_path.with_name(real_path.name + RECOVERY_SUFFIX)
    others = [d / f"{real_path.name}.{digest}{RECOVERY_SUFFIX}" for d in extra_dirs]
    return [beside, *(p for p in others if p != beside)]


def default_recovery_dirs() -> list[Path]:
    """``$XDG_STATE_HOME/exact-online`` (``~/.local/state/exact-online``), then a private
    directory in the temp dir (often another filesystem; lost on reboot, but read by the next
    run)."""
    state_home = os.environ.get("XDG_STATE_HOME") or "~/.local/state"
    uid = os.geteuid() if hasattr(os, "geteuid") else 0
    return [
        Path(state_home).expanduser() / "exact-online",
        Path(tempfile.gettempdir()) / f"exact-online-{uid}",
    ]


def ensure_private_dir(directory: Path) -> None:
    """Create ``directory`` (0700) or check an existing one is ours and closed to others; a shared
    temp dir must not let another user plant or read our recovery file."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = os.lstat(directory)
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(f"{directory} is not a directory")
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise PermissionError(f"{directory} belongs to another user")
    if st.st_mode & 0o077:
        os.chmod(directory, 0o700)


def check_mode(real_path: Path, shown: str, st: os.stat_result) -> None:
    """Warn (once per path) when group or others may read the store; tighten it when it is ours."""
    if not st.st_mode & 0o077 or str(real_path) in _warned_modes:
        return
    _warned_modes.add(str(real_path))
    mode = stat.S_IMODE(st.st_mode)
    owner = st.st_uid == os.geteuid() if hasattr(os, "geteuid") else False
    if owner:
        try:
            os.chmod(real_path, mode & 0o700)
        except OSError as exc:
            logger.warning(
                "token store %s is readable by others (mode %o) and could not be tightened "
                "(%s): run chmod 600 %s",
                shown,
                mode,
                os_reason(exc),
                real_path,
            )
            return
        logger.warning(
            "token store %s was readable by others (mode %o): tightened to %o. Anyone who read "
            "it could use your Exact tokens; run exact-auth to start a new chain if that may "
            "have happened.",
            shown,
            mode,
            mode & 0o700,
        )
        return
    logger.warning(
        "token store %s is readable by others (mode %o) and belongs to another user (uid %d): "
        "ask its owner to run chmod 600 %s",
        shown,
        mode,
        st.st_uid,
        real_path,
    )
