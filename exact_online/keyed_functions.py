"""Function endpoints that answer for one key passed as a query parameter.

``read/logistics/ItemExtraField?itemId=guid'…'`` (an item's extra fields),
``read/crm/AccountDocumentsCount?accountId=guid'…'`` and
``read/crm/OpportunityDocumentsCount?opportunityId=guid'…'`` (one number each) have nothing to
answer without their key. The parameter names are Exact's function parameters *(medium: the
reference pages list them; endpoints.json does not carry parameters)*. The tap's keyed function
streams and the sandbox both read this table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyParameter:
    name: str  # the query parameter (an Edm.Guid literal)
    parent: str  # the entity (qualified name) whose key it takes
    row_key: tuple[str, ...]  # what identifies one answered row: the parameter, maybe a field


KEY_PARAMETERS: dict[str, KeyParameter] = {
    "read/logistics/ItemExtraField": KeyParameter(
        "itemId", "logistics/Items", ("itemId", "Number")
    ),
    "read/crm/AccountDocumentsCount": KeyParameter("accountId", "crm/Accounts", ("accountId",)),
    "read/crm/OpportunityDocumentsCount": KeyParameter(
        "opportunityId", "crm/Opportunities", ("opportunityId",)
    ),
}
