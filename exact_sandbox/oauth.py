"""``/api/oauth2/auth`` and ``/api/oauth2/token`` as FACTS.md describes Exact's OAuth.

Chains of refresh tokens live in the store's SQLite file, so a restart keeps them. Each
authorization-code
grant starts a chain; every refresh rotates it (the previous token then answers "Old refresh token
used.").
"""

from __future__ import annotations

import secrets
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlencode

from .store import Store

CODE_TTL = 180.0
REFRESH_TTL = 30 * 86400.0
TOKEN_CALLS_PER_DAY = 200
TOO_EARLY_REASON = "TooEarlyToRefreshTokens: Rate limit exceeded: access_token not expired"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS oauth_refresh (token TEXT PRIMARY KEY, chain INTEGER NOT NULL,
    status TEXT NOT NULL, issued REAL NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_chain (chain INTEGER PRIMARY KEY, last_access REAL NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_access (token TEXT PRIMARY KEY, chain INTEGER NOT NULL, expires
REAL NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_code (code TEXT PRIMARY KEY, redirect_uri TEXT NOT NULL,
    expires REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS oauth_calls (day TEXT PRIMARY KEY, n INTEGER NOT NULL);
"""


@dataclass
class TokenAnswer:
    status: int
    body: dict[str, str]
    headers: dict[str, str]


def _error(
    status: int, error: str, description: str, headers: dict[str, str] | None = None
) -> TokenAnswer:
    return TokenAnswer(status, {"error": error, "error_description": description}, headers or {})


class OAuth:
    def __init__(
        self, store: Store, *, access_ttl: float = 600.0, calls_per_day: int = TOKEN_CALLS_PER_DAY
    ) -> None:
        self.store = store
        self.clock = store.clock
        self.access_ttl = float(access_ttl)
        self.calls_per_day = calls_per_day
        store.create_tables(_SCHEMA)
        if store.meta_get("client_id") is None:
            with store.transaction() as conn:
                store.meta_set("client_id", "{" + _guid() + "}", conn)
                store.meta_set("client_secret", secrets.token_urlsafe(12), conn)
                self._new_chain(conn, last_access=0.0)

    @property
    def client_id(self) -> str:
        return self.store.meta_get("client_id") or ""

    @property
    def client_secret(self) -> str:
        return self.store.meta_get("client_secret") or ""

    def seed_refresh_token(self) -> str:
        """The newest refresh token of the first chain (what --write-config hands out)."""
        row = self.store.execute(
            "SELECT token FROM oauth_refresh WHERE status = 'current' ORDER BY chain LIMIT 1"
        ).fetchone()
        return str(row[0])

    # -- authorize
    # ---------------------------------------------------------------------------------------
    def authorize(
        self, client_id: str, redirect_uri: str, response_type: str, state: str | None
    ) -> tuple[int, str]:
        """-> (status, Location or error text). Auto-approves the sandbox user."""
        if client_id.strip("{}").lower() != self.client_id.strip("{}").lower():
            return 400, "Unknown client_id"
        if response_type != "code" or not redirect_uri:
            return 400, "response_type=code and redirect_uri are required"
        code = f"stampNL001.{secrets.token_urlsafe(24)}!IAAAA{secrets.token_urlsafe(24)}"
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO oauth_code (code, redirect_uri, expires) VALUES (?, ?, ?)",
                (code, redirect_uri, self.clock.time() + CODE_TTL),
            )
        params = {"code": code}
        if state is not None:
            params["state"] = state
        sep = "&" if "?" in redirect_uri else "?"
        return 302, f"{redirect_uri}{sep}{urlencode(params)}"

    # -- token
    # ---------------------------------------------------------------------------------------------
    def token(self, form: dict[str, str]) -> TokenAnswer:
        now = self.clock.time()
        with self.store.transaction() as conn:
            day = datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%d")
            n = conn.execute(
                "INSERT INTO oauth_calls (day, n) VALUES (?, 1) ON "
                "CONFLICT(day) DO UPDATE SET n = n + 1 RETURNING n",
                (day,),
            ).fetchone()[0]
            if n > self.calls_per_day:
                return _error(
                    429, "access_denied", "Rate limit exceeded: too many token requests today"
                )
            if (form.get("client_id") or "").strip("{}").lower() != self.client_id.strip(
                "{}"
            ).lower() or (form.get("client_secret") != self.client_secret):
                return _error(400, "invalid_client", "Invalid client credentials")
            grant = form.get("grant_type")
            if grant == "authorization_code":
                return self._code_grant(conn, form, now)
            if grant == "refresh_token":
                return self._refresh_grant(conn, form.get("refresh_token") or "", now)
            return _error(400, "unsupported_grant_type", "The grant type is not supported")

    def _code_grant(
        self, conn: sqlite3.Connection, form: dict[str, str], now: float
    ) -> TokenAnswer:
        code = form.get("code") or ""
        row = conn.execute(
            "SELECT redirect_uri, expires, used FROM oauth_code WHERE code = ?", (code,)
        ).fetchone()
        if row is None or row[2] or row[1] < now:
            return _error(400, "invalid_grant", "The authorization code is invalid or expired")
        if form.get("redirect_uri") and form.get("redirect_uri") != row[0]:
            return _error(400, "invalid_grant", "The redirect_uri does not match")
        conn.execute("UPDATE oauth_code SET used = 1 WHERE code = ?", (code,))
        chain = self._new_chain(conn, last_access=now)
        refresh = conn.execute(
            "SELECT token FROM oauth_refresh WHERE chain = ? AND status = 'current'", (chain,)
        ).fetchone()[0]
        return self._issue(conn, chain, refresh, now)

    def _refresh_grant(self, conn: sqlite3.Connection, token: str, now: float) -> TokenAnswer:
        row = conn.execute(
            "SELECT chain, status, issued FROM oauth_refresh WHERE token = ?", (token,)
        ).fetchone()
        if row is None:
            return _error(400, "invalid_grant", "Invalid refresh token")
        chain, status, issued = row
        if status != "current":
            return _error(401, "unauthorized_client", "Old refresh token used.")
        if now > issued + REFRESH_TTL:
            expired = datetime.fromtimestamp(issued + REFRESH_TTL, timezone.utc).strftime(
                "%m/%d/%Y %H:%M:%S"
            )
            return _error(400, "invalid_request", f"The refresh token expired at {expired}")
        last = conn.execute(
            "SELECT last_access FROM oauth_chain WHERE chain = ?", (chain,)
        ).fetchone()[0]
        if now - last < max(self.access_ttl - 30.0, 0.0):
            return _error(
                400,
                "access_denied",
                "Rate limit exceeded: access_token not expired",
                {"Reason": TOO_EARLY_REASON},
            )
        conn.execute(
            "UPDATE oauth_refresh SET status = 'old' WHERE chain = ? AND status = 'current'",
            (chain,),
        )
        new_refresh = _token()
        conn.execute(
            "INSERT INTO oauth_refresh (token, chain, status, issued) VALUES (?, ?, 'current', ?)",
            (new_refresh, chain, now),
        )
        return self._issue(conn, chain, new_refresh, now)

    def _issue(self, conn: sqlite3.Connection, chain: int, refresh: str, now: float) -> TokenAnswer:
        access = _token()
        conn.execute(
            "INSERT INTO oauth_access (token, chain, expires) VALUES (?, ?, ?)",
            (access, chain, now + self.access_ttl),
        )
        conn.execute("DELETE FROM oauth_access WHERE expires < ?", (now - 86400,))
        conn.execute("UPDATE oauth_chain SET last_access = ? WHERE chain = ?", (now, chain))
        body = {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": str(int(self.access_ttl)),
            "refresh_token": refresh,
        }
        return TokenAnswer(200, body, {})

    def _new_chain(self, conn: sqlite3.Connection, *, last_access: float) -> int:
        chain = int(
            conn.execute("SELECT coalesce(max(chain), 0) + 1 FROM oauth_chain").fetchone()[0]
        )
        conn.execute(
            "INSERT INTO oauth_chain (chain, last_access) VALUES (?, ?)", (chain, last_access)
        )
        conn.execute(
            "INSERT INTO oauth_refresh (token, chain, status, issued) VALUES (?, ?, 'current', ?)",
            (_token(), chain, self.clock.time()),
        )
        return chain

    # -- API access
    # ----------------------------------------------------------------------------------------
    def check_access(self, authorization: str | None) -> bool:
        if not authorization or not authorization.lower().startswith("bearer "):
            return False
        token = authorization[7:].strip()
        row = self.store.execute(
            "SELECT expires FROM oauth_access WHERE token = ?", (token,)
        ).fetchone()
        return row is not None and float(row[0]) > self.clock.time()


def _token() -> str:
    return "gAAAA" + secrets.token_urlsafe(48)


def _guid() -> str:
    return str(uuid.uuid4())
