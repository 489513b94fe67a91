"""Stream classes, one per readable Exact entity, made from the registry.

The read endpoint is chosen automatically (``Entity.read_endpoint``): ``/sync/`` with an integer
``Timestamp`` bookmark, else ``/bulk/``, else the plain endpoint, with a ``Modified`` bookmark when
the endpoint has a filterable ``Modified``, else a full table. Function (``read/...``) endpoints and
``current/Me`` are streams too. The behaviour of each family lives in one class below; the classes
made by :func:`stream_class` only say which entity they read.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from singer_sdk.helpers.types import Context

from exact_online.odata import Query, compare
from exact_online.registry import Endpoint, Entity, load_registry
from tap_exact.client import DIVISION_KEY, ExactFatalError, ExactStream
from tap_exact.deletions import DELETED_BOOKMARK
from tap_exact.edm_schema import (
    DELETED_AT,
    ORDER_READ_AT,
    has_line_reads,
    has_tombstones,
    stream_fields,
)
from tap_exact.line_sync import line_sync_source

KEYS_AT_BOOKMARK = "keys_at_bookmark"
# Partition state while a line-grained read is unfinished: its ORDER_READ_AT, so a run resumed
# mid-order stamps the order's remaining lines like the ones emitted before the interruption.
ORDER_READ_STATE = "order_read_at"
# The SDK's (documented) state key for an unsorted stream's in-run maximum.
PROGRESS_MARKERS = "progress_markers"
_MAX_KEYS_AT_BOOKMARK = 1000
# Function endpoints that need parameters answer these; the stream then yields nothing.
_FUNCTION_NO_DATA = {400, 403, 404, 405}
STOCK_STREAMS = frozenset({"stock_positions", "item_warehouses"})
WAREHOUSE = "Warehouse"


def _rk_value(state: dict[str, Any], key: str) -> Any:
    return state.get("replication_key_value") if state.get("replication_key") == key else None


class SyncStream(ExactStream):
    """``/sync/`` endpoints: ``Timestamp gt n``, ascending, resumable at every page boundary."""

    replication_key = "Timestamp"
    emits_tombstones = True  # HotGlue-named streams do not (its `deleted` stream carries them)
    _from = 1
    _max_seen = 1
    _modified_from: datetime | None = None
    _read_at: datetime | None = None  # ORDER_READ_AT of this partition's lines

    @property
    def is_sorted(self) -> bool:
        return True

    def compare_start_date(self, value: str, start_date_value: str) -> str:
        # The bookmark is a Timestamp (int), not a date: a saved one always wins over start_date.
        return value

    def query(self, context: Context | None) -> Query:
        return self.sync_query(self._from)

    def sync_query(self, start: int) -> Query:
        return Query(select=self.selected_fields(), filter=f"Timestamp gt {start}L")

    def prefetch_query(self, context: Context | None) -> Callable[[], Query] | None:
        # read_partition's start, decided ahead (parallel.py); SyncTimestamp is asked once.
        division = self.division_of(context)
        if division is None:
            return None
        with self.state_ahead(context) as state:
            moved = self.runtime.divisions.moved_since_if_listed(division, state)
            if moved is None:
                return None  # its move check lists the divisions: read live, when one reader would
            saved = None if moved else self._saved_timestamp(context)
        if saved is not None:
            return lambda: self.sync_query(int(saved or 1))
        since = self.first_run_since(division)
        name = self.entity.sync_timestamp_endpoint
        if since is not None and name:
            return lambda: self.sync_query(
                self.runtime.sync_timestamps.get(division, name, since) or 1
            )
        return lambda: self.sync_query(1)

    def read_partition(self, context: Context | None) -> Iterator[dict[str, Any]]:
        division = self._division
        assert division is not None
        state = self.get_context_state(context)
        directory = self.runtime.divisions
        moved = directory.moved_since(division, state)
        if moved:
            self.logger.warning(
                "%s: division %s was moved (DivisionMoveDate %s): its Timestamps were reset, "
                "reading it in full again", self.name, division, directory.move_date(division),
            )
            for key in ("replication_key_value", DELETED_BOOKMARK, KEYS_AT_BOOKMARK,
                        ORDER_READ_STATE):
                state.pop(key, None)
        directory.record(division, state)
        start = None if moved else self._saved_timestamp(context)
        self._modified_from = None
        if start is None:
            start = self._timestamp_from_start_date(division)
        self._from = int(start or 1)
        self._max_seen = self._from
        self._read_at = None
        if has_line_reads(self.entity) and ORDER_READ_AT in self.schema["properties"]:
            started = state.get(ORDER_READ_STATE) or datetime.now(timezone.utc).isoformat()
            state[ORDER_READ_STATE] = started
            self._read_at = self.output_datetime(datetime.fromisoformat(started))
        yield from self.request_records(context)
        self._save_max_seen(state)
        state.pop(ORDER_READ_STATE, None)  # the read is complete
        self.checkpoint()
        yield from self.tombstones(context, state)

    def _saved_timestamp(self, context: Context | None) -> int | None:
        value = self.get_starting_replication_key_value(context)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return int(value)
        return None  # nothing saved (the SDK hands us start_date instead)

    def first_run_since(self, division: int) -> datetime | None:
        """Where a partition without a saved Timestamp starts (``start_date``)."""
        return self.runtime.settings.start_date

    def _timestamp_from_start_date(self, division: int) -> int | None:
        start_date = self.first_run_since(division)
        if start_date is None:
            return None
        name = self.entity.sync_timestamp_endpoint
        if name:
            ts = self.runtime.sync_timestamps.get(division, name, start_date)
            self.runtime.progress.add_calls(self.name, 1)
            self.logger.info(
                "%s: start_date %s is Timestamp %d in division %s",
                self.name, start_date.isoformat(), ts, division,
            )
            return ts
        if "Modified" in self.endpoint.field_map:
            self._modified_from = start_date  # no SyncTimestamp: read all, keep Modified >= it
        return None

    def shape(self, record: dict[str, Any]) -> dict[str, Any] | None:
        ts = record.get("Timestamp")
        if isinstance(ts, int) and ts > self._max_seen:
            self._max_seen = ts
        if self._read_at is not None:
            record[ORDER_READ_AT] = self._read_at
        if self._modified_from is not None:
            modified = record.get("Modified")
            if isinstance(modified, datetime) and modified < self._modified_from:
                return None
        return record

    def _save_max_seen(self, state: dict[str, Any]) -> None:
        # Rows dropped by a client-side filter still move the bookmark (they were read).
        saved = _rk_value(state, "Timestamp")
        if self._max_seen > 1 and (not isinstance(saved, int) or self._max_seen > saved):
            state["replication_key"] = "Timestamp"
            state["replication_key_value"] = self._max_seen

    def checkpoint(self) -> None:
        if self._division is not None and self.replication_key == "Timestamp":
            self._save_max_seen(self.get_context_state({DIVISION_KEY: self._division}))
        super().checkpoint()

    # ---- deletions ----------------------------------------------------------------------------

    def deletion_bookmark(self, division: int) -> int | None:
        """Where this stream's tombstones continue from in a division (None: from the start)."""
        state = self.get_context_state({DIVISION_KEY: division})
        if self.runtime.divisions.moved_since(division, state):
            return None
        value = state.get(DELETED_BOOKMARK)
        return int(value) if value is not None else None

    def tombstones(self, context: Context | None, state: dict[str, Any]) -> Iterator[dict]:
        """Deletions of this entity, as records with the key and ``_sdc_deleted_at``."""
        if not self.emits_tombstones or not has_tombstones(self.entity) or not self.selected:
            return
        division = self._division
        assert division is not None
        log = self.runtime.deletions.for_division(division)
        self.runtime.progress.add_calls(self.name, log.claim_calls())
        after = int(state.get(DELETED_BOOKMARK) or 0)
        codes = set(self.entity.deleted_entity_types)
        emitted = 0
        for row in log.rows:
            if row.get("EntityType") in codes and int(row.get("Timestamp") or 0) > after:
                emitted += 1
                yield self.tombstone(row, division)
        state[DELETED_BOOKMARK] = log.high_water
        if emitted:
            self.logger.info("%s: %d deletions in division %s", self.name, emitted, division)
        self.runtime.progress.rows(self.name, emitted)
        self.checkpoint()

    def tombstone(self, row: dict[str, Any], division: int) -> dict[str, Any]:
        key = row.get("EntityKey")
        deleted_at = row.get("DeletedDate")
        record: dict[str, Any] = {name: key for name in self.primary_keys}
        if self.entity.line_grained:
            # Deletions name the order, not its lines: the tombstone carries the order id in
            # both the line key and the order column (see README.md, "Deletions").
            for name in self.entity.write_key:
                record[name] = key
        record[DIVISION_KEY] = division
        if not isinstance(deleted_at, datetime):
            deleted_at = deleted_at or datetime.now(timezone.utc)
        record[DELETED_AT] = (
            self.output_datetime(deleted_at).isoformat()
            if isinstance(deleted_at, datetime) else deleted_at
        )
        record[self.replication_key or "Timestamp"] = None  # tombstones do not move the bookmark
        return record


