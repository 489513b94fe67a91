"""External references: the values that make writes idempotent (``YourRef``, ``Description``,
``Code``).

A rerun finds the document it created before by looking its reference up in Exact. A value that
Exact cannot store and match exactly would never be found again, and every rerun would create
another document. So such a value fails its record instead, naming the input field:

- a control character (NUL, tab, newline, DEL, the C1 range) or a lone surrogate: Exact drops or
  refuses them, so the lookup finds nothing;
- a value longer than the Exact field: Exact cuts it, so the lookup by the full value finds
  nothing. The lengths are the ones in ``MAX_LENGTH``; a field not listed there (a custom
  ``external_reference_field``, an account ``Name``) has its length left to Exact.
"""

from __future__ import annotations

import unicodedata

from target_exact.mapping.fields import RecordError

# Exact field -> the characters it holds (as this target assumes them; docs/target.md, Idempotency).
MAX_LENGTH = {"YourRef": 30, "Description": 60, "Code": 30}
_REFUSED = {"Cc": "a control character", "Cs": "a lone surrogate"}


def check_reference(value: str | None, field: str, exact_field: str) -> str | None:
    """``value`` if it can serve as the external reference in ``exact_field``; else a
    :class:`RecordError` naming the input ``field``. Never echoes the value itself."""
    if value is None:
        return None
    for position, char in enumerate(value, start=1):
        what = _REFUSED.get(unicodedata.category(char))
        if what is not None:
            raise RecordError(
                field,
                f"contains {what} (U+{ord(char):04X} at position {position}); it is the external "
                f"reference ({exact_field}) that finds the document again, and Exact cannot "
                "store it as sent",
            )
    limit = MAX_LENGTH.get(exact_field)
    if limit is not None and len(value) > limit:
        raise RecordError(
            field,
            f"is {len(value)} characters; the external reference ({exact_field}) holds at most "
            f"{limit}, and a cut value would not find the document again",
        )
    return value
