"""Type conformance is off in our tap (the client types every value from the registry); prove the
records still match the schemas the tap announces, formats included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from exact_sandbox.testing import SandboxServer

from .helpers import TL_STREAM, catalog, run, seed_transaction_lines, tap_cmd, tap_config

pytestmark = pytest.mark.reliability
STREAMS = [TL_STREAM, "items", "purchase_orders", "accounts"]


def _bad_datetimes(schema: dict[str, Any], record: dict[str, Any]) -> list[str]:
    """jsonschema checks date-time only with an optional package: check it here, with a zone."""
    from datetime import datetime

    bad = []
    for name, prop in schema.get("properties", {}).items():
        value = record.get(name)
        if prop.get("format") == "date-time" and value is not None:
            try:
                ok = datetime.fromisoformat(str(value).replace("Z", "+00:00")).tzinfo is not None
            except ValueError:
                ok = False
            if not ok:
                bad.append(f"{name}: {value!r} is not an ISO date-time with a zone")
    return bad


def test_records_match_their_announced_schemas(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    import json

    sb = fresh_sandbox(no_rate_limits=True)
    seed_transaction_lines(sb, sb.divisions_list[0], 1500)
    out = run(
        tap_cmd(tap_config(sb, tmp_path / "tap.json"), catalog(tmp_path / "c.json", STREAMS)),
        tmp_path,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    schemas: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    errors: list[str] = []
    for line in out.stdout.splitlines():
        m = json.loads(line)
        if m.get("type") == "SCHEMA":
            schemas[m["stream"]] = m["schema"]
        elif m.get("type") == "RECORD":
            stream = m["stream"]
            counts[stream] = counts.get(stream, 0) + 1
            validator = jsonschema.Draft7Validator(
                schemas[stream], format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
            )
            for err in validator.iter_errors(m["record"]):
                if len(errors) < 20:
                    errors.append(
                        f"{stream} {m['record'].get('ID')}: {err.json_path}: {err.message}"
                    )
    assert set(counts) == set(STREAMS), counts
    assert not errors, "\n".join(errors)
