"""`make demo`: the main job end to end against the bundled Exact sandbox.

1. start exact-sandbox (seeded, two divisions, rate limits off for speed) on a free port,
2. `meltano --environment sandbox run tap-exact target-duckdb` into demo/exact.duckdb,
3. write buy orders (made from the supplier items just loaded) through target-exact,
4. extract again, incrementally, so the new purchase orders arrive in DuckDB,
5. print a summary and stop the sandbox (always).

Run it twice: the second run continues from the state kept in demo/meltano-state.
"""

from __future__ import annotations

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
BUY_ORDER_DIR = DEMO / "buy_orders"
STATE_DIR = DEMO / "meltano-state"
LOG_DIR = DEMO / "logs"

MELTANO_VENV = ROOT / ".venv-meltano"
MELTANO_VERSION = "4.4.1"
DUCKDB_SCHEMA = "exact"
BUY_ORDERS_PER_RUN = 3
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
            "TAP_BUY_ORDERS_PATH": str(BUY_ORDER_DIR / "*.jsonl"),
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
schema = sys.argv[2]
db = con.execute("select current_database()").fetchone()[0]
q = lambda table: f'"{db}"."{schema}"."{table}"'  # the file name is also a catalog name
out = {"tables": {}, "supplier_items": [], "demo_orders": 0}
for (table,) in con.execute(
        "select table_name from information_schema.tables where table_catalog = ? and "
        "table_schema = ? order by 1", [db, schema]).fetchall():
    out["tables"][table] = con.execute(f"select count(*) from {q(table)}").fetchone()[0]
cols = lambda t: {r[0].lower(): r[0] for r in con.execute(
    "select column_name from information_schema.columns where table_catalog=? and "
    "table_schema=? and table_name=?", [db, schema, t]).fetchall()}
if "supplier_item" in out["tables"]:
    c = cols("supplier_item")
    wanted = [c.get(k) for k in ("item", "supplier", "division", "itemcode", "suppliercode")]
    if all(wanted[:3]):
        rows = con.execute(
            'select ' + ", ".join(f'"{w}"' if w else "null" for w in wanted)
            + f' from {q("supplier_item")} order by 3, 1 limit 50').fetchall()
        out["supplier_items"] = [dict(zip(
            ["item", "supplier", "division", "item_code", "supplier_code"], r)) for r in rows]
if "purchase_orders" in out["tables"]:
    c = cols("purchase_orders")
    if c.get("yourref") and c.get("purchaseorderid"):
        out["demo_orders"] = con.execute(
            f'select count(distinct "{c["purchaseorderid"]}") from {q("purchase_orders")} '
            f'where "{c["yourref"]}" like ?', ["demo-%"]).fetchone()[0]
print(json.dumps(out, default=str))
"""


def duckdb_python() -> Path:
    """The target-duckdb venv's interpreter: it has duckdb, the project venv does not need it."""
    return venv_bin(ROOT / ".meltano" / "loaders" / "target-duckdb" / "venv", "python")


