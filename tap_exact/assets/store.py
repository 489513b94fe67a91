"""Content-addressed file storage for assets, on a directory or any fsspec URL, with its index.

A file lives at ``<root>/sha256/<first 2 hex>/<sha256><ext>``: the same bytes are stored once,
whichever rows point at them, and a path never changes meaning. ``<root>/index.json`` maps each
source URL to what was fetched from it (sha256, path, ETag, Last-Modified, the row's
``Modified``...): the cache that keeps an unchanged asset from being downloaded again, across
runs. It is only a cache (a lost index costs conditional downloads, never data), written whole:
on a local directory atomically (temp file, fsync, rename) under a file lock, merged with what
another run saved meanwhile; on object stores (one PUT) as is.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import fsspec
from filelock import FileLock

INDEX_NAME = "index.json"
INDEX_VERSION = 1
LOCK_TIMEOUT = 60.0
SAVE_EVERY_SECONDS = 30.0
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}


def extension(content_type: str) -> str:
    base = content_type.split(";", 1)[0].strip().lower()
    return _EXTENSIONS.get(base) or mimetypes.guess_extension(base) or ".bin"


class AssetStore:
    def __init__(self, url: str, logger: logging.Logger) -> None:
        self.url = url
        self._logger = logger
        self.fs, self.root = fsspec.core.url_to_fs(url)
        self.local = _is_local(self.fs)
        if self.local:
            Path(self.root).mkdir(parents=True, exist_ok=True)
        self._index: dict[str, dict[str, Any]] | None = None
        self._dirty: set[str] = set()
        self._saved_at = time.monotonic()

    # ---- files ----------------------------------------------------------------------------------

    def path_for(self, sha256: str, content_type: str) -> str:
        return f"{self.root.rstrip('/')}/sha256/{sha256[:2]}/{sha256}{extension(content_type)}"

    def location(self, path: str) -> str:
        """What the `Path` column shows: a local path, or the URL with its protocol."""
        return path if self.local else str(self.fs.unstrip_protocol(path))

    def exists(self, path: str) -> bool:
        return bool(self.fs.exists(path))

    def put(self, sha256: str, content_type: str, data: bytes) -> str:
        """Store ``data`` (whose sha256 the caller computed) unless it is there; its path."""
        path = self.path_for(sha256, content_type)
        if self.exists(path):
            return path
        if self.local:
            _atomic_write(Path(path), data)
        else:
            self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            self.fs.pipe_file(path, data)
        return path

    def read(self, path: str) -> bytes:
        return bytes(self.fs.cat_file(path))

    # ---- the index ------------------------------------------------------------------------------

    @property
    def index_path(self) -> str:
        return f"{self.root.rstrip('/')}/{INDEX_NAME}"

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            if not self.fs.exists(self.index_path):
                return {}
            data = json.loads(self.fs.cat_file(self.index_path))
        except (OSError, ValueError) as exc:
            self._logger.warning(
                "assets: %s is unreadable (%s); starting a new index (files already stored are "
                "kept and found again by their content)", self.location(self.index_path), exc,
            )
            return {}
        entries = data.get("entries") if isinstance(data, dict) else None
        return {k: v for k, v in (entries or {}).items() if isinstance(v, dict)}

    @property
    def index(self) -> dict[str, dict[str, Any]]:
        if self._index is None:
            self._index = self._load()
        return self._index

    def get(self, key: str) -> dict[str, Any] | None:
        return self.index.get(key)

    def remember(self, key: str, entry: dict[str, Any]) -> None:
        self.index[key] = entry
        self._dirty.add(key)

    def save_now_and_then(self) -> None:
        """Save at most every :data:`SAVE_EVERY_SECONDS` (each save re-reads the whole index)."""
        if time.monotonic() - self._saved_at >= SAVE_EVERY_SECONDS:
            self.save()

    def save(self) -> None:
        """Write the index when something changed (our entries win over another run's)."""
        self._saved_at = time.monotonic()
        if not self._dirty:
            return
        ours = {key: self.index[key] for key in self._dirty}
        if self.local:
            with FileLock(f"{self.index_path}.lock", timeout=LOCK_TIMEOUT):
                merged = self._load()
                merged.update(ours)
                _atomic_write(Path(self.index_path), _dump(merged))
        else:
            merged = self._load()
            merged.update(ours)
            self.fs.pipe_file(self.index_path, _dump(merged))
        self._index = merged
        self._dirty.clear()


def _dump(entries: dict[str, dict[str, Any]]) -> bytes:
    return json.dumps(
        {"version": INDEX_VERSION, "entries": entries}, sort_keys=True, indent=0
    ).encode()


def _is_local(fs: Any) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return protocol in ("file", "local")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
