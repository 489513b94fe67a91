"""target-exact: writes HotGlue-compatible streams and native Exact entities to Exact Online."""

from __future__ import annotations

import json
import sys
import threading
from typing import TYPE_CHECKING, Any

from singer_sdk import Target
from singer_sdk.sinks import Sink

from exact_online.settings import relax_types
from target_exact.reader import TolerantSingerReader, UnwritableStream
from target_exact.results import ResultLog
from target_exact.settings import TARGET_PROPERTIES, Settings, normalize

if TYPE_CHECKING:
    from exact_online.client import ExactClient
    from target_exact.lookups import Lookups
    from target_exact.writes import Writer


def hotglue_sinks() -> dict[str, type[Sink]]:
    from target_exact.sinks.buy_orders import BuyOrdersSink
    from target_exact.sinks.documents import HOTGLUE_DOCUMENT_SINKS

    return {"BuyOrders": BuyOrdersSink, **HOTGLUE_DOCUMENT_SINKS}


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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = Settings.from_config(self.config)
        self.results = ResultLog()
        self._client: ExactClient | None = None
        self._division: int | None = None
        self._lookups: dict[int, Lookups] = {}
        self._writers: dict[tuple[int, str], Writer] = {}
        self._incoming_state: dict[str, Any] | None = None
        self._last_state_line: str | None = None
        self._lock = threading.RLock()
        self._stdout_lock = threading.Lock()

    # shared resources
    @property
    def client(self) -> ExactClient:
        with self._lock:
            if self._client is None:
                from exact_online.client import ExactClient

                self._client = ExactClient.from_config(normalize(self.config))
            return self._client

    def default_division(self) -> int:
        with self._lock:
            if self._division is None:
                self._division = self.settings.division or self.client.current_division()
            return self._division

    def lookups(self, division: int) -> Lookups:
        from target_exact.lookups import Lookups

        with self._lock:
            if division not in self._lookups:
                self._lookups[division] = Lookups(self.client, division)
            return self._lookups[division]

    def writer(self, division: int, stream: str) -> Writer:
        from target_exact.writes import Writer

        with self._lock:
            key = (division, stream)
            if key not in self._writers:
                client = None if self.settings.dry_run else self.client
                self._writers[key] = Writer(
                    client,
                    division,
                    dry_run=self.settings.dry_run,
                    stream=stream,
                    out=sys.stdout,
                    lock=self._stdout_lock,
                )
            return self._writers[key]

    # streams
    def get_sink_class(self, stream_name: str) -> type[Sink]:
        """HotGlue names first, then native Exact entities (``items`` is native, ``Items``
        HotGlue), then HotGlue names in any case."""
        from target_exact.sinks.native import NativeSink, native_entity

        sinks = hotglue_sinks()
        if stream_name in sinks:
            return sinks[stream_name]
        if native_entity(stream_name) is not None:
            return NativeSink
        for name, cls in sinks.items():
            if name.lower() == stream_name.lower():
                return cls
        raise UnwritableStream(
            f"target-exact cannot write stream {stream_name!r}: not a HotGlue stream "
            f"({', '.join(sorted(sinks))}) and not a writable Exact entity"
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


if __name__ == "__main__":
    TargetExact.cli()
