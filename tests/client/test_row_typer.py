"""The compiled row typer (row_typer.py) types rows exactly as the field-by-field converters do."""

from __future__ import annotations

import copy
import json
import logging
import random
import uuid

import pytest

from exact_online import decoding
from exact_online.registry import load_registry
from exact_online.row_typer import FieldTyping, compile_row_typer

LINES = load_registry().find("transaction_lines").sync  # type: ignore[union-attr]


def _values(rng: random.Random, edm: str) -> object:
    """A value as Exact may send it for ``edm``: native, as text, null, odd case."""
    choices: dict[str, list[object]] = {
        "Edm.Int64": [None, 7, "7", -3, 2**40],
        "Edm.Int32": [None, 1, "12"],
        "Edm.Int16": [None, 1, "2"],
        "Edm.Byte": [None, 0, "1"],
        "Edm.Double": [None, 1.5, 2, "3.25", -0.0],
        "Edm.Boolean": [None, True, False, "true", "0"],
        "Edm.Guid": [None, str(uuid.UUID(int=rng.getrandbits(128))).upper(),
                     str(uuid.UUID(int=rng.getrandbits(128)))],
        "Edm.DateTime": [None, "/Date(1719835200000)/",
                         f"/Date({1700000000000 + rng.randrange(10**9)})/",
                         "2024-07-01T12:00:00", "/Date(1719835200000+0100)/"],
    }
    return rng.choice(choices.get(edm, [None, "text", "  padded  "]))


@pytest.mark.parametrize("local", [False, True])
def test_compiled_typer_equals_the_field_by_field_path(local: bool) -> None:
    rng = random.Random(11)
    rows = [
        {f.name: _values(rng, f.edm_type) for f in LINES.fields if not f.is_navigation}
        for _ in range(300)
    ]
    body = json.dumps({"d": {"results": copy.deepcopy(rows)}}).encode()
    fast = decoding.decode_json(body, LINES, local).records
    table = decoding._table(LINES, local)
    slow = [decoding._convert(dict(row), table, "test") for row in rows]
    assert len(fast) == len(slow) == 300
    for a, b in zip(fast, slow, strict=True):
        assert a == b
        assert {k: type(v) for k, v in a.items()} == {k: type(v) for k, v in b.items()}


def test_a_bad_value_goes_to_the_slow_path_which_names_it(caplog: pytest.LogCaptureFixture) -> None:
    rows = [
        {"ID": "A1", "Timestamp": "12", "Quantity": "many", "Date": "/Date(1719835200000)/"},
        {"ID": "B2", "Timestamp": 13, "Quantity": 2, "Date": None},
    ]
    with caplog.at_level(logging.WARNING):
        records = decoding.decode_json(json.dumps({"d": {"results": rows}}).encode(), LINES).records
    assert records[0]["Quantity"] == "many"  # kept as sent, the rest of the row typed
    assert records[0]["Timestamp"] == 12 and records[0]["ID"] == "a1"
    assert records[1] == {"ID": "b2", "Timestamp": 13, "Quantity": 2.0, "Date": None}
    assert "field Quantity is not a valid float" in caplog.text


def test_field_names_are_literals_not_code() -> None:
    odd = "x'); import os; ('"
    typer = compile_row_typer([FieldTyping(odd, int, native=int), FieldTyping('q"\\n', str.upper)])
    rows: list[dict[str, object]] = [{odd: "5", 'q"\\n': "a"}, {odd: None}]
    typer(rows, lambda row: pytest.fail(f"slow path for {row}"))
    assert rows == [{odd: 5, 'q"\\n': "A"}, {odd: None}]


def test_no_fields_types_nothing() -> None:
    rows: list[dict[str, object]] = [{"a": "1"}]
    compile_row_typer(())(rows, lambda row: None)
    assert rows == [{"a": "1"}]
