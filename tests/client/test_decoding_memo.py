"""Dates are parsed once per distinct text (decoding's memo): the same values as parsing each,
in UTC and with Amsterdam's offset, and the memo stays bounded."""

from __future__ import annotations

import json

import pytest

from exact_online import decoding
from exact_online.registry import load_registry
from exact_online.timeconv import parse_exact_date, parse_exact_date_local

ITEMS = load_registry().find("logistics/Items").sync  # type: ignore[union-attr]
WALLS = [1719835200000 + i * 3_600_000 for i in range(6)]


def _page(rows: list[dict[str, object]]) -> bytes:
    return json.dumps({"d": {"results": rows}}).encode()


@pytest.mark.parametrize("local", [False, True])
def test_repeated_dates_decode_as_each_alone(local: bool) -> None:
    parse = parse_exact_date_local if local else parse_exact_date
    rows = [
        {"ID": f"{i:08d}-0000-0000-0000-000000000000", "Created": f"/Date({WALLS[i % 3]})/",
         "Modified": f"/Date({WALLS[0]})/"}
        for i in range(9)
    ]
    records = decoding.decode_json(_page(rows), ITEMS, local).records
    for row, rec in zip(rows, records, strict=True):
        for name in ("Created", "Modified"):
            assert rec[name] == parse(str(row[name]))
            assert rec[name].isoformat() == parse(str(row[name])).isoformat()


def test_the_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoding, "_MEMO_MAX", 3)
    monkeypatch.setattr(decoding, "_utc_dates", {})
    rows = [{"Created": f"/Date({wall})/"} for wall in WALLS]
    records = decoding.decode_json(_page(rows), ITEMS).records
    assert [r["Created"] for r in records] == [parse_exact_date(f"/Date({w})/") for w in WALLS]
    assert len(decoding._utc_dates) <= 3


def test_a_bad_date_is_kept_as_sent_and_not_remembered() -> None:
    rows = [{"ID": "a", "Created": "/Date(not-a-number)/"}]
    records = decoding.decode_json(_page(rows), ITEMS).records
    assert records[0]["Created"] == "/Date(not-a-number)/"
    assert "/Date(not-a-number)/" not in decoding._utc_dates
