"""What every HotGlue-named stream adds to its registry family: gates, HotGlue's row filters, and
taking over a HotGlue state file's bookmark on the first run.

Mixed in before the family (``SyncStream``, ``ModifiedStream``, ...), so the family's paging,
bookmarks and resume stay exactly as in native mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from weakref import WeakKeyDictionary

from singer_sdk.helpers.types import Context

from exact_online.odata import Query, and_, eq
from exact_online.registry import load_registry
from tap_exact.client import DIVISION_KEY, ExactStream
from tap_exact.hotglue.state import SINCE_KEY, hotglue_bookmark, seed_partition, since_of

if TYPE_CHECKING:
    from tap_exact.hotglue.flags import HotglueFlags
    from tap_exact.hotglue.table import HotglueStream
    from tap_exact.runtime import TapRuntime

# hotgluexyz/tap-exact's purchase-order filter (only open orders: not yet fully received).
PO_STATUS_FILTER = (
    "(OrderStatus eq 20 or OrderStatus eq 10) and (ReceiptStatus eq 10 or ReceiptStatus eq 20)"
)
IS_SUPPLIER = "IsSupplier"
# Warehouse GUID per run and division, looked up from default_warehouse_id once.
_warehouses: WeakKeyDictionary[TapRuntime, dict[int, str | None]] = WeakKeyDictionary()


class HotglueBehaviour(ExactStream):
    hotglue: ClassVar[HotglueStream]
    emits_tombstones = False  # HotGlue's deletions come only through its `deleted` stream
    _gate_logged = False

    @property
    def flags(self) -> HotglueFlags:
        return self.runtime.settings.output.hotglue

    @property
    def reads_sync(self) -> bool:
        return self.endpoint.kind == "sync"

    # ---- gates ----------------------------------------------------------------------------------

    def switched_on(self) -> bool:
        gate = self.hotglue.gate
        return gate is None or self.flags.on(gate.switch) == gate.on_when

    def read_partition(self, context: Context | None) -> Iterator[dict[str, Any]]:
        if self.switched_on():
            yield from super().read_partition(context)  # type: ignore[safe-super]
        elif not self._gate_logged:
            self._gate_logged = True
            gate = self.hotglue.gate
            assert gate is not None
            self.logger.info(
                "%s: off (HotGlue flag %s is %s); no rows, no calls",
                self.name, gate.switch, str(not gate.on_when).lower(),
            )

    # ---- filters --------------------------------------------------------------------------------

    def selected_fields(self) -> list[str]:
        fields = super().selected_fields()
        if self.hotglue.suppliers_only and self.reads_sync and IS_SUPPLIER not in fields:
            fields.append(IS_SUPPLIER)  # the client-side filter needs it (not emitted)
        return fields

    def prefetch_query(self, context: Context | None) -> Callable[[], Query] | None:
        return None  # its query() depends on the partition's run: read live, one at a time

    def query(self, context: Context | None) -> Query:
        query = super().query(context)
        if self.reads_sync:
            return query  # sync endpoints take no filter but Timestamp (HotGlue sends none)
        used = {"Modified"} if query.filter else set()  # the families' only filter
        extra, fields = self.server_filter()
        if extra:
            query.filter = and_(query.filter, extra) if query.filter else extra
            used |= fields
        return self._mandatory_scope(query, used)

    def _mandatory_scope(self, query: Query, used: set[str]) -> Query:
        """Exact refuses a GET on a plain endpoint that has a sync twin unless ``$filter`` names
        one of its filterable fields; ``Division eq N`` is listed and always true here."""
        if self.endpoint.kind != "plain" or self.entity.sync is None or self._division is None:
            return query
        listed = {f.name for f in self.endpoint.fields if f.filterable}
        if listed and not listed & used and "Division" in listed:
            scope = eq("Division", self._division)
            query.filter = and_(scope, query.filter) if query.filter else scope
        return query

    def server_filter(self) -> tuple[str | None, set[str]]:
        """HotGlue's ``$filter`` of this stream on a classic endpoint, and the fields it names."""
        row = self.hotglue
        parts: list[str] = []
        fields: set[str] = set()
        if row.suppliers_only:
            parts.append(eq(IS_SUPPLIER, True))  # always: HotGlue's unfiltered case is a bug
            fields.add(IS_SUPPLIER)
        if self.flags.filters_on:  # HotGlue filters only when `sync_endpoints` is present
            if row.po_status:
                parts.append(f"({PO_STATUS_FILTER})")
                fields |= {"OrderStatus", "ReceiptStatus"}
            if row.warehouse is not None and not self.flags.on(row.warehouse.unless):
                guid = self.warehouse_guid()
                if guid:
                    parts.append(eq(row.warehouse.field, guid, "Edm.Guid"))
                    fields.add(row.warehouse.field)
        return (and_(*parts) if parts else None), fields

    def warehouse_guid(self) -> str | None:
        """``warehouse_uuid``, else the warehouse whose Code is ``default_warehouse_id``."""
        flags = self.flags
        if flags.warehouse_uuid or not flags.warehouse_code or self._division is None:
            return flags.warehouse_uuid
        cache = _warehouses.setdefault(self.runtime, {})
        if self._division not in cache:
            endpoint = load_registry().by_stream("warehouses").read_endpoint()
            rows = self.runtime.client.find(
                endpoint.path, division=self._division, select=["ID"],
                filter=eq("Code", flags.warehouse_code),
            )
            self.runtime.progress.add_calls(self.name, 1)
            cache[self._division] = str(rows[0]["ID"]).lower() if rows else None
            if not rows:
                self.logger.warning(
                    "%s: no warehouse with Code %r in division %s: warehouse filter off",
                    self.name, flags.warehouse_code, self._division,
                )
        return cache[self._division]

    def shape(self, record: dict[str, Any]) -> dict[str, Any] | None:
        shaped = super().shape(record)
        if shaped is not None and self.hotglue.suppliers_only and self.reads_sync:
            return shaped if shaped.get(IS_SUPPLIER) is True else None
        return shaped

    # ---- HotGlue state on the first run --------------------------------------------------------

    @property
    def partitions(self) -> list[dict] | None:
        partitions = super().partitions
        if partitions:
            self._seed_from_hotglue_state(partitions)
        return partitions

    def _seed_from_hotglue_state(self, partitions: list[dict]) -> None:
        stream_state = self.stream_state
        bookmark = hotglue_bookmark(stream_state)
        if bookmark is None:
            return
        divisions = self.runtime.settings.divisions
        division = divisions[0] if divisions else int(partitions[0][DIVISION_KEY])
        state = self.get_context_state({DIVISION_KEY: division})
        if "replication_key_value" not in state and SINCE_KEY not in state:
            seeded, warning = seed_partition(bookmark, self.replication_key)
            state.update(seeded)
            if warning:
                self.logger.warning("%s: %s", self.name, warning)
            else:
                self.logger.info(
                    "%s: HotGlue bookmark %s = %s taken over for division %s",
                    self.name, bookmark[0], bookmark[1], division,
                )
        # The stream-level bookmark now lives in the partition: drop HotGlue's copy.
        for key in ("replication_key", "replication_key_value"):
            stream_state.pop(key, None)

    def first_run_since(self, division: int) -> datetime | None:
        state = self.get_context_state({DIVISION_KEY: division})
        since = since_of(state)
        if since is not None:
            state.pop(SINCE_KEY, None)  # used once: the Timestamp found from it is the bookmark
            return since
        return super().first_run_since(division)  # type: ignore[misc]
