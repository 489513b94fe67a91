"""Shared fixtures: the real exact-sandbox on 127.0.0.1 (ephemeral port)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sandbox import SandboxServer


def pytest_addoption(parser: pytest.Parser) -> None:
    # Here, not in tests/reliability/: pytest only reads options from the rootdir's conftest.
    parser.addoption(
        "--reliability-scale",
        choices=("small", "large"),
        default="small",
        help="fault-suite sizes: small (CI) or large (make reliability)",
    )


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """One small sandbox per test process: 2 divisions, rate limits off. Do not change its global
    state
    (faults, clock, limits) in tests; use ``fresh_sandbox`` for that."""
    with SandboxServer(
        tmp_path_factory.mktemp("sandbox"), seed=1, divisions=2, scale="small", no_rate_limits=True
    ) as sb:
        yield sb


@pytest.fixture
def fresh_sandbox(tmp_path: Path) -> Iterator[Callable[..., SandboxServer]]:
    """Factory: ``sb = fresh_sandbox(no_rate_limits=True, access_token_ttl=60,
    faults="503:every=2")``.
    Each call starts its own server (own data dir); all are stopped after the test."""
    started: list[SandboxServer] = []

    def make(
        seed: int = 1, divisions: int = 2, scale: str = "small", **flags: Any
    ) -> SandboxServer:
        sb = SandboxServer(
            tmp_path / f"sb{len(started)}", seed=seed, divisions=divisions, scale=scale, **flags
        )
        started.append(sb)
        return sb.start()

    yield make
    for sb in started:
        sb.stop()
