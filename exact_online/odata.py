"""OData query building for Exact: escaped literals and the ``$`` query options.

Every value that goes into a ``$filter`` passes through :func:`literal`, so a quote in a supplier
name or a
crafted GUID cannot change the meaning of a filter.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from exact_online.timeconv import format_exact_datetime

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$")
_INT_RE = re.compile(r"^-?\d+$")
_FLOAT_RE = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
_INT_TYPES = {"Edm.Int16", "Edm.Int32", "Edm.Byte", "Edm.SByte"}
_FLOAT_TYPES = {"Edm.Double", "Edm.Decimal", "Edm.Single"}
# Characters left as they are in query values: OData punctuation that Exact expects to see
# literally.
_SAFE = "'(),:*/$@!-_.~"


def field_name(name: str) -> str:
    """A property name checked to be a plain identifier (or a ``Nav/Field`` path)."""
    if not _NAME_RE.match(name):
        raise ValueError(f"not a valid OData property name: {name!r}")
    return name


def _guid(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError(f"not a GUID: {value!r}") from None


def literal(value: Any, edm_type: str | None = None) -> str:
    """``value`` as an OData literal: ``guid'…'``, ``datetime'…'``, ``123L``, ``'it''s'``, ``true``,
    ``null``.
    """
    if value is None:
        return "null"
    if edm_type == "Edm.Guid" or isinstance(value, uuid.UUID):
        return f"guid'{_guid(value)}'"
    if edm_type == "Edm.Boolean" or isinstance(value, bool):
        if isinstance(value, str):
            if value.lower() not in ("true", "false"):
                raise ValueError(f"not a boolean: {value!r}")
            return value.lower()
        return "true" if value else "false"
    if edm_type == "Edm.DateTime" or isinstance(value, (datetime, date)):
        if isinstance(value, str):
            from exact_online.timeconv import parse_iso_local

            value = parse_iso_local(value)
        if not isinstance(value, (datetime, date)):
            raise ValueError(f"not a datetime: {value!r}")
        return f"datetime'{format_exact_datetime(value)}'"
    if edm_type == "Edm.Int64":
        text = str(value)
        if isinstance(value, float) or not _INT_RE.match(text):
            raise ValueError(f"not an Int64: {value!r}")
        return f"{int(text)}L"
    if edm_type in _INT_TYPES:
        text = str(value)
        if isinstance(value, float) or not _INT_RE.match(text):
            raise ValueError(f"not an integer: {value!r}")
        return str(int(text))
    if edm_type in _FLOAT_TYPES or isinstance(value, (int, float, Decimal)):
        text = str(value)
        if not _FLOAT_RE.match(text) and not isinstance(value, int):
            raise ValueError(f"not a number: {value!r}")
        return text
    text = str(value)
    return "'" + text.replace("'", "''") + "'"


def eq(name: str, value: Any, edm_type: str | None = None) -> str:
    return f"{field_name(name)} eq {literal(value, edm_type)}"


def compare(name: str, op: str, value: Any, edm_type: str | None = None) -> str:
    if op not in ("eq", "ne", "gt", "ge", "lt", "le"):
        raise ValueError(f"unknown OData operator: {op!r}")
    return f"{field_name(name)} {op} {literal(value, edm_type)}"


def _join(op: str, parts: Iterable[str]) -> str:
    items = [p for p in parts if p]
    if not items:
        raise ValueError(f"{op} needs at least one condition")
    if len(items) == 1:
        return items[0]
    return f" {op} ".join(f"({p})" for p in items)


def and_(*parts: str) -> str:
    return _join("and", parts)


def or_(*parts: str) -> str:
    return _join("or", parts)


@dataclass
class Query:
    """The query options of one Exact GET. ``params()`` gives the ``$…`` parameters."""

    select: list[str] = field(default_factory=list)
    filter: str | None = None
    top: int | None = None
    expand: list[str] = field(default_factory=list)
    orderby: list[str] = field(default_factory=list)
    inlinecount: bool = False
    skiptoken: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def params(self) -> dict[str, str]:
        out: dict[str, str] = dict(self.extra)
        if self.select:
            out["$select"] = ",".join(s if s == "*" else field_name(s) for s in self.select)
        if self.filter:
            out["$filter"] = self.filter
        if self.top is not None:
            out["$top"] = str(int(self.top))
        if self.expand:
            out["$expand"] = ",".join(field_name(e) for e in self.expand)
        if self.orderby:
            out["$orderby"] = ",".join(_orderby(o) for o in self.orderby)
        if self.inlinecount:
            out["$inlinecount"] = "allpages"
        if self.skiptoken:
            out["$skiptoken"] = self.skiptoken
        return out


def _orderby(item: str) -> str:
    name, _, direction = item.strip().partition(" ")
    direction = direction.strip().lower()
    if direction not in ("", "asc", "desc"):
        raise ValueError(f"bad $orderby direction: {item!r}")
    return f"{field_name(name)} {direction}".strip()


def encode_params(params: dict[str, str]) -> str:
    """A query string with spaces as ``%20`` and OData punctuation kept readable (``$filter=ID eq
    guid'…'``).
    """
    return "&".join(f"{quote(k, safe='$')}={quote(str(v), safe=_SAFE)}" for k, v in params.items())
