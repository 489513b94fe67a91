"""The log of a demo-sized run (the seed streams, two divisions, Meltano's catalog of every stream
with the seed selected, divisions found at run time): no line per deselected stream, no repeated
line, no warning for intended behaviour, no contradictory pagination line, no huge line, a start
line per stream and a finish line per stream and division."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from tap_exact.seed_streams import SEED_001_STREAMS

from .conftest import base_catalog, run_tap

PREFIX = re.compile(r"^\S+ \S+ \| ")  # the timestamp


def _demo_catalog() -> dict[str, Any]:
    catalog = base_catalog()
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in SEED_001_STREAMS
    return catalog


def test_demo_sized_run_log(sandbox: Any, tmp_path: Path) -> None:
    catalog = _demo_catalog()
    run = run_tap(sandbox, tmp_path, [], catalog=catalog, divisions=[])
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stderr.splitlines()
    divisions = len(sandbox.divisions_list)
    streams = len(SEED_001_STREAMS)
    not_selected = len(catalog["streams"]) - streams

    assert not [line for line in lines if "Skipping deselected stream" in line]
    (summary,) = [line for line in lines if "streams not selected in the catalog" in line]
    assert f"{not_selected} streams not selected" in summary
    assert sum("Divisions to read" in line for line in lines) == 1
    for noise in ("assumed to be unsorted", "Pagination stopped", "Starting incremental sync",
                  "WARNING", "Traceback", "Sync summary:"):
        assert not [line for line in lines if noise in line], noise
    assert max(map(len, lines)) < 600
    messages = Counter(PREFIX.sub("", line) for line in lines)
    assert [m for m, n in messages.items() if n > 1] == []

    assert sum("Beginning sync of" in line for line in lines) == streams
    done = [line for line in lines if re.search(r" done division \d+: \d+ rows, .* calls", line)]
    assert len(done) == streams * divisions
    assert sum("| Summary stream " in line for line in lines) == streams + 1  # + shared lookups
    assert sum("| Summary division " in line for line in lines) == divisions
    # Everything else: version, env, token, per-division deletions, METRIC lines of the SDK.
    assert len(lines) <= 12 + streams * (1 + 4 * divisions) + 2 * (streams + 1 + divisions + 1)
