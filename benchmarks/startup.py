"""Start-up CPU: what a run costs before (and without) any data, beside the floors.

Measured, each the minimum (and median) over ``repeat`` runs of the process's own CPU seconds
(``os.wait4`` rusage, so a busy machine adds little; wall time is not reported):

- floors: the bare interpreter (``python -c pass``) and ``import singer_sdk`` (the SDK our tap and
  both peers are built on);
- ours: ``--about``, ``--discover`` (no network) and a run with nothing new (one stream, the STATE
  of a first full run, so it makes one sync call and one ``sync/Deleted`` call), once with a
  catalog of that stream alone and once with Meltano's form of it: every discovered stream
  listed, that one selected;
- peers: their ``--about`` (when they are installed for the extract benchmark).

One warm-up run of each command is not counted (the first run writes ``__pycache__`` when it can,
as an installed package has it already).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from exact_sandbox.testing import SandboxServer

from .measure import run_process
from .peers import ensure_peer, peer_env, prepare_ours

STREAM = "transaction_lines"


def cpu_of(
    argv: Sequence[str], env: Mapping[str, str], cwd: Path, repeat: int
) -> dict[str, Any]:
    """Min and median CPU seconds of ``repeat`` runs after one warm-up run (exit of the last)."""
    runs = [run_process(argv, env, cwd=cwd) for _ in range(repeat + 1)][1:]
    cpu = [r.cpu_s for r in runs]
    return {
        "cpu_s_min": round(min(cpu), 3),
        "cpu_s_median": round(statistics.median(cpu), 3),
        "runs": repeat,
        "returncode": runs[-1].returncode,
        "records": runs[-1].records,
        **({"stderr_tail": runs[-1].stderr_tail[-600:]} if runs[-1].returncode else {}),
    }


def _nothing_new(sb: SandboxServer, wdir: Path, repeat: int) -> dict[str, Any]:
    """A run of one stream that finds nothing new: its STATE comes from a first full run."""
    prep = prepare_ours(sb.config, [sb.divisions_list[0]], wdir, STREAM, tag="-startup")
    first = run_process(prep.argv, prep.env, cwd=wdir)
    if first.returncode != 0 or first.last_state is None:
        return {"error": f"first run failed (exit {first.returncode}): {first.stderr_tail[-600:]}"}
    state = wdir / "startup-state.json"
    state.write_text(json.dumps(first.last_state))
    sb.reset_calls()
    out = cpu_of([*prep.argv, "--state", str(state)], prep.env, wdir, repeat)
    out["calls_per_run"] = round((sb.calls().get("total") or 0) / (repeat + 1), 1)
    return out


def _nothing_new_full_catalog(sb: SandboxServer, wdir: Path, repeat: int) -> dict[str, Any]:
    """The same run with Meltano's catalog: every discovered stream listed, one selected."""
    prep = prepare_ours(sb.config, [sb.divisions_list[0]], wdir, STREAM, tag="-startup")
    config = prep.argv[prep.argv.index("--config") + 1]
    state = wdir / "startup-state.json"  # written by _nothing_new
    if not state.exists():
        return {"error": "no STATE of a first run"}
    discovered = subprocess.run(
        [*prep.argv[: prep.argv.index("--config")], "--config", config, "--discover"],
        capture_output=True, text=True, timeout=300, env=prep.env, cwd=wdir, check=True,
    )
    catalog = json.loads(discovered.stdout)
    for entry in catalog["streams"]:
        for meta in entry.get("metadata", []):
            if not meta.get("breadcrumb"):
                meta["metadata"]["selected"] = entry["tap_stream_id"] == STREAM
    full = wdir / "startup-full-catalog.json"
    full.write_text(json.dumps(catalog))
    argv = [*prep.argv[: prep.argv.index("--catalog")], "--catalog", str(full)]
    sb.reset_calls()
    out = cpu_of([*argv, "--state", str(state)], prep.env, wdir, repeat)
    out["calls_per_run"] = round((sb.calls().get("total") or 0) / (repeat + 1), 1)
    out["streams_listed"] = len(catalog["streams"])
    return out


def bench_startup(work: Path, *, peers: Sequence[str], repeat: int = 5) -> dict[str, Any]:
    wdir = work / "startup"
    wdir.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    env = peer_env()  # without PYTHONPATH for the floors; ours gets the caller's environment
    out: dict[str, Any] = {"repeat": repeat, "floors": {}, "ours": {}, "peers": {}}
    out["floors"]["python -c pass"] = cpu_of([py, "-c", "pass"], env, wdir, repeat)
    out["floors"]["import singer_sdk"] = cpu_of([py, "-c", "import singer_sdk"], env, wdir, repeat)
    with SandboxServer(
        wdir, seed=1, divisions=1, scale="small", tls=True, no_rate_limits=True
    ) as sb:
        prep = prepare_ours(sb.config, [sb.divisions_list[0]], wdir, STREAM, tag="-startup")
        config = prep.argv[prep.argv.index("--config") + 1]
        ours: dict[str, Callable[[], dict[str, Any]]] = {
            "--about": lambda: cpu_of([py, "-m", "tap_exact", "--about"], prep.env, wdir, repeat),
            "--discover": lambda: cpu_of(
                [py, "-m", "tap_exact", "--config", config, "--discover"], prep.env, wdir, repeat
            ),
            "nothing new (1 stream)": lambda: _nothing_new(sb, wdir, repeat),
            "nothing new (1 of all streams selected)": lambda: _nothing_new_full_catalog(
                sb, wdir, repeat
            ),
        }
        for name, measure in ours.items():
            out["ours"][name] = measure()
    for name in peers:
        try:
            exe = str(ensure_peer(name))
            out["peers"][f"{name} --about"] = cpu_of([exe, "--about"], env, wdir, repeat)
        except Exception as exc:  # noqa: BLE001 - a peer that cannot run is a result
            out["peers"][f"{name} --about"] = {"error": f"{type(exc).__name__}: {exc}"[:600]}
    floor = out["floors"]["python -c pass"]["cpu_s_min"]
    out["ours_over_interpreter"] = {
        name: round(r["cpu_s_min"] - floor, 3)
        for name, r in out["ours"].items()
        if "cpu_s_min" in r
    }
    return out


def startup_table(res: Mapping[str, Any]) -> list[str]:
    """Markdown rows for docs/benchmarks.md (report.py) and the console table (run.py)."""
    rows = [
        "| what | CPU s (min) | CPU s (median) | minus the bare interpreter |",
        "| --- | ---: | ---: | ---: |",
    ]
    floor = res["floors"]["python -c pass"]["cpu_s_min"]
    for group in ("floors", "ours", "peers"):
        for name, r in res[group].items():
            label = name if group != "ours" else f"ours `{name}`"
            if "error" in r:
                rows.append(f"| {label} | could not run: {r['error'][:120]} | | |")
                continue
            rows.append(
                f"| {label} | {r['cpu_s_min']} | {r['cpu_s_median']} | "
                f"{round(r['cpu_s_min'] - floor, 3)} |"
            )
    return rows
