"""JSON text exactly as singer-sdk's ``dump_json(obj, indent=2)`` writes it, for a catalog.

The SDK's ``dump_json`` is simplejson with ``indent=2``, ``separators=(",", ":")``: with an indent
simplejson encodes in Python, item by item (~60 ms for our ~2.6 MB catalog). A catalog repeats a
few small dicts thousands of times (each property's schema and metadata, ``catalog.py``): here a
dict is written once per nesting level and its text reused wherever the same object appears again.

Same bytes as simplejson for what a catalog holds: dicts with ``str`` keys, lists, tuples, ``str``
and its subclasses (``ensure_ascii``: the stdlib's C escaper, which gives simplejson's output;
a subclass is written as its text, as simplejson does), ``int``, finite
``float``, ``bool`` and ``None``. Anything else (a namedtuple, ``Decimal``, NaN, a non-``str`` key)
makes :func:`indented_json` return ``None``: the caller then uses the SDK's ``dump_json``.
``tests/tap/test_catalog_text.py`` compares the two.
"""

from __future__ import annotations

import math
from json.encoder import encode_basestring_ascii
from typing import Any

INDENT = "  "


class _Unsupported(Exception):
    """A value this writer does not claim to write as simplejson does."""


def indented_json(obj: Any) -> str | None:
    """``dump_json(obj, indent=2)``'s text, or ``None`` when ``obj`` holds another kind of value.

    ``obj`` must not change while this runs (the reuse goes by object identity).
    """
    memo: dict[tuple[int, int], str] = {}
    try:
        return _value(obj, 0, memo)
    except (_Unsupported, RecursionError):  # RecursionError: a cycle, which simplejson refuses
        return None


def _value(value: Any, level: int, memo: dict[tuple[int, int], str]) -> str:
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is dict:
        key = (id(value), level)
        text = memo.get(key)
        if text is None:
            text = memo[key] = _dict(value, level, memo)
        return text
    if kind is list or kind is tuple:
        return _list(value, level, memo)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    if isinstance(value, str):  # a str enum (the metadata's ``inclusion``): its text, as simplejson
        return encode_basestring_ascii(value)
    raise _Unsupported(kind.__name__)


def _dict(value: dict[Any, Any], level: int, memo: dict[tuple[int, int], str]) -> str:
    if not value:
        return "{}"
    inner = level + 1
    parts = []
    for key, item in value.items():
        if type(key) is not str:
            raise _Unsupported("key")
        # a str or an already written dict without a call: most values of a catalog are these
        kind = type(item)
        if kind is str:
            text = encode_basestring_ascii(item)
        elif kind is dict:
            text = memo.get((id(item), inner)) or _value(item, inner, memo)
        else:
            text = _value(item, inner, memo)
        parts.append(f"{encode_basestring_ascii(key)}:{text}")
    pad = "\n" + INDENT * inner
    return "{" + pad + ("," + pad).join(parts) + "\n" + INDENT * level + "}"


def _list(value: list[Any] | tuple[Any, ...], level: int, memo: dict[tuple[int, int], str]) -> str:
    if not value:
        return "[]"
    inner = level + 1
    pad = "\n" + INDENT * inner
    parts = [
        encode_basestring_ascii(item) if type(item) is str
        else memo.get((id(item), inner)) or _value(item, inner, memo)
        for item in value
    ]
    return "[" + pad + ("," + pad).join(parts) + "\n" + INDENT * level + "]"
