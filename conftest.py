"""The repository's root conftest: pytest puts this directory on ``sys.path`` (rootdir conftest),
so ``benchmarks`` imports as a package in tests, and loads the sandbox fixtures."""

pytest_plugins = ["exact_sandbox.pytest_plugin"]
