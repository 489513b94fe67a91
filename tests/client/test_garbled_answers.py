"""The client asks a garbled 200 again (current/Me, system/Divisions, every get_page) and gives up
loudly with GarbledAnswer once the retry schedule is spent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from exact_online.client import ExactClient
from exact_online.policy import GarbledAnswer
from exact_sandbox.testing import SandboxServer


def _client(sb: SandboxServer, tmp_path: Path, **extra: object) -> ExactClient:
    return ExactClient.from_config(
        {**sb.config, "token_store_path": str(tmp_path / "tokens.json"), **extra}
    )


@pytest.mark.parametrize("kind", ["empty200", "badjson", "html200", "wrongtype", "stringd"])
def test_garbled_me_is_retried_then_read(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path, kind: str
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, faults=f"{kind}:times=1,path=current/Me")
    client = _client(sb, tmp_path)
    sb.reset_calls()
    assert client.current_division() == sb.divisions_list[0]
    assert sb.calls()["by_path"] == {"GET /api/v1/current/Me": 2}


def test_persistently_garbled_answers_fail_with_garbled_answer(
    fresh_sandbox: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True, faults="emptyd:path=system/Divisions")
    client = _client(sb, tmp_path, max_retries=2)
    sb.reset_calls()
    with pytest.raises(GarbledAnswer, match="empty entity; giving up after 3 tries"):
        client.divisions(sb.divisions_list[0])
    calls = sb.calls()["by_path"]
    assert sum(n for k, n in calls.items() if k.endswith("system/Divisions")) == 3