class StockSyncStream(SyncStream):
    """stock_positions / item_warehouses: optional ``stock_warehouse_ids`` filter (seed 001).

    Sync endpoints take no filter but ``Timestamp``, so the filter is applied to the rows read; the
    bookmark still moves over the rows dropped.
    """

    def selected_fields(self) -> list[str]:
        fields = super().selected_fields()
        if self.runtime.settings.stock_warehouse_ids and WAREHOUSE not in fields:
            # The filter needs the warehouse even when it is deselected (the SDK then drops it
            # from the record): the one exception to "$select = the selected properties".
            fields.append(WAREHOUSE)
        return fields

    def shape(self, record: dict[str, Any]) -> dict[str, Any] | None:
        shaped = super().shape(record)
        wanted = self.runtime.settings.stock_warehouse_ids
        if shaped is None or not wanted:
            return shaped
        warehouse = shaped.get(WAREHOUSE)
        return shaped if warehouse and str(warehouse).lower() in wanted else None


class DeletedStream(SyncStream):
    """``deleted``: sync/Deleted, from the run's shared read (one read per division per run)."""

    def prefetch_query(self, context: Context | None) -> Callable[[], Query] | None:
        return None  # no pages of its own: the shared read (deletions.py)

    def read_partition(self, context: Context | None) -> Iterator[dict[str, Any]]:
        division = self._division
        assert division is not None
        state = self.get_context_state(context)
        directory = self.runtime.divisions
        if directory.moved_since(division, state):
            self.logger.warning("deleted: division %s was moved; reading it in full", division)
            state.pop("replication_key_value", None)
            saved = None
        else:
            saved = self._saved_timestamp(context)
        directory.record(division, state)
        start_date = self.runtime.settings.start_date if saved is None else None
        log = self.runtime.deletions.for_division(division)
        self.runtime.progress.add_calls(self.name, log.claim_calls())
        count = 0
        for row in log.rows:
            ts = int(row.get("Timestamp") or 0)
            if saved is not None and ts <= saved:
                continue
            deleted = row.get("DeletedDate")
            if start_date and isinstance(deleted, datetime) and deleted < start_date:
                continue
            count += 1
            # Read by the shared client (UTC): the one stream whose datetimes are converted here.
            yield {
                name: self.output_datetime(v) if isinstance(v, datetime) else v
                for name, v in row.items() if name in self.schema["properties"]
            }
        self.runtime.progress.rows(self.name, count)
        # The log's high water is this stream's bookmark: SyncStream.checkpoint saves it.
        self._max_seen = log.high_water
        self.checkpoint()

    def deletion_bookmark(self, division: int) -> int | None:
        state = self.get_context_state({DIVISION_KEY: division})
        if self.runtime.divisions.moved_since(division, state):
            return None
        value = _rk_value(state, "Timestamp")
        return int(value) if value is not None else None


