"""Writes to Exact that never create a document twice.

A POST is not idempotent. Before it, the caller's ``find_existing`` looks the document up by its
external reference; when the answer of a POST is lost (dropped connection, timeout, 5xx: the
server may have applied it) the document is looked up again before the POST is repeated. The loop
is bounded by ``MAX_POST_ATTEMPTS``.

A DELETE whose answer was lost is repeated; when the repeat is answered 404, the first attempt
deleted it: that is success, not a failure.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from exact_online.errors import (
    AnswerLost,
    NotFound,
    RequestTimeout,
    ServerError,
    TransportError,
)
from exact_online.redact import redact

logger = logging.getLogger("target_exact")

MAX_POST_ATTEMPTS = 3
# Failures after which the server may have applied the POST.
AMBIGUOUS = (AnswerLost, TransportError, ServerError, RequestTimeout)


class WriteClient(Protocol):
    def post(self, path: str, body: dict[str, Any], *, division: int) -> dict[str, Any]: ...
    def put(self, path: str, key: Any, body: dict[str, Any], *, division: int) -> None: ...
    def keyed_url(self, path: str, key: Any, division: int | None) -> str: ...
    def request(
        self, method: str, path_or_url: str, *, division: int | None = None, retry: bool = True
    ) -> Any: ...


class WriteUncertain(Exception):
    """A POST whose outcome is unknown and whose document cannot be looked up."""


@dataclass
class Created:
    id: str
    created: bool  # False: an existing document was reused


class Writer:
    """POST/PUT/DELETE for one division, or JSON lines on stdout in ``dry_run``."""

    def __init__(
        self,
        client: WriteClient | None,
        division: int,
        *,
        dry_run: bool = False,
        out: TextIO | None = None,
        stream: str = "",
        lock: threading.Lock | None = None,
    ) -> None:
        self.client, self.division, self.dry_run = client, division, dry_run
        self.out = out
        self.stream = stream
        self._out_lock = lock or threading.Lock()

    def _print(self, method: str, path: str, key: Any, body: dict[str, Any] | None) -> None:
        line = {
            "type": "DRY_RUN",
            "stream": self.stream,
            "method": method,
            "path": path,
            "division": self.division,
        }
        if key is not None:
            line["key"] = str(key)
        if body is not None:
            line["body"] = body
        with self._out_lock:
            out = self.out or sys.stdout
            out.write(json.dumps(line, default=str, sort_keys=True) + "\n")
            out.flush()

    def create(
        self,
        path: str,
        body: dict[str, Any],
        key_field: str,
        find_existing: Callable[[], str | None] | None,
        *,
        check_first: bool = True,
    ) -> Created:
        """POST ``body`` unless ``find_existing`` finds the document; safe against lost answers.

        ``check_first=False`` when the caller has just looked the reference up itself (batched).
        """
        if find_existing is not None and check_first:
            existing = find_existing()
            if existing:
                return Created(existing, created=False)
        if self.dry_run:
            self._print("POST", path, None, body)
            return Created("dry-run", created=True)
        assert self.client is not None
        last: Exception | None = None
        for _attempt in range(MAX_POST_ATTEMPTS):
            try:
                answer = self.client.post(path, body, division=self.division)
            except AMBIGUOUS as exc:
                last = exc
                if find_existing is None:
                    raise WriteUncertain(
                        f"POST {path}: the answer was lost and the document has no external "
                        "reference to look it up by; not repeated to avoid a duplicate"
                    ) from exc
                existing = find_existing()
                if existing:
                    return Created(existing, created=False)
                continue
            new_id = answer.get(key_field)
            if not new_id:
                raise WriteUncertain(f"POST {path}: the answer has no {key_field}")
            return Created(str(new_id).lower(), created=True)
        raise WriteUncertain(
            f"POST {path}: no answer after {MAX_POST_ATTEMPTS} attempts and the document was not "
            f"found by its reference (last error: {last})"
        )

    def update(self, path: str, key: str, body: dict[str, Any]) -> None:
        if self.dry_run:
            self._print("PUT", path, key, body)
            return
        assert self.client is not None
        self.client.put(path, key, body, division=self.division)

    def delete(self, path: str, key: str) -> None:
        """DELETE one entity; a 404 after a lost answer means the first attempt deleted it.

        The first attempt goes without the client's retries, so that a lost answer is seen here;
        the repeat has the client's usual retries (bounded by its retry policy).
        """
        if self.dry_run:
            self._print("DELETE", path, key, None)
            return
        assert self.client is not None
        url = self.client.keyed_url(path, key, self.division)
        try:
            self.client.request("DELETE", url, division=self.division, retry=False)
            return
        except AMBIGUOUS as exc:
            applied_maybe = not (isinstance(exc, TransportError) and not exc.request_sent)
            logger.warning("DELETE %s: %s; repeating it", redact(url), type(exc).__name__)
        try:
            self.client.request("DELETE", url, division=self.division)
        except NotFound:
            if not applied_maybe:
                raise
            logger.info("DELETE %s: already gone after the lost answer; deleted", redact(url))
