"""Shared by the HotGlue compatibility tests (test_hotglue_*.py): run the target, and compare
what Exact stored with the payload HotGlue's sink sends, as Exact reads both."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from exact_sandbox.testing import SandboxServer
from target.helpers import Exact, Run, messages, target_config

Runner = Callable[..., Run]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}


def schema_of(record: dict[str, Any]) -> dict[str, Any]:
    """A stream schema with each field typed as the record's value (nullable)."""
    props: dict[str, Any] = {}
    for name, value in record.items():
        kind = JSON_TYPES.get(type(value))
        props[name] = {"type": [kind, "null"]} if kind else {}
    return {"type": "object", "properties": props}


def run(
    run_target: Runner,
    sb: SandboxServer,
    stream: str,
    schema: dict[str, Any],
    records: list[dict[str, Any]],
    **cfg: Any,
) -> Run:
    result = run_target(target_config(sb, **cfg), messages(stream, schema, records))
    assert result.exit_code == 0, result.out[-3000:]
    return result


def dry_bodies(result: Run) -> list[dict[str, Any]]:
    return [json.loads(x)["body"] for x in result.out.splitlines() if '"DRY_RUN"' in x]


def calls(sb: SandboxServer) -> Counter[str]:
    """API calls since the last reset, as "METHOD entity"."""
    out: Counter[str] = Counter()
    for key, n in sb.calls()["by_path"].items():
        method, path = key.split(" ", 1)
        out[f"{method} {path.split('/', 4)[-1].split('(')[0]}"] += n
    return out


def writes(sb: SandboxServer) -> Counter[str]:
    """Write calls since the last reset, as "METHOD entity"."""
    return Counter({k: n for k, n in calls(sb).items() if not k.startswith("GET ")})


def instant(value: Any) -> datetime:
    """A date-time as Exact reads it on a write: with an offset or Z that instant, without one
    Amsterdam wall-clock time; ``/Date(ms)/`` as read back (Amsterdam wall clock)."""
    text = str(value)
    if text.startswith("/Date("):
        wall = datetime.fromtimestamp(int(text[6:-2]) / 1000, tz=timezone.utc)
        return wall.replace(tzinfo=AMSTERDAM).astimezone(timezone.utc)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=AMSTERDAM)
    return parsed.astimezone(timezone.utc)


DATE_FIELDS = {
    "OrderDate",
    "ReceiptDate",
    "EntryDate",
    "PlannedDate",
    "InvoiceDate",
    "DueDate",
    "PlannedDeliveryDate",
    "PlannedReceiptDate",
}


def normal(payload: Any) -> Any:
    """Dates as instants, GUIDs lower-case, floats rounded to Exact's precision: what a payload
    means to Exact, so ours and HotGlue's compare."""
    if isinstance(payload, list):
        return [normal(x) for x in payload]
    if isinstance(payload, dict):
        out = {}
        for k, raw in payload.items():
            v = raw["results"] if isinstance(raw, dict) and "results" in raw else raw
            out[k] = instant(v) if k in DATE_FIELDS and v is not None else normal(v)
        return out
    if isinstance(payload, float):
        return round(payload, 8)
    if isinstance(payload, str) and len(payload) == 36 and payload.count("-") == 4:
        return payload.lower()
    return payload


def stored(row: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``row`` (read back) that ``expected`` names, lines included."""
    out: dict[str, Any] = {}
    for k, v in expected.items():
        value = row.get(k)
        if isinstance(v, list):
            rows = value["results"] if isinstance(value, dict) else list(value or [])
            out[k] = [stored(r, e) for r, e in zip(rows, v, strict=True)]
        else:
            out[k] = value
    return out


def company_of(exact: Exact) -> dict[str, Any]:
    """Ids and names of the sandbox company the records refer to."""
    sup = exact.get(
        "crm/Accounts",
        **{"$filter": "trim(Code) eq '20001'", "$select": "ID,Name"},
    )[0]
    customer = exact.get(
        "crm/Accounts", **{"$filter": "trim(Code) eq '10003'", "$select": "ID,Name"}
    )[0]
    items = {
        code: exact.get(
            "logistics/Items", **{"$filter": f"Code eq '{code}'", "$select": "ID,Description"}
        )[0]
        for code in ("TR-00010", "TR-00011", "FG-00002")
    }
    gl = exact.get(
        "financial/GLAccounts",
        **{
            "$filter": f"Division eq {exact.division} and trim(Code) eq '7000'",
            "$select": "ID,Description",
        },
    )[0]
    return {
        "supplier": sup,
        "customer": customer,
        "items": items,
        "gl": gl,
        "wh1": exact.id_of("inventory/Warehouses", "1").lower(),
        "wh2": exact.id_of("inventory/Warehouses", "2").lower(),
    }
