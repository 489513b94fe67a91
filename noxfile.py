"""Run the fast test subset on every supported Python: `make test-pythons` (or `nox`).

Versions that are not installed are skipped, not failed (pyenv keeps them under ~/.pyenv/versions;
nox finds `python3.X` on PATH). The full suite, including the PostgreSQL and Meltano end-to-end
tests, runs on the default Python in `make test`.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]

nox.options.sessions = ["tests"]
nox.options.error_on_missing_interpreters = False
nox.options.reuse_existing_virtualenvs = True


def _add_pyenv_to_path() -> None:
    # pyenv's shims only expose the global version; the real interpreters live here.
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if not root.is_dir():
        return
    wanted = {f"{major_minor}." for major_minor in PYTHONS}
    dirs = [
        str(version / "bin")
        for version in sorted(root.iterdir())
        if any(version.name.startswith(prefix) for prefix in wanted)
    ]
    os.environ["PATH"] = os.pathsep.join([*dirs, os.environ.get("PATH", "")])


_add_pyenv_to_path()


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The suite minus the slow, PostgreSQL and Meltano tests, on one interpreter."""
    session.install("-e", ".[dev]")
    args = session.posargs or ["-m", "not slow and not postgres and not meltano", "-n", "2"]
    session.run("pytest", *args)
