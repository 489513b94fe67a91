"""Every shell command in README.md and docs/*.md runs, as written, against the sandbox.

Each shell block is marked `<!-- runnable -->` or `<!-- not-runnable: <reason> -->` (checked
here). The runnable blocks of a page run in order, with `bash -e -o pipefail`, in one scratch
folder that holds what the page assumes: `config.json`, `tap.json`, `target.json` and `exact.json`
pointing at a fresh sandbox, `examples/`, `.venv` and `.venv-meltano`, and a Meltano project —
for the README one made from its own plugin definitions (the `<!-- meltano-plugins -->` block),
for docs/ a copy of this repository's `meltano.yml`. `exact-auth` opens its "browser" through
`$BROWSER`: a script that follows the sandbox's sign-in redirect, as a person's browser would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from exact_sandbox.testing import SandboxServer
from tests.client.test_docs_examples import doc_blocks

from .conftest import ROOT
from .docs_blocks import Block, all_blocks, blocks
from .singer_run import clean_env, tap_config, write_json

TIMEOUT = 300  # seconds per block; the slowest (the pipe recipe) takes about 20 s
OWN_PROJECT_HEADER = """\
version: 1
default_environment: dev
send_anonymous_usage_stats: false
environments:
- name: dev
plugins:
"""
BROWSER = """\
#!{python}
import sys

import requests

requests.get(sys.argv[1], timeout=60)  # the sandbox signs in and redirects to exact-auth
"""


def runnable_pages() -> list[str]:
    return sorted({b.doc for b in all_blocks() if b.marker == "runnable"})


def test_every_shell_block_is_marked() -> None:
    unmarked = [b.where() for b in all_blocks()
                if b.is_shell and b.marker not in ("runnable", "not-runnable")]
    assert not unmarked, f"mark these <!-- runnable --> or <!-- not-runnable: why -->: {unmarked}"
    no_reason = [b.where() for b in all_blocks() if b.marker == "not-runnable" and not b.reason]
    assert not no_reason, f"say why these cannot run: {no_reason}"
    runnable = [b for b in all_blocks() if b.marker == "runnable"]
    assert all(b.is_shell for b in runnable), [b.where() for b in runnable if not b.is_shell]
    assert {"README.md", "docs/tap.md", "docs/target.md", "docs/sandbox.md",
            "docs/meltano.md"} <= set(runnable_pages())


def test_readme_has_no_synopsis_placeholders_in_commands() -> None:
    # A synopsis pasted into a shell makes folders named DIR or pipes into `medium`.
    for block in all_blocks():
        if block.marker == "runnable":
            assert "small|medium" not in block.code and " DIR" not in block.code, block.where()


def own_project(readme: Path) -> str:
    plugins = [b for b in blocks(readme) if b.marker == "meltano-plugins"]
    assert len(plugins) == 1 and plugins[0].language == "yaml"
    text = OWN_PROJECT_HEADER + textwrap.indent(plugins[0].code, "  ")
    project = yaml.safe_load(text)
    names = {p["name"] for kind in project["plugins"].values() for p in kind}
    assert names == {"tap-exact", "target-exact"}
    for kind in project["plugins"].values():
        for plugin in kind:
            assert plugin["namespace"] and plugin["executable"] == plugin["name"]
    return text


def workspace(page: str, sb: SandboxServer, root: Path, meltano: Path | None) -> dict[str, str]:
    """`root` prepared for the page's commands; returns their environment."""
    config = {**tap_config(sb.config), "divisions": sb.divisions_list}
    for name in ("config.json", "tap.json", "target.json", "exact.json"):
        write_json(root / name, config)
    (root / "examples").symlink_to(ROOT / "examples")
    (root / ".venv").symlink_to(Path(sys.prefix))
    browser = root / "browser.py"
    browser.write_text(BROWSER.format(python=sys.executable), encoding="utf-8")
    browser.chmod(0o755)
    path = [str(Path(sys.executable).parent)]
    if meltano is not None:
        (root / ".venv-meltano").symlink_to(meltano.parent.parent)
        path.append(str(meltano.parent))
        if page == "README.md":  # the user's project, with the secrets in .env as it says
            (root / "meltano.yml").write_text(own_project(ROOT / page), encoding="utf-8")
            (root / ".env").write_text("".join(
                f"{plugin}_{key.upper()}={config[key]}\n"
                for plugin in ("TAP_EXACT", "TARGET_EXACT")
                for key in ("base_url", "client_id", "client_secret", "token_store_path")
            ), encoding="utf-8")
        else:
            shutil.copy(ROOT / "meltano.yml", root / "meltano.yml")
            # tap-exact's and target-exact's definitions: the lock files meltano.yml names
            shutil.copytree(ROOT / "plugins", root / "plugins")
    return {
        **clean_env(),
        "PATH": os.pathsep.join([*path, os.environ.get("PATH", "")]),
        "PYTHONPATH": str(ROOT),
        "BROWSER": str(browser),
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MELTANO_HUB_URL": "http://127.0.0.1:9",  # closed: the definitions need no Hub
        "MELTANO_HUB_API_ROOT": "http://127.0.0.1:9/meltano/api/v1",
    }


