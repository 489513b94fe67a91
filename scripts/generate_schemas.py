#!/usr/bin/env python3
"""Write ``tap_exact/schemas/<stream>.json`` for every readable entity in the registry.

    python scripts/generate_schemas.py [--check]

``--check`` exits 1 (and writes nothing) when a committed schema differs from the registry.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from exact_online.registry import load_registry  # noqa: E402
from tap_exact.edm_schema import entity_schema  # noqa: E402

TARGET = ROOT / "tap_exact" / "schemas"


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a committed schema is stale")
    args = parser.parse_args(argv)

    wanted = {f"{e.stream}.json": render(entity_schema(e)) for e in load_registry().readable()}
    existing = {p.name for p in TARGET.glob("*.json")}
    stale = sorted(
        name for name, text in wanted.items()
        if not (TARGET / name).exists() or (TARGET / name).read_text("utf-8") != text
    )
    extra = sorted(existing - set(wanted))
    if args.check:
        for name in stale:
            print(f"stale: {name}", file=sys.stderr)
        for name in extra:
            print(f"not in the registry: {name}", file=sys.stderr)
        return 1 if stale or extra else 0

    TARGET.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (TARGET / name).write_text(wanted[name], encoding="utf-8")
    for name in extra:
        (TARGET / name).unlink()
    print(f"{len(wanted)} schemas, {len(stale)} written, {len(extra)} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
