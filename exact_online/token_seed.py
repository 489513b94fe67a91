"""Seed an EMPTY token store from the config's token pair (``access_token`` + ``expires_in`` +
``refresh_token``, as HotGlue writes them), so the first call uses that access token instead of
refreshing needlessly. Used by tap-exact and target-exact alike (``ExactClient.from_settings``).

Exact refuses a refresh within ~570 s of the last one, and every refresh rotates the refresh token:
a needless refresh right after HotGlue's own is at best a wasted token call, at worst refused.
Once the store has tokens it wins; the config is never read for tokens again (nor written).
A config with only ``refresh_token`` seeds the store at the first refresh (``auth.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from exact_online.settings import ConnectionSettings
from exact_online.token_sibling import warn_if_newer_chain_elsewhere
from exact_online.token_store import TokenSet, TokenStorage

# HotGlue writes expires_in as an absolute epoch (issue time + lifetime); Exact's token answer has
# it relative ("600"). Anything this large is an epoch.
EPOCH_THRESHOLD = 1_000_000_000


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
        expires_at = now + timedelta(seconds=value)
    return TokenSet(
        access_token=settings.access_token,
        refresh_token=settings.refresh_token,
        expires_at=expires_at,
        issued_at=None,
    )


def seed_empty_store(storage: TokenStorage, settings: ConnectionSettings) -> bool:
    """Save the config's tokens when the store is empty; True when it did."""
    tokens = configured_tokens(settings)
    if tokens is None:
        return False
    # Look before locking: a read-only store that already holds tokens must not need write access.
    if storage.get() is not None:
        return False
    with storage.lock():
        if storage.get() is not None:
            return False
        warn_if_newer_chain_elsewhere(storage, settings.client_id, tokens.refresh_token)
        storage.save(tokens)
    return True
