"""Helpers for target tests: Singer input text, and the STATE the target printed."""

from __future__ import annotations

import json
from typing import Any

BUY_ORDER_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": ["integer", "string", "null"]},
        "remoteId": {"type": ["string", "null"]},
        "supplier_remoteId": {"type": ["string", "null"]},
        "transaction_date": {"type": ["string", "null"], "format": "date-time"},
        "line_items": {"type": ["string", "array", "null"]},
        "Warehouse": {"type": ["string", "null"]},
        "reference": {"type": ["string", "null"]},
    },
}


def messages(stream: str, schema: dict[str, Any], records: list[dict[str, Any]]) -> str:
    lines = [{"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": []}]
    lines += [{"type": "RECORD", "stream": stream, "record": r} for r in records]
    return "\n".join(json.dumps(x) for x in lines) + "\n"


class Run:
    def __init__(self, out: str, exit_code: int) -> None:
        self.out, self.exit_code = out, exit_code
        states = []
        for line in out.splitlines():
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict) and ("bookmarks" in value or "target_exact" in value):
                states.append(value)
        self.states = states
        self.state = states[-1] if states else {}

    @property
    def results(self) -> dict[str, Any]:
        """Where the results are: under ``target_exact`` (state_results: separate) or on top."""
        separate = self.state.get("target_exact")
        return separate if isinstance(separate, dict) else self.state

    def bookmarks(self, stream: str) -> list[dict[str, Any]]:
        return list(self.results.get("bookmarks", {}).get(stream, []))

    def summary(self, stream: str) -> dict[str, int]:
        return dict(self.results.get("summary", {}).get(stream, {}))


# Our buy-order rules (lead days, lot size from Exact, updates): not HotGlue's default.
PLANNER = {"buy_orders_mode": "planner"}


def target_config(sb: Any, **extra: Any) -> dict[str, Any]:
    """The sandbox's config for target-exact: its own token store, the first division."""
    cfg = {k: v for k, v in sb.config.items() if k != "divisions"}
    cfg["division"] = sb.divisions_list[0]
    cfg.update(extra)
    return cfg


class Exact:
    """Direct reads from a sandbox (a plain session, not our client) to check written data."""

    def __init__(self, sb: Any) -> None:
        self.sb = sb
        self.division = sb.divisions_list[0]
        self.session = sb.session()

    def get(self, path: str, **params: str) -> list[dict[str, Any]]:
        r = self.session.get(self.sb.api_url("{division}/" + path), params=params, timeout=60)
        r.raise_for_status()
        data = r.json()["d"]
        return list(data["results"]) if "results" in data else [data]

    def one(self, path: str, key: str, expand: str | None = None) -> dict[str, Any]:
        params = {"$expand": expand} if expand else {}
        rows = self.get(f"{path}(guid'{key}')", **params)
        assert len(rows) == 1
        return rows[0]

    def id_of(self, path: str, code: str) -> str:
        """The ID of the row whose (trimmed) Code is ``code``."""
        flt = f"trim(Code) eq '{code}'"
        if path == "financial/GLAccounts":
            flt = f"Division eq {self.division} and {flt}"
        rows = self.get(path, **{"$filter": flt, "$select": "ID,Code"})
        assert len(rows) == 1, (path, code, rows)
        return str(rows[0]["ID"])


def exact_day(value: Any) -> str:
    """``/Date(ms)/`` (Amsterdam wall clock written as UTC) -> ``YYYY-MM-DD``."""
    from datetime import datetime, timezone

    ms = int(str(value)[6:-2])
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).date().isoformat()


def schema_for(*names: str) -> dict[str, Any]:
    """A permissive stream schema naming the fields (the SDK warns about unnamed ones)."""
    return {"type": "object", "properties": {n: {} for n in names}}
