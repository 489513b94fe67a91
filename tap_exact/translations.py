"""``<stream>_translations``: language-sensitive properties in each ``description_languages`` code.

For every entity of :data:`exact_online.languages.TRANSLATED_PROPERTIES` the tap offers, when
languages are configured, one more stream: the entity's key, ``Division``, ``Language``, the
translated properties and the parent's bookmark field (``Timestamp`` or ``Modified``). It reads the
parent's own endpoint with the ``CustomDescriptionLanguage`` header, one partition per division
and language, so each language has its own bookmark in each division and runs incrementally like
the parent (``$select`` is only these few fields). Without languages there are no such streams.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from singer_sdk import SchemaSource, StreamSchema, Tap
from singer_sdk.helpers.types import Context
from singer_sdk.streams import Stream

from exact_online.languages import TRANSLATED_PROPERTIES, language_headers
from exact_online.odata import Query
from exact_online.registry import Entity, load_registry
from tap_exact.client import DIVISION_KEY, ExactStream
from tap_exact.edm_schema import property_schema
from tap_exact.settings import description_languages
from tap_exact.streams import ModifiedStream, SyncStream, stream_family

SUFFIX = "_translations"
LANGUAGE_KEY = "Language"


def translated_entities() -> list[Entity]:
    """The registry entities whose language-sensitive properties get a translations stream."""
    registry = load_registry()
    return [e for e in registry.entities if e.qualified_name in TRANSLATED_PROPERTIES]


def translated_fields(entity: Entity) -> list[str]:
    fields = entity.read_endpoint().field_map
    return [n for n in TRANSLATED_PROPERTIES[entity.qualified_name] if n in fields]


def translation_schema(entity: Entity) -> dict[str, Any]:
    endpoint = entity.read_endpoint()
    fields = endpoint.field_map
    bookmark = "Timestamp" if endpoint.kind == "sync" else "Modified"
    names = [*entity.key, *translated_fields(entity), bookmark]
    properties: dict[str, Any] = {n: property_schema(fields[n].edm_type) for n in names}
    properties[DIVISION_KEY] = {"type": ["integer", "null"]}
    properties[LANGUAGE_KEY] = {"type": ["string"]}
    return {"type": "object", "additionalProperties": False, "properties": properties}


class TranslationSchemas(SchemaSource[str]):
    def fetch_schema(self, key: str) -> dict[str, Any]:
        entity = load_registry().find(key.removesuffix(SUFFIX))
        if not key.endswith(SUFFIX) or entity is None or entity not in translated_entities():
            raise KeyError(f"no translations stream named {key!r}")
        return translation_schema(entity)


TRANSLATION_SCHEMAS = TranslationSchemas()


class TranslationStream(ExactStream):
    """The parent's read, one partition per (division, language), with the language header."""

    schema = StreamSchema(TRANSLATION_SCHEMAS)
    emits_tombstones = False  # the parent stream carries its entity's deletions
    _language: str | None = None

    @property
    def partitions(self) -> list[dict] | None:
        languages = self.runtime.settings.description_languages
        divisions = super().partitions or []
        return [{**d, LANGUAGE_KEY: lang} for d in divisions for lang in languages]

    @property
    def http_headers(self) -> dict:
        return {**super().http_headers, **language_headers(self._language)}

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        self._language = str(context[LANGUAGE_KEY]) if context else None
        yield from super().get_records(context)

    def prefetch_query(self, context: Context | None) -> Callable[[], Query] | None:
        # Read live: a reader fetches a division's pages without this partition's language
        # header, and a division has one partition per language (tap_exact/parallel.py).
        return None

    def shape(self, record: dict[str, Any]) -> dict[str, Any] | None:
        shaped = super().shape(record)
        if shaped is not None:
            shaped[LANGUAGE_KEY] = self._language
            shaped.setdefault(DIVISION_KEY, self._division)
        return shaped


class SyncTranslationStream(TranslationStream, SyncStream):
    """Sync parents (Items, GLAccounts, GLClassifications): a Timestamp per division, language."""

    def checkpoint(self) -> None:
        # SyncStream.checkpoint saves into the division's context; ours also has the language.
        if self._division is not None:
            context = {DIVISION_KEY: self._division, LANGUAGE_KEY: self._language}
            self._save_max_seen(self.get_context_state(context))
        ExactStream.checkpoint(self)


class ModifiedTranslationStream(TranslationStream, ModifiedStream):
    """Plain parents with ``Modified`` (ItemGroups): ``Modified ge`` per division and language."""


@cache
def translation_stream_class(entity: Entity) -> type[ExactStream]:
    family = stream_family(entity)
    base: type[TranslationStream]
    if issubclass(family, SyncStream):
        base, replication_key = SyncTranslationStream, "Timestamp"
    elif issubclass(family, ModifiedStream):
        base, replication_key = ModifiedTranslationStream, "Modified"
    else:  # pragma: no cover - guarded by tests/tap/test_translations.py
        raise TypeError(f"{entity.qualified_name}: no incremental read for translations")
    endpoint = entity.read_endpoint()
    name = entity.stream + SUFFIX
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": f"{entity.qualified_name} descriptions per language via {endpoint.path}",
        "name": name,
        "path": endpoint.path,
        "entity": entity,
        "endpoint": endpoint,
        "primary_keys": (*entity.key, LANGUAGE_KEY),
        "replication_key": replication_key,
    }
    class_name = "".join(p.capitalize() for p in name.split("_")) + "Stream"
    return type(class_name, (base,), attrs)


def translation_streams(tap: Tap) -> list[Stream]:
    """The translations streams, when ``description_languages`` names at least one language."""
    if not description_languages(tap.config):
        return []
    return [translation_stream_class(e)(tap) for e in translated_entities()]
