"""The bare loop as its own process: requests + json.loads + json.dumps over the sync pages.

The floor the tap is compared with, measured the way every tool is (benchmarks/measure.py): a
process of its own, its CPU from rusage (interpreter and imports included), its stdout a pipe
the benchmark counts lines from. Lines are written as a bare loop writes them, through Python's
stdout buffer. ``benchmarks/run.py`` also times the same loop inside its own process (no
start-up, stdout to /dev/null) and reports both.

Environment: ``RAW_LOOP_URL`` (first page), ``RAW_LOOP_PARAMS`` (JSON query of the first page),
``RAW_LOOP_TOKEN`` (access token, not on the command line), ``RAW_LOOP_CA`` (CA file, optional).
"""

from __future__ import annotations

import json
import os
import sys
from typing import TextIO

import requests


def loop(
    token: str, url: str | None, params: dict[str, str] | None, verify: str | bool, out: TextIO
) -> tuple[int, int]:
    """Every page from ``url`` on, each row as one ``json.dumps`` line on ``out``: (rows, pages)."""
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    records, pages = 0, 0
    while url and pages < 100_000:
        r = session.get(url, params=params, timeout=120, verify=verify)
        r.raise_for_status()
        d = json.loads(r.content)["d"]
        for rec in d["results"]:
            out.write(json.dumps(rec))
            out.write("\n")
        records += len(d["results"])
        url, params, pages = d.get("__next"), None, pages + 1
    return records, pages


def main() -> int:
    records, pages = loop(
        os.environ["RAW_LOOP_TOKEN"],
        os.environ["RAW_LOOP_URL"],
        json.loads(os.environ.get("RAW_LOOP_PARAMS") or "{}"),
        os.environ.get("RAW_LOOP_CA") or True,
        sys.stdout,
    )
    print(f"{records} rows, {pages} pages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
