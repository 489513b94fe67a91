"""Clients written by others against the real Exact API read the sandbox with configuration only.

Runs ``python -m scripts.fidelity_check`` (throwaway Python 3.10 venvs with PyPI's ``exactonline``,
``tap-exact`` and ``tap-exactonline``; the venvs are cached in FIDELITY_WORK or
~/.cache/exact-online-fidelity). Skips when Python 3.10 or PyPI is unavailable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON310 = os.environ.get("FIDELITY_PYTHON", "/root/.pyenv/versions/3.10.13/bin/python")
PYPI_UNREACHABLE = 3

# Requests these clients make that the sandbox refuses today, though the clients were used
# against the real API (see docs/fidelity.md). Remove an entry when the sandbox is fixed.
KNOWN_DIVERGENCES: set[tuple[str, str]] = set()


@pytest.mark.slow
def test_other_clients_read_what_the_sandbox_holds(tmp_path: Path) -> None:
    if not Path(PYTHON310).exists():
        pytest.skip(f"Python 3.10 not found at {PYTHON310} (the clients need <3.11)")
    work = Path(os.environ.get("FIDELITY_WORK", Path.home() / ".cache" / "exact-online-fidelity"))
    report = tmp_path / "fidelity.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.fidelity_check",
            "--work",
            str(work),
            "--python",
            PYTHON310,
            "--json-out",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=3000,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode == PYPI_UNREACHABLE:
        pytest.skip(f"PyPI unreachable: {proc.stderr.strip()[-300:]}")
    assert report.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    results = {r["client"]: r for r in json.loads(report.read_text())}
    assert set(results) == {"exactonline", "tap-exact", "tap-exactonline"}
    for client, result in results.items():
        assert result["error"] is None, (client, result["error"])
        assert len(result["checks"]) >= 8, client
        failed = {(client, c["name"]) for c in result["checks"] if not c["ok"]}
        assert failed <= KNOWN_DIVERGENCES, proc.stdout[-4000:]
    assert results["exactonline"]["ok"], proc.stdout[-4000:]
