"""Parsing of incoming field values, with errors that name the record's field."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Exact stores numbers as doubles (15 significant digits); larger magnitudes are never real
# quantities or amounts, and would overflow the decimal arithmetic of the rules (28 digits).
MAX_NUMBER = Decimal("1e15")
MAX_INTEGER = Decimal(2**63)  # Edm.Int64
_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\}?$")


class RecordError(ValueError):
    """A record cannot be written; ``field`` names the offending input field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def is_guid(value: Any) -> bool:
    return isinstance(value, str) and bool(_GUID.match(value.strip()))


def guid(value: Any, field: str) -> str:
    """A GUID in Exact's lower-case form."""
    if not is_guid(value):
        raise RecordError(field, f"not a GUID: {_short(value)}")
    return str(uuid.UUID(str(value).strip().strip("{}")))


def text(value: Any, field: str, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordError(field, "is required")
        return None
    if isinstance(value, (dict, list)):
        raise RecordError(field, "must be a text value, not an object or list")
    return str(value).strip() if not isinstance(value, bool) else str(value).lower()


def number(value: Any, field: str, *, required: bool = False) -> Decimal | None:
    """A decimal number; accepts numbers and numeric strings (``"12,5"`` is refused)."""
    return _decimal(value, field, MAX_NUMBER, required=required)


def integer(value: Any, field: str) -> int | None:
    """A whole number within Edm.Int64."""
    n = _decimal(value, field, MAX_INTEGER)
    if n is None:
        return None
    if n != n.to_integral_value():
        raise RecordError(field, f"not a whole number: {_short(value)}")
    return int(n)


def _decimal(value: Any, field: str, limit: Decimal, *, required: bool = False) -> Decimal | None:
    if value is None or value == "" or value is False:
        if required:
            raise RecordError(field, "is required")
        return None
    if isinstance(value, bool):
        raise RecordError(field, f"not a number: {value!r}")
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise RecordError(field, f"not a number: {_short(value)}") from None
    if not result.is_finite():
        raise RecordError(field, f"not a finite number: {_short(value)}")
    if result.copy_abs() >= limit:  # copy_abs: no context, so no overflow
        raise RecordError(field, f"value {_short_text(value)} is out of range")
    return result


def boolean(value: Any, field: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0"}:
        return value.strip().lower() in {"true", "1"}
    raise RecordError(field, f"not a boolean: {_short(value)}")


def day(value: Any, field: str, *, required: bool = False) -> date | None:
    """The calendar day in Amsterdam (Exact's clock) of a date or date-time value.

    An aware date-time is converted to Europe/Amsterdam first:
    ``2024-03-01T23:30:00Z`` is 2 March.
    """
    if value is None or value == "":
        if required:
            raise RecordError(field, "is required")
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str):
        raw = value.strip()
        try:
            if len(raw) == 10:
                return date.fromisoformat(raw)
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise RecordError(field, f"not an ISO date: {_short(value)}") from None
    else:
        raise RecordError(field, f"not a date: {_short(value)}")
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(AMSTERDAM)
    return parsed.date()


def exact_date(value: date) -> str:
    """How dates are written to Exact (ISO, Amsterdam wall clock, midnight)."""
    return f"{value.isoformat()}T00:00:00"


def exact_datetime(value: Any, field: str) -> str | None:
    """A date-time for a write: aware values are converted to Amsterdam local time."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        raw = value.strip()
        if len(raw) == 10:
            return exact_date(day(raw, field) or date.min)
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise RecordError(field, f"not an ISO date-time: {_short(raw)}") from None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(AMSTERDAM).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return exact_date(value)
    raise RecordError(field, f"not a date-time: {_short(value)}")


def json_list(value: Any, field: str) -> list[dict[str, Any]]:
    """``line_items`` and friends: a list of objects, or that list as a JSON string."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise RecordError(field, f"is not valid JSON ({exc.msg} at {exc.pos})") from None
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list):
        raise RecordError(field, "must be a list of objects")
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise RecordError(f"{field}[{i}]", "must be an object")
    return [dict(item) for item in value]


def first(record: Mapping[str, Any], *names: str) -> tuple[str, Any]:
    """The first of several alias fields that has a value: (name, value)."""
    for name in names:
        value = record.get(name)
        if value is not None and value != "":
            return name, value
    return names[0], None


def _short_text(value: Any) -> str:
    """The value as the user wrote it (``1e30``, not ``'1e30'``), shortened."""
    raw = str(value).strip()
    return raw if len(raw) <= 40 else raw[:37] + "..."


def _short(value: Any) -> str:
    text_value = repr(value)
    return text_value if len(text_value) <= 60 else text_value[:57] + "..."
