"""exact_sandbox.testing.SandboxServer, the one launcher: where it puts data, config and log, what
it says when the server does not start, and that a restart keeps the data."""

from __future__ import annotations

from pathlib import Path

import pytest

from exact_sandbox.testing import SandboxServer


def test_a_server_that_does_not_start_is_reported_with_its_log(tmp_path: Path) -> None:
    server = SandboxServer(tmp_path, bogus_flag=1)
    with pytest.raises(RuntimeError) as failed:
        server.start()
    assert "exact-sandbox did not start" in str(failed.value)
    assert "unrecognized arguments: --bogus-flag 1" in str(failed.value)
    assert server.proc is None


def test_data_config_and_log_where_asked_and_restart_keeps_the_data(tmp_path: Path) -> None:
    data, config, log = tmp_path / "data", tmp_path / "cfg" / "c.json", tmp_path / "logs" / "s.log"
    server = SandboxServer(
        tmp_path / "work", data_dir=data, config_path=config, log_path=log, no_rate_limits=True
    )
    with server as sb:
        assert (data / "sandbox.db").exists()
        assert sb.config["base_url"] == sb.base_url
        assert Path(sb.config["token_store_path"]).parent == config.parent.resolve()
        first = sb.config
        counts = sb.stats()
        sb.restart()
        assert sb.stats() == counts
        assert sb.config["client_id"] == first["client_id"]
    assert server.proc is None
    assert log.exists()
