"""``exact-auth``: the first-time authorization-code flow.

It prints Exact's authorize URL, catches the redirect on a loopback port (or takes the pasted
code or redirect URL), checks ``state``, exchanges the code within its 3 minutes, writes the token
store and prints the divisions the user can reach.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.server
import json
import secrets
import sys
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from exact_online.client import ExactClient
from exact_online.errors import ExactError
from exact_online.redact import register_secret
from exact_online.settings import ConnectionSettings

DEFAULT_REDIRECT_URI = "http://127.0.0.1:8765/callback"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class AuthFlowError(Exception):
    """The user-facing failure of the flow (printed without a traceback)."""


def authorize_url(base_url: str, client_id: str, redirect_uri: str, state: str) -> str:
    query = urlencode(
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "state": state,
        }
    )
    return f"{base_url.rstrip('/')}/api/oauth2/auth?{query}"


def parse_code(text: str, state: str | None) -> str:
    """The code from a pasted redirect URL (its ``state`` checked) or a bare, URL-encoded code."""
    text = text.strip()
    if "code=" in text or text.startswith(("http://", "https://")):
        query = urlsplit(text).query if "://" in text else text.lstrip("?")
        params = parse_qs(query, keep_blank_values=True)
        if params.get("error"):
            raise AuthFlowError(f"Exact refused the authorisation: {params['error'][0]}")
        if not params.get("code"):
            raise AuthFlowError("no code= in the pasted URL")
        got_state = params.get("state", [None])[0]
        if state is not None and got_state is not None and got_state != state:
            raise AuthFlowError("the state in the redirect does not match: start again")
        code = params["code"][0]  # parse_qs already URL-decoded it
    else:
        code = unquote(text)  # the code contains "!", sent as %21
    if not code:
        raise AuthFlowError("empty authorization code")
    register_secret(code)
    return code


class _Catcher:
    """A one-shot HTTP listener on the loopback redirect URI."""

    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        self.path = parts.path or "/"
        host = "127.0.0.1" if parts.hostname in ("localhost", None) else parts.hostname
        self.result: dict[str, str] | None = None
        catcher = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != catcher.path:
                    self.send_error(404)
                    return
                params = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                if "code" in params:
                    register_secret(params["code"])
                catcher.result = params
                ok = "code" in params
                body = (
                    b"<html><body><h3>Exact Online authorised. You can close this window.</h3>"
                    if ok
                    else b"<html><body><h3>Authorisation failed; see the terminal.</h3>"
                )
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # the URL holds the code
                return

        self.server = http.server.HTTPServer((host or "127.0.0.1", parts.port or 80), Handler)
        self.port = self.server.server_address[1]
        netloc = f"{parts.netloc.rsplit(':', 1)[0]}:{self.port}"
        self.redirect_uri = f"{parts.scheme}://{netloc}{self.path}"

    def wait(self, timeout: float) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        try:
            while self.result is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AuthFlowError(f"no redirect arrived within {timeout:.0f} s")
                self.server.timeout = min(left, 1.0)
                self.server.handle_request()
        finally:
            self.server.server_close()
        return self.result


def _load_config(path: str | None) -> dict[str, Any]:
    if not path:
        raise AuthFlowError("--config FILE is required (the JSON config the tap uses)")
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise AuthFlowError(f"cannot read config {path}: {exc}") from None
    if not isinstance(data, dict):
        raise AuthFlowError(f"config {path} is not a JSON object")
    return data


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="exact-auth",
        description="Authorise this app with Exact Online once; writes the token store.",
    )
    p.add_argument("--config", required=True, help="the JSON config file the tap/target use")
    p.add_argument(
        "--redirect-uri",
        help=f"registered redirect URI (default: config redirect_uri or {DEFAULT_REDIRECT_URI}); "
        "a loopback URI is caught on its port (port 0 = any free port, sandbox only)",
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "--code",
        help="the code or the whole redirect URL, if you already have it ('-' reads stdin)",
    )
    p.add_argument("--token-store", help="token store path (default: config token_store_path)")
    p.add_argument(
        "--timeout", type=float, default=180.0, help="seconds to wait for the redirect (180)"
    )
    return p


def connection(config: dict[str, Any], path: str, token_store: str | None) -> ConnectionSettings:
    """The tap's and target's connection settings, without the config's tokens (the code grant
    starts a new chain) and with ``--token-store`` when given."""
    for key in ("client_id", "client_secret"):
        if not config.get(key):
            raise AuthFlowError(f"config {path} has no {key}")
    register_secret(str(config["client_secret"]))
    try:
        settings = ConnectionSettings.from_config(config).without_seed()
    except ValueError as exc:
        raise AuthFlowError(f"config {path}: {exc}") from None
    if token_store:
        settings = dataclasses.replace(settings, token_store_path=Path(token_store).expanduser())
    return settings


def run(args: argparse.Namespace) -> int:
    config = _load_config(args.config)
    settings = connection(config, args.config, args.token_store)
    base_url = settings.base_url
    redirect_uri = args.redirect_uri or config.get("redirect_uri") or DEFAULT_REDIRECT_URI
    state = secrets.token_urlsafe(16)
    catcher: _Catcher | None = None
    host = urlsplit(redirect_uri).hostname or ""
    if args.code is None and host in LOOPBACK_HOSTS:
        catcher = _Catcher(redirect_uri)
        redirect_uri = catcher.redirect_uri
    url = authorize_url(base_url, settings.client_id, redirect_uri, state)
    print("Open this URL in a browser and log in to Exact Online:", flush=True)
    print(url, flush=True)
    if not args.no_browser and args.code is None:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    started = time.monotonic()
    if args.code is not None:
        text = sys.stdin.readline() if args.code == "-" else args.code
        code = parse_code(text, state)
    elif catcher is not None:
        print(f"Waiting for the redirect on {redirect_uri} ...", flush=True)
        params = catcher.wait(args.timeout)
        if params.get("error"):
            raise AuthFlowError(f"Exact refused the authorisation: {params['error']}")
        if params.get("state") != state:
            raise AuthFlowError("the state in the redirect does not match: start again")
        code = params.get("code") or ""
        if not code:
            raise AuthFlowError("the redirect carried no code")
    else:
        print("Paste the URL you were redirected to (or the code):", flush=True)
        code = parse_code(sys.stdin.readline(), state)

    client = ExactClient.from_settings(settings)
    client.authenticator.exchange_code(code, redirect_uri)
    elapsed = time.monotonic() - started
    print(
        f"Tokens saved to {settings.token_store_path} ({elapsed:.0f} s after the URL was shown).",
        flush=True,
    )

    me = client.me()
    print(
        f"Logged in as {me.get('FullName') or me.get('UserName') or '?'}; "
        f"current division {me.get('CurrentDivision')}.",
        flush=True,
    )
    divisions = client.divisions(int(me["CurrentDivision"]))
    print("Divisions you can reach:", flush=True)
    for d in divisions:
        print(f"  {d.get('Code')}\t{(d.get('Description') or '').strip()}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except (AuthFlowError, ExactError, OSError) as exc:
        print(f"exact-auth: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
