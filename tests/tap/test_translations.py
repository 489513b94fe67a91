"""``description_languages``: the ``*_translations`` streams against the sandbox — one read per
division and language (calls counted), the language's texts, their own bookmark per division and
language (a second run reads nothing, a changed translation comes back alone), and no such
streams without languages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from exact_online.registry import load_registry
from exact_sandbox.testing import SandboxServer
from tap_exact.settings import TapSettings
from tap_exact.tap import TapExact
from tap_exact.translations import LANGUAGE_KEY

from .conftest import expected_count, path_calls, run_tap

Fresh = Callable[..., SandboxServer]
LANGUAGES = ["DE", "fr-be"]
TRANSLATION_STREAMS = [
    "items_translations", "item_groups_translations",
    "gl_accounts_translations", "gl_classifications_translations",
]


def _catalog(streams: list[str], languages: list[str]) -> dict[str, Any]:
    config = {"client_id": "x", "client_secret": "y", "description_languages": languages}
    catalog = TapExact(config=config, validate_config=False).catalog_dict
    catalog["streams"] = [s for s in catalog["streams"] if s["tap_stream_id"] in streams]
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = True
    return catalog


def _state_after(run: Any) -> dict[str, Any]:
    return run.states[-1]


def test_translations_streams_read_each_language_per_division(
    fresh_sandbox: Fresh, tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    divisions = sb.divisions_list
    stats = sb.stats()
    sb.reset_calls()
    run = run_tap(
        sb, tmp_path, TRANSLATION_STREAMS, catalog=_catalog(TRANSLATION_STREAMS, LANGUAGES),
        description_languages=LANGUAGES,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    # One page per (division, language): the small company has < 1000 (sync) / < 60 rows each.
    calls = sb.calls()
    per_partition = len(divisions) * len(LANGUAGES)
    assert path_calls(calls, "/sync/Logistics/Items") == per_partition
    assert path_calls(calls, "/sync/Financial/GLAccounts") == per_partition
    assert path_calls(calls, "/sync/Financial/GLClassifications") == per_partition
    assert path_calls(calls, "/logistics/ItemGroups") == per_partition
    # Besides: finding the divisions once (current/Me, system/Divisions); no SyncTimestamp call
    # (no start_date).
    others = {k: n for k, n in calls["by_path"].items() if "/Items" not in k and "GL" not in k
              and "ItemGroups" not in k}
    assert others == {
        "GET /api/v1/current/Me": 1, f"GET /api/v1/{divisions[0]}/system/Divisions": 1,
    }
    assert calls["total"] == 4 * per_partition + 2
    for stream in TRANSLATION_STREAMS:
        parent = stream.removesuffix("_translations")
        rows = run.records.get(stream, [])
        assert len(rows) == expected_count(stats, parent) * len(LANGUAGES), stream
        assert {r[LANGUAGE_KEY] for r in rows} == {"DE", "FR-BE"}
    items = run.records["items_translations"]
    by_lang = {(r["ID"], r[LANGUAGE_KEY]): r for r in items}
    for (key, lang), row in by_lang.items():
        assert row["Description"].endswith(f" [{lang}]"), row
        assert set(row) == {"ID", "Description", "ExtraDescription", "Timestamp", "Division",
                            "Language"}
        assert (key, "DE" if lang == "FR-BE" else "FR-BE") in by_lang


def test_translations_are_incremental_per_division_and_language(
    fresh_sandbox: Fresh, tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    division = sb.divisions_list[0]
    streams = ["items_translations"]
    catalog = _catalog(streams, LANGUAGES)
    first = run_tap(sb, tmp_path, streams, catalog=catalog, description_languages=LANGUAGES)
    assert first.returncode == 0, first.stderr[-3000:]
    state = _state_after(first)
    partitions = state["bookmarks"]["items_translations"]["partitions"]
    assert {(p["context"]["Division"], p["context"]["Language"]) for p in partitions} == {
        (d, lang) for d in sb.divisions_list for lang in ("DE", "FR-BE")
    }
    assert all(isinstance(p["replication_key_value"], int) for p in partitions)

    (tmp_path / "2").mkdir()
    second = run_tap(sb, tmp_path / "2", streams, state=state, catalog=catalog,
                     description_languages=LANGUAGES)
    assert second.returncode == 0, second.stderr[-3000:]
    assert second.records.get("items_translations", []) == []

    key = first.records["items_translations"][0]["ID"]
    sb.set_translation(division, "logistics/Items", key, "DE", {"Description": "Bürostuhl"})
    (tmp_path / "3").mkdir()
    sb.reset_calls()
    third = run_tap(sb, tmp_path / "3", streams, state=_state_after(second), catalog=catalog,
                    description_languages=LANGUAGES)
    assert third.returncode == 0, third.stderr[-3000:]
    rows = {
        (r["ID"], r[LANGUAGE_KEY]): r["Description"] for r in third.records["items_translations"]
    }
    # The change moved the item's Timestamp: both languages of that one item, nothing else.
    assert set(rows) == {(key, "DE"), (key, "FR-BE")}
    assert rows[(key, "DE")] == "Bürostuhl"
    assert rows[(key, "FR-BE")].endswith(" [FR-BE]")
    assert path_calls(sb.calls(), "/sync/Logistics/Items") == 2 * len(LANGUAGES)


def test_no_languages_no_translations_streams() -> None:
    tap = TapExact(config={"client_id": "x", "client_secret": "y"}, validate_config=False)
    assert not [n for n in tap.streams if n.endswith("_translations")]
    with_languages = TapExact(
        config={"client_id": "x", "client_secret": "y", "description_languages": "en,de"},
        validate_config=True,
    )
    found = sorted(n for n in with_languages.streams if n.endswith("_translations"))
    assert found == sorted(TRANSLATION_STREAMS)
    for name in found:
        stream = with_languages.streams[name]
        assert stream.primary_keys == (*load_registry().by_stream(
            name.removesuffix("_translations")).key, "Language")
        assert stream.selected_by_default


def test_a_language_code_of_another_form_is_refused_at_start_up() -> None:
    config = {"client_id": "x", "client_secret": "y", "description_languages": ["German"]}
    with pytest.raises(ValueError, match="description_languages: 'German'"):
        TapSettings.from_config(config)
    assert TapSettings.from_config(
        {"client_id": "x", "client_secret": "y", "description_languages": "nl-be, EN"}
    ).description_languages == ("NL-BE", "EN")
