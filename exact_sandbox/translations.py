"""Descriptions in other languages: what the sandbox answers for ``CustomDescriptionLanguage``.

The generated company's texts are English: EN is its default language, the one a request without
the header (or with a code the sandbox does not know) gets. For the languages in ``GENERATED`` every
row has a deterministic translation (the default text with the code appended, so tests and the
demo can see which language came back); tests set their own with the control API
(``POST /_sandbox/translations``), stored per division, entity, key and language. Setting one
changes the row (new Timestamp and Modified) *(medium)*: Exact keeps translations with the record,
and an incremental reader must see the change.

Which properties are translated comes from :data:`exact_online.languages.TRANSLATED_PROPERTIES`,
the list the tap's ``*_translations`` streams read too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from exact_online.languages import LANGUAGE_HEADER, TRANSLATED_PROPERTIES, language_code

from .catalog import Catalog
from .rendering import RenderedRecord
from .store import Store

DEFAULT_LANGUAGE = "EN"
GENERATED = ("NL", "DE", "FR", "FR-BE", "NL-BE")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    division INTEGER NOT NULL,
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    language TEXT NOT NULL,
    texts TEXT NOT NULL,
    PRIMARY KEY (division, entity, key, language)
);
"""


def generated_text(text: Any, language: str) -> Any:
    """The demo company's translation of one default text (``None`` stays ``None``)."""
    return f"{text} [{language}]" if isinstance(text, str) and text else text


class Translations:
    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog
        store.create_tables(_SCHEMA)

    @staticmethod
    def requested(headers: Any) -> str | None:
        """The language a request asks for; ``None`` for none or a value that is no code."""
        raw = headers.get(LANGUAGE_HEADER)  # werkzeug's Headers: case-insensitive
        if not raw:
            return None
        try:
            return language_code(raw)
        except ValueError:
            return None

    def translates(self, entity: str) -> bool:
        return entity in TRANSLATED_PROPERTIES

    def known(self, language: str) -> bool:
        if language == DEFAULT_LANGUAGE or language in GENERATED:
            return True
        row = self.store.execute(
            "SELECT 1 FROM translations WHERE language = ? LIMIT 1", (language,)
        ).fetchone()
        return row is not None

    def set(
        self, division: int, entity: str, key: Any, language: str, texts: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Store ``texts`` (property -> text) of one row in ``language``; the row is touched."""
        entity = self.catalog.canonical(entity)
        allowed = TRANSLATED_PROPERTIES.get(entity)
        if allowed is None:
            raise ValueError(f"{entity} has no language-sensitive properties")
        unknown = sorted(set(texts) - set(allowed))
        if unknown:
            raise ValueError(f"{entity}: {unknown} are not translated (only {list(allowed)})")
        language = language_code(language)
        if self.store.raw(division, entity, key) is None:
            raise KeyError(f"{entity}({key}) not found in division {division}")
        norm = _key_text(key)
        current = self._stored(division, entity, [norm], language).get(norm, {})
        merged = {**current, **dict(texts)}
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?)",
                (int(division), entity, norm, language, json.dumps(merged)),
            )
        return self.store.update(division, entity, key, {})

    def apply(
        self, division: int, entity: str, records: Iterable[RenderedRecord], language: str
    ) -> None:
        """Put ``language``'s texts into rendered rows (in place); unknown languages: default."""
        props = TRANSLATED_PROPERTIES.get(entity)
        if not props or language == DEFAULT_LANGUAGE or not self.known(language):
            return
        key_field = self.catalog.key_field(entity)
        rows = list(records)
        keys = [_key_text(r.data.get(key_field)) for r in rows] if key_field else []
        stored = self._stored(division, entity, keys, language)
        for rec, key in zip(rows, keys, strict=True):
            own = stored.get(key, {})
            changes = {}
            for name in props:
                if name in own:
                    changes[name] = own[name]
                elif language in GENERATED:
                    changes[name] = generated_text(rec.data.get(name), language)
            if changes:
                rec.data = {**rec.data, **changes}

    def _stored(
        self, division: int, entity: str, keys: list[str], language: str
    ) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        cur = self.store.execute(
            "SELECT key, texts FROM translations WHERE division = ? AND entity = ? "
            f"AND language = ? AND key IN ({marks})",
            (int(division), entity, language, *keys),
        )
        return {key: json.loads(texts) for key, texts in cur}


def _key_text(key: Any) -> str:
    return str(key).lower()


def control_translations(translations: Translations, body: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /_sandbox/translations``: {division, entity, key, language, texts: {...}}."""
    row = translations.set(
        int(body["division"]),
        str(body["entity"]),
        body["key"],
        str(body["language"]),
        dict(body.get("texts") or {}),
    )
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
