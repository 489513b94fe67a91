"""``--discover``'s text is the SDK's, byte for byte (tap_exact/catalog.py, tap_exact/json_text.py),
and the writer behind it gives simplejson's bytes or declines."""

from __future__ import annotations

import enum
from collections import namedtuple
from decimal import Decimal
from typing import Any

import pytest
import simplejson
from singer_sdk import Tap

from tap_exact.json_text import indented_json
from tap_exact.tap import TapExact

CONFIG = {"client_id": "x", "client_secret": "y"}


def _sdk_text(value: Any) -> str:
    # singer_sdk.helpers._util.dump_json(value, indent=2), without the private import
    return simplejson.dumps(value, use_decimal=True, separators=(",", ":"), indent=2)


@pytest.mark.parametrize(
    "extra",
    [{}, {"stream_naming": "hotglue"}, {"asset_pictures": True, "asset_attachments": True}],
    ids=["native", "hotglue", "assets"],
)
def test_catalog_text_is_the_sdks(extra: dict[str, Any]) -> None:
    ours = TapExact(config={**CONFIG, **extra}, validate_config=False, setup_mapper=False)
    sdk = TapExact(config={**CONFIG, **extra}, validate_config=False, setup_mapper=False)
    text = ours.catalog_json_text
    assert text == Tap.catalog_json_text.fget(sdk)  # type: ignore[attr-defined]
    assert text == _sdk_text(Tap.catalog_dict.fget(sdk))  # type: ignore[attr-defined]


class _Kind(str, enum.Enum):
    AUTOMATIC = "automatic"


SHARED = {"type": ["string", "null"], "format": "date-time"}


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": {}, "b": [], "c": [[], {}]},
        {"s": "plain", "u": "é ü ß € 😀 \u2028", "c": "tab\tnew\nline \x00 \x1f \"q\" \\ /"},
        {"n": None, "t": True, "f": False, "i": 0, "neg": -12, "big": 2**70, "x": 1.5, "e": 1e-9},
        {"kind": _Kind.AUTOMATIC, "list": [_Kind.AUTOMATIC, "x"]},
        ("tuple", 1, [2, (3,)]),
        {"é-key": 1, "nested": {"deeper": {"deepest": [1, {"k": "v"}]}}},
        {"same": [SHARED, SHARED, {"again": SHARED}], "twice": SHARED},  # reused at two levels
        "just a string",
        42,
    ],
)
def test_indented_json_is_simplejsons(value: Any) -> None:
    assert indented_json(value) == _sdk_text(value)


@pytest.mark.parametrize(
    "value",
    [
        {"d": Decimal("1.5")},
        {"nan": float("nan")},
        {1: "int key"},
        [namedtuple("P", "x y")(1, 2)],
        {"set": {1, 2}},
    ],
    ids=["decimal", "nan", "int-key", "namedtuple", "set"],
)
def test_indented_json_declines_what_it_does_not_write_as_simplejson(value: Any) -> None:
    assert indented_json(value) is None


def test_indented_json_declines_a_cycle() -> None:
    cycle: dict[str, Any] = {}
    cycle["self"] = cycle
    assert indented_json(cycle) is None
