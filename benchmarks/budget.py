"""The daily API budget of a 30-minute schedule (#13 item 3): the seed-001 streams on the demo
company, nothing changing, in calls per division per day — and ``--plan``'s estimate beside it.

    python -m benchmarks.budget            # medium demo company (2 divisions)
    python -m benchmarks.budget --quick    # small demo company (the CI smoke run)

Run from the repository root. Every figure is the sandbox's own count of calls
(``/_sandbox/calls``) for real tap runs:

1. a first run (no state);
2. ``every run``: nothing new, reference streams not due, division move check fresh;
3. ``hourly``: the same with the hourly move check due (``system/Divisions``);
4. ``daily``: the same with the reference streams due too (their ``reference_interval_hours``,
   24 by default, has passed).

The three kinds are what a day of 48 runs is made of (the state is aged between runs instead of
waiting: ``last_read_at`` and ``division_checked_at`` moved back, the one thing time changes), so
a day costs ``daily + 23 x hourly + 24 x every run`` per division. The same three runs with
``reference_interval_hours: 0`` show what the intervals save.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from exact_sandbox.testing import SandboxServer
from tap_exact.budget import LAST_READ_KEY
from tap_exact.divisions import MOVE_CHECKED_KEY
from tap_exact.seed_streams import SEED_001_STREAMS

from .measure import run_process

RUNS_PER_DAY = 48  # every 30 minutes
KINDS = ("every_run", "hourly", "daily")
CONFIG_KEYS = ("base_url", "client_id", "client_secret", "refresh_token", "token_store_path",
               "ca_file", "divisions")


def log(msg: str) -> None:
    print(f"[budget {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def seed_catalog() -> dict[str, Any]:
    """The discovered catalog (offline) with the seed-001 streams selected."""
    from tap_exact.tap import TapExact

    tap = TapExact(config={"client_id": "x", "client_secret": "y"}, validate_config=False)
    catalog = tap.catalog_dict
    wanted = set(SEED_001_STREAMS)
    catalog["streams"] = [s for s in catalog["streams"] if s["tap_stream_id"] in wanted]
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = True
    return catalog


def aged(state: dict[str, Any], key: str, hours: float) -> dict[str, Any]:
    """``state`` with every partition's ``key`` (a UTC time) ``hours`` further back."""
    out = copy.deepcopy(state)
    for bookmark in out.get("bookmarks", {}).values():
        for partition in bookmark.get("partitions") or ():
            if isinstance(partition.get(key), str):
                at = datetime.fromisoformat(partition[key]) - timedelta(hours=hours)
                partition[key] = at.isoformat(timespec="seconds")
    return out


class Runner:
    def __init__(self, sb: SandboxServer, work: Path, extra: dict[str, Any]) -> None:
        self.sb = sb
        self.work = work
        config = {k: sb.config[k] for k in CONFIG_KEYS if sb.config.get(k)}
        config.update(extra)
        self.config = work / "config.json"
        self.config.write_text(json.dumps(config))
        os.chmod(self.config, 0o600)
        self.catalog = work / "catalog.json"
        self.catalog.write_text(json.dumps(seed_catalog()))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_"))}

    def _argv(self, state: dict[str, Any] | None, *extra: str) -> list[str]:
        argv = [sys.executable, "-m", "tap_exact", "--config", str(self.config),
                "--catalog", str(self.catalog)]
        if state is not None:
            path = self.work / "state.json"
            path.write_text(json.dumps(state))
            argv += ["--state", str(path)]
        return [*argv, *extra]

    def run(self, state: dict[str, Any] | None) -> tuple[dict[str, int], dict[str, Any], int]:
        """(calls per division, the last STATE, records) of one tap run."""
        self.sb.reset_calls()
        done = run_process(self._argv(state), self.env, cwd=self.work)
        if done.returncode != 0:
            raise RuntimeError(f"tap-exact exit {done.returncode}: {done.stderr_tail}")
        calls = {d: int(n) for d, n in self.sb.calls().get("by_division", {}).items()}
        return calls, done.last_state or {}, done.records

    def plan(self, state: dict[str, Any]) -> dict[str, int]:
        import subprocess

        done = subprocess.run(self._argv(state, "--plan"), capture_output=True, text=True,
                              env=self.env, cwd=self.work, timeout=300, check=True)
        return {d: int(n) for d, n in json.loads(done.stdout)["calls_per_division"].items()}


def measure(runner: Runner) -> dict[str, Any]:
    """First run, then the three kinds of nothing-new runs, measured and planned."""
    first, state, records = runner.run(None)
    out: dict[str, Any] = {"first_run": {"calls": first, "records": records}}
    _, state, _ = runner.run(state)  # settles the Modified bookmarks (the lookback of run 1)
    states = {
        "every_run": state,
        "hourly": aged(state, MOVE_CHECKED_KEY, 1),
        "daily": aged(aged(state, MOVE_CHECKED_KEY, 1), LAST_READ_KEY, 24),
    }
    for kind in KINDS:
        planned = runner.plan(states[kind])
        calls, _, records = runner.run(states[kind])
        out[kind] = {"calls": calls, "planned": planned, "records": records}
    divisions = sorted(set().union(*(out[k]["calls"] for k in KINDS)))
    out["per_day"] = {
        d: out["daily"]["calls"].get(d, 0)
        + (RUNS_PER_DAY // 2 - 1) * out["hourly"]["calls"].get(d, 0)
        + (RUNS_PER_DAY // 2) * out["every_run"]["calls"].get(d, 0)
        for d in divisions
    }
    out["plan_matches"] = all(out[k]["planned"] == out[k]["calls"] for k in KINDS)
    return out


def bench_budget(work: Path, *, quick: bool = False) -> dict[str, Any]:
    scale = "small" if quick else "medium"
    result: dict[str, Any] = {"scale": scale, "streams": len(SEED_001_STREAMS),
                              "runs_per_day": RUNS_PER_DAY, "settings": {}}
    for label, extra in (("default", {}), ("no_intervals", {"reference_interval_hours": 0})):
        wdir = work / f"budget-{label}"
        wdir.mkdir(parents=True, exist_ok=True)
        with SandboxServer(wdir, seed=1, divisions=2, scale=scale, no_rate_limits=True) as sb:
            log(f"{scale} demo company, seed-001 streams, {label}")
            result["settings"][label] = measure(Runner(sb, wdir, extra))
    return result


def table(result: dict[str, Any]) -> str:
    lines = [f"== API budget: {result['streams']} seed-001 streams, {result['scale']} demo "
             f"company, every 30 minutes, nothing changing"]
    for label, res in result["settings"].items():
        lines.append(f"-- {label}: first run {res['first_run']['calls']} "
                     f"({res['first_run']['records']} records)")
        for kind in KINDS:
            r = res[kind]
            lines.append(f"   {kind:10} calls {r['calls']}  plan {r['planned']}  "
                         f"records {r['records']}")
        lines.append(f"   per division per day: {res['per_day']}  "
                     f"(plan = counted: {res['plan_matches']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small demo company (CI)")
    p.add_argument("--work", default="", help="scratch dir (default: a temp dir)")
    p.add_argument("--out", default="", help="write the results as JSON here")
    args = p.parse_args(argv)
    work = Path(args.work or tempfile.mkdtemp(prefix="exact-budget-"))
    result = bench_budget(work, quick=args.quick)
    print(table(result))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
