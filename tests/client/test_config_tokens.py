"""Rotated tokens written back into the --config file (HotGlue): the file mechanics, which file,
and the start-up rule "the newer pair wins". File faults are made for real where the OS lets a
test make them (modes, links, FIFOs); a write that dies half-way is injected."""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from exact_online import config_tokens
from exact_online.config_tokens import (
    ConfigFileMirror,
    ConfigTarget,
    pick_config_file,
    render_like,
    tokens_from_config,
)
from exact_online.errors import TokensNotSaved, TokensRecovered
from exact_online.settings import ConnectionSettings
from exact_online.token_seed import reconcile
from exact_online.token_store import FileTokenStorage, MemoryTokenStorage, TokenSet

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def pair(name: str, minutes: float = 10) -> TokenSet:
    return TokenSet(
        access_token=f"access-{name}",
        refresh_token=f"refresh-{name}",
        expires_at=NOW + timedelta(minutes=minutes),
        issued_at=NOW + timedelta(minutes=minutes - 10),
    )


def hotglue_file(path: Path, text: str | None = None, mode: int = 0o644) -> Path:
    data = {"client_id": "cid", "refresh_token": "refresh-old", "current_division": "3001001",
            "client_secret": "s3cret", "start_date": "2024-01-01T00:00:00Z"}
    path.write_text(text if text is not None else json.dumps(data, indent=2) + "\n")
    os.chmod(path, mode)
    return path


def mirror(tmp_path: Path, config: Path, store: Any = None) -> ConfigFileMirror:
    return ConfigFileMirror(store or FileTokenStorage(tmp_path / "store" / "t.json"), config)


# ---- the rewrite ------------------------------------------------------------------------------


def test_rotation_keeps_keys_order_layout_and_mode(tmp_path: Path) -> None:
    config = hotglue_file(tmp_path / "config.json", mode=0o640)
    original = list(json.loads(config.read_text()))
    m = mirror(tmp_path, config)
    m.save(pair("a"))
    text = config.read_text()
    data = json.loads(text)
    assert list(data) == [*original, "access_token", "expires_in"]
    assert data["refresh_token"] == "refresh-a" and data["access_token"] == "access-a"
    assert data["expires_in"] == int((NOW + timedelta(minutes=10)).timestamp())  # epoch seconds
    assert data["client_secret"] == "s3cret" and data["current_division"] == "3001001"
    assert text.startswith('{\n  "client_id": "cid",\n') and text.endswith("}\n")
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    # A second rotation replaces the values in place: the order stays.
    m.save(pair("b", minutes=20))
    assert list(json.loads(config.read_text())) == list(data)
    stored = m.store.get()
    assert stored is not None and stored.refresh_token == "refresh-b"


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ('{"refresh_token": "r", "a": 1}', lambda t: t == '{"refresh_token": "x", "a": 1, '
         '"access_token": "y", "expires_in": 5}'),
        ('{"refresh_token":"r","a":1}\n', lambda t: t.startswith('{"refresh_token":"x","a":1,')
         and t.endswith("}\n")),
        ('{\n\t"refresh_token": "r"\n}', lambda t: t.startswith('{\n\t"refresh_token": "x",\n\t')),
        ('{\r\n    "refresh_token": "r"\r\n}\r\n', lambda t: t.startswith(
            '{\r\n    "refresh_token": "x",\r\n    "access_token"') and t.endswith("}\r\n")),
        ('{"name": "Café", "refresh_token": "r"}', lambda t: '"Café"' in t),
    ],
    ids=["compact-spaced", "minified", "tabs", "crlf", "non-ascii"],
)
def test_layout_follows_the_original(text: str, check: Any) -> None:
    data = json.loads(text)
    data.update({"refresh_token": "x", "access_token": "y", "expires_in": 5})
    rendered = render_like(text, data)
    assert json.loads(rendered) == data
    assert check(rendered), rendered


def test_string_expires_in_stays_a_string(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"refresh_token": "r", "access_token": "a",
                                  "expires_in": "1700000000"}))
    mirror(tmp_path, config).save(pair("a"))
    assert json.loads(config.read_text())["expires_in"] == str(
        int((NOW + timedelta(minutes=10)).timestamp()))


