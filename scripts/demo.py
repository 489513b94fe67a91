"""`make demo`: the closed loop end to end against the bundled Exact sandbox.

1. start exact-sandbox (seeded, two divisions, rate limits off for speed) on a free port,
2. `meltano --environment sandbox run tap-exact target-duckdb` into demo/exact.duckdb,
3. `dbt build` of the planning model (planning/, scripts/planning.py) into that file,
4. its reorder proposals placed in Exact: scripts.proposals_singer | target-exact (BuyOrders),
5. extract again, incrementally, so the new purchase orders arrive in DuckDB, and build again,
6. print the tables' counts and the orders placed (read back from the second extract), and stop
   the sandbox (always).

Run it twice: the second run continues from the state kept in demo/meltano-state, and places
nothing twice (each proposal's reference is its YourRef in Exact).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

from exact_online.registry import load_registry
from exact_sandbox.extra import missing_extra_message
from exact_sandbox.testing import SandboxServer

ROOT = Path(__file__).resolve().parent.parent
# EXACT_DEMO_DIR moves everything the demo writes (the test suite runs it in a temp dir).
DEMO = Path(os.environ.get("EXACT_DEMO_DIR") or ROOT / "demo").resolve()
SANDBOX_DATA = DEMO / "sandbox"
SANDBOX_CONFIG = DEMO / "sandbox-config.json"
DUCKDB_FILE = DEMO / "exact.duckdb"
PLANNING_WORK = DEMO / "planning"
STATE_DIR = DEMO / "meltano-state"
LOG_DIR = DEMO / "logs"

MELTANO_VENV = ROOT / ".venv-meltano"
MELTANO_VERSION = "4.4.1"
DUCKDB_SCHEMA = "exact"
PLANNING_SCHEMA = "planning"
PLANNING_TABLES = ("reorder_points", "reorder_proposals")
# Variables that would override the sandbox environment's settings inside Meltano.
OVERRIDING_PREFIXES = ("TAP_EXACT_", "TARGET_EXACT_", "TARGET_DUCKDB_", "TAP_BUY_ORDERS_")


class DemoError(RuntimeError):
    """A demo step failed; the message says which and where its log is."""


def shown(path: Path) -> str:
    """A path relative to the checkout when it is inside it (shorter, and what users type)."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def venv_bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def say(message: str) -> None:
    print(message, flush=True)


