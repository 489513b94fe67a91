"""Value conversions between Python, the store's JSON, and Exact's wire formats.

Dates are kept in the store as Exact keeps them: Amsterdam wall-clock time, as epoch milliseconds of
that
wall-clock read as if it were UTC ("/Date(ms)/" on the wire). Filters with ``datetime'…'`` literals
(also
Amsterdam local) then compare as plain integers.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_wall_ms(dt: datetime) -> int:
    """Aware datetime (naive = UTC) -> Amsterdam wall-clock epoch ms."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    local = dt.astimezone(AMSTERDAM).replace(tzinfo=timezone.utc)
    return (local - _EPOCH) // _MS


def from_wall_ms(ms: int) -> datetime:
    """Amsterdam wall-clock epoch ms -> aware UTC datetime."""
    naive = datetime.fromtimestamp(ms / 1000, timezone.utc).replace(tzinfo=None)
    return naive.replace(tzinfo=AMSTERDAM).astimezone(timezone.utc)


def local_literal_ms(text: str) -> int:
    """``2024-01-31T10:00:00`` (Exact's local time, no offset) -> wall-clock ms."""
    text = text.strip()
    if text.endswith("Z"):
        return to_wall_ms(datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc))
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is not None:
        return to_wall_ms(dt)
    return (dt.replace(tzinfo=timezone.utc) - _EPOCH) // _MS


def parse_write_datetime(value: Any) -> int | None:
    """A date in a write body (ISO 8601, local when no offset; or /Date(ms)/) -> wall-clock ms."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_wall_ms(value)
    if isinstance(value, str):
        m = _DATE_RE.fullmatch(value.strip())
        if m:
            return int(m.group(1))
        return local_literal_ms(value)
    raise ValueError("not a date")


_MS = datetime(1970, 1, 1, 0, 0, 0, 1000, tzinfo=timezone.utc) - _EPOCH
_DATE_RE = re.compile(r"/Date\((-?\d+)(?:[+-]\d+)?\)/")

INT_TYPES = frozenset({"Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte"})


def store_value(value: Any) -> Any:
    """Python value -> what goes into the store's JSON."""
    if isinstance(value, datetime):
        return to_wall_ms(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def python_value(edm_type: str | None, stored: Any) -> Any:
    """Store JSON value -> Python value (the Store API's record form)."""
    if stored is None:
        return None
    if edm_type == "Edm.DateTime" and isinstance(stored, int):
        return from_wall_ms(stored)
    return stored


def coerce_write(edm_type: str, value: Any) -> Any:
    """A value from a write body -> store value; raises ValueError when it does not fit the type."""
    if value is None:
        return None
    if edm_type == "Edm.DateTime":
        return parse_write_datetime(value)
    if edm_type == "Edm.Guid":
        if not isinstance(value, str) or not _GUID_RE.fullmatch(value.strip()):
            raise ValueError("not a GUID")
        return value.strip().lower()
    if edm_type in INT_TYPES:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        raise ValueError("not an integer")
    if edm_type in ("Edm.Double", "Edm.Decimal", "Edm.Single"):
        if isinstance(value, bool):
            raise ValueError("not a number")
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            return float(value)
        raise ValueError("not a number")
    if edm_type == "Edm.Boolean":
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError("not a boolean")
    if edm_type == "Edm.String":
        if isinstance(value, (dict, list)):
            raise ValueError("not a string")
        return str(value)
    return value


_GUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def is_guid(value: Any) -> bool:
    return isinstance(value, str) and _GUID_RE.fullmatch(value) is not None


def json_wire(edm_type: str, stored: Any) -> Any:
    """Store value -> JSON wire value."""
    if stored is None:
        return None
    if edm_type == "Edm.DateTime":
        return f"/Date({stored})/" if isinstance(stored, int) else stored
    if edm_type == "Edm.Int64":
        return str(stored)
    if edm_type == "Edm.Double":
        return (
            float(stored)
            if isinstance(stored, (int, float)) and not isinstance(stored, bool)
            else stored
        )
    if edm_type == "Edm.Byte":
        return int(stored) if isinstance(stored, (bool, int)) else stored
    return stored


def xml_text(edm_type: str, stored: Any) -> str:
    """Store value -> the text of an Atom ``<d:Field>`` element (never None: callers write
    m:null)."""
    if edm_type == "Edm.DateTime" and isinstance(stored, int):
        return datetime.fromtimestamp(stored / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(stored, bool):
        return "true" if stored else "false"
    if edm_type == "Edm.Double" and isinstance(stored, (int, float)):
        return repr(float(stored))
    return str(stored)
