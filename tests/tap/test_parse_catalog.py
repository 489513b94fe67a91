"""``--catalog``'s text parsed without the deselected entries' bodies (run_catalog.parse_catalog):
what the SDK then gets is what ``json.loads`` + ``run_catalog`` gave it before."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tap_exact.run_catalog import parse_catalog, run_catalog

from .test_run_catalog import meltano_catalog


def _same_run(text: str) -> None:
    ours, before = run_catalog(parse_catalog(text)), run_catalog(json.loads(text))
    assert ours.deselected == before.deselected
    assert json.dumps(ours.catalog) == json.dumps(before.catalog)  # key order too


def test_meltano_catalog_gives_the_same_run() -> None:
    catalog = meltano_catalog({"items", "deleted"})
    text = json.dumps({"version": 1, **catalog, "extra": {"x": [1, 2.5]}})
    _same_run(text)
    parsed = parse_catalog(text)
    assert list(parsed) == ["version", "streams", "extra"]
    stubs = [e for e in parsed["streams"] if e["tap_stream_id"] not in {"items", "deleted"}]
    assert stubs and all(set(e) == {"tap_stream_id", "metadata"} for e in stubs)


def test_a_catalog_with_nothing_deselected_is_json_loads() -> None:
    text = json.dumps({"streams": [{
        "tap_stream_id": "items",
        "metadata": [
            {"breadcrumb": ["properties", "ID"], "metadata": {"inclusion": "automatic"}},
            {"breadcrumb": [], "metadata": {"selected": True}},
        ],
        "schema": {"properties": {"ID": {"type": ["string", "null"]}}},
    }]})
    assert parse_catalog(text) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        "{}",
        '{"streams": null}',
        '{"streams": [1, "x", null, {"tap_stream_id": 5}]}',
        '{"streams": [{"tap_stream_id": "a", "metadata": null}]}',
        '{"streams": [{"tap_stream_id": "a", "metadata": [1, {"breadcrumb": []}]}]}',
        '{"streams": [{"tap_stream_id": "a", "metadata": [{"breadcrumb": [], "metadata": null},'
        ' {"breadcrumb": [], "metadata": {"selected": false}}]}]}',
        '{"streams": [{"tap_stream_id": "a", "x": NaN, "metadata": []}]}',
        '{"streams": [{"tap_stream_id": "\\ud800", "metadata": [{"breadcrumb": [], '
        '"metadata": {"selected": false}}]}]}',
        '{"streams": [{"tap_stream_id": "b", "metadata": [{"breadcrumb": [], '
        '"metadata": {"selected": false}}], "n": 123456789012345678901234567890}]}',
    ],
)
def test_odd_catalogs_give_what_json_loads_gave(text: str) -> None:
    _same_run(text)


@pytest.mark.parametrize("text", ["", "{", '{"streams": [}', "nul"])
def test_invalid_json_fails_as_json_loads_does(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    with pytest.raises(json.JSONDecodeError):
        parse_catalog(text)


def _entry(name: str, selected: Any) -> dict[str, Any]:
    return {"tap_stream_id": name, "metadata": [
        {"breadcrumb": ["properties", "ID"], "metadata": {"inclusion": "available"}},
        {"breadcrumb": [], "metadata": {"selected": selected, "selected-by-default": True}},
    ]}


def test_selection_follows_the_sdks_rule() -> None:
    text = json.dumps({"streams": [_entry("a", True), _entry("b", False), _entry("c", None)]})
    _same_run(text)
    assert run_catalog(parse_catalog(text)).deselected == ["b"]
