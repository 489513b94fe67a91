"""Dates keep their calendar day: Exact datetimes leave the tap with Amsterdam's offset (or UTC by
setting), while Modified bookmarks stay UTC and correct across a DST change."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from exact_online.decoding import decode_atom, decode_json
from exact_online.registry import load_registry
from exact_online.timeconv import (
    as_amsterdam,
    parse_exact_date_local,
    wall_ms_to_local,
    wall_ms_to_utc,
)

from .conftest import run_tap

_EPOCH = datetime(1970, 1, 1)
UTC = timezone.utc


def _wall_ms(*parts: int) -> int:
    return int((datetime(*parts) - _EPOCH).total_seconds() * 1000)


def test_local_datetimes_are_the_same_instant_with_amsterdam_offset() -> None:
    summer = _wall_ms(2026, 10, 20, 0, 0)
    winter = _wall_ms(2026, 12, 1, 9, 30)
    assert wall_ms_to_local(summer).isoformat() == "2026-10-20T00:00:00+02:00"
    assert wall_ms_to_local(summer) == wall_ms_to_utc(summer)  # same instant
    assert wall_ms_to_utc(summer).isoformat() == "2026-10-19T22:00:00+00:00"
    assert wall_ms_to_local(winter).isoformat() == "2026-12-01T09:30:00+01:00"
    # One tzinfo object per offset, shared by every value (no per-value zone objects).
    assert wall_ms_to_local(summer).tzinfo is wall_ms_to_local(summer + 3_600_000).tzinfo
    # The autumn hour that happens twice is read as its first occurrence (CEST), as in UTC mode.
    fold = _wall_ms(2026, 10, 25, 2, 30)
    assert wall_ms_to_local(fold).isoformat() == "2026-10-25T02:30:00+02:00"
    assert parse_exact_date_local(f"/Date({summer})/").isoformat() == "2026-10-20T00:00:00+02:00"
    assert as_amsterdam(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)).isoformat() == (
        "2026-03-29T03:30:00+02:00"
    )


def _warehouse(code: str, wall_ms: int) -> dict[str, Any]:
    return {"ID": str(uuid.uuid4()), "Code": code, "Description": code, "Modified": wall_ms}


def test_modified_bookmark_across_the_october_dst_change(
    fresh_sandbox: Any, tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    d1 = sb.divisions_list[0]
    session = sb.session()
    url = sb.api_url("{division}/inventory/Warehouses", d1)
    old = session.get(url, params={"$select": "ID"}).json()["d"]["results"]
    sb.delete_rows(d1, "inventory/Warehouses", [r["ID"] for r in old])
    rows = {
        "CEST": _warehouse("CEST", _wall_ms(2026, 10, 25, 1, 30)),  # 23:30 UTC on the 24th
        "CET": _warehouse("CET", _wall_ms(2026, 10, 25, 3, 10)),  # 02:10 UTC
        "DAY": _warehouse("DAY", _wall_ms(2026, 10, 20, 0, 0)),  # 22:00 UTC on the 19th
    }
    sb.insert_rows(d1, "inventory/Warehouses", list(rows.values()))
    # A signpost (run start minus lookback) of ~02:40 UTC: later than the CET row's instant
    # (02:10 UTC), earlier than its wall-clock text (03:10+01:00). The SDK caps the bookmark at
    # the signpost comparing TEXT: it would save 02:40 UTC, and a row changed at 02:20 UTC but
    # committed late would never be read. Compared as instants, the bookmark is 02:10 UTC.
    signpost = datetime(2026, 10, 25, 2, 40, tzinfo=UTC)
    lookback = int((datetime.now(UTC) - signpost).total_seconds() // 60)

    first = run_tap(sb, tmp_path, ["warehouses"], lookback_minutes=lookback)
    assert first.returncode == 0, first.stderr[-3000:]
    mine = {r["Code"]: r for r in first.records["warehouses"] if r["Division"] == d1}
    assert {code: r["Modified"][:25] for code, r in mine.items()} == {
        "CEST": "2026-10-25T01:30:00+02:00",
        "CET": "2026-10-25T03:10:00+01:00",
        "DAY": "2026-10-20T00:00:00+02:00",
    }
    partition = next(
        p for p in first.states[-1]["bookmarks"]["warehouses"]["partitions"]
        if p["context"] == {"Division": d1}
    )
    saved = datetime.fromisoformat(partition["replication_key_value"])
    assert saved.utcoffset() == timedelta(0), partition  # bookmarks are UTC text
    assert saved == datetime(2026, 10, 25, 2, 10, tzinfo=UTC)

    # The late commit (03:20 CET = 02:20 UTC) is read; the CET row at the bookmark is not again.
    late = _warehouse("LATE", _wall_ms(2026, 10, 25, 3, 20))
    sb.insert_rows(d1, "inventory/Warehouses", [late])
    # warehouses is a reference stream (read daily by default): read it every run here.
    second = run_tap(sb, tmp_path, ["warehouses"], state=first.states[-1],
                     lookback_minutes=lookback, datetime_output="utc", reference_interval_hours=0)
    assert second.returncode == 0, second.stderr[-3000:]
    got = [r for r in second.records["warehouses"] if r["Division"] == d1]
    assert [r["Code"] for r in got] == ["LATE"]
    modified = datetime.fromisoformat(got[0]["Modified"])
    assert modified == datetime(2026, 10, 25, 2, 20, tzinfo=UTC)
    assert modified.utcoffset() == timedelta(0)  # datetime_output: utc

    third = run_tap(sb, tmp_path, ["warehouses"], state=second.states[-1],
                    lookback_minutes=lookback, reference_interval_hours=0)
    assert third.returncode == 0, third.stderr[-3000:]
    assert [r for r in third.records.get("warehouses", []) if r["Division"] == d1] == []


def test_json_and_atom_decode_to_the_same_local_datetimes() -> None:
    endpoint = load_registry().by_stream("items").sync
    assert endpoint is not None
    walls = {"Created": (2024, 7, 1, 12, 0), "Modified": (2024, 1, 15, 12, 0),
             "StartDate": (2024, 10, 27, 2, 30), "EndDate": (2024, 3, 31, 2, 30)}
    ms = {name: _wall_ms(*parts) for name, parts in walls.items()}
    body = {"d": {"results": [{"ID": "6e4c1f7a-0000-4a6b-9d3e-1234567890ab",
                               **{n: f"/Date({v})/" for n, v in ms.items()}}]}}
    props = f'<d:ID m:type="Edm.Guid">{body["d"]["results"][0]["ID"]}</d:ID>' + "".join(
        f'<d:{n} m:type="Edm.DateTime">{datetime(*p).isoformat()}</d:{n}>'
        for n, p in walls.items()
    )
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" '
        'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">'
        f'<entry><content type="application/xml"><m:properties>{props}</m:properties>'
        "</content></entry></feed>"
    ).encode()
    from_json = decode_json(json.dumps(body).encode(), endpoint, local=True).records[0]
    from_atom = decode_atom(atom, endpoint, local=True).records[0]
    assert from_json == from_atom
    texts = {n: from_json[n].isoformat() for n in walls}
    assert texts == {
        "Created": "2024-07-01T12:00:00+02:00",
        "Modified": "2024-01-15T12:00:00+01:00",
        "StartDate": "2024-10-27T02:30:00+02:00",  # the hour that happens twice: first one
        "EndDate": "2024-03-31T02:30:00+01:00",  # the hour that does not exist: winter offset
    }
    utc = decode_json(json.dumps(body).encode(), endpoint).records[0]
    assert all(utc[n] == from_json[n] and utc[n].utcoffset() == timedelta(0) for n in walls)
