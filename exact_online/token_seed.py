"""Start-up: the store and the config's token pair are reconciled; the NEWER pair wins.

The config may carry ``access_token`` + ``expires_in`` + ``refresh_token`` (HotGlue's keys; the
tap and target write them back there too, see :mod:`exact_online.config_tokens`). The rule
(:func:`~exact_online.config_tokens.config_is_newer`, documented in docs/authorisation.md):

- empty store → the config's pair seeds it (a fresh container), so a token minted moments ago is
  used, not refreshed: Exact refuses a refresh within ~570 s of the last one, and every refresh
  rotates the refresh token;
- both hold pairs → the later expiry wins (an ``expires_in`` that is not an epoch has no known age:
  then the store wins);
- the store is newer and rotations are written back to the config file → the config file is
  brought up to date now (its last write failed, or it was restored from an older copy).

A config with only ``refresh_token`` seeds an empty store at the first refresh (``auth.py``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from exact_online.config_tokens import EPOCH_THRESHOLD, ConfigFileMirror, config_is_newer
from exact_online.errors import TokenStoreError, TokenStoreNotWritable
from exact_online.settings import ConnectionSettings
from exact_online.token_sibling import warn_if_newer_chain_elsewhere
from exact_online.token_store import TokenSet, TokenStorage

logger = logging.getLogger("exact_online.token_seed")


def configured_tokens(
    settings: ConnectionSettings, now: datetime | None = None
) -> TokenSet | None:
    """The config's token pair, or None when the config does not hold a usable one."""
    if not settings.access_token or not settings.refresh_token or settings.expires_in is None:
        return None
    now = now or datetime.now(timezone.utc)
    value = settings.expires_in
    if value >= EPOCH_THRESHOLD:
        expires_at = datetime.fromtimestamp(value, timezone.utc)
    else:
        # Relative: the issue time is unknown, so count from now; a token that is in fact older
        # gets a 401, after which the authenticator refreshes once.
        expires_at = datetime.fromtimestamp(now.timestamp() + value, timezone.utc)
    return TokenSet(
        access_token=settings.access_token,
        refresh_token=settings.refresh_token,
        expires_at=expires_at,
        issued_at=None,
    )


def _dated(settings: ConnectionSettings) -> bool:
    return settings.expires_in is not None and settings.expires_in >= EPOCH_THRESHOLD


def reconcile(
    storage: TokenStorage, settings: ConnectionSettings, log: logging.Logger | None = None
) -> str | None:
    """Apply the start-up rule; what was done ("seeded", "config newer", "config updated") or
    None."""
    log = log or logger
    store = storage.store if isinstance(storage, ConfigFileMirror) else storage
    pair = configured_tokens(settings)
    dated = _dated(settings)
    mirror = storage if isinstance(storage, ConfigFileMirror) else None
    if pair is None and (mirror is None or settings.refresh_token is not None):
        return None  # nothing to compare: the store is first read when a request needs it
    # Look before locking: a read-only store that already wins must not need write access.
    stored = store.get()
    if pair is not None and config_is_newer(pair, stored, dated=dated):
        try:
            with store.lock():
                stored = store.get()
                if not config_is_newer(pair, stored, dated=dated):
                    return None
                if stored is None:
                    warn_if_newer_chain_elsewhere(store, settings.client_id, pair.refresh_token)
                store.save(pair)
        except TokenStoreNotWritable as exc:
            if mirror is None:
                raise
            # The mirror answers the config's newer pair anyway; a refresh will need the store.
            log.warning("%s", exc)
            return "config newer"
        if stored is None:
            log.info("Token store was empty: seeded with the config's access token")
            return "seeded"
        log.info("The config holds a newer token pair than the token store: using the config's")
        return "config newer"
    if mirror is not None and stored is not None:
        if _store_is_newer(stored, pair, settings, dated):
            try:
                with mirror.lock():
                    written = mirror.write_config(stored)
            except TokenStoreError as exc:
                log.debug("config file not brought up to date: %s", exc)
                return None
            if written:
                log.info("Config file %s brought up to date with the token store", mirror.path)
                return "config updated"
    return None


def _store_is_newer(
    stored: TokenSet, pair: TokenSet | None, settings: ConnectionSettings, dated: bool
) -> bool:
    if settings.refresh_token is None:
        return True  # write_tokens_to_config: always, and the config has no tokens yet
    if stored.refresh_token == settings.refresh_token:
        return False
    # A different refresh token of unknown age in the config is left alone (the user may have
    # pasted it); rotations overwrite it anyway.
    return pair is not None and dated
