"""docs/configuration.md's settings tables are exactly what the plugins' `--about --format markdown`
prints, and the README links there."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import ROOT


def updater() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "update_readme_about", ROOT / "scripts" / "update_readme_about.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("block", ["tap-about", "target-about"])
def test_configuration_about_tables_are_current(block: str) -> None:
    module = updater()
    page = module.TARGET.read_text(encoding="utf-8")
    current = module.block(page, block)
    assert current is not None, f"docs/configuration.md lacks <!-- {block}:start/end -->"
    expected = module.about_markdown(module.BLOCKS[block])
    assert current == expected, "docs/configuration.md is stale: run scripts/update_readme_about.py"


def test_readme_links_the_generated_tables() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/configuration.md)" in readme


def test_render_replaces_only_between_markers(tmp_path: Path) -> None:
    module = updater()
    text = "intro\n<!-- tap-about:start -->\nold\n<!-- tap-about:end -->\noutro\n"
    assert module.render(text, {"tap-about": "new\n"}) == (
        "intro\n<!-- tap-about:start -->\nnew\n<!-- tap-about:end -->\noutro\n"
    )
    with pytest.raises(ValueError, match="target-about"):
        module.render(text, {"target-about": "x\n"})
