"""Descriptions in another language: Exact's ``CustomDescriptionLanguage`` request header and the
entities whose properties it translates.

Exact answers language-sensitive properties (descriptions) in the language the header names
(``NL``, ``EN``, ``DE``, ``FR-BE``, ``NL-BE``, …); without it, in the division's default language
(reference/FACTS.md, "Binaries and languages"). The client sends it per call
(``client.iter_records(..., language="DE")``); the tap's ``*_translations`` streams and the sandbox
use the same names from here, so the three agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

LANGUAGE_HEADER = "CustomDescriptionLanguage"

# Entity (qualified name) -> its language-sensitive properties. Items, GLAccounts and
# GLClassifications: the "Good to know" sections of Exact's reference name the header for them.
# ItemGroups *(medium)*: its Description is translatable in Exact's screens, the reference's REST
# page does not say so. Function endpoints the reference names too (ItemDetailsByID,
# AccountItems, SalesItemPrice) honour the header when a caller sends it; they get no stream here.
TRANSLATED_PROPERTIES: dict[str, tuple[str, ...]] = {
    "logistics/Items": ("Description", "ExtraDescription"),
    "logistics/ItemGroups": ("Description",),
    "financial/GLAccounts": ("Description",),
    "financial/GLClassifications": ("Description",),
}

# Exact's codes: two letters, optionally a country (FR-BE). Checked so a typo fails at start-up.
_CODE = re.compile(r"^[A-Z]{2}(?:-[A-Z]{2})?$")


def language_code(value: object) -> str:
    """``value`` as Exact's language code (``"fr-be"`` -> ``"FR-BE"``); ValueError if it is none."""
    text = str(value).strip().upper().replace("_", "-")
    if not _CODE.match(text):
        raise ValueError(
            f"{value!r} is not a language code Exact knows the form of (NL, EN, DE, FR-BE, ...)"
        )
    return text


def language_codes(values: Iterable[object] | str | None) -> tuple[str, ...]:
    """A list (or a comma-separated string) of codes, normalised, duplicates dropped, in order."""
    if not values:
        return ()
    items = values.split(",") if isinstance(values, str) else list(values)
    out: list[str] = []
    for item in items:
        if str(item).strip():
            code = language_code(item)
            if code not in out:
                out.append(code)
    return tuple(out)


def language_headers(language: str | None) -> dict[str, str]:
    """The request header asking for ``language`` (none for ``None``: the division's default)."""
    return {} if language is None else {LANGUAGE_HEADER: language_code(language)}