class ModifiedStream(ExactStream):
    """Bulk or plain endpoints with a filterable ``Modified``: ``Modified ge <bookmark>``.

    Full precision and ``ge`` (never "+1 second"); rows at exactly the bookmark that the last run
    already emitted are skipped by key; the saved bookmark never passes run start minus
    ``lookback_minutes`` (rows committed late are read again). A bookmark that was already older
    than the lookback when it was saved (``keys_at_bookmark`` is kept only then) is *settled*:
    every row at it was committed and read, so ``Modified gt`` asks for nothing twice — a run
    with nothing new costs one call even when many rows share the bookmark's instant.
    """

    _settled = False

    replication_key = "Modified"
    _start: datetime | None = None

    def read_partition(self, context: Context | None) -> Iterator[dict[str, Any]]:
        state = self.get_context_state(context)
        lookback = timedelta(minutes=self.runtime.settings.lookback_minutes)
        self._signpost = self.run_start - lookback
        self.state_manager.write_replication_key_signpost(self._signpost, context=context)
        self._start = self.get_starting_timestamp(context)
        at_saved = self._at_saved(state, self._start)
        saved_keys = state.get(KEYS_AT_BOOKMARK) or () if at_saved else ()
        self._settled = at_saved and KEYS_AT_BOOKMARK in state
        self._skip_keys = {tuple(k) for k in saved_keys}
        self._seen: set[tuple[Any, ...]] = set()
        self._max_modified: datetime | None = None
        self._keys_at_max: list[tuple[Any, ...]] = []
        yield from self.request_records(context)
        self._utc_progress_marker(state)
        if self._max_modified is None:
            return  # nothing read: the bookmark, and whether it is settled, stay as they were
        if self._max_modified <= self._signpost:
            state[KEYS_AT_BOOKMARK] = [list(k) for k in self._keys_at_max[:_MAX_KEYS_AT_BOOKMARK]]
        else:
            state.pop(KEYS_AT_BOOKMARK, None)

    def _utc_progress_marker(self, state: dict[str, Any]) -> None:
        """The run's maximum ``Modified`` as UTC text, whatever offset the records carry.

        The SDK compares bookmark values as text (to_json_compatible): records with Amsterdam
        offsets (+01:00 / +02:00) against the UTC signpost and saved bookmarks would compare
        wrongly. The instant maximum we tracked replaces the SDK's text maximum before the SDK
        promotes it (and caps it by the signpost, both now UTC).
        """
        markers = state.get(PROGRESS_MARKERS)
        if self._max_modified is None or not isinstance(markers, dict):
            return
        if markers.get("replication_key") == "Modified":
            utc = self._max_modified.astimezone(timezone.utc)
            markers["replication_key_value"] = utc.isoformat(timespec="microseconds")

    @staticmethod
    def _at_saved(state: dict[str, Any], start: datetime | None) -> bool:
        """The read starts at the saved bookmark itself (not start_date, not the signpost)."""
        saved = _rk_value(state, "Modified")
        return start is not None and saved is not None and _same_instant(start, saved)

    def query(self, context: Context | None) -> Query:
        return self.modified_query(self._start, self._settled)

    def modified_query(self, start: datetime | None, settled: bool = False) -> Query:
        query = Query(select=self.selected_fields())
        if start is not None:
            operator = "gt" if settled else "ge"
            query.filter = compare("Modified", operator, start, "Edm.DateTime")
        return query

    def prefetch_query(self, context: Context | None) -> Callable[[], Query] | None:
        with self.state_ahead(context) as state:
            start = self.get_starting_timestamp(context)
            settled = self._at_saved(state, start) and KEYS_AT_BOOKMARK in state
        return lambda: self.modified_query(start, settled)

    def shape(self, record: dict[str, Any]) -> dict[str, Any] | None:
        key = tuple(record.get(k) for k in self.primary_keys)
        if key in self._seen:
            return None
        modified = record.get("Modified")
        if self._skip_keys and key in self._skip_keys and isinstance(modified, datetime) and (
            self._start is not None and modified == self._start
        ):
            return None
        self._seen.add(key)
        if isinstance(modified, datetime):
            if self._max_modified is None or modified > self._max_modified:
                self._max_modified = modified
                self._keys_at_max = [key]
            elif modified == self._max_modified:
                self._keys_at_max.append(key)
        return record


