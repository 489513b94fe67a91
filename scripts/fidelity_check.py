#!/usr/bin/env python3
"""Fidelity proof for exact-sandbox (issue #3, item 9).

Installs Exact Online clients that other people wrote against the real API into throwaway
venvs (Python 3.10, as their pins require), starts ``exact-sandbox serve --tls``, and runs each
client against it with configuration only -- no patches to their code. Each client's row counts
are compared with what the sandbox holds (``/_sandbox/stats``).

    python -m scripts.fidelity_check [--work DIR] [--clients exactonline,tap-exact,tap-exactonline]
                                     [--python /path/to/python3.10] [--json-out FILE]

Run from the repository root: the venv setup is shared with the benchmarks (benchmarks/peers.py).

Exit codes: 0 every check passed, 1 some check failed, 3 PyPI (the clients) unreachable.
What each client needed is printed and recorded in docs/fidelity.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from benchmarks.peers import find_python310, peer_env, peer_venv
from exact_online.redact import redact, register_secret
from exact_sandbox.testing import SandboxServer

HERE = Path(__file__).resolve().parent
PROBES = HERE / "fidelity_probes"
REDIRECT_URI = "https://example.com/exact-callback"
PYPI_UNREACHABLE = 3

# client -> pip requirements for its venv
PACKAGES: dict[str, tuple[str, ...]] = {
    "exactonline": ("exactonline==0.4.0",),
    "tap-exact": ("tap-exact==0.7.1",),
    "tap-exactonline": ("tap-exactonline==0.2.24",),
}
# tap-exactonline keeps its tokens in AWS Secrets Manager: moto's server stands in for it on
# loopback, in its own venv (its dependencies do not resolve together with singer-sdk 0.7's).
MOTO = ("moto[server]==5.2.5",)


@dataclass
class Check:
    name: str
    expected: int
    got: int | str

    @property
    def ok(self) -> bool:
        return self.got == self.expected


@dataclass
class ClientResult:
    client: str
    needed: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.checks) and all(c.ok for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "ok": self.ok,
            "needed": self.needed,
            "error": self.error,
            "checks": [
                {"name": c.name, "expected": c.expected, "got": c.got, "ok": c.ok}
                for c in self.checks
            ],
        }


# ---- the sandbox ------------------------------------------------------------------------------


class Sandbox:
    """``exact-sandbox serve --tls`` on an ephemeral loopback port, with fresh data each run."""

    def __init__(self, work: Path) -> None:
        self.server = SandboxServer(
            work, seed=1, divisions=2, scale="small", tls=True, no_rate_limits=True
        )
        self.config: dict[str, Any] = {}

    def __enter__(self) -> Sandbox:
        if self.server.data_dir.exists():
            shutil.rmtree(self.server.data_dir)
        self.server.start()
        self.config = self.server.config
        register_secret(self.config.get("client_secret"))
        register_secret(self.config.get("refresh_token"))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.__exit__(exc_type, exc, tb)

    @property
    def base_url(self) -> str:
        return str(self.config["base_url"])

    @property
    def ca_file(self) -> str:
        return str(self.config["ca_file"])

    @property
    def divisions(self) -> list[int]:
        return [int(d) for d in self.config["divisions"]]

    def _opener(self) -> urllib.request.OpenerDirector:
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        ctx = ssl.create_default_context(cafile=self.ca_file)
        return urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=ctx))

    def stats(self) -> dict[str, dict[str, int]]:
        with self._opener().open(f"{self.base_url}/_sandbox/stats", timeout=60) as r:
            data: dict[str, dict[str, int]] = json.load(r)
        return data

    def authorize(self) -> str:
        """What a person does in the browser: consent, then the redirect carries the code."""
        query = urllib.parse.urlencode(
            {
                "client_id": self.config["client_id"],
                "redirect_uri": REDIRECT_URI,
                "response_type": "code",
                "state": "fidelity",
            }
        )
        try:
            self._opener().open(f"{self.base_url}/api/oauth2/auth?{query}", timeout=60)
        except urllib.error.HTTPError as redirect:
            location = redirect.headers.get("Location", "")
        else:
            raise RuntimeError("authorize did not redirect")
        return urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]

    def exchange(self, code: str) -> dict[str, Any]:
        """The one-time code -> token pair step a client's setup tool performs."""
        body = urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "client_id": self.config["client_id"],
                "client_secret": self.config["client_secret"],
            }
        ).encode()
        with self._opener().open(f"{self.base_url}/api/oauth2/token", data=body, timeout=60) as r:
            tokens: dict[str, Any] = json.load(r)
        register_secret(tokens.get("access_token"))
        register_secret(tokens.get("refresh_token"))
        return tokens


