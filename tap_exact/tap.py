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
from singer_sdk.metrics import get_metrics_logger

from exact_online.config_tokens import remember_config_files
from exact_online.errors import AuthError, DailyLimitReached
from tap_exact.assets.settings import AssetSettings
from tap_exact.collector import gc_paused, sync_collector
from tap_exact.keyed_functions import keyed
from tap_exact.logs import QuietLogs, deselected_line
from tap_exact.run_catalog import parse_catalog, run_catalog
from tap_exact.runtime import TapRuntime
from tap_exact.selection import apply_opt_in
from tap_exact.settings import CONFIG_SCHEMA, OutputSettings, TapSettings
from tap_exact.streams import DeletedStream, SyncStream, stream_classes
from tap_exact.translations import translation_streams
from tap_exact.writer import BufferedMsgSpecWriter

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
    message_writer_class = BufferedMsgSpecWriter

    def __init__(self, *, catalog: t.Any = None, **kwargs: t.Any) -> None:
        # Deselected entries are cut before the SDK parses the catalog (run_catalog.py); their
        # names still make the run's one "not selected" line.
        cut = run_catalog(catalog)
        self._cut_from_catalog: list[str] = cut.deselected
        super().__init__(catalog=cut.catalog, **kwargs)

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> t.Any:
        # The SDK hands the plugin the merged config, not the files: remember them, so rotated
        # tokens can be written back to the one holding them (HotGlue, exact_online.config_tokens).
        remember_config_files(ctx, value)
        return super().cb_config(ctx, param, value)

    def discover_streams(self) -> list[Stream]:
        # Built from the registry (schemas too, see schema_source.py): no network, no token store.
        output = OutputSettings.from_config(self.config)
        assets: list[Stream] = []
        if AssetSettings.from_config(self.config).enabled:  # off by default: import only when on
            from tap_exact.assets.stream import asset_streams

            assets = asset_streams(self, enabled=True)
        cut = set(self._cut_from_catalog)
        if output.hotglue_names:
            from tap_exact.hotglue.streams import hotglue_streams  # only runs that ask for it

            built = hotglue_streams(self, output.hotglue) + assets
            return [stream for stream in built if stream.name not in cut]
        # With a catalog the SDK syncs only the streams it lists and selects (run_catalog.py cut
        # the rest): only those are built, so a run never builds the ~340 it does not read.
        catalog = self.input_catalog
        names = None if catalog is None else {entry.tap_stream_id for entry in catalog.streams}
        extra = [*assets, *translation_streams(self)]
        if names is not None:
            extra = [stream for stream in extra if stream.name in names]
        return [cls(self) for cls in keyed(stream_classes(names))] + extra

    @property
    def catalog_dict(self) -> dict:
        # The SDK's catalog, each distinct property schema converted once (catalog.py); imported
        # here: a run with a catalog never needs it.
        from tap_exact.catalog import catalog_dict

        return catalog_dict(self.streams.values())

    @property
    def catalog_json_text(self) -> str:
        # --discover's output: the SDK's text, byte for byte, each repeated dict written once
        # (catalog.py, json_text.py); the streams are built here too, with the collector paused.
        from tap_exact.catalog import catalog_text

        with gc_paused():
            text = catalog_text(self.streams.values())
            return super().catalog_json_text if text is None else text

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
            if not stream.is_due_in(division):
                continue  # not read this run (minimum interval): its bookmark waits
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

        The one place of the run's end: the summary records, and on a spent daily budget the
        saved STATE and exit code 75 (see :meth:`invoke` for why it is not a hook of the SDK).
        Opt-in streams not named in ``opt_in_streams`` are deselected first (selection.py).
        """
        code = 0
        stop_filter = _ExpectedStopFilter()
        for stream in self.streams.values():
            stream.logger.addFilter(stop_filter)
        opted_out = set(apply_opt_in(
            self.streams.values(), self.runtime.settings.opt_in_streams, self.logger
        ))
        not_selected = [*self._cut_from_catalog] + [
            s.name for s in self.streams.values()
            if not s.selected and not s.has_selected_descendents and s.name not in opted_out
        ]
        if not_selected:  # in place of the SDK's line per stream, which QuietLogs drops
            self.logger.info(deselected_line(not_selected))
        quiet = QuietLogs([self.logger, *(s.logger for s in self.streams.values())])
        try:
            with quiet, sync_collector():
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
        """One line per stream, per division and for the run, each also as a ``METRIC:`` JSON
        line on the SDK's metrics logger (the form singer-sdk's own metrics take)."""
        runtime = self.runtime
        calls = runtime.client.api_calls if "client" in runtime.__dict__ else {}
        metrics = get_metrics_logger()
        for message, fields in runtime.progress.summary_records(calls):
            self.logger.info(message, extra={"summary": fields})
            kind = "division" if "division" in fields else "stream" if "stream" in fields else "run"
            point = {"type": "counter", "metric": f"exact_{kind}", "value": fields["calls"],
                     "tags": fields}
            metrics.info("METRIC: %s", json.dumps(point, separators=(",", ":")))

    def print_plan(self) -> None:
        """``--plan``: the next run's API calls (tap_exact/plan.py), without calling the API."""
        from tap_exact.plan import as_json, plan, table

        lines = plan(self)
        self.logger.info("Plan of the next run (calls when nothing changed):\n%s", table(lines))
        click.echo(json.dumps(as_json(lines), indent=2))

    @classmethod
    def get_singer_command(cls) -> click.Command:
        """The SDK's command; ``--state`` parsed by :class:`_StateFile` (missing/empty: none)."""
        command = super().get_singer_command()
        for param in command.params:
            if param.name == "state":
                param.type = _StateFile()
        command.params.append(
            click.Option(
                ["--plan"],
                is_flag=True,
                default=False,
                help="Print the API calls the next run would make, per stream and division "
                "(JSON on stdout, a table on stderr), from config, catalog and state; no call, "
                "no token.",
            )
        )
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
        plan: bool = False,
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
            # json.loads, but a deselected entry is not parsed past its selection (run_catalog.py)
            catalog=None if catalog is None else parse_catalog(catalog.read()),
            parse_env_config=bool(getattr(config, "parse_env", False)),
            validate_config=True,
        )
        if plan:
            tap.print_plan()
            return
        code = tap.run_sync()
        if code:
            sys.exit(code)
