"""RECORD lines wait in stdout's buffer; any other message sends them, in order, before itself."""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime, timezone

import pytest
from singer_sdk.singerlib import RecordMessage, SchemaMessage, StateMessage

from tap_exact.writer import BufferedMsgSpecWriter


class _Pipe(io.RawIOBase):
    """The far end of stdout: what has left the process, one entry per write(2)."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.writes.append(bytes(data))
        return len(data)


def _stdout_to_pipe(monkeypatch: pytest.MonkeyPatch) -> _Pipe:
    # In the test body: pytest's capture sets sys.stdout again between fixture and test.
    raw = _Pipe()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BufferedWriter(raw, 1 << 16)))
    return raw


def _lines(pipe: _Pipe) -> list[dict[str, object]]:
    return [json.loads(line) for line in b"".join(pipe.writes).splitlines()]


def test_records_are_sent_with_the_next_state(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = _stdout_to_pipe(monkeypatch)
    writer = BufferedMsgSpecWriter()
    at = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
    writer.write_message(SchemaMessage("s", {"type": "object"}, ["ID"]))
    assert len(pipe.writes) == 1  # SCHEMA at once
    for i in range(3):
        writer.write_message(RecordMessage("s", {"ID": i}, time_extracted=at))
    assert len(pipe.writes) == 1  # records wait
    writer.write_message(StateMessage({"bookmarks": {"s": {"replication_key_value": 2}}}))
    assert len(pipe.writes) == 2  # one write: the three records and the STATE after them
    assert [m["type"] for m in _lines(pipe)] == ["SCHEMA", "RECORD", "RECORD", "RECORD", "STATE"]
    assert [m["record"] for m in _lines(pipe) if m["type"] == "RECORD"] == [
        {"ID": 0}, {"ID": 1}, {"ID": 2}
    ]


def test_buffered_records_leave_when_the_buffer_fills(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = _stdout_to_pipe(monkeypatch)
    writer = BufferedMsgSpecWriter()
    for i in range(2000):  # ~100 KB, more than the 64 KB buffer
        writer.write_message(RecordMessage("s", {"ID": i, "pad": "x" * 40}))
    assert pipe.writes, "a full buffer is written without waiting for a STATE"
    sys.stdout.flush()
    assert [m["record"]["ID"] for m in _lines(pipe)] == list(range(2000))  # type: ignore[index]
