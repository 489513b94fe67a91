"""Reading Singer input so that one malformed line fails alone.

The SDK's reader stops the whole run at the first line that is not JSON (and logs the line, which
may carry business data). Here such a line is reported by its number only, counted as a failed
record, and every other record is still written; the exit code then says something failed.
"""

from __future__ import annotations

import logging
import typing as t
from collections import Counter

from singer_sdk.io_base import SingerReader
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.singerlib.json import deserialize_json

logger = logging.getLogger("target_exact")


class TolerantSingerReader(SingerReader):
    bad_lines: int = 0

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
                self.bad_lines += 1
                logger.error("Input line %d is not a Singer message (invalid JSON or no type); "
                             "skipped, the other records are still written", number)
                continue
            callback = callbacks.get(message["type"])
            if callback is None:
                logger.warning("Input line %d: unknown message type %r ignored",
                               number, message["type"])
                continue
            callback(message)
            stats[message["type"]] += 1
        return stats

    def deserialize_json(self, line: str) -> dict:
        # Not super(): the SDK's version logs the whole line on failure; ours never logs input.
        try:
            message = deserialize_json(line)
        except ValueError:
            raise InvalidInputLine("not valid JSON") from None
        if not isinstance(message, dict):
            raise InvalidInputLine("not a JSON object")
        return message
