"""The other Exact taps on PyPI, installed in throwaway venvs and run against the sandbox by
configuration only.

Peers (what their source shows):

- ``tap-exact==0.7.1`` (singer-sdk 0.14, the ``exactonline`` 0.4 library by OSSO): reads plain
  endpoints (``financialtransaction/TransactionLines`` …, 60 rows a page) with
  ``$filter=Modified ge datetime'…Z'``; credentials in an INI file (``config_file_location``) that
  the library rewrites on every refresh; one division (``[transient] division``); HTTPS only, CA
  from OpenSSL defaults (``SSL_CERT_FILE``); page limit ``[application] iteration_limit`` (default
  50 pages); keeps every page of a stream in memory.
- ``tap-exactonline==0.2.24`` (singer-sdk 0.7, same library): ``sync/Financial/TransactionLines``
  etc., tokens in AWS Secrets Manager (``secret_id``; read with boto3, rewritten on refresh), one
  division; the first run needs a bookmark (``len(None)`` otherwise), which it sends as
  ``$skiptoken=<n>L``. Run here with a loopback Secrets Manager stand-in (``fake_secrets.py``)
  through ``AWS_ENDPOINT_URL_SECRETS_MANAGER``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

HERE = Path(__file__).resolve().parent
VENVS = HERE / ".venvs"
PYTHON310 = Path("/root/.pyenv/versions/3.10.13/bin/python")
PEER_PACKAGES = {"tap-exact": "tap-exact==0.7.1", "tap-exactonline": "tap-exactonline==0.2.24"}


def find_python310() -> str | None:
    """Python 3.10 for the peers (they pin old singer-sdk releases): pyenv's, else one on PATH."""
    if PYTHON310.exists():
        return str(PYTHON310)
    return shutil.which("python3.10")


def python310() -> str:
    found = find_python310()
    if found is None:
        raise RuntimeError("the peers need Python 3.10 (pyenv install 3.10.13)")
    return found


def peer_venv(
    path: Path, packages: Sequence[str], python: str | None = None, log: Path | None = None
) -> Path:
    """A throwaway venv at ``path`` with ``packages`` pip-installed, reused while a marker file
    records the same pins (shared by the benchmarks and scripts/fidelity_check.py)."""
    marker = path / ".fidelity-installed"  # the name cached fidelity venvs already carry
    wanted = "\n".join(packages)
    if marker.exists() and marker.read_text() == wanted:
        return path
    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([python or python310(), "-m", "venv", str(path)], check=True, timeout=300)
    install = [str(path / "bin" / "python"), "-m", "pip", "install", "-q", *packages]
    if log is None:
        subprocess.run(install, check=True, timeout=1800)
    else:
        with open(log, "w") as out:
            subprocess.run(install, check=True, timeout=1800, stdout=out, stderr=subprocess.STDOUT)
    marker.write_text(wanted)
    return path


def peer_env(**extra: str) -> dict[str, str]:
    """The environment for a program of a peer venv: ours without PYTHONPATH (a checkout on it
    would put this project's ``tap_exact`` before the peer's package of the same name)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(extra)
    return env


def ensure_peer(name: str) -> Path:
    """The peer's executable, installing it into benchmarks/.venvs/<name> on first use."""
    return peer_venv(VENVS / name, [PEER_PACKAGES[name]]) / "bin" / name


def new_chain(
    config: Mapping[str, Any], redirect_uri: str = "http://127.0.0.1/cb"
) -> dict[str, Any]:
    """Tokens of a NEW authorization-code chain, so a peer never spends the chain of another. The
    access
    token is handed over too: a refresh within 570 s of it would be refused (too early), as on
    Exact.
    """
    verify = config.get("ca_file") or True
    base = str(config["base_url"])
    r = requests.get(
        f"{base}/api/oauth2/auth",
        params={
            "client_id": config["client_id"],
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "state": "bench",
        },
        allow_redirects=False,
        timeout=30,
        verify=verify,
    )
    code = parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]
    t = requests.post(
        f"{base}/api/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": config["client_id"],
            "client_secret": config["client_secret"],
        },
        timeout=30,
        verify=verify,
    )
    t.raise_for_status()
    tokens = dict(t.json())
    tokens["access_expiry"] = int(time.time()) + int(tokens.get("expires_in") or 600)
    return tokens


