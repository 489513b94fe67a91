"""Decode cost of the client's record kinds: dicts (the tap's decoding) vs msgspec Structs.

    python -m benchmarks.records [--rows 1000] [--repeat 7]

A synthetic 1000-row ``bulk/Logistics/Items`` JSON page (every field filled, Exact's formats:
``/Date(…)/``, GUID strings) is decoded with :func:`exact_online.decoding.decode_json` (what the
tap and ``records="dict"`` use), then converted to the endpoint's Struct (``records="struct"``) in
PascalCase and in snake_case. Best of ``--repeat`` runs, milliseconds per page.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from exact_online.decoding import decode_json
from exact_online.records import to_records
from exact_online.registry import load_registry

_SAMPLE: dict[str, Any] = {
    "Edm.DateTime": "/Date(1641034800000)/",
    "Edm.Int32": 1,
    "Edm.Int64": "493115",
    "Edm.Byte": 1,
    "Edm.Double": 1.5,
    "Edm.Boolean": True,
}


def _page(rows: int) -> bytes:
    entity = load_registry().by_stream("items")
    assert entity.bulk is not None
    out = []
    for _ in range(rows):
        row: dict[str, Any] = {"__metadata": {"uri": "…", "type": "Exact.Web.Api.Models.Item"}}
        for fl in entity.bulk.scalar_fields:
            row[fl.name] = str(uuid.uuid4()) if fl.edm_type == "Edm.Guid" else _SAMPLE.get(
                fl.edm_type, "text"
            )
        out.append(row)
    return json.dumps({"d": {"results": out}}).encode()


def _best(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    entity = load_registry().by_stream("items")
    endpoint = entity.bulk
    assert endpoint is not None
    body = _page(args.rows)
    rows = decode_json(body, endpoint).records
    print(f"{args.rows} rows x {len(endpoint.scalar_fields)} fields, best of {args.repeat} (ms):")
    ms = _best(lambda: decode_json(body, endpoint), args.repeat)
    print(f"  decode to dicts (tap, records='dict')  {ms:7.1f}")
    for case in ("pascal", "snake"):
        to_records(rows, entity, endpoint, case=case, kind="struct")  # build the type once
        ms = _best(lambda: to_records(rows, entity, endpoint, case=case, kind="struct"),  # noqa: B023
                   args.repeat)
        print(f"  + dicts -> Structs ({case:6})          {ms:7.1f}")
    ms = _best(lambda: to_records(rows, entity, endpoint, case="snake", kind="dict"), args.repeat)
    print(f"  + dicts -> snake_case dicts           {ms:7.1f}")


if __name__ == "__main__":
    main()
