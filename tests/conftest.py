"""Options of the whole suite. The sandbox fixtures (``sandbox``, ``fresh_sandbox``) come from
``exact_sandbox.pytest_plugin``, loaded by the root conftest.py."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    # Here, not in tests/reliability/: pytest only reads options from the initial conftests.
    parser.addoption(
        "--reliability-scale",
        choices=("small", "large"),
        default="small",
        help="fault-suite sizes: small (CI) or large (make reliability)",
    )
