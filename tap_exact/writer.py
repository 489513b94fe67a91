"""Singer messages to stdout: msgspec-encoded, RECORDs buffered, everything else flushed at once.

The SDK's writers flush stdout after every message: one ``write(2)`` per record, and on a pipe a
wake-up of the target for each. Here RECORD lines stay in stdout's buffer and go out in blocks;
any other message (SCHEMA, STATE, ACTIVATE_VERSION, BATCH) flushes the buffer, records before it
included, so a target always gets every record before the STATE that covers it. A kill -9 loses
only buffered records after the last STATE, which the next run reads again (tests/reliability).
"""

from __future__ import annotations

import sys

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import Message, RecordMessage


class BufferedMsgSpecWriter(MsgSpecWriter):
    """:class:`MsgSpecWriter` that flushes on every message but RECORD."""

    def write_message(self, message: Message) -> None:
        sys.stdout.buffer.write(self.format_message(message))
        if type(message) is not RecordMessage:
            sys.stdout.flush()