def warehouse_summary() -> dict[str, Any]:
    result = subprocess.run(
        [str(duckdb_python()), "-c", DUCKDB_QUERY, str(DUCKDB_FILE), DUCKDB_SCHEMA],
        capture_output=True, text=True, timeout=120, check=False,
    )
    if result.returncode != 0:
        raise DemoError(f"reading {DUCKDB_FILE} failed: {result.stderr.strip()[-1500:]}")
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def write_buy_orders(supplier_items: list[dict[str, Any]], run_id: str) -> list[str]:
    """A few HotGlue BuyOrders, one per supplier, for the planning-system stand-in tap."""
    BUY_ORDER_DIR.mkdir(parents=True, exist_ok=True)
    by_supplier: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in supplier_items:
        by_supplier.setdefault((str(row["division"]), str(row["supplier"])), []).append(row)
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    ids: list[str] = []
    lines: list[str] = []
    for number, ((division, supplier), rows) in enumerate(by_supplier.items(), start=1):
        if number > BUY_ORDERS_PER_RUN:
            break
        order_id = f"demo-{run_id}-{number}"
        ids.append(order_id)
        record = {
            "id": order_id,
            "supplier_remoteId": supplier,
            "division": int(division),
            "transaction_date": now,
            "line_items": [
                {"product_remoteId": row["item"], "quantity": 10 * (i + 1)}
                for i, row in enumerate(rows[:3])
            ],
        }
        lines.append(json.dumps(record))
    target = BUY_ORDER_DIR / f"{run_id}.jsonl"
    tmp = target.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return ids


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
    summary: Mapping[str, Any],
    in_sandbox: Mapping[str, int],
    calls: Mapping[str, Any],
    created: int,
    seconds: float,
) -> None:
    tables: Mapping[str, int] = summary["tables"]
    say(f"\nRows per stream in {shown(DUCKDB_FILE)}, and in the sandbox where comparable")
    say(f"  {'stream':<32} {'DuckDB':>8} {'Exact':>8}")
    for table, count in sorted(tables.items()):
        exact = in_sandbox.get(table)
        mark = "" if exact is None or exact == count else "   <- differs"
        say(f"  {table:<32} {count:>8,} {'' if exact is None else f'{exact:,}':>8}{mark}")
    say(f"  {'total':<32} {sum(tables.values()):>8,}")
    per_division = ", ".join(
        f"{division}: {count:,}" for division, count in sorted(calls.get("by_division", {}).items())
    )
    say(f"\nAPI calls this run: {calls.get('total', 0):,} ({per_division}); "
        f"token endpoint: {calls.get('token', 0)}")
    say(f"\nPurchase orders created from buy orders this run: {created}")
    say(f"Demo purchase orders in DuckDB (all runs):        {summary['demo_orders']}")
    say(f"Time: {seconds:.1f}s")


def main() -> int:
    started = time.monotonic()
    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    missing = missing_extra_message()
    if missing:
        raise DemoError(f"{missing} (or `make install`)")
    meltano = ensure_meltano()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    second_run = STATE_DIR.exists()
    kind = "incremental run" if second_run else "first run"
    say(f"exact demo ({kind}); logs in {shown(LOG_DIR)}/")
    with running_sandbox() as sandbox:
        say(f"- exact-sandbox at {sandbox.base_url}")
        env = meltano_env(sandbox.config)
        meltano_run(meltano, env, f"{run_id}-1-extract", "tap-exact", "target-duckdb")
        before = warehouse_summary()
        ids = write_buy_orders(before["supplier_items"], run_id)
        if not ids:
            raise DemoError("no supplier items in DuckDB to make buy orders from")
        say(f"- wrote {len(ids)} buy orders to {shown(BUY_ORDER_DIR / run_id)}.jsonl")
        # target-exact keeps its write results under `target_exact` in STATE (state_results:
        # separate), so Meltano's saved state goes back to tap-jsonl intact: it sends only files
        # changed since the last run, and target-exact still recognises orders it already wrote
        # (by YourRef).
        meltano_run(meltano, env, f"{run_id}-2-buy-orders", "tap-buy-orders", "target-exact")
        meltano_run(meltano, env, f"{run_id}-3-extract-again", "tap-exact", "target-duckdb")
        after = warehouse_summary()
        calls = sandbox.calls()
        in_sandbox = sandbox_counts(sandbox.stats(), after["tables"])
    created = int(after["demo_orders"]) - int(before["demo_orders"])
    print_summary(after, in_sandbox, calls, created, time.monotonic() - started)
    # Files of an earlier, interrupted run are sent too; each buy order must exist exactly once.
    expected = all_buy_order_ids()
    if int(after["demo_orders"]) != len(expected) or created < len(ids):
        raise DemoError(
            f"{len(expected)} buy orders written so far, but {after['demo_orders']} demo purchase "
            f"orders in DuckDB ({created} new this run, {len(ids)} expected at least)"
        )
    return 0


def all_buy_order_ids() -> set[str]:
    ids: set[str] = set()
    for path in sorted(BUY_ORDER_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                ids.add(str(json.loads(line)["id"]))
    return ids


if __name__ == "__main__":
    try:
        sys.exit(main())
    except DemoError as error:
        print(f"demo failed: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("demo interrupted; the sandbox was stopped", file=sys.stderr)
        sys.exit(130)
