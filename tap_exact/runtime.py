"""What all streams of one tap run share: settings, ONE authenticator, ONE rate limiter, the client
for side calls (current/Me, system/Divisions, SyncTimestamp, sync/Deleted), divisions, deletions,
progress. Everything is built lazily: discovery never touches the network or the token store.
"""

from __future__ import annotations

import logging
import os
from functools import cached_property
from typing import TYPE_CHECKING

from exact_online.auth import ExactOAuthAuthenticator
from exact_online.client import ExactClient
from exact_online.ratelimit import RateLimiter
from exact_online.redact import register_secret
from exact_online.token_store import FileTokenStorage, default_token_store_path
from tap_exact.deletions import DeletionLog
from tap_exact.divisions import DivisionDirectory
from tap_exact.progress import Progress, progress_interval
from tap_exact.settings import TapSettings
from tap_exact.token_seed import seed_empty_store

if TYPE_CHECKING:
    from collections.abc import Callable


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
        for secret in (settings.client_secret, settings.refresh_token, settings.access_token):
            register_secret(secret)

    @property
    def verify(self) -> bool | str:
        return self.settings.ca_file or True

    @cached_property
    def authenticator(self) -> ExactOAuthAuthenticator:
        s = self.settings
        path = s.token_store_path or str(default_token_store_path(s.client_id))
        storage = FileTokenStorage(path)
        if seed_empty_store(storage, s):
            self.logger.info("Token store was empty: seeded with the config's access token")
        return ExactOAuthAuthenticator(
            base_url=s.base_url,
            client_id=s.client_id,
            client_secret=s.client_secret,
            storage=storage,
            seed_refresh_token=s.refresh_token,
            verify=self.verify,
            timeout=s.request_timeout,
            logger=self.logger,
        )

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        return RateLimiter(daily_reserve=self.settings.daily_call_reserve)

    @cached_property
    def client(self) -> ExactClient:
        s = self.settings
        return ExactClient(
            base_url=s.base_url,
            client_id=s.client_id,
            client_secret=s.client_secret,
            response_format=s.response_format,
            daily_call_reserve=s.daily_call_reserve,
            request_timeout=s.request_timeout,
            user_agent=s.user_agent,
            ca_file=s.ca_file,
            authenticator=self.authenticator,
            rate_limiter=self.rate_limiter,
        )

    @cached_property
    def divisions(self) -> DivisionDirectory:
        return DivisionDirectory(self.client, self.settings.divisions, self.logger)

    @cached_property
    def deletions(self) -> DeletionLog:
        return DeletionLog(self.client, self._deletion_start, self.logger)

    @cached_property
    def progress(self) -> Progress:
        return Progress(self.logger, self.rate_limiter, every=progress_interval(os.environ))
