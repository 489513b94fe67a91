"""The test-control API under /_sandbox/ (loopback only, no auth): faults, stats, clock, calls,
rows."""

from __future__ import annotations

import json
from typing import Any, Protocol

from werkzeug.wrappers import Request, Response

from .calls import CallLog
from .catalog import Catalog
from .clock import Clock
from .faults import FaultInjector, FaultSpecError
from .limits import RateLimits
from .store import Store
from .translations import Translations, control_translations


class Sandbox(Protocol):
    """What the control API reads and changes of the running sandbox (``app.Sandbox``); a
    protocol so that this module does not import the app that routes to it."""

    base_url: str
    calls: CallLog
    catalog: Catalog
    clock: Clock
    faults: FaultInjector
    limits: RateLimits
    revoked: set[int]
    store: Store
    translations: Translations


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, default=str), status, content_type="application/json")


def control(sandbox: Sandbox, request: Request) -> Response:
    if request.remote_addr not in ("127.0.0.1", "::1", None):
        return _json({"error": "the control API is loopback-only"}, 403)
    path = request.path[len("/_sandbox/") :].strip("/")
    method = request.method
    try:
        body = json.loads(request.get_data() or b"{}") if method == "POST" else {}
    except ValueError:
        return _json({"error": "body is not JSON"}, 400)
    try:
        return _route(sandbox, method, path, body)
    except (KeyError, ValueError, TypeError, FaultSpecError) as exc:
        return _json({"error": str(exc)}, 400)


def _route(sandbox: Sandbox, method: str, path: str, body: dict[str, Any]) -> Response:
    store = sandbox.store
    if path == "faults":
        if method == "POST":
            if "spec" in body:
                sandbox.faults.configure_spec(str(body["spec"]), body.get("seed"))
            else:
                sandbox.faults.configure(list(body.get("faults") or []), body.get("seed"))
        return _json({"faults": sandbox.faults.describe()})
    if path == "stats":
        return _json(store.stats())
    if path == "clock":
        if method == "POST":
            sandbox.clock.set_offset(float(body.get("offset_seconds", 0)))
        return _json(
            {
                "offset_seconds": sandbox.clock.offset,
                "skew_seconds": sandbox.clock.skew,
                "now": sandbox.clock.now().isoformat(),
            }
        )
    if path == "calls":
        return _json(sandbox.calls.snapshot())
    if path == "reset-calls" and method == "POST":
        sandbox.calls.reset()
        return _json({"ok": True})
    if path == "limits":
        return _json(sandbox.limits.describe())
    if path == "reset-limits" and method == "POST":
        sandbox.limits.reset()
        return _json({"ok": True})
    if path.startswith("divisions/") and path.endswith("/move") and method == "POST":
        division = int(path.split("/")[1])
        if division not in store.divisions():
            return _json({"error": f"unknown division {division}"}, 404)
        store.move_division(division)
        return _json({"ok": True, "division": division})
    if path.startswith("divisions/") and path.endswith(("/revoke", "/grant")) and method == "POST":
        division = int(path.split("/")[1])
        if division not in store.divisions():
            return _json({"error": f"unknown division {division}"}, 404)
        if path.endswith("/revoke"):  # the user lost access: every call there answers 403
            sandbox.revoked.add(division)
        else:
            sandbox.revoked.discard(division)
        return _json({"division": division, "revoked": sorted(sandbox.revoked)})
    if path == "rows" and method == "POST":
        division = int(body["division"])
        entity = str(body["entity"])
        rows = body.get("rows") or []
        created = [
            _plain(store.insert(division, entity, _dates(sandbox, entity, dict(r)))) for r in rows
        ]
        return _json({"inserted": len(created), "rows": created})
    if path == "update" and method == "POST":
        row = store.update(
            int(body["division"]),
            str(body["entity"]),
            body["key"],
            _dates(sandbox, str(body["entity"]), dict(body.get("changes") or {})),
        )
        return _json({"row": _plain(row)})
    if path == "delete" and method == "POST":
        division = int(body["division"])
        keys = body.get("keys") or [body["key"]]
        for key in keys:
            store.delete(division, str(body["entity"]), key)
        return _json({"deleted": len(keys)})
    if path == "translations" and method == "POST":
        return _json({"row": control_translations(sandbox.translations, body)})
    if path == "config":
        return _json({"base_url": sandbox.base_url, "divisions": store.divisions()})
    return _json({"error": f"unknown control path {method} /_sandbox/{path}"}, 404)


def _dates(sandbox: Sandbox, entity: str, record: dict[str, Any]) -> dict[str, Any]:
    """ISO strings in Edm.DateTime fields -> datetimes (ISO with offset or Z = that instant; naive =
    UTC)."""
    from datetime import datetime, timezone

    types = sandbox.catalog.field_types(sandbox.catalog.canonical(entity))
    for name, value in list(record.items()):
        if types.get(name) == "Edm.DateTime" and isinstance(value, str):
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
            record[name] = dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    return record


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
