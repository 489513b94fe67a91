"""Every relative link in README.md and docs/*.md points at a file that exists, and every
`#anchor` at a heading of that file (GitHub's rules for heading ids)."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import ROOT
from .docs_blocks import documents

_LINK = re.compile(r"\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6} (.+)$")
README_LIMIT = 15_000  # bytes: the README is a landing page; the detail lives in docs/


def outside_code(text: str) -> list[str]:
    lines, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def anchors(doc: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, -1 on repeats."""
    seen: dict[str, int] = {}
    for line in outside_code(doc.read_text("utf-8")):
        heading = _HEADING.match(line)
        if not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading[1].strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        if count:
            seen[f"{slug}-{count}"] = 1
    return set(seen)


def test_relative_links_resolve() -> None:
    broken = []
    for doc in documents():
        for line in outside_code(doc.read_text("utf-8")):
            for target in _LINK.findall(line):
                if re.match(r"[a-z]+:", target):
                    continue
                path, _, anchor = target.partition("#")
                file = (doc.parent / path).resolve() if path else doc
                if not file.exists():
                    broken.append(f"{doc.name}: {target} (no such file)")
                elif anchor and file.suffix == ".md" and anchor not in anchors(file):
                    broken.append(f"{doc.name}: {target} (no such heading)")
    assert not broken, broken


def test_readme_is_a_landing_page() -> None:
    readme = ROOT / "README.md"
    assert readme.stat().st_size < README_LIMIT
    text = readme.read_text("utf-8")
    for doc in ("tap", "target", "sandbox", "client", "planning", "benchmarks", "reliability",
                "architecture", "meltano", "hotglue", "configuration", "troubleshooting"):
        assert f"(docs/{doc}.md)" in text, doc
    # user text without the project's internal names for its specs
    assert not re.search(r"seed[ -]?001|sync board", text, re.IGNORECASE)
