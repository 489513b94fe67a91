"""``exact-sandbox serve|stats``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import ssl
import sys
import tempfile
from pathlib import Path
from typing import Any

from .extra import missing_extra_message
from .store import Store

log = logging.getLogger("exact_sandbox")
DB_NAME = "sandbox.db"
FIRST_DIVISION = 3001001


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="exact-sandbox", description="A local Exact Online for tests and demos."
    )
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the sandbox")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0, help="0 picks a free port")
    s.add_argument(
        "--data", required=True, help="data directory (SQLite file, tokens, certificate)"
    )
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--divisions", type=int, default=2)
    s.add_argument("--scale", choices=("small", "medium", "large"), default="small")
    s.add_argument("--write-config", help="write a tap/target config JSON here")
    s.add_argument("--tls", action="store_true", help="serve https with a self-signed certificate")
    s.add_argument(
        "--no-rate-limits", action="store_true", help="do not enforce limits (headers still sent)"
    )
    s.add_argument("--minutely-limit", type=int, default=60)
    s.add_argument("--daily-limit", type=int, default=5000)
    s.add_argument(
        "--minute-seconds", type=float, default=60.0,
        help="length of the minutely window (Exact: 60); benchmarks shrink it",
    )
    s.add_argument("--token-calls-per-day", type=int, default=200)
    s.add_argument("--access-token-ttl", type=float, default=600.0, help="seconds (Exact: 600)")
    s.add_argument("--faults", default="", help="fault SPEC, see docs/sandbox.md 'Fault injection'")
    s.add_argument("--log-level", default="WARNING")
    st = sub.add_parser("stats", help="print row counts as JSON")
    st.add_argument("--data", required=True)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "stats":
        db = Path(args.data) / DB_NAME
        if not db.exists():
            print(f"exact-sandbox: no sandbox data in {args.data}", file=sys.stderr)
            return 2
        print(json.dumps(Store(db).stats(), indent=2, sort_keys=True))
        return 0
    missing = missing_extra_message()
    if missing:
        print(missing, file=sys.stderr)
        return 2
    return serve(args)


def seed_company(store: Store, *, divisions: int, seed: int, scale: str) -> None:
    numbers = [FIRST_DIVISION + i for i in range(divisions)]
    for i, number in enumerate(numbers):
        store.create_division(
            number, code=f"DEMO{i + 1}", description=f"Sandbox demo company {i + 1}"
        )
    try:
        from . import company  # written separately; optional until it exists
    except ImportError:
        log.warning("exact_sandbox.company is not available: the divisions have no demo rows")
        return
    company.generate(store, divisions=numbers, seed=seed, scale=scale)


def _tls_context(data: Path) -> tuple[ssl.SSLContext, Path]:
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca_file = data / "ca.pem"
    _atomic_write(ca_file, ca.cert_pem.bytes())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    return ctx, ca_file


def _atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def serve(args: Any) -> int:
    from werkzeug.serving import make_server

    from .app import Sandbox
    from .clock import dated_request_handler

    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.WARNING), stream=sys.stderr
    )
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    store = Store(data / DB_NAME)
    if store.is_empty():
        seed_company(store, divisions=args.divisions, seed=args.seed, scale=args.scale)
    sandbox = Sandbox(
        store,
        access_token_ttl=args.access_token_ttl,
        rate_limits=not args.no_rate_limits,
        minutely_limit=args.minutely_limit,
        daily_limit=args.daily_limit,
        token_calls_per_day=args.token_calls_per_day,
        seed=args.seed,
        minute_seconds=args.minute_seconds,
    )
    if args.faults:
        sandbox.faults.configure_spec(args.faults)
    ssl_context = None
    ca_file = None
    if args.tls:
        ssl_context, ca_file = _tls_context(data)
    server = make_server(
        args.host,
        args.port,
        sandbox,
        threaded=True,
        ssl_context=ssl_context,
        request_handler=dated_request_handler(sandbox.clock),
    )
    scheme = "https" if args.tls else "http"
    base_url = f"{scheme}://{args.host}:{server.server_port}"
    sandbox.base_url = base_url
    if args.write_config:
        config_path = Path(args.write_config)
        config: dict[str, Any] = {
            "base_url": base_url,
            "client_id": sandbox.oauth.client_id,
            "client_secret": sandbox.oauth.client_secret,
            "refresh_token": sandbox.oauth.seed_refresh_token(),
            "divisions": store.divisions(),
            "token_store_path": str(
                (config_path.parent / f"tokens-{config_path.stem}.json").resolve()
            ),
        }
        if ca_file is not None:
            config["ca_file"] = str(ca_file.resolve())
        _atomic_write(config_path, json.dumps(config, indent=2).encode())
    print(f"exact-sandbox listening on {base_url}", flush=True)
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sandbox.limits.flush()  # a restart continues the day's budget
    return 0


def _stop(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    raise SystemExit(main())
