"""Quiet logs: the SDK lines a run of many streams repeats, dropped while the run lasts.

singer-sdk 0.54 logs, for every stream of the catalog, "Skipping deselected stream" (hundreds of
lines with Meltano's catalog), per partition "Starting incremental sync ... bookmark value" and
"Pagination stopped after N pages" (the page count excludes the last, empty page, so it
contradicts our own line), and a warning "Stream is assumed to be unsorted" for every
Modified-bookmark stream, whose unsorted reading is intended (streams.py, ModifiedStream). None of
them has a switch, so :class:`QuietSdkFilter`, a plain ``logging.Filter`` on the SDK's and our
loggers, drops them; the tap names the deselected streams in one line (:func:`deselected_line`).
Our own per-partition line (progress.py) says rows, calls, pages, rate and budget left.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

_DROPPED_PREFIXES = (
    "Skipping deselected stream",
    "Starting incremental sync of",
    "Pagination stopped after",
    "Stream is assumed to be unsorted",
)
# The SDK's helpers log the unsorted warning on this logger (public name, private module).
SDK_LOGGER = "singer_sdk"


class QuietSdkFilter(logging.Filter):
    """Drops the SDK's repeated lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_DROPPED_PREFIXES)


class QuietLogs:
    """Installs one :class:`QuietSdkFilter` on the given loggers for the length of a run."""

    def __init__(self, loggers: Iterable[logging.Logger]) -> None:
        self.filter = QuietSdkFilter()
        self._loggers = [*loggers, logging.getLogger(SDK_LOGGER)]

    def __enter__(self) -> QuietSdkFilter:
        for logger in self._loggers:
            logger.addFilter(self.filter)
        return self.filter

    def __exit__(self, *exc: object) -> None:
        for logger in self._loggers:
            logger.removeFilter(self.filter)


def deselected_line(names: list[str], shown: int = 5) -> str:
    """One line for every stream the catalog left out: the count and the first few names."""
    head = ", ".join(sorted(names)[:shown])
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"{len(names)} streams not selected in the catalog, not read: {head}{more}"
