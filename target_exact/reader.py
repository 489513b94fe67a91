"""Reading Singer input so that one malformed message fails alone.

The SDK's reader stops the whole run at the first line it cannot use (not JSON, a RECORD without
``stream`` or ``record``, a RECORD before its SCHEMA, a stream the target cannot write) and puts
the line, business data included, into the error. Here every such message is checked before the
SDK sees it: it is reported by its line number, message type and stream only (never its content),
counted as a failure, and every other record is still written; the exit code then says something
failed (unless ``allow_failures``).
"""

from __future__ import annotations

import logging
import typing as t
from collections import Counter

from singer_sdk.io_base import SingerReader
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.singerlib.json import deserialize_json

logger = logging.getLogger("target_exact")

# Lines logged one by one per (problem, stream); the rest are counted in the closing summary.
LOG_LIMIT = 20


class UnwritableStream(ValueError):
    """Raised by the target's ``get_sink_class`` for a stream it cannot write."""


class MalformedMessage(ValueError):
    """A Singer message the SDK cannot process; the text names fields, never values."""


def _name(value: t.Any) -> str | None:
    """A stream name for a log line: short, and only if it is a name at all."""
    if not isinstance(value, str) or not value:
        return None
    return repr(value if len(value) <= 60 else value[:57] + "...")


def check_message(message: dict[str, t.Any]) -> None:
    """The fields the SDK's handler of this message type needs, with the right JSON types."""
    kind = message["type"]

    def need(key: str, types: type | tuple[type, ...], what: str) -> None:
        if not isinstance(message.get(key), types) or isinstance(message.get(key), bool):
            raise MalformedMessage(f"no {key!r} ({what})")

    if kind in ("SCHEMA", "RECORD", "ACTIVATE_VERSION", "BATCH"):
        need("stream", str, "a stream name")
        if not message["stream"]:
            raise MalformedMessage("an empty 'stream'")
    if kind == "SCHEMA":
        need("schema", dict, "a JSON schema object")
        if not isinstance(message["schema"].get("properties"), dict):
            raise MalformedMessage("a schema without a 'properties' object")
        keys = message.get("key_properties")
        if keys is not None and not (
            isinstance(keys, list) and all(isinstance(k, str) for k in keys)
        ):
            raise MalformedMessage("'key_properties' that is not a list of names")
    elif kind == "RECORD":
        need("record", dict, "a record object")
    elif kind == "STATE":
        if not isinstance(message.get("value"), dict):
            raise MalformedMessage("no 'value' object")
    elif kind == "ACTIVATE_VERSION":
        need("version", int, "a version number")
    elif kind == "BATCH":
        need("encoding", dict, "an encoding object")
        need("manifest", list, "a list of files")


class TolerantSingerReader(SingerReader):
    """``bad_lines`` counts every input message that failed alone (read by the target)."""

    def __init__(self) -> None:
        super().__init__()
        self.bad_lines = 0
        self.streams: set[str] = set()  # streams whose SCHEMA was accepted
        self.unwritable: set[str] = set()  # streams whose SCHEMA names nothing we can write
        self.problems: Counter[str] = Counter()  # "problem (stream)" -> messages, for the summary

    def process_lines(
        self,
        file_input: t.IO[str] | None,
        callbacks: dict[str, t.Callable[[dict], None]],
    ) -> Counter[str]:
        stats: Counter[str] = Counter()
        for number, line in enumerate(file_input or self.default_input, start=1):
            if not line.strip():
                continue
            try:
                message = self.deserialize_json(line)
                self.assert_line_requires(message, requires={"type"})
            except InvalidInputLine:
                self._fail(number, "not a Singer message (invalid JSON or no type)")
                continue
            kind = message["type"]
            if not isinstance(kind, str):
                self._fail(number, "not a Singer message (type is not a name)")
                continue
            callback = callbacks.get(kind)
            if callback is None:
                logger.warning("Input line %d: unknown message type ignored", number)
                continue
            if self._accept(number, kind, message, callback):
                stats[kind] += 1
        if self.bad_lines:
            logger.error(
                "%d input message(s) failed and were skipped: %s",
                self.bad_lines,
                "; ".join(f"{n} {problem}" for problem, n in sorted(self.problems.items())),
            )
        return stats

    def _accept(
        self, number: int, kind: str, message: dict[str, t.Any], callback: t.Callable[[dict], None]
    ) -> bool:
        """Hand one message to the SDK if it can be processed; else count it as failed."""
        stream = message.get("stream")
        try:
            check_message(message)
        except MalformedMessage as exc:
            self._fail(number, f"{kind} with {exc}", _name(stream))
            return False
        if kind == "SCHEMA":
            return self._schema(number, message, callback)
        if kind in ("RECORD", "ACTIVATE_VERSION", "BATCH"):
            if stream in self.unwritable:
                self._fail(number, f"{kind} for a stream target-exact cannot write", _name(stream))
                return False
            if stream not in self.streams:
                self._fail(number, f"{kind} before the SCHEMA of its stream", _name(stream))
                return False
        callback(message)
        return True

    def _schema(
        self, number: int, message: dict[str, t.Any], callback: t.Callable[[dict], None]
    ) -> bool:
        stream = message["stream"]
        try:
            callback(message)
        except UnwritableStream as exc:
            self.unwritable.add(stream)
            self.streams.discard(stream)
            logger.error("Input line %d: %s; its records will fail", number, exc)
            return False
        # Handling a SCHEMA touches neither Exact nor our output: whatever fails here is the
        # message's fault. The stream's records then fail one by one.
        except Exception as exc:  # noqa: BLE001
            self.unwritable.add(stream)
            self.streams.discard(stream)
            self._fail(number, f"SCHEMA that cannot be used ({type(exc).__name__})", _name(stream))
            return False
        self.streams.add(stream)
        self.unwritable.discard(stream)
        return True

    def _fail(self, number: int, problem: str, stream: str | None = None) -> None:
        self.bad_lines += 1
        key = f"{problem}, stream {stream}" if stream else problem
        self.problems[key] += 1
        seen = self.problems[key]
        if seen <= LOG_LIMIT:
            logger.error(
                "Input line %d: %s; skipped, the other records are still written", number, key
            )
        if seen == LOG_LIMIT:
            logger.error("Further lines with this problem are counted, not logged one by one")

    def deserialize_json(self, line: str) -> dict:
        # Not super(): the SDK's version logs the whole line on failure; ours never logs input.
        try:
            message = deserialize_json(line)
        except ValueError:
            raise InvalidInputLine("not valid JSON") from None
        if not isinstance(message, dict):
            raise InvalidInputLine("not a JSON object")
        return message