@dataclass
class PeerRun:
    """How to start one peer: argv, extra environment, files it needs."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cleanup: Any = None  # a callable stopping helper servers


def tls_env(config: Mapping[str, Any]) -> dict[str, str]:
    ca = config.get("ca_file")
    return {"SSL_CERT_FILE": str(ca), "REQUESTS_CA_BUNDLE": str(ca)} if ca else {}


def catalog_for(
    exe: Path, argv_config: list[str], env: dict[str, str], stream: str, out: Path
) -> Path:
    """`<peer> --discover` with only ``stream`` selected."""
    result = subprocess.run(
        [str(exe), *argv_config, "--discover"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=True,
    )
    catalog = json.loads(result.stdout)
    catalog["streams"] = [s for s in catalog["streams"] if s["tap_stream_id"] == stream]
    if not catalog["streams"]:
        raise RuntimeError(f"{exe.name} has no stream {stream!r}")
    for entry in catalog["streams"]:
        entry["selected"] = True  # singer-sdk < 0.10 also reads this
        for meta in entry.get("metadata", []):
            if not meta.get("breadcrumb"):
                meta["metadata"]["selected"] = True
    out.write_text(json.dumps(catalog))
    return out


def prepare_tap_exact(
    config: Mapping[str, Any],
    division: int,
    workdir: Path,
    stream: str = "transaction_lines",
    start_date: str = "2000-01-01T00:00:00Z",
) -> PeerRun:
    exe = ensure_peer("tap-exact")
    base = str(config["base_url"])
    ini = workdir / "tap-exact.ini"
    tokens = new_chain(config)
    ini.write_text(
        "[server]\n"
        f"auth_url = {base}/api/oauth2/auth\nrest_url = {base}/api\n"
        f"token_url = {base}/api/oauth2/token\n\n"
        "[application]\nbase_url = http://127.0.0.1/cb\n"
        f"client_id = {config['client_id']}\nclient_secret = {config['client_secret']}\n"
        "iteration_limit = 1000000\n\n"
        f"[transient]\naccess_expiry = {tokens['access_expiry']}\n"
        f"access_token = {tokens['access_token']}\n"
        f"division = {division}\nrefresh_token = {tokens['refresh_token']}\n"
    )
    os.chmod(ini, 0o600)
    cfg = workdir / "tap-exact.json"
    cfg.write_text(json.dumps({"config_file_location": str(ini), "start_date": start_date}))
    env = peer_env(**tls_env(config))
    catalog = catalog_for(
        exe, ["--config", str(cfg)], env, stream, workdir / "tap-exact-catalog.json"
    )
    return PeerRun(
        "tap-exact 0.7.1", [str(exe), "--config", str(cfg), "--catalog", str(catalog)], env
    )


def prepare_tap_exactonline(
    config: Mapping[str, Any], division: int, workdir: Path, stream: str = "transaction_lines"
) -> PeerRun:
    from .fake_secrets import FakeSecretsManager

    exe = ensure_peer("tap-exactonline")
    base = str(config["base_url"])
    secrets = FakeSecretsManager().start()
    tokens = new_chain(config)
    secrets.put(
        "exact-bench",
        {k: str(tokens[k]) for k in ("access_token", "access_expiry", "refresh_token")},
    )
    cfg = workdir / "tap-exactonline.json"
    cfg.write_text(
        json.dumps(
            {
                "rest_url": f"{base}/api",
                "base_url": "http://127.0.0.1/cb",
                "auth_url": f"{base}/api/oauth2/auth",
                "token_url": f"{base}/api/oauth2/token",
                "client_id": str(config["client_id"]),
                "client_secret": str(config["client_secret"]),
                "secret_id": "exact-bench",
                "division": division,
            }
        )
    )
    # Its first run crashes on len(None) without a bookmark; Timestamp 1 = from the start.
    state = workdir / "tap-exactonline-state.json"
    state.write_text(
        json.dumps(
            {"bookmarks": {stream: {"replication_key": "Timestamp", "replication_key_value": "1"}}}
        )
    )
    env = peer_env(
        **tls_env(config),
        AWS_ENDPOINT_URL_SECRETS_MANAGER=secrets.url,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="eu-west-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    catalog = catalog_for(
        exe, ["--config", str(cfg)], env, stream, workdir / "tap-exactonline-catalog.json"
    )
    return PeerRun(
        "tap-exactonline 0.2.24",
        [str(exe), "--config", str(cfg), "--catalog", str(catalog), "--state", str(state)],
        env,
        cleanup=secrets.stop,
    )


def prepare_ours(
    config: Mapping[str, Any],
    divisions: list[int],
    workdir: Path,
    stream: str = "transaction_lines",
    tag: str = "",
) -> PeerRun:
    """Our tap on the sandbox config's own chain and token store (shared by every run of ours)."""
    keys = (
        "base_url",
        "client_id",
        "client_secret",
        "refresh_token",
        "token_store_path",
        "ca_file",
    )
    cfg_data: dict[str, Any] = {k: config[k] for k in keys if config.get(k)}
    cfg_data["divisions"] = divisions
    cfg = workdir / f"ours{tag}.json"
    cfg.write_text(json.dumps(cfg_data))
    os.chmod(cfg, 0o600)
    exe = [sys.executable, "-m", "tap_exact"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_"))}
    env.update(tls_env(config))  # same CA environment as the peers (ca_file is in the config too)
    result = subprocess.run(
        [*exe, "--config", str(cfg), "--discover"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=True,
    )
    catalog = json.loads(result.stdout)
    catalog["streams"] = [s for s in catalog["streams"] if s["tap_stream_id"] == stream]
    for entry in catalog["streams"]:
        for meta in entry.get("metadata", []):
            if not meta.get("breadcrumb"):
                meta["metadata"]["selected"] = True
    cat = workdir / f"ours-catalog{tag}.json"
    cat.write_text(json.dumps(catalog))
    return PeerRun(
        "ours (tap-exact-online)", [*exe, "--config", str(cfg), "--catalog", str(cat)], env
    )