def ensure_meltano() -> Path:
    """Meltano in its own venv (.venv-meltano): its pins conflict with singer-sdk's."""
    meltano = venv_bin(MELTANO_VENV, "meltano")
    marker = MELTANO_VENV / f".meltano-{MELTANO_VERSION}"
    if meltano.exists() and marker.exists():
        return meltano
    say(f"- installing Meltano {MELTANO_VERSION} into {MELTANO_VENV.name}/ (once)")
    if not venv_bin(MELTANO_VENV, "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(MELTANO_VENV)], check=True)
    subprocess.run(
        [str(venv_bin(MELTANO_VENV, "pip")), "install", "--quiet", f"meltano=={MELTANO_VERSION}"],
        check=True,
    )
    marker.touch()
    return meltano


@contextmanager
def running_sandbox() -> Iterator[SandboxServer]:
    """The demo's sandbox: data and config under demo/ (kept between runs), its log in
    demo/logs/sandbox.log; stopped when the block ends."""
    server = SandboxServer(
        DEMO,
        seed=1,
        divisions=2,
        scale="small",
        data_dir=SANDBOX_DATA,
        config_path=SANDBOX_CONFIG,
        log_path=LOG_DIR / "sandbox.log",
        no_rate_limits=True,
    )
    try:
        server.start()
    except RuntimeError as error:
        raise DemoError(f"{error}\n(log: {LOG_DIR / 'sandbox.log'})") from None
    try:
        yield server
    finally:
        server.stop()


def meltano_env(sandbox_config: Mapping[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OVERRIDING_PREFIXES)}
    divisions = list(sandbox_config.get("divisions") or [])
    env.update(
        {
            "EXACT_SANDBOX_BASE_URL": str(sandbox_config["base_url"]),
            "EXACT_SANDBOX_CLIENT_ID": str(sandbox_config["client_id"]),
            "EXACT_SANDBOX_CLIENT_SECRET": str(sandbox_config["client_secret"]),
            "EXACT_SANDBOX_REFRESH_TOKEN": str(sandbox_config.get("refresh_token") or ""),
            "EXACT_SANDBOX_TOKEN_STORE_PATH": str(sandbox_config.get("token_store_path") or ""),
            "EXACT_SANDBOX_DIVISION": str(divisions[0]) if divisions else "",
            "MELTANO_ENVIRONMENT": "sandbox",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            # State lives next to the sandbox's data, so `rm -rf demo` resets both together.
            "MELTANO_STATE_BACKEND_URI": STATE_DIR.resolve().as_uri(),
            "TARGET_DUCKDB_FILEPATH": str(DUCKDB_FILE),
            "NO_COLOR": "1",
        }
    )
    if sandbox_config.get("ca_file"):
        env["TAP_EXACT_CA_FILE"] = env["TARGET_EXACT_CA_FILE"] = str(sandbox_config["ca_file"])
    return env


# Lines of a step's log shown while it runs (the rest is in demo/logs/): tap-exact's progress,
# per-stream finish and summary lines, and anything that went wrong.
SHOWN_MARKERS = (
    " progress division ", " done division ", " Summary division ", " Summary total: ",
    "Stopped:", "ERROR", "error",
)
# Meltano relays a plugin's line as "<time> [<level>] <plugin> <message>".
RELAYED = re.compile(r"^\S+\s+\[\s*\w+\s*\]\s+\S+\s+(.*)$")


def meltano_run(
    meltano: Path, env: Mapping[str, str], label: str, *blocks: str, options: tuple[str, ...] = ()
) -> float:
    """One `meltano run`, announced before it starts; its progress lines are shown as they come,
    its whole output goes to demo/logs/<label>.log. Returns seconds taken."""
    log_path = LOG_DIR / f"{label}.log"
    say(f"- meltano run {' '.join(blocks)} ... (log: {shown(log_path)})")
    started = time.monotonic()
    with log_path.open("w", encoding="utf-8") as log, subprocess.Popen(
        [str(meltano), "--environment", "sandbox", "run", *options, *blocks],
        cwd=ROOT, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ) as child:
        watchdog = threading.Timer(900, child.kill)  # a hung step ends the demo, not the shell
        watchdog.start()
        try:
            assert child.stdout is not None
            for line in child.stdout:  # ends when the child closes its output
                log.write(line)
                if any(marker in line for marker in SHOWN_MARKERS):
                    say("    " + _message(line))
            returncode = child.wait()
        finally:
            watchdog.cancel()
    took = time.monotonic() - started
    if returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        raise DemoError(
            f"`meltano run {' '.join(blocks)}` failed (exit {returncode}); "
            f"log: {log_path}\n" + "\n".join(tail)
        )
    say(f"  done in {took:.1f}s")
    return took


def _message(line: str) -> str:
    """The message of a line Meltano relayed (time, level and plugin name dropped)."""
    match = RELAYED.match(line.rstrip())
    return (match.group(1) if match else line.rstrip())[:200]


DUCKDB_QUERY = r"""
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
schema, planning, references = sys.argv[2], sys.argv[3], set(json.loads(sys.argv[4]))
db = con.execute("select current_database()").fetchone()[0]
out = {"tables": {}, "planning": {}, "proposals": [],
       "placed": {"orders": 0, "lines": 0, "units": 0}}
listed = lambda s: [t for (t,) in con.execute(
    "select table_name from information_schema.tables where table_catalog = ? and "
    "table_schema = ? order by 1", [db, s]).fetchall()]
count = lambda s, t: con.execute(f'select count(*) from "{db}"."{s}"."{t}"').fetchone()[0]
for table in listed(schema):
    out["tables"][table] = count(schema, table)
for table in listed(planning):
    out["planning"][table] = count(planning, table)
if "reorder_proposals" in out["planning"]:
    out["proposals"] = [r for (r,) in con.execute(
        f'select reference from "{db}"."{planning}".reorder_proposals order by 1').fetchall()]
if references and "purchase_orders" in out["tables"]:
    orders, lines, units = con.execute(
        f'select count(distinct purchaseorderid), count(*), coalesce(sum(quantity), 0) '
        f'from "{db}"."{schema}".purchase_orders where yourref in (select unnest(?))',
        [sorted(references)]).fetchone()
    out["placed"] = {"orders": orders, "lines": lines, "units": units}
print(json.dumps(out, default=str))
"""


def sibling(name: str) -> ModuleType:
    """scripts/<name>.py, loaded by path: this file runs as a script, not as scripts.demo."""
    path = ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"exact_demo_{name}", path)
    if spec is None or spec.loader is None:
        raise DemoError(f"scripts/{name}.py not found")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def warehouse_summary(python: Path, references: Iterable[str] = ()) -> dict[str, Any]:
    """Raw and planning tables' counts, the current proposals, and the purchase orders in DuckDB
    whose YourRef is one of `references`."""
    result = subprocess.run(
        [str(python), "-c", DUCKDB_QUERY, str(DUCKDB_FILE), DUCKDB_SCHEMA, PLANNING_SCHEMA,
         json.dumps(sorted(references))],
        capture_output=True, text=True, timeout=120, check=False,
    )
    if result.returncode != 0:
        raise DemoError(f"reading {DUCKDB_FILE} failed: {result.stderr.strip()[-1500:]}")
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def build_planning(planning: ModuleType, label: str, command: str = "build") -> None:
    """`dbt build` (snapshots, models, tests) or `dbt run` (models only) of the planning model
    into DUCKDB_FILE, schema planning; log in demo/logs."""
    say(f"- dbt {command} of the planning model into {shown(DUCKDB_FILE)} ({PLANNING_SCHEMA}) ...")
    started = time.monotonic()
    result = planning.run_dbt([command], planning.dbt_env(DUCKDB_FILE, PLANNING_SCHEMA),
                              PLANNING_WORK)
    log_path = LOG_DIR / f"{label}.log"
    log_path.write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0:
        raise DemoError(f"dbt {command} failed; log: {log_path}\n"
                        + planning.dbt_failures(result.stdout)[-3000:])
    say(f"  done in {time.monotonic() - started:.1f}s")