def test_a_write_dying_half_way_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = hotglue_file(tmp_path / "config.json")
    before = config.read_bytes()
    real_write_all = config_tokens.write_all

    def dies_half_way(fd: int, data: bytes) -> None:
        real_write_all(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(config_tokens, "write_all", dies_half_way)
    m = mirror(tmp_path, config)
    with caplog.at_level(logging.WARNING):
        m.save(pair("a"))
        m.save(pair("b", minutes=20))
    assert config.read_bytes() == before  # intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "store"]  # no temp left
    assert m.store.get().refresh_token == "refresh-b"  # the chain is in the store
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once per run
    assert "No space left on device" in warnings[0].getMessage()
    assert "refresh-" not in caplog.text and "access-" not in caplog.text


def test_symlinked_config_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    real = hotglue_file(tmp_path / "real" / "config.json", mode=0o600)
    link = tmp_path / "config.json"
    link.symlink_to(real)
    mirror(tmp_path, link).save(pair("a"))
    assert link.is_symlink()
    assert json.loads(real.read_text())["refresh_token"] == "refresh-a"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_read_only_config_warns_once_and_the_store_keeps_the_chain(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = hotglue_file(tmp_path / "config.json", mode=0o444)
    before = config.read_bytes()
    m = mirror(tmp_path, config)
    with caplog.at_level(logging.WARNING):
        m.save(pair("a"))
        m.save(pair("b", minutes=20))
    assert config.read_bytes() == before
    assert m.store.get().refresh_token == "refresh-b"
    assert len(caplog.records) == 1
    assert "read-only" in caplog.text and str(config) in caplog.text


def test_store_that_cannot_save_still_has_the_pair_in_the_config(tmp_path: Path) -> None:
    class Lost(MemoryTokenStorage):
        def save(self, tokens: TokenSet) -> None:
            raise TokensNotSaved("TOKENS LOST: disk full")

    config = hotglue_file(tmp_path / "config.json")
    with pytest.raises(TokensRecovered) as caught:
        ConfigFileMirror(Lost(), config).save(pair("a"))
    assert caught.value.recovery_path == str(config)
    assert json.loads(config.read_text())["refresh_token"] == "refresh-a"


# ---- which file -------------------------------------------------------------------------------


def test_the_file_holding_the_refresh_token_is_picked(tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    base.write_text(json.dumps({"client_id": "c"}))
    tokens = hotglue_file(tmp_path / "tokens.json")
    files = [str(base), str(tokens), "ENV"]
    assert pick_config_file(files, "auto") == ConfigTarget(tokens)
    assert pick_config_file([str(base)], "auto") == ConfigTarget()
    assert pick_config_file([str(base)], "always") == ConfigTarget(base)
    assert pick_config_file(files, "never") == ConfigTarget()
    assert pick_config_file(["ENV"], "auto") == ConfigTarget()


def test_a_pipe_is_never_written_and_says_so(tmp_path: Path) -> None:
    fifo = tmp_path / "config.fifo"
    os.mkfifo(fifo)
    found = pick_config_file([str(fifo)], "auto")
    assert found.path is None
    assert found.problem is not None and "not a regular file" in found.problem


def test_settings_pick_the_file_from_the_given_config_files(tmp_path: Path) -> None:
    config = hotglue_file(tmp_path / "config.json")
    data = json.loads(config.read_text()) | {"client_secret": "s"}
    assert ConnectionSettings.from_config(data, [str(config)]).token_config.path == config
    assert ConnectionSettings.from_config(data).token_config.path is None  # not a CLI run
    with pytest.raises(ValueError, match="write_tokens_to_config"):
        ConnectionSettings.from_config(data | {"write_tokens_to_config": "sometimes"}, [])


# ---- the start-up rule --------------------------------------------------------------------------


def settings_with(tmp_path: Path, config: Path, **tokens: Any) -> ConnectionSettings:
    data = json.loads(config.read_text())
    data.update(tokens)
    config.write_text(json.dumps(data, indent=2))
    return ConnectionSettings.from_config(
        data | {"client_secret": "s", "token_store_path": str(tmp_path / "store" / "t.json")},
        [str(config)],
    )


def epoch(minutes: float) -> int:
    return int((NOW + timedelta(minutes=minutes)).timestamp())


def test_empty_store_is_seeded_from_the_config(tmp_path: Path) -> None:
    config = hotglue_file(tmp_path / "config.json")
    s = settings_with(tmp_path, config, access_token="access-c", expires_in=epoch(5))
    m = mirror(tmp_path, config, FileTokenStorage(s.token_store_path))
    assert reconcile(m, s) == "seeded"
    assert m.store.get().access_token == "access-c"


def test_newer_config_beats_the_store_and_older_config_is_brought_up_to_date(
    tmp_path: Path,
) -> None:
    config = hotglue_file(tmp_path / "config.json")
    store = FileTokenStorage(tmp_path / "store" / "t.json")
    store.save(pair("store", minutes=10))

    newer = settings_with(tmp_path, config, access_token="access-c", refresh_token="refresh-c",
                          expires_in=epoch(15))
    assert reconcile(mirror(tmp_path, config, store), newer) == "config newer"
    assert store.get().refresh_token == "refresh-c"

    store.save(pair("store2", minutes=30))  # the config's last write failed
    older = settings_with(tmp_path, config)
    assert reconcile(mirror(tmp_path, config, store), older) == "config updated"
    assert json.loads(config.read_text())["refresh_token"] == "refresh-store2"


def test_config_pair_of_unknown_age_loses_to_a_store_and_is_left_alone(tmp_path: Path) -> None:
    config = hotglue_file(tmp_path / "config.json")
    store = FileTokenStorage(tmp_path / "store" / "t.json")
    store.save(pair("store"))
    s = settings_with(tmp_path, config, access_token="access-c", refresh_token="refresh-c",
                      expires_in=600)  # relative, as in Exact's answer: no known issue time
    assert reconcile(mirror(tmp_path, config, store), s) is None
    assert store.get().refresh_token == "refresh-store"
    assert json.loads(config.read_text())["refresh_token"] == "refresh-c"


def test_mirror_reads_a_newer_pair_another_job_wrote(tmp_path: Path) -> None:
    config = hotglue_file(tmp_path / "config.json")
    m = mirror(tmp_path, config)
    m.save(pair("a"))
    other = json.loads(config.read_text())
    other.update(access_token="access-z", refresh_token="refresh-z", expires_in=epoch(40))
    config.write_text(json.dumps(other))
    got = m.get()
    assert got is not None and got.refresh_token == "refresh-z"
    assert tokens_from_config({"access_token": "a", "refresh_token": "r"}) is None
