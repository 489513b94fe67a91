"""Helpers to run real Singer pipes (tap | target) as separate processes, as users do."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exact_online.registry import load_registry
from exact_sandbox.testing import SandboxServer

__all__ = ["PipeResult", "SandboxServer", "discover_catalog", "entity_count", "run_pipe",
           "tap_config", "write_json"]


@dataclass
class PipeResult:
    returncodes: list[int]
    stdout: str
    stderrs: list[str]

    @property
    def states(self) -> list[dict[str, Any]]:
        """STATE values the last process wrote to stdout."""
        out = []
        for raw in self.stdout.splitlines():
            line = raw.strip()
            if line.startswith("{"):
                message = json.loads(line)
                out.append(message.get("value", message))
        return out


def write_json(path: Path, data: Mapping[str, Any]) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def tap_config(sandbox_config: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """A tap/target config for a sandbox from the config file it wrote."""
    keys = ("base_url", "client_id", "client_secret", "refresh_token", "token_store_path",
            "ca_file")
    config = {k: sandbox_config[k] for k in keys if sandbox_config.get(k) is not None}
    config.update(extra)
    return config


def clean_env() -> dict[str, str]:
    """This environment without TAP_/TARGET_ variables that would leak into --config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_"))}
    env["NO_COLOR"] = "1"
    return env


def discover_catalog(tap: str, config_path: Path, streams: Iterable[str], out: Path) -> Path:
    """`tap --discover`, with exactly `streams` selected (all their properties)."""
    result = subprocess.run(
        [tap, "--config", str(config_path), "--discover"],
        capture_output=True, text=True, timeout=300, check=True, env=clean_env(),
    )
    catalog = json.loads(result.stdout)
    wanted = set(streams)
    found = set()
    for entry in catalog["streams"]:
        selected = entry["tap_stream_id"] in wanted
        found.add(entry["tap_stream_id"]) if selected else None
        for meta in entry.get("metadata", []):
            if not meta.get("breadcrumb"):
                meta["metadata"]["selected"] = selected
    missing = wanted - found
    assert not missing, f"streams not in the catalog: {sorted(missing)}"
    return write_json(out, catalog)


def run_pipe(commands: Sequence[Sequence[str]], cwd: Path, timeout: float = 600) -> PipeResult:
    """Run `a | b | ...`; stderr of each process goes to a file in `cwd` (no pipe deadlocks)."""
    procs: list[subprocess.Popen[bytes]] = []
    err_paths = [cwd / f"stderr-{i}.log" for i in range(len(commands))]
    err_files = [p.open("wb") for p in err_paths]
    try:
        previous = None
        for i, command in enumerate(commands):
            last = i == len(commands) - 1
            proc = subprocess.Popen(
                list(command), stdin=previous, stdout=subprocess.PIPE, stderr=err_files[i],
                cwd=cwd, env=clean_env(),
            )
            if previous is not None:
                previous.close()  # the downstream process owns it now; EOF propagates
            previous = proc.stdout if not last else None
            procs.append(proc)
        out, _ = procs[-1].communicate(timeout=timeout)
        codes = [p.wait(timeout=timeout) for p in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
        for handle in err_files:
            handle.close()
    return PipeResult(
        returncodes=codes,
        stdout=out.decode("utf-8", errors="replace"),
        stderrs=[p.read_text(encoding="utf-8", errors="replace") for p in err_paths],
    )


def entity_count(stats: Mapping[str, Mapping[str, int]], stream: str) -> int:
    """Rows of a stream's entity over all divisions in the sandbox's /_sandbox/stats."""
    entity = load_registry().find(stream)
    assert entity is not None, stream
    names = {entity.name, stream}
    for endpoint in (entity.plain, entity.bulk, entity.sync):
        if endpoint is not None:
            names.add(endpoint.relative_path)
    total = 0
    matched = False
    for per_division in stats.values():
        for name, count in per_division.items():
            if name in names:
                total += int(count)
                matched = True
    assert matched, f"no sandbox stats for {stream} under any of {sorted(names)}"
    return total
