"""R17: our clock is 150 s ahead of Exact's, with real rate limits: the tap waits for Exact's
minutely reset (read in Exact's time from its Date header) instead of burning 429s.

Before the fix the reset looked 2 minutes old, every wait was 0 s and the tap died after six 429s.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from .helpers import catalog, run, tap_cmd, tap_config

pytestmark = pytest.mark.reliability

SKEW = -150  # the sandbox (Exact) runs 150 s behind us
# stream -> the sandbox entity it reads, one record per row
STREAMS = {
    "accounts": "crm/Accounts",
    "gl_accounts": "financial/GLAccounts",
    "items": "logistics/Items",
    "transaction_lines": "financialtransaction/TransactionLines",
}
MINUTELY_LIMIT = 3  # the run needs 5-6 calls per division: the limit is met at least once


def test_clock_ahead_of_exacts_waits_in_exacts_time(
    fresh_sandbox: Callable[..., Any], tmp_path: Path
) -> None:
    sb = fresh_sandbox(minutely_limit=MINUTELY_LIMIT, faults=f"skew:seconds={SKEW}")
    assert sb.control("GET", "clock")["skew_seconds"] == SKEW
    probe = sb.session().get(sb.api_url("current/Me"), timeout=60)
    server_date = parsedate_to_datetime(probe.headers["Date"]).timestamp()
    assert abs(server_date - time.time() - SKEW) < 5  # the sandbox's Date header is skewed too

    cat = catalog(tmp_path / "catalog.json", list(STREAMS))
    out = run(tap_cmd(tap_config(sb, tmp_path / "tap.json"), cat), tmp_path)

    assert out.returncode == 0, out.stderr[-3000:]
    assert "Traceback" not in out.stderr
    assert "ahead of Exact's" in out.stderr  # the skew is reported once
    limits = sb.control("GET", "limits")
    # Every wait ends at or after Exact's reset (Date errs low), so the budget is never overrun.
    assert limits["refused"] == {"minutely": 0, "daily": 0}, out.stderr[-3000:]
    calls = sb.calls()["by_division"]
    assert all(n > MINUTELY_LIMIT for n in calls.values()), calls  # the limit really was met
    stats = sb.stats()
    expected = Counter(
        {s: sum(int(d.get(e, 0)) for d in stats.values()) for s, e in STREAMS.items()}
    )
    assert _record_counts(out.stdout) == expected


def _record_counts(stdout: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in stdout.splitlines():
        message = json.loads(line)
        if message.get("type") == "RECORD":
            counts[message["stream"]] += 1
    return counts
