"""R3: 20% of API answers are 429/5xx/timeouts/truncated bodies; the output equals a clean run's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from exact_sandbox.testing import SandboxServer
from tests.run_stamps import without_run_stamps

from .conftest import Scale
from .helpers import TL_STREAM, catalog, run, seed_transaction_lines, tap_cmd, tap_config

pytestmark = pytest.mark.reliability

# Five kinds at 4% each on every API GET: about 18.5% of calls fail (rules are tried in order).
FAULTS = (
    "429:rate=0.04,method=GET;503:rate=0.04,method=GET;500:rate=0.04,method=GET;"
    "truncate:rate=0.04,method=GET;hang:rate=0.04,method=GET,seconds=3"
)


def _by_id(records: list[dict]) -> dict[str, dict]:
    return {str(r["ID"]).lower(): r for r in records}


def test_injected_faults_change_nothing(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path, scale: Scale
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    seed_transaction_lines(sb, sb.divisions_list[0], scale.fault_rows)
    cat = catalog(tmp_path / "catalog.json", [TL_STREAM])
    since = datetime.now(timezone.utc)
    clean = run(tap_cmd(tap_config(sb, tmp_path / "clean.json"), cat), tmp_path)
    assert clean.returncode == 0, clean.stderr[-3000:]
    sb.set_faults(FAULTS, seed=11)
    faulty = run(
        tap_cmd(tap_config(sb, tmp_path / "faulty.json", request_timeout=1.5), cat), tmp_path
    )
    fired = sb.control("GET", "faults")["faults"]
    sb.clear_faults()
    assert faulty.returncode == 0, faulty.stderr[-3000:]
    assert sum(int(f.get("fired", 0)) for f in fired) > 0, fired
    assert len(faulty.records) >= len(clean.records)
    assert _by_id(faulty.records) == _by_id(clean.records)
    assert (
        without_run_stamps(faulty.states[-1], since)
        == without_run_stamps(clean.states[-1], since)
    )
