"""Exact's dates: ``/Date(ms)/`` values are Amsterdam wall-clock time, not UTC.

Exact writes the local time (CET/CEST) as if it were UTC and counts milliseconds from the epoch. We
read that number as a naive wall-clock time in ``Europe/Amsterdam`` and convert it to aware UTC.

The autumn hour that happens twice (02:00-03:00 on the last Sunday of October) is ambiguous
in wall-clock time; we take the first occurrence (``fold=0``, still CEST, UTC+2). The spring
hour that does not exist (02:00-03:00 on the last Sunday of March) is read with the offset
before the change (UTC+1). Exact gives us no way to tell.

The ``*_local`` variants give the same instant with Amsterdam's offset of that moment
(``2026-10-20T00:00:00+02:00``), so a date cut from the text keeps its calendar day. Their tzinfo
is a fixed-offset ``timezone`` shared per offset (two in practice): as cheap as UTC, and
``isoformat``/msgspec print the offset without a zoneinfo lookup.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1)
_HOUR_MS = 3_600_000
_DATE_RE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")

# Amsterdam's UTC offset (ms) per wall-clock hour: the offset only changes on whole hours, so one
# zoneinfo
# lookup per hour seen serves every value in it. Bounded: cleared when it grows large.
_offset_by_hour: dict[int, int] = {}
_MAX_CACHE = 200_000


def _offset_ms(wall_ms: int) -> int:
    hour = wall_ms // _HOUR_MS
    off = _offset_by_hour.get(hour)
    if off is None:
        naive = _EPOCH + timedelta(milliseconds=hour * _HOUR_MS)
        delta = naive.replace(tzinfo=AMSTERDAM, fold=0).utcoffset()
        off = int(delta.total_seconds() * 1000) if delta is not None else 0
        if len(_offset_by_hour) > _MAX_CACHE:
            _offset_by_hour.clear()
        _offset_by_hour[hour] = off
    return off


_zones: dict[int, timezone] = {}


def _fixed_zone(offset_ms: int) -> timezone:
    zone = _zones.get(offset_ms)
    if zone is None:
        zone = _zones[offset_ms] = timezone(timedelta(milliseconds=offset_ms))
    return zone


def wall_ms_to_local(wall_ms: int) -> datetime:
    """Milliseconds of Amsterdam wall-clock time -> aware datetime with Amsterdam's offset."""
    off = _offset_ms(wall_ms)
    return datetime.fromtimestamp((wall_ms - off) / 1000, _fixed_zone(off))


def as_amsterdam(value: datetime) -> datetime:
    """An aware datetime as the same instant with Amsterdam's (fixed) offset of that moment."""
    if value.tzinfo is None:
        raise ValueError("as_amsterdam needs an aware datetime")
    delta = value.astimezone(AMSTERDAM).utcoffset()
    offset_ms = int(delta.total_seconds() * 1000) if delta is not None else 0
    return value.astimezone(_fixed_zone(offset_ms))


def parse_exact_date_local(value: str) -> datetime:
    """:func:`parse_exact_date`, with Amsterdam's offset instead of UTC (same instant)."""
    if value.startswith("/Date(") and value.endswith(")/") and value[6:-2].lstrip("-").isdigit():
        return wall_ms_to_local(int(value[6:-2]))
    return as_amsterdam(parse_exact_date(value))


def parse_iso_local_amsterdam(value: str) -> datetime:
    """:func:`parse_iso_local`, with Amsterdam's offset instead of UTC (same instant)."""
    dt = _iso(value)
    if dt.tzinfo is not None:
        return as_amsterdam(dt)
    delta = dt - _EPOCH
    wall_ms = (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    return dt.replace(tzinfo=_fixed_zone(_offset_ms(wall_ms)))


def wall_ms_to_utc(wall_ms: int) -> datetime:
    """Milliseconds of Amsterdam wall-clock time since the epoch -> aware UTC datetime."""
    return datetime.fromtimestamp((wall_ms - _offset_ms(wall_ms)) / 1000, UTC)


def parse_exact_date(value: str) -> datetime:
    """``/Date(1641034800000)/`` (Amsterdam wall clock) -> aware UTC datetime.

    A value with an explicit offset (``/Date(ms+0100)/``, the WCF form) counts true UTC
    milliseconds.
    """
    if value.startswith("/Date(") and value.endswith(")/") and value[6:-2].lstrip("-").isdigit():
        return wall_ms_to_utc(int(value[6:-2]))
    m = _DATE_RE.match(value.strip())
    if m is None:
        return parse_iso_local(value)
    ms = int(m.group(1))
    if m.group(2):
        return datetime.fromtimestamp(ms / 1000, UTC)
    return wall_ms_to_utc(ms)


def parse_iso_local(value: str) -> datetime:
    """An ISO timestamp as in Atom XML (``2024-01-31T10:00:00``, no offset = Amsterdam time) ->
    aware UTC.
    """
    dt = _iso(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=AMSTERDAM, fold=0)
    return dt.astimezone(UTC)


def _iso(value: str) -> datetime:
    """ISO text as sent (naive or with offset); .NET's 7 fraction digits are cut to 6."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if "." in text:
        # Python 3.10 only takes 3 or 6 fraction digits; .NET sends up to 7.
        head, _, frac = text.partition(".")
        digits = "".join(ch for ch in frac if ch.isdigit())
        rest = frac[len(digits) :]
        text = f"{head}.{(digits + '000000')[:6]}{rest}"
    return datetime.fromisoformat(text)


def to_amsterdam_naive(value: datetime | date) -> datetime:
    """A datetime as Amsterdam wall-clock time without tzinfo (naive input is taken as Amsterdam
    already).
    """
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        return value
    return value.astimezone(AMSTERDAM).replace(tzinfo=None)


def format_exact_datetime(value: datetime | date) -> str:
    """``2024-01-31T10:00:00`` in Amsterdam local time: what Exact expects in filters and writes.

    Aware datetimes are converted; naive ones are taken to be Amsterdam time already.
    """
    local = to_amsterdam_naive(value)
    if local.microsecond:
        return local.isoformat(timespec="milliseconds")
    return local.isoformat(timespec="seconds")


def to_exact_date(value: datetime) -> str:
    """An aware datetime as Exact JSON ``/Date(ms)/`` (Amsterdam wall clock), for the sandbox."""
    local = to_amsterdam_naive(value)
    delta = local - _EPOCH
    ms = (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    return f"/Date({ms})/"
