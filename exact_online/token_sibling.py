"""A warning before an EMPTY token store is seeded from the config's refresh token while the default
store of the same client id (``~/.config/exact-online/tokens-<client_id>.json``) already holds a
newer chain.

Exact rotates the refresh token on every refresh: the config's one is then usually spent already
(the first refresh of the new store fails with ``OldRefreshTokenUsed``), or it is the other store's
current one and spending it here breaks that store's chain. Either way a person should point
``token_store_path`` at the store that holds the chain. The other store is only read (its JSON, not
through :class:`FileTokenStorage`, which could move recovery files): nothing of it is touched.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from exact_online.token_store import TokenSet, TokenStorage, default_token_store_path

logger = logging.getLogger(__name__)


def _other_chain(path: Path) -> TokenSet | None:
    try:
        return TokenSet.from_json(json.loads(path.read_bytes()))
    except (OSError, ValueError, TypeError):
        return None  # missing, unreadable or not a token pair: nothing to warn about


def warn_if_newer_chain_elsewhere(
    storage: TokenStorage,
    client_id: str | None,
    refresh_token: str | None,
    log: logging.Logger | None = None,
) -> bool:
    """Warn (and return True) when ``storage``, about to be seeded from the config's
    ``refresh_token``, is not the default store of ``client_id`` and that store holds a newer
    chain: one Exact issued (a refresh happened there) or the very same refresh token."""
    if not client_id or not refresh_token:
        return False
    default = default_token_store_path(client_id)
    own = getattr(storage, "real_path", None)
    if own is not None and Path(os.path.realpath(default)) == Path(own):
        return False
    other = _other_chain(default)
    if other is None:
        return False
    if other.issued_at is None and other.refresh_token != refresh_token:
        return False  # seeded from another config, never refreshed: not this chain
    when = other.issued_at.isoformat() if other.issued_at else "not refreshed yet"
    (log or logger).warning(
        "Token store %s is empty and is about to spend the config's refresh_token, but %s (the "
        "default store for client id %s) holds a newer token chain (issued %s). Spending it here "
        "breaks one of the two chains (OldRefreshTokenUsed): point token_store_path at %s, or "
        "remove the config's refresh_token.",
        getattr(storage, "path", storage),
        default,
        client_id,
        when,
        default,
    )
    return True
