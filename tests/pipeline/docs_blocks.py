"""The fenced blocks of README.md and docs/*.md, with the marker comment that precedes each.

A shell block (info string sh, bash, shell, console, or none) is preceded by
``<!-- runnable -->`` or ``<!-- not-runnable: <reason> -->``; tests/pipeline/test_docs_commands.py
runs the first kind and checks every shell block carries one of the two.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from .conftest import ROOT

SHELL_LANGUAGES = {"", "sh", "bash", "shell", "console"}
_FENCE = re.compile(r"^(?P<indent> *)```(?P<info>[^`]*)$")
_MARKER = re.compile(
    r"^<!-- (?P<kind>runnable|not-runnable|meltano-plugins)(?:: (?P<reason>.+?))? -->$"
)


@dataclass(frozen=True)
class Block:
    doc: str  # path relative to the repository root
    line: int  # of the opening fence, 1-based
    language: str
    marker: str | None  # "runnable", "not-runnable", "meltano-plugins" or None
    reason: str | None
    code: str

    @property
    def is_shell(self) -> bool:
        return self.language in SHELL_LANGUAGES

    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(doc: Path) -> list[Block]:
    lines = doc.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent = len(opening["indent"])
        closing = next(
            (j for j in range(index + 1, len(lines)) if lines[j].strip() == "```"), None
        )
        assert closing is not None, f"{doc.name}:{index + 1}: unclosed code block"
        body = textwrap.dedent("\n".join(line[indent:] for line in lines[index + 1:closing]))
        found.append(Block(
            doc=str(doc.relative_to(ROOT)), line=index + 1,
            language=(opening["info"].split() or [""])[0], **_marker_before(lines, index),
            code=body + "\n",
        ))
        index = closing + 1
    return found


def _marker_before(lines: list[str], index: int) -> dict[str, str | None]:
    previous = next((lines[j].strip() for j in range(index - 1, -1, -1) if lines[j].strip()), "")
    match = _MARKER.match(previous)
    return {"marker": match["kind"], "reason": match["reason"]} if match else {
        "marker": None, "reason": None}


def all_blocks() -> list[Block]:
    return [block for doc in documents() for block in blocks(doc)]
