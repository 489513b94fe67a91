"""What differs between a document in Exact and the desired one: header fields and lines.

Shared by buy orders, warehouse transfers and sales orders, whose updates add, change and delete
lines one by one instead of replacing the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from target_exact.mapping import fields as f
from target_exact.mapping.fields import RecordError


def same(name: str, current: Any, desired: Any) -> bool:
    """Whether Exact's value already equals the desired one (dates by day, numbers by value)."""
    if desired is None:
        return True
    if name.endswith("Date"):
        try:
            return f.day(current, name) == f.day(desired, name)
        except RecordError:
            return False
    if isinstance(desired, (int, float)) and not isinstance(desired, bool):
        try:
            return current is not None and abs(float(current) - float(desired)) < 1e-9
        except (TypeError, ValueError):
            return False
    if isinstance(current, str) and isinstance(desired, str):
        return current.strip().lower() == desired.strip().lower()
    return bool(current == desired)


def changes(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    """The desired fields whose value differs from Exact's."""
    return {k: v for k, v in desired.items() if not same(k, current.get(k), v)}


@dataclass
class LineChanges:
    adds: list[dict[str, Any]] = field(default_factory=list)  # bodies to POST
    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (line ID, fields)
    deletes: list[str] = field(default_factory=list)  # line IDs

    def __bool__(self) -> bool:
        return bool(self.adds or self.updates or self.deletes)


def diff_lines(
    desired: Sequence[tuple[str | None, dict[str, Any]]], existing: list[dict[str, Any]]
) -> LineChanges:
    """Desired lines ``(remote id or None, body with Item)`` against Exact's lines (``ID``,
    ``Item``, ...).

    A desired line matches the existing line its remote id names, else the first unmatched
    existing line for the same item; the item of a matched line is never changed.
    """
    by_id = {str(row["ID"]).lower(): row for row in existing}
    unmatched = dict(by_id)
    pairs: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    pending: list[dict[str, Any]] = []
    for remote_id, body in desired:
        if remote_id and remote_id.lower() in unmatched:
            pairs.append((body, unmatched.pop(remote_id.lower())))
        else:
            pending.append(body)
    for body in pending:
        item = str(body.get("Item")).lower()
        match = next(
            (row for row in unmatched.values() if str(row.get("Item")).lower() == item), None
        )
        if match is not None:
            unmatched.pop(str(match["ID"]).lower())
        pairs.append((body, match))
    out = LineChanges(adds=[body for body, row in pairs if row is None])
    for body, row in pairs:
        if row is None:
            continue
        delta = changes(row, {k: v for k, v in body.items() if k != "Item"})
        if delta:
            out.updates.append((str(row["ID"]).lower(), delta))
    out.deletes = list(unmatched)
    return out
