"""Every other stream, in ONE sync run over the shared sandbox (fast), checked per stream."""

from __future__ import annotations

from typing import Any

import pytest

from exact_online.registry import load_registry
from tap_exact.seed_streams import SEED_001_STREAMS
from tap_exact.streams import FunctionStream, stream_class

from .conftest import TapRun, expected_count, run_tap

OTHER = sorted(e.stream for e in load_registry().readable() if e.stream not in SEED_001_STREAMS)
_RUN: dict[str, Any] = {}


@pytest.fixture(scope="module")
def all_streams_run(sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> TapRun:
    if "run" not in _RUN:
        # opt_in_streams "*": the function, current/Me and system/* streams too (selection.py).
        _RUN["run"] = run_tap(sandbox, tmp_path_factory.mktemp("all"), OTHER, opt_in_streams=["*"])
        _RUN["stats"] = sandbox.stats()
        _RUN["home"] = sandbox.divisions_list[0]
    return _RUN["run"]


def test_the_run_succeeds(all_streams_run: TapRun) -> None:
    assert all_streams_run.returncode == 0, all_streams_run.stderr[-4000:]


@pytest.mark.parametrize("stream", OTHER)
def test_stream(all_streams_run: TapRun, stream: str) -> None:
    cls = stream_class(load_registry().by_stream(stream))
    records = all_streams_run.records.get(stream, [])
    if issubclass(cls, FunctionStream):
        return  # functions may need parameters: a warning, no rows, no failure
    entity = load_registry().by_stream(stream)
    in_store = any(entity.qualified_name in per_div for per_div in _RUN["stats"].values())
    if entity.service == "system":
        # Per-user tables: read once, in the first division; no key repeats.
        assert {r["Division"] for r in records} <= {_RUN["home"]}, stream
        key_names = cls(_tap()).primary_keys or ()
        keys = [tuple(r.get(k) for k in key_names) for r in records]
        assert len(keys) == len(set(keys)), stream
    elif in_store:
        assert len(records) == expected_count(_RUN["stats"], stream), stream
    properties = cls(_tap()).schema["properties"]
    for record in records:
        assert set(record) <= set(properties), stream


def _tap() -> Any:
    from tap_exact.tap import TapExact

    if "tap" not in _RUN:
        _RUN["tap"] = TapExact(config={"client_id": "x", "client_secret": "y"},
                               validate_config=False)
    return _RUN["tap"]
