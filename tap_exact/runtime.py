"""What all streams of one tap run share: settings, and ONE client built from the connection
settings — its authenticator (over ONE token store), rate limiter, retry policy and session serve
the streams' requests too — plus divisions, deletions and progress. Everything is built lazily:
discovery never touches the network or the token store.
"""

from __future__ import annotations

import logging
import os
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

import requests

from exact_online.auth import ExactOAuthAuthenticator
from exact_online.client import ExactClient
from exact_online.ratelimit import RateLimiter
from exact_online.redact import register_secret
from exact_online.retry import RetryPolicy
from exact_online.settings import ConnectionSettings
from tap_exact.deletions import DeletionLog
from tap_exact.divisions import DivisionDirectory
from tap_exact.parallel import DivisionReaders, SyncTimestamps
from tap_exact.progress import Progress, progress_interval
from tap_exact.settings import TapSettings

if TYPE_CHECKING:
    from collections.abc import Callable


class RuntimeSource(Protocol):
    """What streams need of the tap: the run's one runtime (the tap builds it lazily), and the
    run's start (the SDK's ``initialized_at``, epoch ms) for the Modified lookback."""

    initialized_at: int

    @property
    def runtime(self) -> TapRuntime: ...


class TapRuntime:
    def __init__(
        self,
        settings: TapSettings,
        logger: logging.Logger,
        deletion_start: Callable[[int], int | None],
    ) -> None:
        self.settings = settings
        self.logger = logger
        self._deletion_start = deletion_start
        c = settings.connection
        for secret in (c.client_secret, c.refresh_token, c.access_token):
            register_secret(secret)

    @property
    def connection(self) -> ConnectionSettings:
        return self.settings.connection

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        # Built apart from the client so that progress reports never touch the token store.
        return self.connection.rate_limiter()

    @cached_property
    def client(self) -> ExactClient:
        return ExactClient.from_settings(
            self.connection, rate_limiter=self.rate_limiter, logger=self.logger
        )

    @property
    def authenticator(self) -> ExactOAuthAuthenticator:
        return self.client.authenticator

    @property
    def retry_policy(self) -> RetryPolicy:
        return self.client.retry_policy

    @property
    def session(self) -> requests.Session:
        """The client's session (our adapter, TLS verification, User-Agent): streams use it too."""
        return self.client.session

    @cached_property
    def divisions(self) -> DivisionDirectory:
        return DivisionDirectory(self.client, self.settings.divisions, self.logger)

    @cached_property
    def deletions(self) -> DeletionLog:
        return DeletionLog(self.client, self._deletion_start, self.logger)

    @cached_property
    def parallel(self) -> DivisionReaders:
        """Readers of the divisions still to come in the running stream (parallel.py)."""
        return DivisionReaders(
            lambda: self.client,
            progress=lambda: self.progress,
            skipped=self.divisions.skipped,
            limit=self.settings.max_parallel_divisions,
            logger=self.logger,
        )

    @cached_property
    def sync_timestamps(self) -> SyncTimestamps:
        return SyncTimestamps(lambda: self.client)

    @cached_property
    def progress(self) -> Progress:
        return Progress(self.logger, self.rate_limiter, every=progress_interval(os.environ))
