"""Function endpoints that answer for ONE key given as a query parameter.

``read/logistics/ItemExtraField?itemId=guid'…'`` answers that item's extra (free) fields: the
ones stored for it (``POST /_sandbox/rows``), else, for the generated company, a deterministic
colour and material for three items in four;
``read/crm/AccountDocumentsCount?accountId=guid'…'`` and ``OpportunityDocumentsCount`` answer one
number, the documents of that account or opportunity, as an OData v2 function returning a
primitive does: ``{"d": {"AccountDocumentsCount": 3}}`` (reference/FACTS.md, "Binaries and
languages", *(medium)*). Without the parameter they answer 400 naming it *(medium)*: the reference
lists the parameters, and a call without one has nothing to answer for.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response

from exact_online.keyed_functions import KEY_PARAMETERS
from exact_online.registry import Endpoint, Entity

from .reads import QueryError, Reader, parse_key_literal
from .rendering import JSON_TYPE, NS_D, NS_M, XML_TYPE, function_xml, json_feed
from .store import Row

ITEMS = "logistics/Items"
COLOURS = ("red", "green", "blue", "black", "white", "grey")
MATERIALS = ("steel", "oak", "plastic", "cotton", "glass")


def generated_extra_fields(item_id: str) -> list[dict[str, object]]:
    """The demo company's extra fields of one item (none for one item in four)."""
    h = int(hashlib.sha256(item_id.lower().encode()).hexdigest()[:8], 16)
    if h % 4 == 0:
        return []
    return [
        {"ItemID": item_id.lower(), "Number": 1, "Description": "Colour",
         "Value": COLOURS[h % len(COLOURS)]},
        {"ItemID": item_id.lower(), "Number": 2, "Description": "Material",
         "Value": MATERIALS[h % len(MATERIALS)]},
    ]


@dataclass(frozen=True)
class KeyedFunction:
    source: str  # the stored entity answered from
    field: str  # its field that must equal the key
    count: bool = False  # one number (the rows of ``source``), not the rows


# The parameters themselves: exact_online.keyed_functions.KEY_PARAMETERS (shared with the tap).
KEYED_FUNCTIONS: dict[str, KeyedFunction] = {
    "read/logistics/ItemExtraField": KeyedFunction("read/logistics/ItemExtraField", "ItemID"),
    "read/crm/AccountDocumentsCount": KeyedFunction("documents/Documents", "Account", count=True),
    "read/crm/OpportunityDocumentsCount": KeyedFunction(
        "documents/Documents", "Opportunity", count=True
    ),
}


class KeyedFunctions:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    @staticmethod
    def handles(entity: str) -> bool:
        return entity in KEYED_FUNCTIONS

    def answer(  # noqa: PLR0917
        self,
        args: Mapping[str, str],
        division: int,
        ep: Endpoint,
        entity: Entity,
        base: str,
        json_wanted: bool,
    ) -> Response:
        spec = KEYED_FUNCTIONS[entity.qualified_name]
        parameter = KEY_PARAMETERS[entity.qualified_name].name
        raw = args.get(parameter)
        if not raw:
            raise QueryError(
                400, f"{entity.name}: the parameter '{parameter}' is required (guid'…')."
            )
        key = str(parse_key_literal(raw)).lower()
        store = self.reader.store
        where, params = f"lower(json_extract(data, '$.{spec.field}')) = ?", [key]
        if spec.count:
            n = store.count_where(division, spec.source, where=where, params=params)
            return _primitive(entity.name, n, json_wanted)
        rows = store.select(division, spec.source, where=where, params=params)
        if not rows and entity.qualified_name == "read/logistics/ItemExtraField":
            rows = self._generated(division, key)
        sel = self.reader.select_fields(ep, args.get("$select"), [])
        records = [self.reader.render(base, division, ep, entity, r, sel) for r in rows]
        if json_wanted:
            return Response(json_feed(records, None, None), 200, content_type=JSON_TYPE)
        return Response(function_xml(entity.name, records), 200, content_type=XML_TYPE)


    def _generated(self, division: int, item_id: str) -> list[Row]:
        item = self.reader.store.raw(division, ITEMS, item_id)
        if item is None:
            return []
        modified = item.data.get("Modified")
        return [
            Row(f"{item_id}-{extra['Number']}", item.ts, {**extra, "Modified": modified})
            for extra in generated_extra_fields(item_id)
        ]


def _primitive(name: str, value: int, json_wanted: bool) -> Response:
    if json_wanted:
        return Response(json.dumps({"d": {name: value}}), 200, content_type=JSON_TYPE)
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<d:{name} xmlns:d="{NS_D}" xmlns:m="{NS_M}" m:type="Edm.Int32">'
        f"{escape(str(value))}</d:{name}>"
    )
    return Response(body.encode("utf-8"), 200, content_type=XML_TYPE)