def sandbox_counts(
    stats: Mapping[str, Mapping[str, int]], streams: Iterable[str]
) -> dict[str, int]:
    """Rows per stream in the sandbox, where one stream row is one sandbox row."""
    registry = load_registry()
    out: dict[str, int] = {}
    for stream in streams:
        entity = registry.find(stream)
        if entity is None:
            continue
        # The sandbox counts tables by "service/Entity"; line-grained sync streams are their lines.
        name = entity.qualified_name
        if entity.line_grained:
            name = name.removesuffix("s") + "Lines"
        found = [n for per in stats.values() for key, n in per.items() if key == name]
        if found:
            out[stream] = sum(found)
    return out


def print_summary(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    in_sandbox: Mapping[str, int],
    calls: Mapping[str, Any],
    placement: Any,
    seconds: float,
) -> None:
    tables: Mapping[str, int] = after["tables"]
    say(f"\nRows per stream in {shown(DUCKDB_FILE)}, and in the sandbox where comparable")
    say(f"  {'stream':<32} {'DuckDB':>8} {'Exact':>8}")
    for table, count in sorted(tables.items()):
        exact = in_sandbox.get(table)
        mark = "" if exact is None or exact == count else "   <- differs"
        say(f"  {table:<32} {count:>8,} {'' if exact is None else f'{exact:,}':>8}{mark}")
    say(f"  {'total':<32} {sum(tables.values()):>8,}")
    say(f"\nPlanning tables (schema {PLANNING_SCHEMA}), before and after the loop")
    for table, count in sorted(after["planning"].items()):
        say(f"  {table:<32} {before['planning'].get(table, 0):>8,} {count:>8,}")
    per_division = ", ".join(
        f"{division}: {count:,}" for division, count in sorted(calls.get("by_division", {}).items())
    )
    say(f"\nAPI calls this run: {calls.get('total', 0):,} ({per_division}); "
        f"token endpoint: {calls.get('token', 0)}")
    placed = after["placed"]
    say(f"\nReorder proposals sent to target-exact: {placement.sent} ({placement.created} placed, "
        f"{placement.existing} already in Exact, {placement.failed} failed)")
    say(f"Read back by the second extract: {placed['orders']} purchase orders, "
        f"{placed['lines']} lines, {int(placed['units']):,} units")
    say(f"Reorder proposals left after the loop: {len(after['proposals'])}")
    say(f"Time: {seconds:.1f}s")


def main() -> int:
    started = time.monotonic()
    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    missing = missing_extra_message()
    if missing:
        raise DemoError(f"{missing} (or `make install`)")
    meltano = ensure_meltano()
    planning = sibling("planning")
    loop = sibling("reorder_loop")
    dbt_python = planning.venv_bin("python")
    planning.ensure_dbt()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    second_run = STATE_DIR.exists()
    kind = "incremental run" if second_run else "first run"
    say(f"exact demo ({kind}); logs in {shown(LOG_DIR)}/")
    say("- starting exact-sandbox ...")
    with running_sandbox() as sandbox:
        say(f"  at {sandbox.base_url}")
        env = meltano_env(sandbox.config)
        meltano_run(meltano, env, f"{run_id}-1-extract", "tap-exact", "target-duckdb")
        build_planning(planning, f"{run_id}-2-dbt-build")
        before = warehouse_summary(dbt_python)
        proposals = list(before["proposals"])
        say(f"- placing {len(proposals)} reorder proposals: scripts.proposals_singer | "
            "target-exact (BuyOrders) ...")
        config = loop.target_config(sandbox.config)
        # Its config (with the sandbox's client secret) and log go to demo/target-exact/.
        placement = loop.place_proposals(DUCKDB_FILE, config, DEMO / "target-exact",
                                         dbt_python=dbt_python)
        say(f"  {placement.created} placed, {placement.existing} already in Exact")
        meltano_run(meltano, env, f"{run_id}-4-extract-again", "tap-exact", "target-duckdb")
        # The models again, on what came back (their tests ran in the first build).
        build_planning(planning, f"{run_id}-5-dbt-run", "run")
        after = warehouse_summary(dbt_python, proposals)
        calls = sandbox.calls()
        in_sandbox = sandbox_counts(sandbox.stats(), after["tables"])
    print_summary(before, after, in_sandbox=in_sandbox, calls=calls, placement=placement,
                  seconds=time.monotonic() - started)
    # Every proposal sent is exactly one purchase order in Exact, placed now or by an earlier run.
    if placement.failed or after["placed"]["orders"] != len(proposals) or placement.sent != len(
        proposals
    ):
        raise DemoError(
            f"{len(proposals)} proposals, {placement.sent} sent, {placement.failed} failed, but "
            f"{after['placed']['orders']} of their purchase orders in DuckDB"
        )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except DemoError as error:
        print(f"demo failed: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("demo interrupted; the sandbox was stopped", file=sys.stderr)
        sys.exit(130)