# ---- venvs ------------------------------------------------------------------------------------


def pypi_reachable(python: str, work: Path) -> bool:
    """Can pip fetch one of the clients? (Uses pip's own index configuration.)"""
    dl = work / "pypi-probe"
    dl.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [python, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dl), "exactonline==0.4.0"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return proc.returncode == 0


def venv(python: str, work: Path, client: str) -> Path:
    """A venv with the client's pinned packages (reused when already built with the same pins)."""
    packages = MOTO if client == "moto" else PACKAGES[client]
    log = work / "venvs" / f"{client}.pip.log"
    return peer_venv(work / "venvs" / client, packages, python=python, log=log)


def client_env(sb: Sandbox, **extra: str) -> dict[str, str]:
    """Trust the sandbox's CA through the standard variables (urllib/OpenSSL and requests)."""
    env = {k: v for k, v in peer_env().items() if not k.startswith("AWS_")}
    env.update({"SSL_CERT_FILE": sb.ca_file, "REQUESTS_CA_BUNDLE": sb.ca_file, **extra})
    return env


def ini_file(path: Path, sb: Sandbox, *, division: int, tokens: dict[str, Any] | None) -> Path:
    """The ``exactonline`` library's INI storage, pointed at the sandbox via its [server] keys."""
    base = sb.base_url
    lines = [
        "[server]",
        f"auth_url = {base}/api/oauth2/auth",
        f"rest_url = {base}/api",
        f"token_url = {base}/api/oauth2/token",
        "[application]",
        f"base_url = {REDIRECT_URI}",
        f"client_id = {sb.config['client_id']}",
        f"client_secret = {sb.config['client_secret']}",
        "iteration_limit = 1000",
        "[transient]",
        f"division = {division}",
    ]
    if tokens:
        lines += [
            f"access_token = {tokens['access_token']}",
            f"access_expiry = {int(time.time()) + int(tokens['expires_in'])}",
            f"refresh_token = {tokens['refresh_token']}",
        ]
    path.write_text("\n".join(line.replace("%", "%%") for line in lines) + "\n")
    path.chmod(0o600)
    return path