def run_block(block: Block, cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.Popen(
        ["bash", "-e", "-o", "pipefail", "-c", block.code], cwd=cwd, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{block.where()} ran over {TIMEOUT} s:\n{block.code}\n{err[-3000:]}")
    finally:
        try:  # anything the block left running in the background
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == 0, (
        f"{block.where()} failed ({proc.returncode}):\n{block.code}\n"
        f"stdout: {out[-2000:]}\nstderr: {err[-4000:]}"
    )
    return out


def lines_of(path: Path, kind: str) -> list[dict[str, object]]:
    messages = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    return [m for m in messages if m.get("type") == kind]


def check_readme(root: Path, out: str, sb: SandboxServer) -> None:
    assert "Tokens saved to" in out and f"current division {sb.divisions_list[0]}" in out
    assert "gl_accounts" in (root / "meltano.yml").read_text("utf-8")  # `meltano select` added it
    assert "client_id [env: TAP_EXACT_CLIENT_ID] current value: " in out  # from .env
    assert "client_secret [env: TARGET_EXACT_CLIENT_SECRET]" in out
    assert sb.config["client_secret"] not in out  # redacted
    assert "target-exact" in (root / "target-settings.json").read_text("utf-8")
    assert "| client_id |" in (root / "tap-settings.md").read_text("utf-8")


def check_tap(root: Path, out: str, sb: SandboxServer) -> None:
    streams = {m["stream"] for m in lines_of(root / "messages.jsonl", "RECORD")}
    assert streams == {"items", "purchase_orders"}


def check_target(root: Path, out: str, sb: SandboxServer) -> None:
    final = json.loads((root / "results.jsonl").read_text("utf-8").splitlines()[-1])
    summary = final["summary"]["BuyOrders"]
    assert summary["fail"] == 0 and summary["success"] + summary["existing"] >= 1, summary
    assert '"DRY_RUN"' in out


def check_sandbox(root: Path, out: str, sb: SandboxServer) -> None:
    stats = json.loads((root / "stats.json").read_text("utf-8"))
    assert stats["3001001"]["logistics/Items"] > 0
    assert (root / "sandbox.json").exists() and "listening on http://127.0.0.1:" in out


def check_meltano(root: Path, out: str, sb: SandboxServer) -> None:
    assert "exact-to-warehouse" in out  # `meltano schedule list`
    first = lines_of(root / "messages.jsonl", "RECORD")
    again = lines_of(root / "changes.jsonl", "RECORD")
    assert first and len(again) < len(first)  # the saved state made the second run incremental
    assert json.loads((root / "state.json").read_text("utf-8"))["bookmarks"]


def check_languages(root: Path, out: str, sb: SandboxServer) -> None:
    records = lines_of(root / "messages.jsonl", "RECORD")
    translations = [m["record"] for m in records if m["stream"] == "items_translations"]
    assert {r["Language"] for r in translations} == {"DE", "FR-BE"}  # type: ignore[index]
    assert all(str(r["Description"]).endswith(f" [{r['Language']}]")  # type: ignore[index]
               for r in translations)
    assert any(m["stream"] == "item_extra_field" for m in records)
    assert f"{len(translations)}\n" in out and "keys of items in division" in out


CHECKS: dict[str, Callable[[Path, str, SandboxServer], None]] = {
    "README.md": check_readme, "docs/tap.md": check_tap, "docs/target.md": check_target,
    "docs/sandbox.md": check_sandbox, "docs/meltano.md": check_meltano,
    "docs/languages.md": check_languages,
}


@pytest.mark.parametrize("page", [
    pytest.param(page, marks=[pytest.mark.meltano] if page in ("README.md", "docs/meltano.md")
                 else [])
    for page in sorted(CHECKS)
])
def test_page_commands_run_against_the_sandbox(
    page: str, fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    assert page in runnable_pages()
    sb = fresh_sandbox(no_rate_limits=True)
    meltano = request.getfixturevalue("meltano_bin") if page in (
        "README.md", "docs/meltano.md") else None
    root = tmp_path / "work"
    root.mkdir()
    env = workspace(page, sb, root, meltano)
    outputs = [run_block(b, root, env) for b in blocks(ROOT / page) if b.marker == "runnable"]
    CHECKS[page](root, "\n".join(outputs), sb)


def test_every_page_with_commands_is_checked() -> None:
    assert set(runnable_pages()) == set(CHECKS)


def test_sandbox_python_example_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    examples = doc_blocks(ROOT / "docs" / "sandbox.md")
    assert examples and all(tested for tested, _ in examples)
    namespace: dict[str, object] = {"__name__": "docs_sandbox", "tmp_dir": tmp_path / "sb"}
    for number, (_, code) in enumerate(examples, 1):
        exec(compile(code, f"docs/sandbox.md block {number}", "exec"), namespace)
    out = capsys.readouterr().out
    assert " items in 3001001" in out and "API calls so far" in out
