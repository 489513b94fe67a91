"""``$filter`` expressions that Exact's mandatory filtering accepts.

A plain endpoint with a sync twin (``purchaseorder/PurchaseOrders`` has
``sync/PurchaseOrder/PurchaseOrders``) refuses a GET whose ``$filter`` names none of the
endpoint's filterable fields (the reference's list, vendored in the registry as
``Field.filterable``). Lookups filter on fields that are often not in that list: ``YourRef`` on
purchase orders, ``Code`` on GL accounts. ``Division`` is in most lists and always true for the
division in the URL, so ``Division eq N and (…)`` satisfies the rule without changing the answer.
Where the list is empty (no mandatory filtering) or already has one of the fields used, the
condition is sent as it is: ``Division`` is not a property of every entity (PurchaseInvoices).

Used by the target's lookups and by the client's resources (:mod:`exact_online.resources`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from exact_online.registry import Endpoint, Entity, load_registry

# A property name in front of a comparison, or the first argument of a function call.
_FIELD_RE = re.compile(
    r"(?:\b([A-Za-z_][A-Za-z0-9_/]*)\s+(?:eq|ne|gt|ge|lt|le)\s)|(?:\(\s*([A-Za-z_][A-Za-z0-9_/]*)\s*[,)])"
)
_QUOTED_RE = re.compile(r"'(?:[^']|'')*'")


def mandatory_fields(entity: Entity, endpoint: Endpoint) -> frozenset[str]:
    """The fields one of which a GET's ``$filter`` must name (empty: no mandatory filtering)."""
    if endpoint.kind != "plain" or entity.sync is None:
        return frozenset()
    return frozenset(fl.name for fl in endpoint.fields if fl.filterable)


def filter_fields(condition: str) -> set[str]:
    """The property names a ``$filter`` text compares (quoted literals skipped)."""
    bare = _QUOTED_RE.sub("''", condition)
    return {a or b for a, b in _FIELD_RE.findall(bare)}


def scope_for(entity: Entity, endpoint: Endpoint, division: int, condition: str | None,
              fields: Iterable[str] | None = None) -> str | None:
    """``condition`` made acceptable to ``endpoint``'s mandatory filter where that can be done
    without changing the answer (``Division eq N``); else ``condition`` unchanged."""
    listed = mandatory_fields(entity, endpoint)
    used = set(fields) if fields is not None else filter_fields(condition or "")
    if not listed or listed & used or "Division" not in listed:
        return condition
    division_only = f"Division eq {int(division)}"
    return f"{division_only} and ({condition})" if condition else division_only


def is_accepted(entity: Entity, endpoint: Endpoint, condition: str | None) -> bool:
    """Whether ``condition`` passes ``endpoint``'s mandatory filter as it is."""
    listed = mandatory_fields(entity, endpoint)
    return not listed or bool(listed & filter_fields(condition or ""))


def scoped_filter(path: str, division: int, condition: str, fields: Iterable[str]) -> str:
    """``condition`` (over ``fields``), extended so that ``path``'s mandatory filter accepts it."""
    entity = load_registry().find(path)
    plain = entity.plain if entity is not None else None
    if entity is None or plain is None:
        return condition
    # No field of ours is accepted and Division is not listed: the condition goes as it is;
    # Exact's 400 then names the fields, and the record fails with that text.
    return scope_for(entity, plain, division, condition, fields) or condition
