"""A small scripted HTTP server on 127.0.0.1:0 for answers the sandbox cannot easily give
(DST dates, invalid XML characters, next links on other paths, 429 variants, error bodies).

Each path has a queue of replies; every request is recorded (method, raw path with query, headers,
body). A reply with ``drop=True`` closes the connection without answering.
"""

from __future__ import annotations

import http.server
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from exact_online.async_client import AsyncExactClient
from exact_online.client import ExactClient
from exact_online.ratelimit import RateLimiter
from exact_online.retry import RetryPolicy
from exact_online.token_store import MemoryTokenStorage, TokenSet

ACCESS = "local-access-token-0123456789"
REFRESH = "local-refresh-token-0123456789"
SECRET = "local-client-secret-0123456789"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass
class Seen:
    method: str
    raw_path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    def __init__(self) -> None:
        self.routes: dict[str, deque[Reply]] = {}
        self.requests: list[Seen] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append(Seen(self.command, self.path, dict(self.headers), body))
                queue = server.routes.get(urlsplit(self.path).path)
                if not queue:
                    reply = Reply(404, b'{"error":{"message":{"value":"no route"}}}')
                else:
                    reply = queue[0] if len(queue) == 1 else queue.popleft()
                if reply.drop:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def add(self, path: str, *replies: Reply) -> None:
        self.routes.setdefault(path, deque()).extend(replies)

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class SleepRecorder:
    """Stands in for time.sleep: records the waits instead of spending them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(server: ScriptedServer, **kwargs: object) -> ExactClient:
    now = datetime.now(timezone.utc)
    storage = MemoryTokenStorage(TokenSet(ACCESS, REFRESH, now + timedelta(hours=1), now))
    sleeps = SleepRecorder()
    defaults: dict[str, object] = {
        "base_url": server.url,
        "client_id": "local-client",
        "client_secret": SECRET,
        "token_storage": storage,
        "rate_limiter": RateLimiter(sleep=sleeps, daily_reserve=int(kwargs.pop("reserve", 0))),  # type: ignore[call-overload]
        "retry_policy": RetryPolicy(max_retries=3, base=0.01, cap=0.05, sleep=sleeps),
    }
    defaults.update(kwargs)
    client = ExactClient(**defaults)  # type: ignore[arg-type]
    client.sleeps = sleeps  # type: ignore[attr-defined]
    return client


def make_async_client(server: ScriptedServer, **kwargs: object) -> AsyncExactClient:
    """``make_client``'s twin: the same store, limiter and retry schedule; waits are recorded."""
    sync = make_client(server, **kwargs)
    sleeps: SleepRecorder = sync.sleeps  # type: ignore[attr-defined]

    async def record(seconds: float) -> None:
        sleeps(seconds)

    sync.close()
    client = AsyncExactClient(
        base_url=sync.base_url,
        client_id="local-client",
        client_secret=SECRET,
        token_storage=sync.token_storage,
        response_format=sync.response_format,
        authenticator=sync.authenticator,
        rate_limiter=sync.rate_limiter,
        retry_policy=sync.retry_policy,
        sleep=record,
    )
    client.sleeps = sleeps  # type: ignore[attr-defined]
    return client
