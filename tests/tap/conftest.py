"""Helpers for running tap-exact against the sandbox: config, catalog selection, subprocess runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tap_exact.tap import TapExact

_CATALOG: dict[str, Any] = {}
# The tap's end-of-run summary line of a stream (tap_exact/progress.py).
SUMMARY_LINE = re.compile(r"\| Summary stream (.+?): \d+ rows, (\d+) calls,")


def base_catalog() -> dict[str, Any]:
    """The discovered catalog (no network), built once per test process."""
    if not _CATALOG:
        tap = TapExact(config={"client_id": "x", "client_secret": "y"}, validate_config=False)
        _CATALOG.update(tap.catalog_dict)
    return json.loads(json.dumps(_CATALOG))


def catalog_for(
    streams: set[str] | list[str] | tuple[str, ...],
    deselect: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """A catalog selecting ``streams``; ``deselect`` = {stream: [property, ...]} to leave out."""
    wanted = set(streams)
    catalog = base_catalog()
    catalog["streams"] = [s for s in catalog["streams"] if s["tap_stream_id"] in wanted]
    for entry in catalog["streams"]:
        dropped = set((deselect or {}).get(entry["tap_stream_id"], ()))
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = True
            elif meta["breadcrumb"][-1] in dropped:
                meta["metadata"]["selected"] = False
    return catalog


@dataclass
class TapRun:
    returncode: int
    messages: list[dict[str, Any]]
    stderr: str
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def counts(self) -> Counter[str]:
        return Counter({k: len(v) for k, v in self.records.items()})

    @property
    def states(self) -> list[dict[str, Any]]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]


def write_config(sandbox: Any, tmp_path: Path, **extra: Any) -> Path:
    config = {**sandbox.config, **extra}
    path = tmp_path / f"tap-config-{len(list(tmp_path.glob('tap-config-*')))}.json"
    path.write_text(json.dumps(config))
    return path


def tap_command(config: Path, catalog: Path, state: Path | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "tap_exact", "--config", str(config), "--catalog", str(catalog)]
    if state is not None:
        cmd += ["--state", str(state)]
    return cmd


def parse_messages(stdout: str) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    messages = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    records: dict[str, list[dict[str, Any]]] = {}
    for m in messages:
        if m["type"] == "RECORD":
            records.setdefault(m["stream"], []).append(m["record"])
    return messages, records


def run_tap(
    sandbox: Any,
    tmp_path: Path,
    streams: set[str] | list[str] | tuple[str, ...],
    state: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    catalog: dict[str, Any] | None = None,
    **config: Any,
) -> TapRun:
    config_path = write_config(sandbox, tmp_path, **config)
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(catalog if catalog is not None else catalog_for(streams)))
    state_path = None
    if state is not None:
        state_path = tmp_path / "state.json"
        state_path.write_text(json.dumps(state))
    result = subprocess.run(
        tap_command(config_path, catalog_path, state_path),
        capture_output=True, text=True, check=False, timeout=600,
        env=None if env is None else {**os.environ, **env},
    )
    messages, records = parse_messages(result.stdout)
    return TapRun(result.returncode, messages, result.stderr, records)


def expected_count(stats: dict[str, dict[str, int]], stream: str) -> int:
    """Rows the sandbox holds for a stream over all divisions (line-grained sync = lines)."""
    from exact_online.registry import load_registry

    entity = load_registry().by_stream(stream)
    name = entity.qualified_name
    if entity.line_grained:
        name = {
            "purchaseorder/PurchaseOrders": "purchaseorder/PurchaseOrderLines",
            "salesinvoice/SalesInvoices": "salesinvoice/SalesInvoiceLines",
        }[name]
    return sum(int(per_div.get(name, 0)) for per_div in stats.values())


def path_calls(calls: dict[str, Any], suffix: str) -> int:
    return sum(n for key, n in calls["by_path"].items() if key.endswith(suffix))


def summary_calls(stderr: str) -> dict[str, int]:
    """API calls per stream as the tap's summary lines say ("Summary stream items: 9 rows, 3
    calls, ...")."""
    found = SUMMARY_LINE.findall(stderr)
    assert found, f"no summary lines:\n{stderr[-2000:]}"
    return {stream: int(calls) for stream, calls in found}
