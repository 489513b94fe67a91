"""target-exact: writes HotGlue-compatible streams and native Exact entities to Exact Online."""

from __future__ import annotations

import json
import sys
import threading
import typing as t
from typing import Any

import click
from singer_sdk import Target
from singer_sdk.sinks import Sink

from exact_online.config_tokens import remember_config_files
from exact_online.errors import AuthError
from exact_online.settings import relax_types
from target_exact.context import WriteContext
from target_exact.reader import TolerantSingerReader
from target_exact.results import ResultLog
from target_exact.settings import TARGET_PROPERTIES, Settings
from target_exact.sinks.base import ExactSink
from target_exact.sinks.buy_orders import BuyOrdersSink
from target_exact.sinks.documents import HOTGLUE_DOCUMENT_SINKS
from target_exact.sinks.native import NativeSink, native_entity

HOTGLUE_SINKS: dict[str, type[ExactSink]] = {"BuyOrders": BuyOrdersSink, **HOTGLUE_DOCUMENT_SINKS}


class TargetExact(Target):
    """Exact Online target: purchase orders, shop orders, warehouse transfers and more."""

    name = "target-exact"
    # Version and Python versions in --about come from the distribution, not the plugin name.
    package_name = "tap-exact-online"
    # One malformed input line fails alone (reader.py) instead of stopping the run.
    message_reader_class = TolerantSingerReader
    config_jsonschema = relax_types(TARGET_PROPERTIES.to_dict())
    # Exact asks for sequential requests per division: one sink drains at a time.
    max_parallelism = 1

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> t.Any:
        # The SDK hands the plugin the merged config, not the files: remember them, so rotated
        # tokens can be written back to the one holding them (HotGlue, exact_online.config_tokens).
        remember_config_files(ctx, value)
        return super().cb_config(ctx, param, value)

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        try:
            super().invoke(*args, **kwargs)
        except AuthError as exc:
            # Authorisation problems say what to do in one line; a traceback adds nothing.
            cls.logger.error("%s", exc)
            sys.exit(1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = Settings.from_config(self.config)
        self.results = ResultLog()
        self._incoming_state: dict[str, Any] | None = None
        self._last_state_line: str | None = None
        self._stdout_lock = threading.Lock()
        # All that sinks may use of the run; each sink class is bound to it in get_sink_class.
        self.write_context = WriteContext(
            self.config, self.settings, self.results, self.emit_results, self._stdout_lock
        )
        self._bound: dict[type[ExactSink], type[ExactSink]] = {}

    # streams
    def get_sink_class(self, stream_name: str) -> type[Sink]:
        """The sink class for a stream, bound to this run's :class:`WriteContext`."""
        cls = self.sink_class_for(stream_name)
        if cls not in self._bound:
            self._bound[cls] = cls.bound(self.write_context)
        return self._bound[cls]

    @staticmethod
    def sink_class_for(stream_name: str) -> type[ExactSink]:
        """HotGlue names first, then native Exact entities (``items`` is native, ``Items``
        HotGlue), then HotGlue names in any case."""
        if stream_name in HOTGLUE_SINKS:
            return HOTGLUE_SINKS[stream_name]
        if native_entity(stream_name) is not None:
            return NativeSink
        for name, cls in HOTGLUE_SINKS.items():
            if name.lower() == stream_name.lower():
                return cls
        raise ValueError(
            f"target-exact cannot write stream {stream_name!r}: not a HotGlue stream "
            f"({', '.join(sorted(HOTGLUE_SINKS))}) and not a writable Exact entity"
        )

    # results and state
    def _process_state_message(self, message_dict: dict) -> None:
        self._assert_line_requires(message_dict, requires={"value"})
        self._incoming_state = message_dict["value"]
        self._latest_state = self._current_state()

    def _current_state(self) -> dict[str, Any]:
        return self.results.state(self._incoming_state, self.settings.state_results)

    def emit_results(self) -> None:
        """The state with the results so far, on stdout (after every batch)."""
        state = self._current_state()
        self._latest_state = state
        self._write_state_message(state)

    def _write_state_message(self, state: dict) -> None:
        # Targets emit the bare state value (the Singer convention the SDK follows). The SDK
        # writes the latest state again after every drain, right after our sinks printed it:
        # a state equal to the one printed last is not printed twice.
        line = json.dumps(state, default=str)
        with self._stdout_lock:
            if line == self._last_state_line:
                return
            self._last_state_line = line
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def process_endofpipe(self) -> None:
        super().process_endofpipe()
        bad_lines = getattr(self.message_reader, "bad_lines", 0)
        failed = self.results.failed + bad_lines
        if failed and not self.settings.allow_failures:
            self.logger.error(
                "%d record(s) failed (see the results in STATE); exiting non-zero "
                "(set allow_failures to exit 0)",
                failed,
            )
            raise SystemExit(1)


if __name__ == "__main__":
    TargetExact.cli()
