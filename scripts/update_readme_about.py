"""Regenerate the settings tables in docs/configuration.md from the plugins' own `--about --format
markdown` (the README links there, which keeps it a short landing page).

    .venv/bin/python -m scripts.update_readme_about          # rewrite the page in place
    .venv/bin/python -m scripts.update_readme_about --check  # exit 1 when it is stale

The page keeps the generated text between marker comments (<!-- tap-about:start --> ...
<!-- tap-about:end --> and the same for target-about); everything outside them is left alone.
tests/pipeline/test_about_docs.py runs the same comparison.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "configuration.md"

# marker name -> console script
BLOCKS = {"tap-about": "tap-exact", "target-about": "target-exact"}
# The blocks sit under "## tap-exact" / "## target-exact": their own headings go below that.
HEADING_SHIFT = 2


def executable(name: str) -> str:
    """The console script next to the running interpreter (the project venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else name


def about_markdown(command: str) -> str:
    """`<command> --about --format markdown`, normalised to end in exactly one newline."""
    result = subprocess.run(
        [executable(command), "--about", "--format", "markdown"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    if result.returncode != 0:
        raise RuntimeError(f"{command} --about failed: {result.stderr.strip()[-1000:]}")
    return demote_headings(result.stdout.strip(), HEADING_SHIFT) + "\n"


def demote_headings(markdown: str, levels: int) -> str:
    """`# Title` -> `#### Title` for levels=3, outside fenced code blocks."""
    out: list[str] = []
    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        heading = not fenced and re.match(r"#+ ", line)
        out.append("#" * levels + line if heading else line)
    return "\n".join(out)


def marker_pattern(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- {re.escape(name)}:start -->\n)(.*?)(<!-- {re.escape(name)}:end -->)", re.DOTALL
    )


def block(text: str, name: str) -> str | None:
    """The text between a pair of markers, or None when the markers are missing."""
    match = marker_pattern(name).search(text)
    return match.group(2) if match else None


def _replacement(content: str) -> Callable[[re.Match[str]], str]:
    return lambda match: match.group(1) + content + match.group(3)


def render(text: str, generated: dict[str, str]) -> str:
    """`text` with every marker block replaced by its generated content."""
    for name, content in generated.items():
        pattern = marker_pattern(name)
        if not pattern.search(text):
            raise ValueError(f"no <!-- {name}:start --> / <!-- {name}:end --> markers")
        text = pattern.sub(_replacement(content), text, count=1)
    return text


def generate_all() -> dict[str, str]:
    return {name: about_markdown(command) for name, command in BLOCKS.items()}


def write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report staleness")
    parser.add_argument("--file", type=Path, default=TARGET)
    args = parser.parse_args(argv)

    current = args.file.read_text(encoding="utf-8")
    updated = render(current, generate_all())
    if updated == current:
        print(f"{args.file.name}: --about tables are up to date")
        return 0
    if args.check:
        print(f"{args.file.name}: --about tables are stale; run scripts/update_readme_about.py")
        return 1
    write_atomically(args.file, updated)
    print(f"{args.file.name}: --about tables regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
