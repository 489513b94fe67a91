"""Divisions in parallel under Exact's limits: our tap reads D = 1, 2, 4, 8 divisions, each needing
more calls than one minute allows, with ``max_parallel_divisions`` = D (and one point with 1, the
old one-after-the-other behaviour, for contrast).

    python -m benchmarks.divisions                     # 60 calls per 60-second window (Exact's)
    python -m benchmarks.divisions --minute-seconds 20 # 60 calls per 20-second window: faster
    python -m benchmarks.divisions --quick             # tiny smoke variant (scaled-down limits)

The stream is ``warehouses`` (a plain endpoint: 60 rows per page, so few rows make many calls);
each division gets enough rows for ``--pages`` pages. Every run starts just after a window
boundary of the sandbox's clock, so each point waits for exactly one reset. Goal: the wall time
of D divisions within 1.25x of one division's. Call counts, the most requests of one division in
flight at once (must be 1) and the sandbox's 429s are reported with the times.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from exact_sandbox.cli import DB_NAME
from exact_sandbox.store import Store
from exact_sandbox.testing import SandboxServer

from .measure import run_process
from .peers import prepare_ours

STREAM = "warehouses"
ENTITY = "inventory/Warehouses"
PLAIN_PAGE = 60
GOAL_RATIO = 1.25


def log(msg: str) -> None:
    print(f"[bench-divisions {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def seed_pages(sb: SandboxServer, division: int, pages: int) -> int:
    """Warehouses in ``division`` up to ``pages`` full pages less half a page; the row count."""
    have = int(sb.stats()[str(division)].get(ENTITY, 0))
    want = max(0, pages * PLAIN_PAGE - PLAIN_PAGE // 2 - have)
    store = Store(Path(sb.data_dir) / DB_NAME)
    try:
        store.insert_many(
            division,
            ENTITY,
            ({"Code": f"B{division}-{i:05d}", "Description": "bench warehouse"}
             for i in range(want)),
        )
    finally:
        store.close()
    return have + want


def wait_for_window(window: float, margin: float = 0.2) -> None:
    """Sleep until just after the next window boundary (the sandbox's clock is ours here)."""
    time.sleep(window - (time.time() % window) + margin)


def run_point(
    sb: SandboxServer, divisions: list[int], parallel: int, work: Path, window: float
) -> dict[str, Any]:
    tag = f"-d{len(divisions)}-p{parallel}"
    prep = prepare_ours(sb.config, divisions, work, STREAM, tag=tag)
    cfg_path = Path(prep.argv[prep.argv.index("--config") + 1])
    cfg = json.loads(cfg_path.read_text())
    cfg["max_parallel_divisions"] = parallel
    cfg_path.write_text(json.dumps(cfg))
    sb.control("POST", "reset-limits")
    sb.reset_calls()
    wait_for_window(window)
    run = run_process(prep.argv, prep.env, cwd=work)
    calls = sb.calls()
    rows = {d: int(sb.stats()[str(d)].get(ENTITY, 0)) for d in divisions}
    return {
        **run.as_dict(),
        "divisions": len(divisions),
        "max_parallel_divisions": parallel,
        "rows": sum(rows.values()),
        "calls_by_division": calls.get("by_division"),
        "calls_total": calls.get("total"),
        "minimal_calls": sum(math.ceil(n / PLAIN_PAGE) for n in rows.values()),
        "max_in_flight_per_division": max((calls.get("max_in_flight") or {0: 0}).values()),
        "max_divisions_busy": calls.get("max_divisions_busy"),
        "refused_429": sb.control("GET", "limits").get("refused"),
    }


def bench(
    work: Path,
    *,
    counts: tuple[int, ...] = (1, 2, 4, 8),
    pages: int = 75,
    minute_seconds: float = 60.0,
    minutely_limit: int = 60,
    sequential_point: bool = True,
) -> dict[str, Any]:
    """The runs; ``sequential_point`` adds the largest D with ``max_parallel_divisions: 1``."""
    wdir = work / "divisions-limits"
    wdir.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {
        "stream": STREAM,
        "pages_per_division": pages,
        "minutely_limit": minutely_limit,
        "minute_seconds": minute_seconds,
        "daily_limit": 5000,
        "runs": {},
    }
    with SandboxServer(
        wdir, seed=1, divisions=max(counts), scale="small", tls=True,
        minutely_limit=minutely_limit, minute_seconds=minute_seconds,
    ) as sb:
        for d in sb.divisions_list:
            seed_pages(sb, d, pages)
        points = [(c, c) for c in counts]
        if sequential_point and max(counts) > 1:
            points.append((max(counts), 1))
        for count, parallel in points:
            log(f"D={count}, max_parallel_divisions={parallel}")
            out["runs"][f"{count}/{parallel}"] = run_point(
                sb, sb.divisions_list[:count], parallel, wdir, minute_seconds
            )
    base = out["runs"].get("1/1", {}).get("wall_s")
    for run in out["runs"].values():
        run["wall_vs_one_division"] = round(run["wall_s"] / base, 3) if base else None
    worst = max(
        (r["wall_vs_one_division"] or 0 for r in out["runs"].values()
         if r["max_parallel_divisions"] == r["divisions"]),
        default=0,
    )
    out["worst_parallel_ratio"] = worst
    out["goal_met"] = bool(worst) and worst <= GOAL_RATIO
    return out


def table(res: dict[str, Any]) -> str:
    lines = [
        f"{res['stream']}: {res['pages_per_division']} pages per division, "
        f"{res['minutely_limit']} calls per {res['minute_seconds']:g} s window per division",
        f"{'D':>3} {'parallel':>8} {'rows':>7} {'calls':>6} {'min':>5} {'wall s':>8} "
        f"{'x one':>6} {'cpu s':>6} {'in flight':>9} {'busy':>4} {'429s':>5} {'rc':>3}",
    ]
    for r in res["runs"].values():
        calls = sum((r.get("calls_by_division") or {}).values())
        lines.append(
            f"{r['divisions']:>3} {r['max_parallel_divisions']:>8} {r['rows']:>7} {calls:>6} "
            f"{r['minimal_calls']:>5} {r['wall_s']:>8} {r['wall_vs_one_division']:>6} "
            f"{r['cpu_s']:>6} {r['max_in_flight_per_division']:>9} "
            f"{r.get('max_divisions_busy') or '-':>4} "
            f"{sum((r.get('refused_429') or {}).values()):>5} {r['returncode']:>3}"
        )
    lines.append(
        f"worst parallel/one-division wall ratio {res['worst_parallel_ratio']} "
        f"(goal <= {GOAL_RATIO}: {'met' if res['goal_met'] else 'NOT met'})"
    )
    return "\n".join(lines)


def quick(work: Path) -> dict[str, Any]:
    """The smoke variant for ``benchmarks.run --quick``: scaled-down limits, seconds not minutes."""
    return bench(work, counts=(1, 2), pages=8, minute_seconds=3.0, minutely_limit=5,
                 sequential_point=False)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="tiny sizes and scaled-down limits")
    p.add_argument("--counts", default="1,2,4,8", help="division counts")
    p.add_argument("--pages", type=int, default=75, help="pages per division (60 rows each)")
    p.add_argument("--minute-seconds", type=float, default=60.0,
                   help="the sandbox's minute window (Exact: 60)")
    p.add_argument("--no-sequential", action="store_true",
                   help="skip the largest D read one division after another")
    p.add_argument("--work", default="", help="scratch dir (default: a temp dir)")
    p.add_argument("--out", default="", help="write the results JSON here")
    args = p.parse_args(argv)
    import tempfile

    work = Path(args.work or tempfile.mkdtemp(prefix="exact-bench-div-"))
    if args.quick:
        res = quick(work)
    else:
        counts = tuple(int(c) for c in args.counts.split(",") if c)
        res = bench(work, counts=counts, pages=args.pages, minute_seconds=args.minute_seconds,
                    sequential_point=not args.no_sequential)
    print(table(res))
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
