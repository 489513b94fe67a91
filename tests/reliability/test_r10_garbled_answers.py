"""R10/R11: complete but unusable 200 answers (empty, malformed JSON with a consistent
Content-Length, an HTML maintenance page, a wrong Content-Type, ``{"d": {}}``, ``{"d": "..."}``)
are asked again on the one retry schedule, and when they persist the run fails loudly: a stream
never ends quietly and no record without a key is emitted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from exact_sandbox.testing import SandboxServer
from tests.run_stamps import without_run_stamps

from .helpers import catalog, run, tap_cmd, tap_config

pytestmark = pytest.mark.reliability

KINDS = ("empty200", "badjson", "html200", "wrongtype", "emptyd", "stringd")
STREAM = "items"
PATH = "/logistics/Items"


def test_r10_each_garbled_answer_is_retried_and_nothing_is_lost(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    cat = catalog(tmp_path / "catalog.json", [STREAM])
    since = datetime.now(timezone.utc)
    clean = run(tap_cmd(tap_config(sb, tmp_path / "clean.json"), cat), tmp_path)
    assert clean.returncode == 0, clean.stderr[-3000:]
    assert clean.records
    # Six garbled answers in a row (one of each kind), then good ones: 6 retries suffice.
    sb.set_faults(";".join(f"{kind}:times=1,path={PATH}" for kind in KINDS))
    sb.reset_calls()
    faulty = run(
        tap_cmd(tap_config(sb, tmp_path / "faulty.json", max_retries=len(KINDS)), cat), tmp_path
    )
    fired = {f["kind"]: f.get("fired", 0) for f in sb.control("GET", "faults")["faults"]}
    sb.clear_faults()
    assert faulty.returncode == 0, faulty.stderr[-3000:]
    assert fired == dict.fromkeys(KINDS, 1)
    assert sorted(r["ID"] for r in faulty.records) == sorted(r["ID"] for r in clean.records)
    assert (
        without_run_stamps(faulty.states[-1], since)
        == without_run_stamps(clean.states[-1], since)
    )
    assert "garbled answer" in faulty.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_r11_a_persistent_garbled_answer_fails_the_run_loudly(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path, kind: str
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, faults=f"{kind}:path={PATH}")
    cat = catalog(tmp_path / "catalog.json", [STREAM])
    sb.reset_calls()
    out = run(tap_cmd(tap_config(sb, tmp_path / "config.json", max_retries=2), cat), tmp_path)
    assert out.returncode != 0
    assert out.records == []  # no record without a key, nothing "read" from a garbled page
    assert "garbled answer" in out.stderr
    # The first division's first page, asked 1 + max_retries times; then the run stopped.
    calls = sum(n for key, n in sb.calls()["by_path"].items() if key.lower().endswith(PATH.lower()))
    assert calls == 3