def count_records(singer_out: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in singer_out.splitlines():
        if not line.startswith("{"):
            continue
        msg = json.loads(line)
        if msg.get("type") == "RECORD":
            counts[msg["stream"]] = counts.get(msg["stream"], 0) + 1
    return counts


def last_error(stderr: str) -> str:
    """The failing request, the answer's status and its error body (redacted), for the report."""
    lines = [redact(ln.strip()) for ln in stderr.splitlines() if ln.strip()]
    request = [ln for ln in lines if ln.startswith(("GET http", "POST http"))]
    status = [ln for ln in lines if ln.startswith("<RESP>")]
    body = [ln for ln in lines if ln.startswith('{"error')]
    if request or status or body:
        parts = [x[-1][:limit] for x, limit in ((status, 60), (body, 400), (request, 240)) if x]
        return " | ".join(parts)
    return (lines[-1] if lines else "no output")[:400]


def run_tap_per_stream(
    tap: Path,
    *,
    config: Path,
    work: Path,
    env: dict[str, str],
    streams: dict[str, int],
    state: dict[str, Any],
) -> list[Check]:
    """One tap run per stream (a failing stream does not hide the others)."""
    discovered = subprocess.run(
        [str(tap), "--config", str(config), "--discover"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=True,
    )
    catalog = json.loads(discovered.stdout)
    state_path = work / "state.json"
    state_path.write_text(json.dumps(state))
    checks = []
    for stream, expected in streams.items():
        for entry in catalog["streams"]:
            for md in entry["metadata"]:
                if md["breadcrumb"] == []:
                    md["metadata"]["selected"] = entry["tap_stream_id"] == stream
        cat_path = work / "catalog.json"
        cat_path.write_text(json.dumps(catalog))
        proc = subprocess.run(
            [
                str(tap),
                "--config",
                str(config),
                "--catalog",
                str(cat_path),
                "--state",
                str(state_path),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
            check=False,
        )
        got: int | str = count_records(proc.stdout).get(stream, 0)
        if proc.returncode != 0:
            got = f"error: {last_error(proc.stderr)}"
        checks.append(Check(stream, expected, got))
    return checks


# ---- the clients ------------------------------------------------------------------------------


def check_exactonline(
    sb: Sandbox, env_dir: Path, work: Path, stats: dict, make_venv: Callable[[str], Path]
) -> ClientResult:
    res = ClientResult("exactonline")
    res.needed = [
        "INI [server] rest_url/auth_url/token_url pointing at the sandbox (documented keys)",
        "https only (opt_secure): sandbox --tls, CA trusted via SSL_CERT_FILE",
        "an authorization code from the consent redirect; the library's request_token() "
        "exchanged it",
        "resource URLs percent-encoded by the caller (the library sends them as given)",
    ]
    d1, d2 = sb.divisions
    s1, s2 = stats[str(d1)], stats[str(d2)]
    sync = "$filter=Timestamp%20gt%201L"
    orders = "sync/PurchaseOrder/PurchaseOrders"
    queries: dict[str, tuple[dict[str, Any], int]] = {
        "current/Me": ({"kind": "rest", "resource": "v1/current/Me"}, 1),
        f"{d1} sync/Logistics/Items": (
            {"kind": "rest", "resource": f"v1/{d1}/sync/Logistics/Items?$select=ID,Code&{sync}"},
            s1["logistics/Items"],
        ),
        f"{d2} sync/Logistics/Items": (
            {"kind": "rest", "resource": f"v1/{d2}/sync/Logistics/Items?$select=ID,Code&{sync}"},
            s2["logistics/Items"],
        ),
        f"{d1} bulk/CRM/Accounts": (
            {"kind": "rest", "resource": f"v1/{d1}/bulk/CRM/Accounts?$select=ID,Code,Name"},
            s1["crm/Accounts"],
        ),
        f"{d1} sync/PurchaseOrder/PurchaseOrders (one row per line)": (
            {
                "kind": "rest",
                "resource": f"v1/{d1}/{orders}?$select=ID,PurchaseOrderID&{sync}",
            },
            s1["purchaseorder/PurchaseOrderLines"],
        ),
        f"{d1} inventory/Warehouses (plain, 60 per page)": (
            {"kind": "rest", "resource": f"v1/{d1}/inventory/Warehouses?$select=ID,Code"},
            s1["inventory/Warehouses"],
        ),
        f"{d1} bulk/SalesOrder/SalesOrderLines": (
            {
                "kind": "rest",
                "resource": f"v1/{d1}/bulk/SalesOrder/SalesOrderLines?$select=ID,Item",
            },
            s1["salesorder/SalesOrderLines"],
        ),
        f"{d1} relations.filter(relation_code='10001') (18-char Code)": (
            {"kind": "relation_by_code", "division": d1, "code": "10001"},
            1,
        ),
    }
    qfile = work / "queries.json"
    qfile.write_text(json.dumps({k: v[0] for k, v in queries.items()}))
    ini = ini_file(work / "exactonline.ini", sb, division=d1, tokens=None)
    proc = subprocess.run(
        [
            str(env_dir / "bin" / "python"),
            str(PROBES / "exactonline_probe.py"),
            str(ini),
            sb.authorize(),
            str(qfile),
        ],
        capture_output=True,
        text=True,
        env=client_env(sb),
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        res.error = last_error(proc.stderr)
        return res
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    res.checks = [
        Check(name, expected, got.get(name, "missing")) for name, (_, expected) in queries.items()
    ]
    return res


def check_tap_exact(
    sb: Sandbox, env_dir: Path, work: Path, stats: dict, make_venv: Callable[[str], Path]
) -> ClientResult:
    res = ClientResult("tap-exact")
    res.needed = [
        "config {config_file_location: INI, start_date: 'YYYY-MM-DD'} (it strptime()s "
        "start_date with '%Y-%m-%d'; an ISO timestamp crashes it)",
        "the exactonline INI with [server] URLs at the sandbox and the tokens of an "
        "authorization (access_token + access_expiry; access_expiry=0 makes it refresh at "
        "once, which Exact refuses within 570 s: 'access_token not expired')",
        "https: sandbox --tls, CA via SSL_CERT_FILE",
        "a state file with a Modified bookmark after start_date, so its first request "
        "carries $filter (plain endpoints with a sync twin require one)",
    ]
    d1 = sb.divisions[0]
    s1 = stats[str(d1)]
    ini = ini_file(work / "tap-exact.ini", sb, division=d1, tokens=sb.exchange(sb.authorize()))
    config = work / "tap-exact.json"
    config.write_text(json.dumps({"config_file_location": str(ini), "start_date": "2000-01-01"}))
    streams = {
        "cashflow_payment_conditions": s1.get("cashflow/PaymentConditions", 0),
        "cashflow_payments": s1.get("cashflow/Payments", 0),
        "cashflow_receivables": s1.get("cashflow/Receivables", 0),
        "crm_accounts": s1["crm/Accounts"],
        "general_ledger_accounts": s1["financial/GLAccounts"],
        "purchase_invoices": s1.get("purchase/PurchaseInvoices", 0),
        "quotations": s1.get("crm/Quotations", 0),
        "sales_invoices": s1["salesinvoice/SalesInvoices"],
        "sales_orders": s1["salesorder/SalesOrders"],
        "transaction_lines": s1["financialtransaction/TransactionLines"],
    }
    bookmark = {"replication_key": "Modified", "replication_key_value": "2000-01-02T00:00:00+00:00"}
    state = {"bookmarks": {s: dict(bookmark) for s in streams}}
    tap = env_dir / "bin" / "tap-exact"
    res.checks = run_tap_per_stream(
        tap, config=config, work=work, env=client_env(sb), streams=streams, state=state
    )
    return res


def check_tap_exactonline(
    sb: Sandbox, env_dir: Path, work: Path, stats: dict, make_venv: Callable[[str], Path]
) -> ClientResult:
    res = ClientResult("tap-exactonline")
    res.needed = [
        "config rest_url/auth_url/token_url at the sandbox (its documented keys)",
        "its tokens live in AWS Secrets Manager (boto3, secret_id): moto's server on "
        "loopback, reached with AWS_ENDPOINT_URL_SECRETS_MANAGER + dummy AWS credentials",
        "https: sandbox --tls, CA via SSL_CERT_FILE",
        "a state file: its sync streams page with $skiptoken=<bookmark>L and crash "
        "(len(None)) without a bookmark; '1' starts from the beginning",
    ]
    d1 = sb.divisions[0]
    s1 = stats[str(d1)]
    bin_dir = env_dir / "bin"
    moto = subprocess.Popen(
        [str(make_venv("moto") / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        port = _moto_port(moto)
        aws = {
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": f"http://127.0.0.1:{port}",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_ACCESS_KEY_ID": "fidelity",
            "AWS_SECRET_ACCESS_KEY": "fidelity",
        }
        env = client_env(sb, **aws)
        tokens = sb.exchange(sb.authorize())
        secret = json.dumps(
            {
                "access_token": tokens["access_token"],
                "refresh_token": tokens["refresh_token"],
                "access_expiry": str(int(time.time()) + int(tokens["expires_in"])),
            }
        )
        create = (
            "import boto3,sys; boto3.client('secretsmanager').create_secret("
            "Name='exact-fidelity', SecretString=sys.stdin.read())"
        )
        subprocess.run(
            [str(bin_dir / "python"), "-c", create],
            input=secret,
            text=True,
            env=env,
            check=True,
            timeout=120,
        )
        config = work / "tap-exactonline.json"
        config.write_text(
            json.dumps(
                {
                    "rest_url": f"{sb.base_url}/api",
                    "auth_url": f"{sb.base_url}/api/oauth2/auth",
                    "token_url": f"{sb.base_url}/api/oauth2/token",
                    "base_url": REDIRECT_URI,
                    "client_id": sb.config["client_id"],
                    "client_secret": sb.config["client_secret"],
                    "secret_id": "exact-fidelity",
                    "division": d1,
                }
            )
        )
        streams = {
            "accounts": s1["crm/Accounts"],
            "contacts": s1["crm/Contacts"],
            "addresses": s1["crm/Addresses"],
            "gl_accounts": s1["financial/GLAccounts"],
            "gl_classifications": s1.get("financial/GLClassifications", 0),
            "gl_account_classification_mappings": s1.get(
                "financial/GLAccountClassificationMappings", 0
            ),
            "transaction_lines": s1["financialtransaction/TransactionLines"],
            "invoices": s1["salesinvoice/SalesInvoiceLines"],  # sync: one row per line
            "invoice_lines": s1["salesinvoice/SalesInvoiceLines"],
            "documents": s1.get("documents/Documents", 0),
            "document_attachements": s1.get("documents/DocumentAttachments", 0),
            "payments": s1.get("cashflow/Payments", 0),
            "receivables": s1.get("cashflow/Receivables", 0),
        }
        state = {
            "bookmarks": {
                s: {"replication_key": "Timestamp", "replication_key_value": "1"} for s in streams
            }
        }
        res.checks = run_tap_per_stream(
            bin_dir / "tap-exactonline",
            config=config,
            work=work,
            env=env,
            streams=streams,
            state=state,
        )
    finally:
        moto.terminate()
        moto.wait(15)
    return res


def _moto_port(proc: subprocess.Popen[str]) -> int:
    """moto_server prints 'Running on http://127.0.0.1:PORT' (werkzeug) once listening."""
    assert proc.stdout is not None
    for _ in range(200):
        line = proc.stdout.readline()
        if not line:
            break
        if "Running on http://127.0.0.1:" in line:
            return int(line.rsplit(":", 1)[1].strip().split("/")[0])
    raise RuntimeError("moto_server did not start")


CHECKS: dict[str, Callable[[Sandbox, Path, Path, dict, Callable[[str], Path]], ClientResult]] = {
    "exactonline": check_exactonline,
    "tap-exact": check_tap_exact,
    "tap-exactonline": check_tap_exactonline,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--work", type=Path, default=Path.home() / ".cache" / "exact-online-fidelity"
    )
    parser.add_argument("--clients", default=",".join(CHECKS))
    parser.add_argument(
        "--python", default=os.environ.get("FIDELITY_PYTHON") or find_python310() or "python3.10"
    )
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    clients = [c.strip() for c in args.clients.split(",") if c.strip()]
    unknown = set(clients) - set(CHECKS)
    if unknown:
        parser.error(f"unknown client(s) {sorted(unknown)}; choose from {sorted(CHECKS)}")
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    if not Path(args.python).exists():
        print(f"Python 3.10 not found at {args.python} (the clients need <3.11)", file=sys.stderr)
        return PYPI_UNREACHABLE
    if not pypi_reachable(args.python, work):
        print("PyPI unreachable: cannot install the clients", file=sys.stderr)
        return PYPI_UNREACHABLE
    results: list[ClientResult] = []
    # the venvs are cached in `work`; the sandbox and the clients' files are this run's own, so
    # runs from several checkouts sharing the cache do not pull each other's data away
    (work / "runs").mkdir(exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="run-", dir=work / "runs") as run_dir,
        Sandbox(Path(run_dir)) as sb,
    ):
        stats = sb.stats()
        for client in clients:
            client_work = Path(run_dir) / client
            client_work.mkdir()
            try:

                def make_venv(name: str) -> Path:
                    return venv(args.python, work, name)

                result = CHECKS[client](sb, make_venv(client), client_work, stats, make_venv)
            except (subprocess.SubprocessError, OSError, RuntimeError, KeyError) as exc:
                result = ClientResult(client, error=redact(f"{type(exc).__name__}: {exc}")[:500])
            results.append(result)
            print(_summary(result))
    report = [r.as_dict() for r in results]
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2))
    return 0 if all(r.ok for r in results) else 1


def _summary(result: ClientResult) -> str:
    lines = [f"== {result.client}: {'OK' if result.ok else 'FAILED'}"]
    lines += [f"   needed: {n}" for n in result.needed]
    if result.error:
        lines.append(f"   error: {result.error}")
    for c in result.checks:
        mark = "ok " if c.ok else "BAD"
        lines.append(f"   {mark} {c.name}: expected {c.expected}, got {c.got}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
