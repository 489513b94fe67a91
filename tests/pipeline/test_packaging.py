"""The package builds as a wheel that carries its data files, and `python -m tap_exact` runs."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_wheel_contains_the_registry(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--quiet",
         "--wheel-dir", str(tmp_path)],
        check=True, capture_output=True, text=True, timeout=600,
    )
    wheels = list(tmp_path.glob("tap_exact_online-*.whl"))
    assert len(wheels) == 1, wheels
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    assert "exact_online/data/registry.json" in names
    # Schemas are built from the registry at run time; the reference it came from stays in the repo.
    assert not [n for n in names if n.startswith(("tap_exact/schemas/", "reference/"))]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    scripts = zipfile.ZipFile(wheels[0]).read(entry_points).decode()
    for command in ("tap-exact", "target-exact", "exact-sandbox", "exact-auth"):
        assert f"{command} =" in scripts
    # The Apache-2.0 text travels with the wheel, named in its metadata.
    licence = next(n for n in names if n.endswith(".dist-info/licenses/LICENSE"))
    text = (ROOT / "LICENSE").read_bytes()
    assert zipfile.ZipFile(wheels[0]).read(licence) == text
    assert b"Apache License\n                           Version 2.0, January 2004" in text
    assert b"END OF TERMS AND CONDITIONS" in text
    metadata = zipfile.ZipFile(wheels[0]).read(
        next(n for n in names if n.endswith(".dist-info/METADATA"))
    ).decode()
    assert "License-Expression: Apache-2.0" in metadata and "License-File: LICENSE" in metadata


def test_python_m_tap_exact_about() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tap_exact", "--about", "--format", "json"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    about = json.loads(result.stdout)
    assert about["name"] == "tap-exact"
    assert "client_id" in about["settings"]["properties"]
