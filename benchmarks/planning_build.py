"""`dbt build` of the planning model (planning/) on a million-row company in DuckDB: wall time,
CPU and peak memory of the dbt process, for the first (full) build and a second, incremental one.

    python -m benchmarks.planning_build                         # medium company, grown to 1M rows
    python -m benchmarks.planning_build --scale large --rows 0  # the large company as loaded (slow)
    python -m benchmarks.planning_build --scale small --rows 0  # a minute, to try it

The company is the sandbox's (`exact-sandbox serve --scale ...`, one division), loaded as
`make demo` loads it: tap-exact | target-duckdb (the planning streams only, metadata columns on)
into a DuckDB file; loading is timed too, apart from the build. Loading the large company (1M rows)
that way takes most of an hour (target-duckdb 0.8.0's batch loads: about 340-620 rows/s on a shared
2-core machine), so by default a medium company is loaded and its line tables (invoice, order,
purchase and receipt lines) are copied inside DuckDB with fresh keys until the raw tables hold
--rows rows: the same shape of data, the lines a planner's history is made of. dbt is .venv-dbt's
(scripts/planning.py). Prints one JSON object and writes it to
benchmarks/results/planning-<UTC date>-<scale>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from exact_sandbox.testing import SandboxServer
from scripts import planning

from .measure import run_process

HERE = Path(__file__).resolve().parent
RAW_SCHEMA = "exact"
PLANNING_DATE = "2026-12-01"  # fixed, so the EndDate rules do not move the figures


def log(msg: str) -> None:
    print(f"[planning-bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def tap_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_"))}


def catalog_for(config: Path, out: Path) -> Path:
    """`tap-exact --discover` with the planning model's streams selected."""
    found = subprocess.run(
        [sys.executable, "-m", "tap_exact", "--config", str(config), "--discover"],
        capture_output=True, text=True, timeout=300, check=True, env=tap_env(),
    )
    catalog = json.loads(found.stdout)
    wanted = set(planning.SOURCE_STREAMS)
    catalog["streams"] = [s for s in catalog["streams"] if s["tap_stream_id"] in wanted]
    for entry in catalog["streams"]:
        for meta in entry.get("metadata", []):
            if not meta.get("breadcrumb"):
                meta["metadata"]["selected"] = True
    out.write_text(json.dumps(catalog))
    return out


def load(sandbox: SandboxServer, work: Path, duckdb_path: Path) -> dict[str, Any]:
    """tap-exact | target-duckdb; wall time and each process's peak RSS (os.wait4)."""
    keys = ("base_url", "client_id", "client_secret", "refresh_token", "token_store_path")
    config = work / "tap.json"
    config.write_text(json.dumps({k: sandbox.config[k] for k in keys if sandbox.config.get(k)}))
    os.chmod(config, 0o600)
    catalog = catalog_for(config, work / "catalog.json")
    target = work / "target-duckdb.json"
    target.write_text(json.dumps({"filepath": str(duckdb_path), "default_target_schema": RAW_SCHEMA,
                                  "add_metadata_columns": True}))
    with (work / "tap.err").open("wb") as tap_err, (work / "target.err").open("wb") as target_err:
        started = time.perf_counter()
        tap = subprocess.Popen(
            [sys.executable, "-m", "tap_exact", "--config", str(config), "--catalog", str(catalog)],
            stdout=subprocess.PIPE, stderr=tap_err, env=tap_env(),
        )
        loader = subprocess.Popen(
            [str(planning.venv_bin("target-duckdb")), "--config", str(target)],
            stdin=tap.stdout, stdout=subprocess.DEVNULL, stderr=target_err, env=tap_env(),
        )
        assert tap.stdout is not None
        tap.stdout.close()  # the loader holds the pipe now
        _pid, tap_status, tap_usage = os.wait4(tap.pid, 0)
        _pid, target_status, target_usage = os.wait4(loader.pid, 0)
        wall = time.perf_counter() - started
    codes = [os.waitstatus_to_exitcode(tap_status), os.waitstatus_to_exitcode(target_status)]
    if codes != [0, 0]:
        raise RuntimeError(f"load failed {codes}: see {work / 'tap.err'}, {work / 'target.err'}")
    return {
        "wall_s": round(wall, 1),
        "tap_peak_rss_mb": round(tap_usage.ru_maxrss / 1024, 1),
        "target_peak_rss_mb": round(target_usage.ru_maxrss / 1024, 1),
    }


def dbt_build(duckdb_path: Path, work: Path, label: str) -> dict[str, Any]:
    """One `dbt build` (models, snapshots, every test), measured like a tap run."""
    argv = [
        str(planning.ensure_dbt()), "build", "--exclude", "test_type:unit",
        "--project-dir", str(planning.PROJECT_DIR),
        "--target-path", str(work / f"dbt-{label}" / "target"),
        "--log-path", str(work / f"dbt-{label}" / "logs"),
        "--vars", json.dumps({"planning_date": PLANNING_DATE}),
    ]
    run = run_process(argv, planning.dbt_env(duckdb_path), cwd=work, timeout=7200)
    if run.returncode != 0:
        raise RuntimeError(f"dbt build ({label}) failed:\n{run.stderr_tail}")
    return {"wall_s": round(run.wall_s, 1), "cpu_s": round(run.cpu_s, 1),
            "peak_rss_mb": run.peak_rss_mb}


