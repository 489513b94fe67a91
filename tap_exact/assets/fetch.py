"""Fetching one asset through the shared client, at most once.

Downloads go through ``ExactClient.request``: the run's token, the division's rate limiter (each
download counts against the division's limits like any call, reference/FACTS.md), the retry
schedule, and the rule that only Exact's own host gets our token. An asset already in the index
for the same URL and the same row ``Modified`` is not asked for at all; one whose row changed is
asked for with ``If-None-Match``/``If-Modified-Since``, and a 304 keeps the stored file.

What is wrong with one asset is an :class:`AssetProblem` (the stream logs a warning with entity
and key and goes on); what is wrong with the run (daily limit, authorisation, a division answering
403) is raised on.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from exact_online.client import ExactClient
from exact_online.errors import (
    AuthError,
    ExactAPIError,
    ExactError,
    NotFound,
    TransportError,
)
from tap_exact.assets.images import BrokenImage, inspect, thumbnail
from tap_exact.assets.sources import Link
from tap_exact.assets.store import AssetStore

UNREACHABLE = 403  # the division's, handled by the division guard like any stream's 403


class AssetProblem(Exception):
    """This asset could not be stored. ``status``: missing (404) or broken; ``retry``: worth
    asking again next run (a transient failure), not for a 404 or a wrong answer."""

    def __init__(self, status: str, reason: str, *, retry: bool = False) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry = retry


@dataclass
class Stored:
    sha256: str
    path: str
    content_type: str
    size: int
    width: int | None = None
    height: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    source_modified: str | None = None
    generated: bool = False

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> Stored:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in entry.items() if k in names})


class Fetcher:
    def __init__(self, client: ExactClient, store: AssetStore) -> None:
        self._client = client
        self.store = store

    def calls(self, division: int) -> int:
        return int(self._client.api_calls[division])

    def fetch(self, link: Link, url: str, division: int, modified: str | None) -> Stored:
        """The stored asset behind ``url`` (``modified``: the row's Modified, ISO, or None)."""
        cached = self.store.get(url)
        if cached is not None and self.store.exists(str(cached.get("path"))):
            # Attachments have no Modified: their URL names one immutable file.
            if cached.get("source_modified") == modified:
                return Stored.from_entry(cached)
        else:
            cached = None
        response = self._get(link, url, division, cached)
        if response.status_code == 304 and cached is not None:
            cached = {**cached, "source_modified": modified}
            self.store.remember(url, cached)
            return Stored.from_entry(cached)
        stored = self._keep(link, response, modified)
        self.store.remember(url, asdict(stored))
        return stored

    def _get(
        self, link: Link, url: str, division: int, cached: dict[str, Any] | None
    ) -> Any:
        headers = {"Accept": "*/*"}
        if cached is not None and cached.get("etag"):
            headers["If-None-Match"] = str(cached["etag"])
        elif cached is not None and cached.get("last_modified"):
            headers["If-Modified-Since"] = str(cached["last_modified"])
        if link.download_param and "download=1" not in url.lower():
            url = f"{url}{'&' if '?' in url else '?'}Download=1"
        try:
            return self._client.request("GET", url, division=division, headers=headers)
        except NotFound:
            raise AssetProblem("missing", "Exact answered 404 (no such file)") from None
        except AuthError:
            raise  # the token chain is refused: the run stops, as for any call
        except ExactAPIError as exc:
            if exc.status == UNREACHABLE:
                raise
            if exc.status < 500 and exc.status not in (408, 429):
                raise AssetProblem("broken", f"Exact answered HTTP {exc.status}") from None
            raise AssetProblem("broken", str(exc), retry=True) from None
        except TransportError as exc:
            raise AssetProblem("broken", str(exc), retry=True) from None
        except ExactError as exc:
            if type(exc) is not ExactError:
                raise  # daily limit, authorisation: the run's, not this asset's
            raise AssetProblem("broken", str(exc)) from None  # e.g. a link to another host

    def _keep(self, link: Link, response: Any, modified: str | None) -> Stored:
        data = response.content or b""
        ctype = (response.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if response.status_code != 200 or not data:
            raise AssetProblem("broken", f"HTTP {response.status_code} with no file", retry=True)
        if link.image and not ctype.startswith("image/"):
            raise AssetProblem("broken", f"Content-Type {ctype or '(none)'!r}, not an image")
        if not link.image and ctype == "text/html":
            raise AssetProblem("broken", "an HTML page instead of the file")
        info = None
        if link.image:
            try:
                info = inspect(data)
            except BrokenImage as exc:
                raise AssetProblem("broken", str(exc), retry=True) from None
        sha = hashlib.sha256(data).hexdigest()
        path = self.store.put(sha, ctype or "application/octet-stream", data)
        return Stored(
            sha256=sha,
            path=path,
            content_type=ctype or "application/octet-stream",
            size=len(data),
            width=info.width if info else None,
            height=info.height if info else None,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            source_modified=modified,
        )

    def thumbnail_of(self, image: Stored, size: int) -> Stored:
        """Our own thumbnail of a stored image, made once per image and size."""
        key = f"thumbnail:{size}:{image.sha256}"
        cached = self.store.get(key)
        if cached is not None and self.store.exists(str(cached.get("path"))):
            return Stored.from_entry(cached)
        try:
            data, info = thumbnail(self.store.read(image.path), size)
        except (OSError, ValueError) as exc:
            raise AssetProblem("broken", f"cannot make a thumbnail ({exc})") from None
        sha = hashlib.sha256(data).hexdigest()
        stored = Stored(
            sha256=sha,
            path=self.store.put(sha, "image/png", data),
            content_type="image/png",
            size=len(data),
            width=info.width,
            height=info.height,
            source_modified=image.source_modified,
            generated=True,
        )
        self.store.remember(key, asdict(stored))
        return stored
