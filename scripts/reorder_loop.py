"""Closing the loop: the planning model's reorder proposals placed in Exact through target-exact.

    reorder_proposals (DuckDB)  --scripts.proposals_singer-->  BuyOrders records  -->  target-exact

Used by `make demo` (scripts/demo.py) and tests/planning/test_reorder_loop.py. target-exact runs
in its default ``buy_orders_mode: hotglue``: each proposal's ``reference`` is its YourRef, looked
up before the POST, so a proposal placed before is reported ``existing`` and not placed again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STREAM = "BuyOrders"


class LoopError(RuntimeError):
    """Placing the proposals failed; the message says where."""


@dataclass
class Placement:
    """What target-exact reported for the proposals it was sent (its final STATE)."""

    sent: int
    summary: dict[str, int] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def created(self) -> int:
        return int(self.summary.get("success", 0))

    @property
    def existing(self) -> int:
        return int(self.summary.get("existing", 0))

    @property
    def failed(self) -> int:
        return int(self.summary.get("fail", 0))


def target_config(sandbox_config: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """target-exact's config for an exact-sandbox (from the config file the sandbox wrote)."""
    keys = ("base_url", "client_id", "client_secret", "refresh_token", "token_store_path",
            "ca_file")
    config: dict[str, Any] = {k: sandbox_config[k] for k in keys if sandbox_config.get(k)}
    divisions = list(sandbox_config.get("divisions") or [])
    if divisions:
        config["division"] = int(divisions[0])  # records name their own division
    config["buy_orders_mode"] = "hotglue"
    config.update(extra)
    return config


def write_private_json(path: Path, data: Mapping[str, Any]) -> Path:
    """A config with a client secret: mode 0600, written whole (temp file + fsync + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(dict(data), out, indent=2)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def final_state(stdout: str) -> dict[str, Any]:
    """The last state target-exact printed (the complete results of its run). It prints the state
    itself, one JSON object a line (HotGlue reads it so); a Singer STATE message is unwrapped."""
    value: dict[str, Any] = {}
    for raw in stdout.splitlines():
        line = raw.strip()
        if line.startswith("{"):
            message = json.loads(line)
            value = message.get("value") or {} if message.get("type") == "STATE" else message
    return value


def place_proposals(
    duckdb_path: Path,
    config: Mapping[str, Any],
    work_dir: Path,
    *,
    dbt_python: Path,
    schema: str = "planning",
    timeout: float = 600,
) -> Placement:
    """`proposals_singer | target-exact`: every row of reorder_proposals sent once."""
    config_path = write_private_json(work_dir / "target-exact.json", config)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_"))}
    env["NO_COLOR"] = "1"
    target = Path(sys.executable).parent / "target-exact"
    log = work_dir / "target-exact.log"
    with log.open("w", encoding="utf-8") as errors:
        source = subprocess.Popen(
            [str(dbt_python), "-m", "scripts.proposals_singer", str(duckdb_path), schema],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors,
        )
        try:
            result = subprocess.run(
                [str(target), "--config", str(config_path)],
                cwd=work_dir, env=env, stdin=source.stdout, capture_output=True, text=True,
                timeout=timeout, check=False,
            )
        finally:
            if source.stdout is not None:
                source.stdout.close()
            source_code = source.wait(timeout=timeout)
        errors.write(result.stderr)
    if source_code != 0 or result.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
        raise LoopError(
            f"placing the proposals failed (proposals exit {source_code}, target-exact exit "
            f"{result.returncode}); log: {log}\n" + "\n".join(tail)
        )
    state = final_state(result.stdout)
    summary = dict((state.get("summary") or {}).get(STREAM) or {})
    results = list((state.get("bookmarks") or {}).get(STREAM) or [])
    sent = sum(int(summary.get(k, 0)) for k in ("success", "existing", "updated", "fail",
                                                   "skipped"))
    return Placement(sent=sent, summary=summary, results=results)
