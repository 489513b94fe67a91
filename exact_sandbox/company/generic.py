"""Generic typed rows for the entities the supply-chain domains do not model: a few
type-correct rows each, with unique keys and references that point at real items, accounts,
warehouses, users and G/L accounts (their codes and names copied along), so every readable
endpoint of the sandbox answers with plausible data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exact_online.registry import Entity, load_registry
from exact_sandbox.company.context import Company
from exact_sandbox.company.media import with_links
from exact_sandbox.company.names import GENERIC_CITIES, WORDS
from exact_sandbox.company.sink import STORE_FILLED, STORE_OWNED, entity_fields
from exact_sandbox.company.values import Values


def generic_value(
    name: str, edm_type: str, v: Values, n: int, refs: Mapping[str, list[str]]
) -> Any:
    """A plausible value for field ``name`` of type ``edm_type`` (row number ``n``)."""
    rng = v.rng
    lname = name.lower()
    if edm_type == "Edm.Guid":
        pool = refs.get(name) or refs.get(_REF_ALIASES.get(name, ""))
        if pool:
            return v.pick(pool)
        return v.guid()
    if edm_type == "Edm.String":
        return _generic_string(name, lname, v, n)
    if edm_type == "Edm.DateTime":
        if lname in ("created", "syscreated"):
            return v.moment(-400 + n)
        if lname in ("modified", "sysmodified"):
            return v.moment(-30 + n)
        if "end" in lname:
            return None if rng.random() < 0.7 else v.day(rng.randint(30, 365))
        return v.day(rng.randint(-365, 30))
    if edm_type == "Edm.Boolean":
        return rng.random() < 0.3
    if edm_type == "Edm.Byte":
        return 1 if rng.random() < 0.3 else 0
    if edm_type in ("Edm.Int16", "Edm.Int32", "Edm.Int64"):
        if "year" in lname:
            return v.today.year - rng.randint(0, 1)
        if "period" in lname:
            return rng.randint(1, 12)
        if "status" in lname or "type" in lname:
            return v.pick((10, 20, 30, 50))
        if "number" in lname or lname.endswith("hid") or lname == "hid":
            return 1000 + n
        return rng.randint(0, 100)
    if edm_type == "Edm.Double":
        if "percentage" in lname:
            return v.pick((0.0, 0.09, 0.21))
        if "rate" in lname:
            return round(rng.uniform(0.8, 1.3), 4)
        if "quantity" in lname or "hours" in lname:
            return float(rng.randint(1, 40))
        return v.money(1, 2500)
    if edm_type == "Edm.Binary":
        return None
    return None


_REF_ALIASES = {
    "Creator": "User",
    "Modifier": "User",
    "syscreator": "User",
    "sysmodifier": "User",
    "UserID": "User",
    "Employee": "Employee",
    "Customer": "Account",
    "Supplier": "Account",
    "OrderedBy": "Account",
    "InvoiceTo": "Account",
    "DeliverTo": "Account",
    "ItemId": "Item",
    "GLAccount": "GLAccount",
    "Warehouse": "Warehouse",
}


# Reference fields whose code/name columns are copied from the referenced row.
_COPY_FROM = ("Item", "Account", "Warehouse", "GLAccount")


def _generic_string(name: str, lname: str, v: Values, n: int) -> str | None:
    rng = v.rng
    if lname.endswith("fullname") or lname in ("name", "accountname", "contactname"):
        return f"{v.pick(WORDS).title()} {v.pick(WORDS).title()}"
    if lname in ("code", "searchcode") or lname.endswith("code"):
        return f"{name[:3].upper()}{n:03d}"
    if "description" in lname or lname in ("notes", "remarks", "subject"):
        return f"{v.pick(WORDS).title()} {v.pick(WORDS)} {n}"
    if "email" in lname:
        return f"info{n}@{v.pick(WORDS)}.example"
    if "phone" in lname or "fax" in lname or "mobile" in lname:
        return f"+31 20 {rng.randint(1000000, 9999999)}"
    if lname == "city":
        return str(v.pick(GENERIC_CITIES)[0])
    if lname == "postcode":
        return str(v.pick(GENERIC_CITIES)[1])
    if "country" in lname:
        return "NL"
    if "currency" in lname:
        return "EUR"
    if "language" in lname:
        return "NL"
    if lname.endswith("url") or "picture" in lname or "logo" in lname:
        return None
    return f"{v.pick(WORDS)}-{n}"


def generic_rows(
    entity: Entity,
    division: int,
    v: Values,
    *,
    count: int,
    refs: Mapping[str, list[str]],
    details: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict]:
    """``count`` type-correct rows for an entity nobody models. Keys are unique; a reference
    (``Item``, ``Account``...) points at a real row and its code/name come along (``details``)."""
    fields = entity_fields(entity)
    if entity.key == ("Division",):
        count = 1  # one settings row per division (manufacturing/ManufacturingSettings)
    rows = []
    for n in range(1, count + 1):
        row: dict[str, Any] = {}
        for name, edm in fields.items():
            if name in STORE_FILLED and name not in entity.key:
                continue
            if name == "Division":
                row[name] = division
            elif name in entity.key and edm == "Edm.Guid":
                row[name] = v.guid()
            elif name in entity.key and edm.startswith("Edm.Int"):
                row[name] = v.seq(f"{entity.qualified_name}.{name}", 1000 + v.today.year)
            elif name in entity.key and edm == "Edm.String":
                row[name] = f"{entity.name[:4].upper()}{n:03d}"
            else:
                row[name] = generic_value(name, edm, v, n, refs)
        for name in _COPY_FROM:
            ref = row.get(name)
            if isinstance(ref, str) and details and ref in details:
                row.update({k: val for k, val in details[ref].items() if k in fields})
        rows.append(row)
    return rows


def _details(c: Company) -> dict[str, dict[str, Any]]:
    """What a generic row copies next to a reference it picked (codes and names)."""
    out: dict[str, dict[str, Any]] = {}
    for i in c.items[:200]:
        out[i.id] = {"ItemCode": i.code, "ItemDescription": i.description}
    for a in c.customers[:100] + c.suppliers[:50]:
        out[a.id] = {"AccountCode": a.code, "AccountName": a.name}
    for w in c.warehouses:
        out[w.id] = {"WarehouseCode": w.code, "WarehouseDescription": w.description}
    for code, (gid, desc) in c.gl.items():
        out[gid] = {"GLAccountCode": code, "GLAccountDescription": desc}
    return out


def _refs(c: Company) -> dict[str, list[str]]:
    return {
        "User": [u for u, _ in c.users],
        "Item": [i.id for i in c.items[:200]],
        "Account": [a.id for a in (c.customers[:100] + c.suppliers[:50])],
        "Warehouse": [w.id for w in c.warehouses],
        "GLAccount": [g for g, _ in c.gl.values()],
    }


def generic(c: Company) -> None:
    done = set(c.sink.counts) | STORE_OWNED
    refs, details = _refs(c), _details(c)
    for entity in load_registry().readable():
        name = entity.qualified_name
        if (
            name in done
            or not entity.key
            or not any(k in ("plain", "bulk", "sync") for k in entity.endpoints)
            or c.store.count(c.division, name)
        ):
            continue
        rows = generic_rows(
            entity, c.division, c.v, count=c.spec.generic_rows, refs=refs, details=details
        )
        for n, row in enumerate(rows, 1):
            c.add(name, with_links(name, c.division, row, n))
