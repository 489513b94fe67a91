"""tap-exact: every readable Exact Online entity as a Singer stream."""

from __future__ import annotations

import json
import logging
import sys
import typing as t
from functools import cached_property
from pathlib import Path

import click
from singer_sdk import Tap
from singer_sdk.contrib.msgspec import MsgSpecWriter

from exact_online.config_tokens import remember_config_files
from exact_online.errors import AuthError, DailyLimitReached
from tap_exact.hotglue.streams import hotglue_streams
from tap_exact.keyed_functions import keyed
from tap_exact.runtime import TapRuntime
from tap_exact.settings import CONFIG_SCHEMA, OutputSettings, TapSettings
from tap_exact.streams import DeletedStream, SyncStream, stream_classes
from tap_exact.translations import translation_streams

if t.TYPE_CHECKING:
    from singer_sdk.streams import Stream

# EX_TEMPFAIL: the daily API budget is spent; STATE is saved, run again after the reset.
EXIT_DAILY_LIMIT = 75
# Authorisation refused or the token store unusable: a person must act (README, Exit codes).
EXIT_AUTH = 1
# The expected stops of a run: run_sync logs each in one "Stopped: ..." line.
_EXPECTED_STOPS = (DailyLimitReached, AuthError)


class _ExpectedStopFilter(logging.Filter):
    """Drops the stream's "unhandled error" line when the error is one run_sync reports itself.

    Stream._sync logs that ERROR line for any exception before re-raising it; for a daily-limit
    or authorisation stop it would precede our own clear line and read like a crash. The filter
    runs inside that ``except`` block, so the exception in flight tells which error it is.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.levelno == logging.ERROR
            and str(record.msg).startswith("An unhandled error occurred while syncing")
            and isinstance(sys.exc_info()[1], _EXPECTED_STOPS)
        )


class _StateFile(click.ParamType):
    """``--state FILE``: a missing or empty (whitespace-only) file is a first run, no state."""

    name = "file"

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dict[str, t.Any] | None:
        if value is None or isinstance(value, dict):
            return value
        path = Path(value)
        try:
            with click.open_file(str(value), encoding="utf-8") as file:  # "-" is stdin, as before
                text = file.read()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise click.ClickException(f"--state {path}: cannot read the file ({exc})") from exc
        if not text.strip():
            return None
        try:
            state = json.loads(text)
        except json.JSONDecodeError as exc:
            # Position only, never the content: a state file may hold business values.
            raise click.ClickException(
                f"--state {path} is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
            ) from exc
        if not isinstance(state, dict):
            raise click.ClickException(f"--state {path} is not a JSON object")
        return state


class TapExact(Tap):
    """Exact Online tap: every readable entity as a stream, incremental per division."""

    name = "tap-exact"
    # Version and Python versions in --about come from the distribution, not the plugin name.
    package_name = "tap-exact-online"
    config_jsonschema = CONFIG_SCHEMA
    message_writer_class = MsgSpecWriter

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> t.Any:
        # The SDK hands the plugin the merged config, not the files: remember them, so rotated
        # tokens can be written back to the one holding them (HotGlue, exact_online.config_tokens).
        remember_config_files(ctx, value)
        return super().cb_config(ctx, param, value)

    def discover_streams(self) -> list[Stream]:
        # Built from the registry (schemas too, see schema_source.py): no network, no token store.
        output = OutputSettings.from_config(self.config)
        if output.hotglue_names:
            return hotglue_streams(self, output.hotglue)
        return [cls(self) for cls in keyed(stream_classes())] + translation_streams(self)

    @cached_property
    def runtime(self) -> TapRuntime:
        return TapRuntime(TapSettings.from_config(self.config), self.logger, self._deletion_start)

    def _deletion_start(self, division: int) -> int | None:
        """Lowest tombstone bookmark among the streams that read sync/Deleted this run."""
        lowest: int | None = None
        consumers = 0
        for stream in self.streams.values():
            if not stream.selected or not isinstance(stream, SyncStream):
                continue
            if not isinstance(stream, DeletedStream) and not (
                stream.emits_tombstones and stream.entity.deleted_entity_types
            ):
                continue
            consumers += 1
            bookmark = stream.deletion_bookmark(division)
            if bookmark is None:
                return None
            lowest = bookmark if lowest is None else min(lowest, bookmark)
        return lowest if consumers else None

    def run_sync(self) -> int:
        """Sync every selected stream; the exit code: 0, 1 when authorisation fails, 75 when the
        daily limit stops us, 77 when a division answered 403 and was skipped (see divisions.py).

        The one place of the run's end: the summary table, and on a spent daily budget the
        saved STATE and exit code 75 (see :meth:`invoke` for why it is not a hook of the SDK).
        """
        code = 0
        stop_filter = _ExpectedStopFilter()
        for stream in self.streams.values():
            stream.logger.addFilter(stop_filter)
        try:
            self.sync_all()
        except DailyLimitReached as exc:
            # Bookmarks hold the last completed page of each stream: save them, then stop.
            self.state_writer.write_state(self.state)
            self.logger.error(
                "Stopped: %s. State is saved; the next run resumes from it (exit code %d).",
                exc,
                EXIT_DAILY_LIMIT,
            )
            code = EXIT_DAILY_LIMIT
        except AuthError as exc:
            # The token chain was refused (or the store cannot be used): an expected stop that a
            # person must act on, said in one line; the completed pages' bookmarks are kept.
            self.state_writer.write_state(self.state)
            self.logger.error("Stopped: %s. State is saved (exit code %d).", exc, EXIT_AUTH)
            code = EXIT_AUTH
        finally:
            self._log_summary()
        skipped = self._unreachable_divisions_code()  # logged even when the daily limit stopped us
        return code or skipped

    def _unreachable_divisions_code(self) -> int:
        """77 when divisions answering 403 were skipped (0 with ``unreachable_divisions: warn``)."""
        runtime = self.__dict__.get("runtime")
        if runtime is None or "divisions" not in runtime.__dict__:
            return 0
        return runtime.divisions.report(runtime.settings.unreachable_divisions)

    def _log_summary(self) -> None:
        if "runtime" not in self.__dict__:
            return  # nothing was read: the runtime is built on the first request
        runtime = self.runtime
        calls = sum(runtime.client.api_calls.values()) if "client" in runtime.__dict__ else 0
        self.logger.info("Sync summary:\n%s", runtime.progress.summary(calls))

    @classmethod
    def get_singer_command(cls) -> click.Command:
        """The SDK's command; ``--state`` parsed by :class:`_StateFile` (missing/empty: none)."""
        command = super().get_singer_command()
        for param in command.params:
            if param.name == "state":
                param.type = _StateFile()
        return command

    @classmethod
    def invoke(  # type: ignore[override]
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: t.Any = None,
        state: dict[str, t.Any] | None = None,
        catalog: t.IO[str] | None = None,
    ) -> None:
        # Tap.invoke with run_sync in place of sync_all. singer-sdk 0.54 has no hook for this:
        # sync_all is @final, nothing runs after it (summary) or when it raises (save STATE),
        # and the exit code cannot be set. So Tap.invoke's few lines (build the tap, sync) are
        # repeated here, and PluginBase.invoke (--about, version) is called as Tap.invoke does.
        super(Tap, cls).invoke(about=about, about_format=about_format)
        cls.print_version(print_fn=cls.logger.info)
        tap = cls(
            config=getattr(config, "config", None),
            state=state,  # parsed by _StateFile
            catalog=None if catalog is None else json.loads(catalog.read()),
            parse_env_config=bool(getattr(config, "parse_env", False)),
            validate_config=True,
        )
        code = tap.run_sync()
        if code:
            sys.exit(code)
