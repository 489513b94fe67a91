"""The fault suite (R1-R7): real exact-sandbox over HTTP, faults injected by the sandbox.

``--reliability-scale=small`` (default, CI) keeps the whole suite well under 3 minutes;
``--reliability-scale=large`` (``make reliability``) runs the sizes the issue names.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Scale:
    name: str
    kill_trials: int  # R1
    kill_rows: int  # R1 rows seeded into the first division
    fault_rows: int  # R3
    buy_orders: int  # R4
    daily_rows: int  # R7


SCALES = {
    "small": Scale(
        "small", kill_trials=10, kill_rows=2500, fault_rows=2500, buy_orders=100, daily_rows=2500
    ),
    "large": Scale(
        "large",
        kill_trials=30,
        kill_rows=20_000,
        fault_rows=20_000,
        buy_orders=1000,
        daily_rows=20_000,
    ),
}


@pytest.fixture(scope="session")
def scale(request: pytest.FixtureRequest) -> Scale:
    # getoption with a default: this conftest is not an initial one when pytest runs from the root
    return SCALES[str(request.config.getoption("--reliability-scale", default="small"))]
