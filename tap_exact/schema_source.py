"""The SDK's schema-source hook, fed by the registry: a schema is built when first asked for.

``ExactStream.schema = StreamSchema(REGISTRY_SCHEMAS)``: the SDK asks ``REGISTRY_SCHEMAS`` for the
stream's name, this source builds the schema from the registry entity (``edm_schema``), and the
SDK's per-source cache keeps it, so each schema is built once per process however many streams or
taps ask. Offline: the registry ships in the package.
"""

from __future__ import annotations

from typing import Any

from singer_sdk import SchemaSource

from exact_online.registry import load_registry
from tap_exact.edm_schema import entity_schema
from tap_exact.line_sync import line_sync_schema


class RegistrySchema(SchemaSource[str]):
    """Schemas of the registry's readable entities, keyed by stream name.

    The schema returned is shared by every stream of that name in the process: read it, never
    change it in place.
    """

    def fetch_schema(self, key: str) -> dict[str, Any]:
        entity = load_registry().find(key)
        if entity is None or entity.stream != key or not entity.is_readable:
            raise KeyError(f"no readable entity with stream name {key!r} in the registry")
        return line_sync_schema(entity) or entity_schema(entity)


REGISTRY_SCHEMAS = RegistrySchema()
