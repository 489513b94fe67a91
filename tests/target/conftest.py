"""Fixtures for target tests: run target-exact in-process against the sandbox."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from exact_sandbox.testing import SandboxServer
from target.helpers import Exact, Run
from target_exact.target import TargetExact


@pytest.fixture
def run_target(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    def run(config: dict[str, Any], text: str) -> Run:
        capsys.readouterr()
        target = TargetExact(config=config, validate_config=True)
        code = 0
        try:
            target.listen(io.StringIO(text))
        except SystemExit as exc:
            code = int(exc.code or 0)
        return Run(capsys.readouterr().out, code)

    return run


@pytest.fixture(scope="module")
def module_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """One sandbox per test module: the tests of a module write documents with distinct
    references, so they share it (a fresh sandbox costs about a second)."""
    with SandboxServer(
        Path(tmp_path_factory.mktemp("target-sandbox")),
        seed=1,
        divisions=2,
        scale="small",
        no_rate_limits=True,
    ) as sb:
        yield sb


@pytest.fixture(scope="module")
def exact(module_sandbox: SandboxServer) -> Exact:
    """Reads from the module sandbox with its own token chain (checks what the target wrote)."""
    return Exact(module_sandbox)