# Line tables copied to reach --rows, and the key columns each copy gets a suffix on (so
# orders keep their lines, receipts their order lines).
GROWN = {
    "sales_invoices": ("id", "invoiceid", "salesorder", "salesorderline"),
    "sales_orders": ("orderid",),
    "sales_order_lines": ("id", "orderid"),
    "purchase_orders": ("id", "purchaseorderid"),
    "goods_receipt_lines": ("id", "goodsreceiptid", "purchaseorderlineid"),
}
GROW = r"""
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute("set enable_progress_bar = false")  # stdout is the JSON answer
db = con.execute("select current_database()").fetchone()[0]
schema, rows, grown = sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
q = lambda t: f'"{db}"."{schema}"."{t}"'
names = [r[0] for r in con.execute("select table_name from information_schema.tables where "
         "table_catalog = ? and table_schema = ?", [db, schema]).fetchall()]
count = {t: con.execute(f"select count(*) from {q(t)}").fetchone()[0] for t in names}
growable = sum(count[t] for t in grown if t in count)
copies = max(0, -(-(rows - sum(count.values())) // growable)) if growable else 0
for table, keys in grown.items():
    if table not in count or not copies:
        continue
    columns = [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_catalog = ? and "
        "table_schema = ? and table_name = ? order by ordinal_position", [db, schema, table]
    ).fetchall()]
    select = ", ".join(f"\"{c}\" || '-' || k" if c in keys else f'"{c}"' for c in columns)
    con.execute(f"create temp table original as select * from {q(table)}")
    con.execute(
        f"insert into {q(table)} select {select} from original, range(1, {copies + 1}) r(k)")
    con.execute("drop table original")
print(json.dumps({"copies": copies}))
"""


def grow(duckdb_path: Path, rows: int) -> int:
    """Copy the line tables until the raw schema holds about `rows` rows; returns the copies."""
    found = subprocess.run(
        [str(planning.venv_bin("python")), "-c", GROW, str(duckdb_path), RAW_SCHEMA, str(rows),
         json.dumps(GROWN)],
        capture_output=True, text=True, timeout=3600, check=True,
    )
    copies: int = json.loads(found.stdout)["copies"]
    return copies


def row_counts(duckdb_path: Path) -> dict[str, int]:
    query = r"""
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("set enable_progress_bar = false")
db = con.execute("select current_database()").fetchone()[0]
tables = con.execute("select table_schema, table_name from information_schema.tables "
                     "where table_catalog = ? and table_schema in (?, ?) "
                     "and table_type = 'BASE TABLE'", [db, sys.argv[2], sys.argv[3]]).fetchall()
print(json.dumps({f"{s}.{t}": con.execute(f'select count(*) from "{db}"."{s}"."{t}"').fetchone()[0]
                  for s, t in sorted(tables)}))
"""
    found = subprocess.run(
        [str(planning.venv_bin("python")), "-c", query, str(duckdb_path), RAW_SCHEMA,
         planning.PLANNING_SCHEMA],
        capture_output=True, text=True, timeout=600, check=True,
    )
    counts: dict[str, int] = json.loads(found.stdout)
    return counts


def bench(work: Path, scale: str = "medium", rows: int = 1_000_000) -> dict[str, Any]:
    """Generate, load, grow to `rows` (0: as loaded), build twice; every figure in one dict."""
    work.mkdir(parents=True, exist_ok=True)
    duckdb_path = work / "exact.duckdb"
    planning.ensure_dbt()
    log(f"generating the {scale} company (one division)")
    started = time.perf_counter()
    # Generating a million rows takes minutes: the start timeout allows for it.
    with SandboxServer(work / "sandbox", seed=1, divisions=1, scale=scale, start_timeout=3600,
                       no_rate_limits=True) as sandbox:
        generated = time.perf_counter() - started
        sandbox_rows = sum(sandbox.stats()[str(sandbox.divisions_list[0])].values())
        log(f"generated {sandbox_rows:,} rows in {generated:.0f} s; loading the planning streams")
        loaded = load(sandbox, work, duckdb_path)
    counts = row_counts(duckdb_path)
    loaded["rows"] = sum(n for name, n in counts.items() if name.startswith(RAW_SCHEMA + "."))
    log(f"loaded {loaded['rows']:,} rows in {loaded['wall_s']} s")
    copies = grow(duckdb_path, rows) if rows else 0
    counts = row_counts(duckdb_path)
    raw_rows = sum(n for name, n in counts.items() if name.startswith(RAW_SCHEMA + "."))
    log(f"{copies} copies of the line tables: {raw_rows:,} raw rows; dbt build")
    first = dbt_build(duckdb_path, work, "full")
    log(f"first build {first['wall_s']} s, {first['peak_rss_mb']} MB; again (incremental)")
    second = dbt_build(duckdb_path, work, "incremental")
    counts = row_counts(duckdb_path)
    return {
        "scale": scale,
        "sandbox_rows": sandbox_rows,
        "generate_s": round(generated, 1),
        "line_table_copies": copies,
        "raw_rows": raw_rows,
        "load": loaded,
        "first_build": first,
        "incremental_build": second,
        "marts": {name.split(".", 1)[1]: n for name, n in counts.items()
                  if name.startswith(planning.PLANNING_SCHEMA + ".")},
        "raw": {name.split(".", 1)[1]: n for name, n in counts.items()
                if name.startswith(RAW_SCHEMA + ".")},
        "duckdb_file_mb": round(duckdb_path.stat().st_size / 2**20, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--scale", default="medium", choices=("small", "medium", "large"))
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="grow the raw tables to this many rows (0: as loaded)")
    parser.add_argument("--work", default="", help="scratch dir (default: a temp dir)")
    parser.add_argument("--out", default="", help="results JSON (default benchmarks/results/)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="planning-bench-") as scratch:
        result = bench(Path(args.work or scratch), args.scale, args.rows)
    result["date"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    out = Path(args.out) if args.out else (
        HERE / "results" / f"planning-{result['date'][:10]}-{args.scale}.json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    log(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
