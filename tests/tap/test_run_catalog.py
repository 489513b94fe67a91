"""Meltano's catalog (every stream listed, a few selected): the tap builds, and the SDK parses and
maps, only the selected streams (tap_exact/run_catalog.py); the run's "not selected" line still
counts every deselected entry, --plan names only the selected streams, and the STATE of a stream
that was not built comes out of the run unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from singer_sdk import singerlib as singer

from tap_exact.run_catalog import run_catalog
from tap_exact.streams import stream_classes
from tap_exact.tap import TapExact

from .conftest import base_catalog, catalog_for, run_tap, write_config

CONFIG = {"client_id": "x", "client_secret": "y"}


def meltano_catalog(selected: set[str]) -> dict[str, Any]:
    """Every discovered stream listed, ``selected`` selected, the rest ``selected: false``."""
    catalog = base_catalog()
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in selected
    return catalog


def test_deselected_entries_are_cut_before_the_sdk_sees_them() -> None:
    catalog = meltano_catalog({"items", "deleted"})
    listed = [e["tap_stream_id"] for e in catalog["streams"]]
    cut = run_catalog(catalog)
    assert [e["tap_stream_id"] for e in cut.catalog["streams"]] == [
        name for name in listed if name in {"items", "deleted"}
    ]
    assert sorted(cut.deselected) == sorted(set(listed) - {"items", "deleted"})
    # The SDK's object form is cut the same way.
    parsed = run_catalog(singer.Catalog.from_dict(catalog))
    assert set(parsed.catalog) == {"items", "deleted"}
    assert sorted(parsed.deselected) == sorted(cut.deselected)


def test_entries_without_stream_metadata_are_left_to_the_sdk() -> None:
    catalog = catalog_for(["items", "units"])
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] == "units":
            entry["metadata"] = [m for m in entry["metadata"] if m["breadcrumb"] != []]
    cut = run_catalog(catalog)
    assert cut.deselected == []
    assert cut.catalog is catalog
    assert run_catalog(None).catalog is None


def test_the_tap_builds_and_maps_only_the_selected_streams() -> None:
    tap = TapExact(config=CONFIG, catalog=meltano_catalog({"items"}), validate_config=False)
    assert list(tap.streams) == ["items"]
    assert set(tap.mapper.stream_maps) == {"items"}
    assert tap.streams["items"].selected


def test_no_stream_has_a_parent_stream() -> None:
    # run_catalog cuts deselected entries: a parent a selected child needs would be cut with them.
    assert [c.name for c in stream_classes() if c.parent_stream_type is not None] == []


def test_run_with_meltano_catalog_keeps_state_of_streams_not_built(
    sandbox: Any, tmp_path: Path
) -> None:
    first = run_tap(sandbox, tmp_path, ["gl_accounts"])
    assert first.returncode == 0, first.stderr[-3000:]
    gl_bookmark = first.states[-1]["bookmarks"]["gl_accounts"]
    assert gl_bookmark.get("partitions")

    catalog = meltano_catalog({"items"})
    run = run_tap(sandbox, tmp_path, [], state=first.states[-1], catalog=catalog)
    assert run.returncode == 0, run.stderr[-3000:]
    assert set(run.records) == {"items"}
    final = run.states[-1]["bookmarks"]
    assert final["gl_accounts"] == gl_bookmark  # not built, passed through untouched
    assert final["items"].get("partitions")
    (line,) = [x for x in run.stderr.splitlines() if "streams not selected in the catalog" in x]
    assert f"{len(catalog['streams']) - 1} streams not selected" in line


def test_plan_with_meltano_catalog_names_only_the_selected(
    sandbox: Any, tmp_path: Path
) -> None:
    path = tmp_path / "meltano-catalog.json"
    path.write_text(json.dumps(meltano_catalog({"items", "units"})))
    config = write_config(sandbox, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "tap_exact", "--config", str(config), "--catalog", str(path),
         "--plan"],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    streams = {line["stream"] for line in json.loads(done.stdout)["lines"]}
    assert {s for s in streams if not s.startswith("(")} == {"items", "units"}
