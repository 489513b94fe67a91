"""Render a results JSON as the markdown tables of docs/benchmarks.md (between the bench markers).

python -m benchmarks.report benchmarks/results/latest.json   # rewrites the tables in the doc
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .startup import startup_table

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def _tool_rows(res: dict[str, Any]) -> list[str]:
    rows = [
        "| tool | records | API calls (entity pages) | wall s | CPU s | records per CPU s | "
        "peak RSS MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, t in res["tools"].items():
        if "error" in t:
            rows.append(f"| {name} | could not run: {t['error'][:160]} | | | | | |")
            continue
        c = t["calls"]
        failed = "" if t["returncode"] == 0 else f" (exit {t['returncode']})"
        rows.append(
            f"| {name}{failed} | {t['records']:,} | {c['total']} ({c['entity_pages']}) | "
            f"{t['wall_s']} | {t['cpu_s']} | {t['records_per_cpu_s'] or '-'} | "
            f"{t['peak_rss_mb']} |"
        )
    raw = res.get("raw_loop")
    if raw:
        proc = raw.get("process")
        if proc:
            rows.append(
                f"| raw `requests` + `json.loads` + `json.dumps` loop, its own process | "
                f"{proc['records']:,} | {raw['pages']} | {proc['wall_s']} | {proc['cpu_s']} | "
                f"{proc['records_per_cpu_s']} | {proc['peak_rss_mb']} |"
            )
        rows.append(
            f"| the same loop inside the benchmark (no start-up, to /dev/null) | "
            f"{raw['records']:,} | {raw['pages']} | {raw['wall_s']} | {raw['cpu_s']} | "
            f"{raw['records_per_cpu_s']} | |"
        )
    return rows


def _rounds(res: dict[str, Any]) -> str:
    """The CPU seconds of every round, where ours and the loop ran more than once."""
    ours = res["tools"].get("ours", {}).get("cpu_s_runs") or []
    loop = res.get("raw_loop") or {}
    if len(ours) < 2:
        return ""
    return (
        f"CPU seconds of the {len(ours)} interleaved rounds (least kept above): ours {ours}, "
        f"the loop as its own process {(loop.get('process') or {}).get('cpu_s_runs')}, "
        f"inside the benchmark {loop.get('cpu_s_runs')}."
    )


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    load = m.get("load_avg_at_start")
    out = [
        f"Run {results['date']} on {m['platform']}, {m['cores']} cores, {m['memory_gb']} GB, "
        f"Python {m['python']}; command `{results['command']}`; entity `{results['entity']}`"
        + (f"; load average {load} at start." if load else "."),
        "",
    ]
    for n, res in results.get("extract", {}).items():
        out += [
            f"### {int(n):,} rows seeded ({res['rows_in_division']:,} in the division), "
            f"no rate limits",
            "",
            f"Minimal calls for ours: ceil(rows/1000) + 1 = {res['minimal_calls']} in the "
            "division (plus `current/Me`, which does not count).",
            "",
            *_tool_rows(res),
            "",
        ]
        rounds = _rounds(res)
        if rounds:
            out += [rounds, ""]
        if res.get("ours_vs_raw_process_cpu_ratio") is not None:
            out += [
                "Ours / raw loop, records per CPU second, both whole processes (start-up "
                f"included on both sides): **{res['ours_vs_raw_process_cpu_ratio']}**.",
                "",
            ]
        if res.get("ours_vs_raw_cpu_ratio") is not None:
            out += [
                "Ours (whole process) / the loop inside the benchmark (no start-up): "
                f"{res['ours_vs_raw_cpu_ratio']}.",
                "",
            ]
    for n, res in results.get("limits", {}).items():
        out += [f"### {int(n):,} rows with the real limits (60 calls per minute)", ""]
        out += [
            "| tool | division calls | wall minutes | yardstick: calls / 60 minutes |",
            "| --- | ---: | ---: | ---: |",
        ]
        for name, t in res["tools"].items():
            if "error" in t:
                out.append(f"| {name} | could not run: {t['error'][:160]} | | |")
                continue
            calls = t["calls"]["division"] or 0
            out.append(f"| {name} | {calls} | {t['wall_s'] / 60:.2f} | {calls / 60:.2f} |")
        out.append("")
    if results.get("rss"):
        out += ["### Peak RSS of ours", "", "| rows | peak RSS MB |", "| ---: | ---: |"]
        out += [f"| {int(n):,} | {r['peak_rss_mb']} |" for n, r in results["rss"].items()]
        out.append("")
    if results.get("divisions"):
        d = results["divisions"]
        out += [
            f"### Divisions in parallel ({d['stream']}, {d['pages_per_division']} pages per "
            f"division, {d['minutely_limit']} calls per {d['minute_seconds']:g}-second window "
            "per division)",
            "",
            "| D | max_parallel_divisions | rows | calls (minimal) | wall s | x one division | "
            "CPU s | per-division in flight | divisions busy at once | 429s |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in d["runs"].values():
            calls = sum((r.get("calls_by_division") or {}).values())
            out.append(
                f"| {r['divisions']} | {r['max_parallel_divisions']} | {r['rows']:,} | {calls} "
                f"({r['minimal_calls']}) | {r['wall_s']} | {r['wall_vs_one_division']} | "
                f"{r['cpu_s']} | {r['max_in_flight_per_division']} | "
                f"{r.get('max_divisions_busy') or '-'} | "
                f"{sum((r.get('refused_429') or {}).values())} |"
            )
        out.append("")
    if results.get("startup"):
        out += [
            "### Start-up (CPU seconds of the process, min and median of "
            f"{results['startup']['repeat']} runs)",
            "",
            *startup_table(results["startup"]),
            "",
        ]
    t = results.get("target")
    if t:
        out += [
            "### Target: buy orders to purchase orders",
            "",
            f"{t['orders']:,} orders, {t['suppliers']} suppliers, {t['items']} items: "
            f"{t['calls_per_1000_orders']} API calls and {t['seconds_per_1000_orders']} s per "
            f"1,000 orders; {t['purchase_orders_in_sandbox']:,} purchase orders in the sandbox "
            f"afterwards; exit {t['returncode']}.",
            "",
        ]
    return "\n".join(out)


def update_doc(results: dict[str, Any], doc: Path = DOC) -> None:
    text = doc.read_text() if doc.exists() else f"{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{BEGIN}\n{render(results)}\n{END}{tail}")


if __name__ == "__main__":
    update_doc(json.loads(Path(sys.argv[1]).read_text()))
