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
from exact_online.errors import AuthError, DailyLimitReached
from exact_online.settings import relax_types
from target_exact.context import WriteContext
from target_exact.reader import TolerantSingerReader, UnwritableStream
from target_exact.results import ResultLog
from target_exact.settings import TARGET_PROPERTIES, Settings
from target_exact.sinks.base import ExactSink
from target_exact.sinks.buy_orders import BuyOrdersSink
from target_exact.sinks.documents import HOTGLUE_DOCUMENT_SINKS
from target_exact.sinks.native import NativeSink, native_entity

HOTGLUE_SINKS: dict[str, type[ExactSink]] = {"BuyOrders": BuyOrdersSink, **HOTGLUE_DOCUMENT_SINKS}
# Settings singer-sdk adds to every target that mean nothing for an API writer: there is no table
# to append to or overwrite and no _sdc_ columns to add. (batch_size_rows stays: it sets how many
# records share one round of lookups and one STATE with results, sinks/base.py.)
SQL_LOADER_SETTINGS = ("load_method", "add_record_metadata")


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
    def append_builtin_config(cls, config_jsonschema: dict) -> None:
        """The SDK's built-in settings, without :data:`SQL_LOADER_SETTINGS` (singer-sdk 0.54
        documents this classmethod as the place to leave built-in settings out)."""
        super().append_builtin_config(config_jsonschema)
        for name in SQL_LOADER_SETTINGS:
            config_jsonschema["properties"].pop(name, None)
        batch = config_jsonschema["properties"].get("batch_size_rows")
        if batch is not None:
            batch["description"] = (
                "Records per batch (default 100): each batch is one round of lookups, then one "
                "write per record and one STATE with the results."
            )

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> t.Any:
        # The SDK hands the plugin the merged config, not the files: remember them, so rotated
        # tokens can be written back to the one holding them (HotGlue, exact_online.config_tokens).
        remember_config_files(ctx, value)
        return super().cb_config(ctx, param, value)

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
        raise UnwritableStream(
            f"target-exact cannot write stream {stream_name!r}: not a HotGlue stream "
            f"({', '.join(sorted(HOTGLUE_SINKS))}) and not a writable Exact entity"
        )

    # results and state
    def _process_state_message(self, message_dict: dict) -> None:
        self._assert_line_requires(message_dict, requires={"value"})
        self._incoming_state = message_dict["value"]
        self._latest_state = self._incoming_state  # the SDK prints state after drains if set

    def emit_results(self, *, final: bool = False) -> None:
        """STATE on stdout: after a batch the results since the last STATE, at the end all."""
        with self._stdout_lock:
            state = self.results.state_to_print(
                self._incoming_state, self.settings.state_results, final=final
            )
            if state is None:
                return
            line = json.dumps(state, default=str)
            if line == self._last_state_line:
                return
            self._last_state_line = line
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def _write_state_message(self, state: dict) -> None:
        # The SDK's call after every drain, with the upstream state: ours carries the results.
        self.emit_results()

    def process_endofpipe(self) -> None:
        self.results.closing = True  # the last batches' results go into the final STATE
        try:
            super().process_endofpipe()
        finally:
            self.emit_results(final=True)
        bad_lines = getattr(self.message_reader, "bad_lines", 0)
        failed = self.results.failed + bad_lines
        if failed and not self.settings.allow_failures:
            self.logger.error(
                "%d record(s) failed (see the results in STATE); exiting non-zero "
                "(set allow_failures to exit 0)",
                failed,
            )
            raise SystemExit(1)

    @classmethod
    def invoke(cls, **kwargs: Any) -> None:  # type: ignore[override]
        # A refused token chain or a spent daily budget ends the run by design (the results so far
        # are already in STATE): one clear line and exit 1 instead of the SDK's traceback.
        try:
            super().invoke(**kwargs)
        except (AuthError, DailyLimitReached) as exc:
            cls.logger.error("Stopped: %s", exc)
            sys.exit(1)


if __name__ == "__main__":
    TargetExact.cli()
