"""``$filter`` expressions that Exact's mandatory filtering accepts.

A plain endpoint with a sync twin (``purchaseorder/PurchaseOrders`` has
``sync/PurchaseOrder/PurchaseOrders``) refuses a GET whose ``$filter`` names none of the
endpoint's filterable fields (the reference's list, vendored in the registry as
``Field.filterable``). Lookups filter on fields that are often not in that list: ``YourRef`` on
purchase orders, ``Code`` on GL accounts. ``Division`` is in most lists and always true for the
division in the URL, so ``Division eq N and (…)`` satisfies the rule without changing the answer.
Where the list is empty (no mandatory filtering) or already has one of the fields used, the
condition is sent as it is: ``Division`` is not a property of every entity (PurchaseInvoices).
"""

from __future__ import annotations

from collections.abc import Iterable

from exact_online.registry import load_registry


def scoped_filter(path: str, division: int, condition: str, fields: Iterable[str]) -> str:
    """``condition`` (over ``fields``), extended so that ``path``'s mandatory filter accepts it."""
    entity = load_registry().find(path)
    plain = entity.plain if entity is not None else None
    if entity is None or plain is None or entity.sync is None:
        return condition
    listed = {fl.name for fl in plain.fields if fl.filterable}
    if not listed or listed & set(fields):
        return condition
    if "Division" in listed:
        return f"Division eq {int(division)} and ({condition})"
    # No field of ours is accepted and Division is not listed: send the condition; Exact's 400
    # then names the fields, and the record fails with that text.
    return condition