def _same_instant(a: datetime, b: Any) -> bool:
    try:
        other = b if isinstance(b, datetime) else datetime.fromisoformat(str(b))
    except ValueError:
        return False
    if other.tzinfo is None:
        other = other.replace(tzinfo=timezone.utc)
    if a.tzinfo is None:
        a = a.replace(tzinfo=timezone.utc)
    return a == other


class FullTableStream(ExactStream):
    """Bulk or plain endpoints without a usable ``Modified``: the whole table every run."""

    def prefetch_query(self, context: Context | None) -> Callable[[], Query] | None:
        return lambda: self.query(context)


class FunctionStream(ExactStream):
    """``read/...`` functions: no ``$select``; one that needs parameters yields nothing."""

    selected_by_default = False

    def query(self, context: Context | None) -> Query:
        return Query()

    def read_partition(self, context: Context | None) -> Iterator[dict[str, Any]]:
        try:
            yield from self.request_records(context)
        except ExactFatalError as exc:
            if exc.status not in _FUNCTION_NO_DATA:
                raise
            self.logger.warning(
                "%s: function endpoint answered HTTP %s (it probably needs parameters); "
                "no rows: %s", self.name, exc.status, exc,
            )

    def shape(self, record: dict[str, Any]) -> dict[str, Any] | None:
        properties = self.schema["properties"]
        return {k: v for k, v in record.items() if k in properties}


