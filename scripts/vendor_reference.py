#!/usr/bin/env python3
"""Copy Exact's API reference (``endpoints.json`` and ``FACTS.md``) into ``reference/``.

    python scripts/vendor_reference.py [--from DIR] [--to DIR] [--check]

``DIR`` defaults to ``../shared/exact-api`` beside the repository, where the reference is kept
during development. ``endpoints.json`` (1.5 MB) is stored gzip-compressed (54 KB) with a fixed
header timestamp, so the same input gives the same file; ``FACTS.md`` is copied as it is. After
vendoring, ``make registry`` rebuilds ``exact_online/data/registry.json`` from the copy.
``--check`` writes nothing and exits 1 when the copy differs from ``DIR``.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FROM = ROOT.parent / "shared" / "exact-api"
DEFAULT_TO = ROOT / "reference"
ENDPOINTS = "endpoints.json"
FACTS = "FACTS.md"


def vendored_files(source: Path) -> dict[str, bytes]:
    """The files to write below the target directory, by name."""
    endpoints = (source / ENDPOINTS).read_bytes()
    return {
        f"{ENDPOINTS}.gz": gzip.compress(endpoints, compresslevel=9, mtime=0),
        FACTS: (source / FACTS).read_bytes(),
    }


def same_content(name: str, current: Path, wanted: bytes) -> bool:
    """Compressed files compare by content: another zlib may compress the same bytes otherwise."""
    if not current.exists():
        return False
    if name.endswith(".gz"):
        return gzip.decompress(current.read_bytes()) == gzip.decompress(wanted)
    return current.read_bytes() == wanted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, default=DEFAULT_FROM)
    parser.add_argument("--to", dest="target", type=Path, default=DEFAULT_TO)
    parser.add_argument("--check", action="store_true", help="fail if the copy is stale")
    args = parser.parse_args(argv)

    try:
        files = vendored_files(args.source)
    except FileNotFoundError as exc:
        print(f"no reference to vendor: {exc}", file=sys.stderr)
        return 2
    stale = [n for n, data in files.items() if not same_content(n, args.target / n, data)]
    if args.check:
        for name in stale:
            print(f"{args.target / name} differs from {args.source}", file=sys.stderr)
        return 1 if stale else 0
    args.target.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (args.target / name).write_bytes(files[name])
    print(f"{len(stale)} of {len(files)} reference files updated in {args.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
