"""The `asset_files` stream against the sandbox: pictures, thumbnails, logos and attachments stored
by content, fetched once across runs, broken files as warnings, fsspec URLs, rate-limit
accounting (docs/assets.md)."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import fsspec
import pytest
from PIL import Image

from exact_sandbox.binaries import PICTURE_SIZE, THUMBNAIL_SIZE
from tap_exact.assets.settings import AssetSettings
from tap_exact.assets.stream import RETRY_KEY
from tap_exact.tap import TapExact

from .conftest import TapRun, parse_messages, path_calls, run_tap, summary_calls

ALL_KINDS = {"asset_pictures": True, "asset_logos": True, "asset_attachments": True}
THUMB = 32


def assets_catalog(**config: Any) -> dict[str, Any]:
    tap = TapExact(
        config={"client_id": "x", "client_secret": "y", **config}, validate_config=False
    )
    catalog = tap.catalog_dict
    catalog["streams"] = [s for s in catalog["streams"] if s["tap_stream_id"] == "asset_files"]
    for meta in catalog["streams"][0]["metadata"]:
        if meta["breadcrumb"] == []:
            meta["metadata"]["selected"] = True
    return catalog


def run_assets(
    sb: Any, tmp_path: Path, state: dict[str, Any] | None = None, **config: Any
) -> TapRun:
    settings = {"asset_thumbnail_size": THUMB, **config}
    run = run_tap(
        sb, tmp_path, [], state=state, catalog=assets_catalog(**settings), **settings,
        env={"TAP_EXACT_PROGRESS_SECONDS": "0"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def linked_rows(sb: Any) -> dict[str, int]:
    """How many files the sandbox's rows link to, per kind (read before counting calls)."""
    s = sb.session()
    wanted: Counter[str] = Counter()
    for d in sb.divisions_list:
        def rows(path: str, select: str, division: int = d) -> list[dict[str, Any]]:
            r = s.get(sb.api_url(path, division), params={"$select": select}, timeout=60)
            return list(r.json()["d"]["results"])

        for r in rows("{division}/sync/Logistics/Items", "PictureUrl,PictureThumbnailUrl"):
            wanted["picture"] += bool(r["PictureUrl"])
            wanted["thumbnail"] += bool(r["PictureUrl"])  # Exact's, or made by the tap
            wanted["exact_thumbnail"] += bool(r["PictureThumbnailUrl"])
        for r in rows("{division}/sync/CRM/Accounts", "LogoUrl"):
            wanted["logo"] += bool(r["LogoUrl"])
            wanted["logo_thumbnail"] += bool(r["LogoUrl"])
        for r in rows("{division}/sync/Documents/DocumentAttachments", "Url"):
            wanted["attachment"] += bool(r["Url"])
    return dict(wanted)


def remaining_today(sb: Any, division: int) -> int:
    """The division's daily calls left, as the sandbox says after counting this one."""
    probe = sb.session().get(
        sb.api_url("{division}/sync/Logistics/Items", division), params={"$select": "ID"},
        timeout=60,
    )
    return int(probe.headers["X-RateLimit-Remaining"])


def downloads(sb: Any) -> int:
    calls = sb.calls()
    return sum(n for path, n in calls["by_path"].items() if " /docs/" in path)


