"""The ``asset_files`` stream: one record per picture, thumbnail, logo or attachment file stored.

One partition per division and source (items, accounts, document_attachments), each read from its
``/sync/`` endpoint from its own Timestamp bookmark, so a run looks only at rows changed since the
last one. A record describes the stored file (entity, key, kind, content type, size, sha256,
path...), never its bytes. The records of one row are emitted after all of its files were handled,
so no bookmark ever passes half a row; a run stopped mid-partition reads rows again next time, and
the index keeps their stored files from being downloaded again.

A missing or broken file is a warning naming entity, key and kind, and a record with ``Status``
missing/broken; a transient failure is asked for again at the start of the partition's next run
(:data:`RETRY_KEY` in the partition state, at most :data:`MAX_RETRIES_KEPT`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import cached_property
from typing import Any, cast

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context

from exact_online.odata import Query
from exact_online.timeconv import as_amsterdam
from tap_exact.assets.fetch import AssetProblem, Fetcher, Stored
from tap_exact.assets.images import pillow_available
from tap_exact.assets.sources import SOURCES, AssetSource, Link, source_named
from tap_exact.assets.store import AssetStore
from tap_exact.client import DIVISION_KEY
from tap_exact.runtime import RuntimeSource, TapRuntime

STREAM_NAME = "asset_files"  # "assets" is Exact's fixed-asset entity (assets/Assets)
SOURCE_KEY = "Source"
RETRY_KEY = "asset_retries"
MAX_RETRIES_KEPT = 500

ASSET_SCHEMA = th.PropertiesList(
    th.Property("Division", th.IntegerType, required=True),
    th.Property("Source", th.StringType,
                description="the stream of the owning rows: items, accounts, document_attachments"),
    th.Property("Entity", th.StringType, required=True, description="Items, Accounts, ..."),
    th.Property("Key", th.StringType, required=True, description="ID of the owning row"),
    th.Property("Kind", th.StringType, required=True,
                description="picture, thumbnail, logo, logo_thumbnail or attachment"),
    th.Property("Timestamp", th.IntegerType, description="the owning row's sync Timestamp"),
    th.Property("Status", th.StringType, description="stored, missing or broken"),
    th.Property("Error", th.StringType),
    th.Property("FileName", th.StringType),
    th.Property("SourceUrl", th.StringType),
    th.Property("SourceModified", th.DateTimeType),
    th.Property("ContentType", th.StringType),
    th.Property("Size", th.IntegerType),
    th.Property("Sha256", th.StringType),
    th.Property("Path", th.StringType),
    th.Property("Width", th.IntegerType),
    th.Property("Height", th.IntegerType),
    th.Property("Generated", th.BooleanType, description="a thumbnail made by the tap"),
).to_dict()


class AssetsStream(Stream):
    name = STREAM_NAME
    primary_keys = ["Division", "Entity", "Key", "Kind"]
    replication_key = "Timestamp"
    is_sorted = False  # retried files carry their row's older Timestamp
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: Tap) -> None:
        self._runtime_source = cast(RuntimeSource, tap)
        self._warned_pillow = False
        super().__init__(tap=tap, schema=ASSET_SCHEMA, name=STREAM_NAME)

    @property
    def runtime(self) -> TapRuntime:
        return self._runtime_source.runtime

    @cached_property
    def fetcher(self) -> Fetcher:
        store = AssetStore(self.runtime.settings.assets.store, self.logger)
        return Fetcher(self.runtime.client, store)

    @property
    def partitions(self) -> list[dict] | None:
        settings = self.runtime.settings.assets
        sources = [s for s in SOURCES if settings.wants(s.switch)]
        return [
            {DIVISION_KEY: d, SOURCE_KEY: s.name}
            for d in self.runtime.divisions.partitions()
            for s in sources
        ]

    def compare_start_date(self, value: str, start_date_value: str) -> str:
        return value  # a Timestamp, not a date: start_date does not apply to assets

    # ---- one partition --------------------------------------------------------------------------

    def get_records(self, context: Context | None) -> Iterator[dict[str, Any]]:
        assert context is not None
        division = int(context[DIVISION_KEY])
        source = source_named(str(context[SOURCE_KEY]))
        divisions = self.runtime.divisions
        if divisions.skipped(division):
            return
        self._warn_without_pillow()
        state = self.get_context_state(context)
        progress = self.runtime.progress
        progress.begin(self.name, division)
        calls = self.fetcher.calls(division)
        try:
            with divisions.guard(self.name, division, state):
                yield from self._retry(source, division, state)
                yield from self._read(source, division, context, state)
        finally:
            self.fetcher.store.save()
            progress.add_calls(self.name, self.fetcher.calls(division) - calls)
            progress.end()

    def _read(
        self, source: AssetSource, division: int, context: Context, state: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        saved = self.get_starting_replication_key_value(context)
        text = str(saved) if saved is not None else ""
        start = int(text) if text.isdigit() else 1  # nothing saved (or start_date): all rows
        query = Query(select=source.select, filter=f"Timestamp gt {start}L")
        client = self.runtime.client
        for page in client.iter_pages(
            source.endpoint.path, division=division, query=query, endpoint=source.endpoint
        ):
            self.runtime.progress.page(self.name, 0)
            for row in page.records:
                records = list(self._row(source, division, row, state))
                self.runtime.progress.rows(self.name, len(records))
                yield from records
            self.fetcher.store.save_now_and_then()

    def _row(
        self, source: AssetSource, division: int, row: dict[str, Any], state: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        for link in source.links:
            url = row.get(link.field)
            if not url:
                continue
            record, stored = self._fetch(source, division, row, link, url=str(url), state=state)
            yield record
            if stored is None or link.thumbnail_kind is None:
                continue
            if link.thumbnail_field is None or not row.get(link.thumbnail_field):
                thumb = self._thumbnail(source, division, row, link, stored)
                if thumb is not None:
                    yield thumb

    def _fetch(
        self,
        source: AssetSource,
        division: int,
        row: dict[str, Any],
        link: Link,
        *,
        url: str,
        state: dict[str, Any],
    ) -> tuple[dict[str, Any], Stored | None]:
        modified = row.get("Modified")
        modified_text = modified.isoformat() if isinstance(modified, datetime) else None
        record = self._record(source, division, row, link.kind, url)
        try:
            stored = self.fetcher.fetch(link, url, division, modified_text)
        except AssetProblem as problem:
            self._problem(record, problem)
            if problem.retry:
                self._keep_for_retry(state, source, row, link, url)
            return record, None
        return self._describe(record, stored), stored

    def _thumbnail(
        self, source: AssetSource, division: int, row: dict[str, Any], link: Link, image: Stored
    ) -> dict[str, Any] | None:
        size = self.runtime.settings.assets.thumbnail_size
        if size <= 0 or image.width is None or not pillow_available():
            return None
        assert link.thumbnail_kind is not None
        record = self._record(source, division, row, link.thumbnail_kind, None)
        try:
            return self._describe(record, self.fetcher.thumbnail_of(image, size))
        except AssetProblem as problem:
            return self._problem(record, problem)

    # ---- transient failures, asked for again next run -------------------------------------------

    def _keep_for_retry(
        self, state: dict[str, Any], source: AssetSource, row: dict[str, Any], link: Link, url: str
    ) -> None:
        pending: list[dict[str, Any]] = state.setdefault(RETRY_KEY, [])
        if len(pending) >= MAX_RETRIES_KEPT:
            return
        modified = row.get("Modified")
        pending.append({
            "ID": row.get("ID"), "Kind": link.kind, "Url": url,
            "Timestamp": row.get("Timestamp"),
            "Modified": modified.isoformat() if isinstance(modified, datetime) else None,
            source.name_field: row.get(source.name_field),
        })

    def _retry(
        self, source: AssetSource, division: int, state: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        pending = state.pop(RETRY_KEY, None) or []
        links = {link.kind: link for link in source.links}
        for item in pending:
            link = links.get(str(item.get("Kind")))
            if link is None:
                continue
            modified = item.get("Modified")
            row = {**item, "Modified": datetime.fromisoformat(modified) if modified else None}
            record, _ = self._fetch(
                source, division, row, link, url=str(item["Url"]), state=state
            )
            yield record

    # ---- records --------------------------------------------------------------------------------

    def _record(
        self, source: AssetSource, division: int, row: dict[str, Any], kind: str, url: str | None
    ) -> dict[str, Any]:
        modified = row.get("Modified")
        if isinstance(modified, datetime) and self.runtime.settings.output.local_datetimes:
            modified = as_amsterdam(modified)
        return {
            "Division": division,
            "Source": source.name,
            "Entity": source.entity,
            "Key": str(row.get("ID")),
            "Kind": kind,
            "Timestamp": row.get("Timestamp"),
            "FileName": row.get(source.name_field),
            "SourceUrl": url,
            "SourceModified": modified if isinstance(modified, datetime) else None,
        }

    def _describe(self, record: dict[str, Any], stored: Stored) -> dict[str, Any]:
        record.update({
            "Status": "stored",
            "Error": None,
            "ContentType": stored.content_type,
            "Size": stored.size,
            "Sha256": stored.sha256,
            "Path": self.fetcher.store.location(stored.path),
            "Width": stored.width,
            "Height": stored.height,
            "Generated": stored.generated,
        })
        return record

    def _problem(self, record: dict[str, Any], problem: AssetProblem) -> dict[str, Any]:
        self.logger.warning(
            "assets: %s %s (division %s) %s is %s: %s; the run goes on%s",
            record["Entity"], record["Key"], record["Division"], record["Kind"], problem.status,
            problem.reason, ", asked for again next run" if problem.retry else "",
        )
        record.update({"Status": problem.status, "Error": problem.reason})
        return record

    def _warn_without_pillow(self) -> None:
        if self._warned_pillow or self.runtime.settings.assets.thumbnail_size <= 0:
            return
        self._warned_pillow = True
        if not pillow_available():
            self.logger.warning(
                "assets: Pillow is not installed, so images are stored unchecked and no "
                "thumbnails are made: pip install 'tap-exact-online[assets]'"
            )


def asset_streams(tap: Tap, enabled: bool) -> list[Stream]:
    """The ``asset_files`` stream when any asset setting is on (discovery reads no network)."""
    return [AssetsStream(tap)] if enabled else []
