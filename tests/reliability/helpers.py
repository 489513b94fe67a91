"""Run tap-exact / target-exact as users do (subprocesses) against the sandbox, and read the truth
back from the sandbox with a plain session.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exact_sandbox.testing import SandboxServer
from tap_exact.tap import TapExact

TL_ENTITY = "financialtransaction/TransactionLines"
TL_STREAM = "transaction_lines"
TL_SYNC = "{division}/sync/Financial/TransactionLines"
_CATALOG: dict[str, Any] = {}


def env(**extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_"))}
    out.update(extra)
    return out


def catalog(path: Path, streams: list[str]) -> Path:
    if not _CATALOG:
        tap = TapExact(config={"client_id": "x", "client_secret": "y"}, validate_config=False)
        _CATALOG.update(tap.catalog_dict)
    cat = json.loads(json.dumps(_CATALOG))
    cat["streams"] = [s for s in cat["streams"] if s["tap_stream_id"] in streams]
    for entry in cat["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = True
    path.write_text(json.dumps(cat))
    return path


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path


def tap_config(sb: SandboxServer, path: Path, **extra: Any) -> Path:
    return write_json(path, {**sb.config, **extra})


@dataclass
class Output:
    returncode: int
    stdout: str
    stderr: str
    records: list[dict[str, Any]] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def parse(cls, code: int, out: str, err: str) -> Output:
        o = cls(code, out, err)
        for line in out.splitlines():
            try:
                m = json.loads(line)
            except ValueError:
                continue  # a line cut by kill -9
            if not isinstance(m, dict):
                continue
            if m.get("type") == "RECORD":
                o.records.append(m["record"])
            elif m.get("type") == "STATE":
                o.states.append(m["value"])
        return o


def tap_cmd(config: Path, cat: Path, state: Path | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "tap_exact", "--config", str(config), "--catalog", str(cat)]
    return cmd + (["--state", str(state)] if state else [])


def run(
    cmd: list[str], cwd: Path, stdin: str | None = None, timeout: float = 300, **extra_env: str
) -> Output:
    p = subprocess.run(
        cmd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env(**extra_env),
        check=False,
    )
    return Output.parse(p.returncode, p.stdout, p.stderr)


def run_and_kill(cmd: list[str], cwd: Path, after_lines: int, timeout: float = 120) -> Output:
    """Start, read stdout line by line, SIGKILL after ``after_lines`` lines (or let it finish)."""
    out_path, err_path = cwd / "killed.out", cwd / "killed.err"
    with err_path.open("w") as err:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err, text=True, cwd=cwd, env=env()
        )
        assert proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        for line in proc.stdout:  # ends at EOF; bounded by the process and the deadline
            lines.append(line)
            if len(lines) >= after_lines or time.monotonic() > deadline:
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.stdout.close()
        code = proc.wait(30)
    out_path.write_text("".join(lines))
    return Output.parse(code, "".join(lines), err_path.read_text())


def sandbox_ids(
    sb: SandboxServer,
    division: int,
    path: str = TL_SYNC,
    key: str = "ID",
    reset_limits: bool = False,
) -> set[str]:
    """Every key of an entity in a division, read with a plain session (own token chain)."""
    s = sb.session()
    url: str | None = sb.api_url(path, division)
    params: dict[str, str] | None = {"$select": f"{key},Timestamp", "$filter": "Timestamp gt 1"}
    ids: set[str] = set()
    for _ in range(10_000):
        if not url:
            break
        if reset_limits:  # the test reads outside the tap's budget
            sb.control("POST", "reset-limits")
        r = s.get(url, params=params, timeout=60)
        r.raise_for_status()
        d = r.json()["d"]
        ids.update(str(x[key]).lower() for x in d["results"])
        url, params = d.get("__next"), None
    return ids


def record_ids(
    records: list[dict[str, Any]], division: int | None = None, key: str = "ID"
) -> set[str]:
    return {
        str(r[key]).lower()
        for r in records
        if division is None or int(r.get("Division") or 0) == division
    }


def seed_transaction_lines(sb: SandboxServer, division: int, n: int) -> None:
    """n extra TransactionLines rows (batched straight into the store, as the benchmarks do)."""
    from benchmarks.seed import seed_rows

    seed_rows(sb.data_dir, division, n)