def test_fetched_once_content_addressed_with_thumbnails(fresh_sandbox: Any, tmp_path: Path) -> None:
    sb = fresh_sandbox(minutely_limit=2000)  # rate limits on: downloads are counted there too
    wanted = linked_rows(sb)
    store = tmp_path / "assets"
    d1 = sb.divisions_list[0]
    remaining_before = remaining_today(sb, d1)
    sb.reset_calls()

    first = run_assets(sb, tmp_path, asset_store=str(store), **ALL_KINDS)
    records = first.records["asset_files"]
    kinds = Counter(r["Kind"] for r in records)
    names = ("picture", "thumbnail", "logo", "logo_thumbnail", "attachment")
    assert {k: kinds[k] for k in names} == {k: wanted[k] for k in names}
    assert {r["Status"] for r in records} == {"stored"}
    # One request per file Exact serves; our thumbnails cost none.
    served = wanted["picture"] + wanted["exact_thumbnail"] + wanted["logo"] + wanted["attachment"]
    calls = sb.calls()
    assert downloads(sb) == served == sum(calls["downloads"].values())
    assert sum(not r["Generated"] for r in records) == served

    for r in records:  # content-addressed: the path is the sha256 of the bytes it holds
        data = Path(r["Path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == r["Sha256"] and len(data) == r["Size"]
        assert Path(r["Path"]).relative_to(store) == Path(
            "sha256", r["Sha256"][:2], r["Sha256"] + {"image/png": ".png",
                                                      "application/pdf": ".pdf"}[r["ContentType"]]
        )
    for r in records:
        if r["Generated"]:
            assert max(r["Width"], r["Height"]) == THUMB
            with Image.open(r["Path"]) as image:
                assert image.size == (r["Width"], r["Height"])
        elif r["Kind"] == "thumbnail":
            assert (r["Width"], r["Height"]) == THUMBNAIL_SIZE  # Exact's own, as served
        elif r["Kind"] == "picture":
            assert (r["Width"], r["Height"]) == PICTURE_SIZE
    picture = next(r for r in records if r["Kind"] == "picture")
    assert picture["Entity"] == "Items" and picture["Source"] == "items"
    assert picture["FileName"].endswith(".png") and picture["SourceModified"]

    # Every call of the run, downloads included, is in the tap's summary and was counted
    # against the division's rate limit (what the sandbox says remains of the day).
    assert summary_calls(first.stderr)["asset_files"] == calls["total"]
    assert remaining_today(sb, d1) == remaining_before - calls["by_division"][str(d1)] - 1

    # Second run from the saved state: nothing changed, nothing downloaded.
    sb.reset_calls()
    second = run_assets(sb, tmp_path, state=first.states[-1], asset_store=str(store), **ALL_KINDS)
    assert second.records.get("asset_files", []) == [] and downloads(sb) == 0
    assert path_calls(sb.calls(), "/sync/Logistics/Items") == 2  # one per division

    # State lost, same store: every row read again, no file asked for again (the index).
    sb.reset_calls()
    third = run_assets(sb, tmp_path, asset_store=str(store), **ALL_KINDS)
    assert downloads(sb) == 0
    key = lambda r: (r["Division"], r["Entity"], r["Key"], r["Kind"])  # noqa: E731
    assert {key(r): r["Sha256"] for r in third.records["asset_files"]} == {
        key(r): r["Sha256"] for r in records
    }
    index = json.loads((store / "index.json").read_text())
    assert len(index["entries"]) == served + wanted["thumbnail"] - wanted["exact_thumbnail"] + (
        wanted["logo_thumbnail"]
    )

    # A row that changed (its Modified moved) is asked for with If-None-Match: a 304, no file.
    sb.control("POST", "update", {"division": d1, "entity": "logistics/Items",
                                  "key": picture["Key"], "changes": {"Description": "new name"}})
    sb.reset_calls()
    fourth = run_assets(sb, tmp_path, state=third.states[-1], asset_store=str(store), **ALL_KINDS)
    assert downloads(sb) >= 1 and sb.calls()["downloads"] == {}
    again = next(r for r in fourth.records["asset_files"] if key(r) == key(picture))
    assert again["Sha256"] == picture["Sha256"] and again["Status"] == "stored"


def test_missing_and_broken_files_are_warnings(fresh_sandbox: Any, tmp_path: Path) -> None:
    sb = fresh_sandbox(no_rate_limits=True, faults="badimage:path=/docs/SysImage,times=1")
    d1 = sb.divisions_list[0]
    ghost = str(uuid.uuid4())
    missing = sb.insert_rows(d1, "logistics/Items", [{
        "ID": str(uuid.uuid4()), "Code": "NOPIC", "Description": "picture deleted in Exact",
        "PictureUrl": f"{sb.base_url}/docs/SysImage.aspx?Table=Items&ID={ghost}&_Division_={d1}",
    }])[0]
    foreign = sb.insert_rows(d1, "logistics/Items", [{
        "ID": str(uuid.uuid4()), "Code": "CDN", "Description": "picture elsewhere",
        "PictureUrl": "https://images.example.invalid/item.png",
    }])[0]

    run = run_assets(sb, tmp_path, asset_store=str(tmp_path / "a"), asset_pictures=True,
                     divisions=[d1])
    by_key = {(r["Key"], r["Kind"]): r for r in run.records["asset_files"]}
    assert by_key[(missing["ID"], "picture")]["Status"] == "missing"
    assert by_key[(foreign["ID"], "picture")]["Status"] == "broken"
    assert "images.example.invalid" in by_key[(foreign["ID"], "picture")]["Error"]
    broken = [r for r in run.records["asset_files"] if r["Status"] == "broken" and r is not
              by_key[(foreign["ID"], "picture")]]
    assert len(broken) == 1 and "not a readable image" in broken[0]["Error"]
    for r in (by_key[(missing["ID"], "picture")], broken[0]):
        assert f"assets: Items {r['Key']} (division {d1}) {r['Kind']} is {r['Status']}" in (
            run.stderr
        )
    assert sum(r["Status"] == "stored" for r in run.records["asset_files"]) > 10

    # The cut picture (a transient failure) is asked for again next run and stored then.
    partitions = run.states[-1]["bookmarks"]["asset_files"]["partitions"]
    pending = [p["context"] for p in partitions if p.get(RETRY_KEY)]
    assert len(pending) == 1
    sb.reset_calls()
    retry = run_assets(sb, tmp_path, state=run.states[-1], asset_store=str(tmp_path / "a"),
                       asset_pictures=True, divisions=[d1])
    assert [(r["Key"], r["Status"]) for r in retry.records["asset_files"]] == [
        (broken[0]["Key"], "stored")
    ]
    assert downloads(sb) == 1


def test_fsspec_memory_store(
    sandbox: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d1 = sandbox.divisions_list[0]
    url = f"memory://exact-assets-{uuid.uuid4().hex}"
    config = {**sandbox.config, "divisions": [d1], "asset_logos": True, "asset_store": url,
              "asset_thumbnail_size": 16}
    tap = TapExact(config=config, catalog=assets_catalog(**config), validate_config=True)
    assert tap.run_sync() == 0
    _, records = parse_messages(capsys.readouterr().out)
    logos = records["asset_files"]
    assert logos and {r["Status"] for r in logos} == {"stored"}
    fs = fsspec.filesystem("memory")
    for r in logos:
        assert r["Path"].startswith("memory://")
        data = fs.cat_file(r["Path"])
        assert hashlib.sha256(data).hexdigest() == r["Sha256"]
        with Image.open(io.BytesIO(data)) as image:
            assert max(image.size) == (16 if r["Generated"] else 64)
    assert fs.exists(f"{url}/index.json")


def test_no_assets_stream_unless_asked(tmp_path: Path) -> None:
    names = {s["tap_stream_id"] for s in TapExact(
        config={"client_id": "x", "client_secret": "y"}, validate_config=False
    ).catalog_dict["streams"]}
    assert "asset_files" not in names and "assets" in names  # Exact's fixed assets
    assert assets_catalog(asset_attachments=True)["streams"][0]["key_properties"] == [
        "Division", "Entity", "Key", "Kind"
    ]


def test_asset_settings() -> None:
    settings = AssetSettings.from_config({"asset_pictures": "true", "asset_thumbnail_size": "64"})
    assert settings.enabled and settings.pictures and not settings.logos
    assert settings.thumbnail_size == 64 and settings.store == "exact-assets"
    assert not AssetSettings.from_config({}).enabled
    with pytest.raises(ValueError, match="asset_thumbnail_size"):
        AssetSettings.from_config({"asset_thumbnail_size": -1})
    with pytest.raises(ValueError, match="asset_logos"):
        AssetSettings.from_config({"asset_logos": "maybe"})
