"""pytest fixtures that run the real exact-sandbox: ``sandbox`` (one per test process) and
``fresh_sandbox`` (a factory, one server per call).

Load it with ``pytest_plugins = ["exact_sandbox.pytest_plugin"]`` in a root ``conftest.py`` (this
repository does); the servers need the ``[sandbox]`` extra installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .testing import SandboxServer


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """One small sandbox per test process: 2 divisions, rate limits off. Do not change its global
    state (faults, clock, limits) in tests; use ``fresh_sandbox`` for that."""
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