class CurrentStream(FunctionStream):
    """``current/Me``: the user, once per run (no division, free of rate limits)."""


def stream_family(entity: Entity, endpoint: Endpoint | None = None) -> type[ExactStream]:
    """The family reading ``entity`` through ``endpoint`` (default: its best read endpoint)."""
    endpoint = endpoint or entity.read_endpoint()
    if endpoint.kind == "current":
        return CurrentStream
    if endpoint.kind == "function":
        return FunctionStream
    if endpoint.kind == "sync":
        if entity.stream == "deleted":
            return DeletedStream
        return StockSyncStream if entity.stream in STOCK_STREAMS else SyncStream
    # The reference marks few fields filterable; Exact filters on Modified wherever it exists.
    modified = endpoint.field_map.get("Modified")
    if modified is not None and modified.edm_type == "Edm.DateTime":
        return ModifiedStream
    return FullTableStream


@cache
def stream_class(entity: Entity) -> type[ExactStream]:
    """The stream class of one entity: its family plus name, path, keys and endpoint."""
    read_entity, endpoint = line_sync_source(entity) or (entity, entity.read_endpoint())
    family = stream_family(read_entity, endpoint)
    names = {name for name, _ in stream_fields(endpoint)}
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": f"{entity.qualified_name} via {endpoint.path}",
        "name": entity.stream,
        "path": endpoint.path,
        "entity": read_entity,  # what is read: a line table's twin header entity (line_sync.py)
        "endpoint": endpoint,
        "primary_keys": tuple(k for k in entity.key if k in names),
        "replication_key": family.__dict__.get("replication_key")
        or next((c.__dict__["replication_key"] for c in family.__mro__
                 if isinstance(c.__dict__.get("replication_key"), str)), None),
    }
    class_name = "".join(part.capitalize() for part in entity.stream.split("_")) + "Stream"
    return type(class_name, (family,), attrs)


def stream_classes(names: Collection[str] | None = None) -> list[type[ExactStream]]:
    """Every readable entity's stream class, in registry order (only those in ``names``)."""
    entities = load_registry().readable()
    return [stream_class(e) for e in entities if names is None or e.stream in names]
