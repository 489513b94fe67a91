#!/usr/bin/env python3
"""Build ``exact_online/data/registry.json`` from Exact's endpoint reference.

Reads ``reference/endpoints.json.gz`` (the copy kept in the repository by
``scripts/vendor_reference.py``; ``--source`` takes another ``endpoints.json``, plain or gzipped)
at development time, and writes a compact file of facts that ships in the wheel, so a user's
install never reads the reference. Entities group an Exact table's plain, ``/bulk/`` and ``/sync/``
endpoints; the grouping rules and the facts not in the reference (``sync/Deleted`` codes,
SyncTimestamp support) live here, in one place.

    python scripts/vendor_registry.py [--source PATH] [--check]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

from exact_online.registry import snake_case as snake

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT / "reference" / "endpoints.json.gz"
TARGET = ROOT / "exact_online" / "data" / "registry.json"

# Sync/bulk paths whose plain twin has another service or name.
ALIASES = {
    "salesorder/salesorderheaders": "salesorder/salesorders",
    "crm/quotationheaders": "crm/quotations",
    "financial/transactionlines": "financialtransaction/transactionlines",
}

# sync/Deleted EntityType codes (reference/FACTS.md, "Sync API"), mapped to the entity they delete.
DELETED_ENTITY_TYPES = {
    1: "financialtransaction/TransactionLines", 2: "crm/Accounts", 3: "crm/Addresses",
    4: "documents/DocumentAttachments", 5: "crm/Contacts", 6: "documents/Documents",
    7: "financial/GLAccounts", 8: "logistics/SalesItemPrices", 9: "logistics/Items",
    10: "cashflow/PaymentTerms", 11: "crm/Quotations", 12: "salesorder/SalesOrders",
    13: "salesinvoice/SalesInvoices", 14: "project/TimeCostTransactions",
    15: "inventory/StockPositions", 16: "salesorder/GoodsDeliveries",
    17: "salesorder/GoodsDeliveryLines", 18: "financial/GLClassifications",
    19: "inventory/ItemWarehouses", 20: "inventory/StorageLocationStockPositions",
    21: "project/Projects", 22: "purchaseorder/PurchaseOrders", 23: "subscription/Subscriptions",
    24: "subscription/SubscriptionLines", 25: "project/ProjectWBS", 26: "project/ProjectPlanning",
    27: "hrm/LeaveAbsenceHoursByDay", 28: "inventory/SerialBatchNumbers",
    29: "inventory/StockSerialBatchNumbers", 30: "logistics/ItemAccounts",
    31: "sales/DiscountTables", 32: "salesorder/SalesOrders", 33: "salesorder/SalesOrderLines",
    34: "crm/Quotations", 35: "crm/QuotationLines", 36: "manufacturing/ShopOrders",
    37: "manufacturing/ShopOrderMaterialPlans", 38: "manufacturing/ShopOrderRoutingStepPlans",
    39: "hrm/Schedules", 40: "hrm/ScheduleEntries", 41: "inventory/ItemStorageLocations",
    42: "payroll/Employees", 43: "payroll/Employments", 44: "payroll/EmploymentContracts",
    45: "payroll/EmploymentOrganizations", 46: "payroll/EmploymentCLAs",
    47: "payroll/EmploymentSalaries", 48: "payroll/BankAccounts",
    49: "payroll/EmploymentTaxAuthoritiesGeneral", 50: "manufacturing/ShopOrderPurchasePlanning",
    51: "manufacturing/ShopOrderSubOrders", 53: "manufacturing/RequirementIssues",
    54: "manufacturing/BillOfMaterialMaterials", 55: "manufacturing/BillOfMaterialVersions",
}

NO_REST_ENTITY = {
    "logistics/itemaccounts", "manufacturing/requirementissues", "sales/discounttables"
}

# read/sync/Sync/SyncTimestamp is not available for these sync endpoints
# (reference/FACTS.md).
NO_SYNC_TIMESTAMP = {"Items", "StockPositions", "ItemWarehouses", "Accounts", "SupplierItem"}


def classify(uri: str) -> tuple[str, str]:
    """Return (kind, path below /api/v1/) for an endpoint URI."""
    path = uri.removeprefix("/api/v1/")
    if path.startswith("current/"):
        return "current", path
    if "/read/" in uri:
        return "function", path
    if "/sync/" in uri:
        return "sync", path
    if "/bulk/" in uri:
        return "bulk", path
    return "plain", path


# Function endpoints answering ONE primitive value, not records (reference/FACTS.md, "Binaries and
# languages"; *(medium)*): the reference lists one nameless Edm.String field for each. An OData v2
# function returning a primitive answers {"d": {"<FunctionName>": value}}, so the field is named
# after the function and typed as what it answers: a count, or a yes/no.
SINGLE_VALUE_FUNCTIONS = {
    "AccountDocumentsCount": "Edm.Int32",
    "OpportunityDocumentsCount": "Edm.Int32",
    "UserHasRights": "Edm.Boolean",
}


def single_value_fields(uri: str, fields: list[dict]) -> list[dict]:
    """The one field of a single-value function, named and typed (other endpoints unchanged)."""
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    edm = SINGLE_VALUE_FUNCTIONS.get(name)
    if edm is None:
        return fields
    if len(fields) != 1 or fields[0].get("name"):
        raise SystemExit(f"{uri}: expected one nameless field, found {fields!r}")
    return [{**fields[0], "name": name, "type": edm}]


def compact_fields(fields: list[dict]) -> list[list]:
    # [name, type, flags]; flags "m" = mandatory on POST, "f" = filterable: compact and readable.
    out = []
    for f in fields:
        if not f.get("name"):
            raise SystemExit(f"a field without a name: {f!r}")
        flags = ("m" if f.get("mandatory_on_post") else "") + ("f" if f.get("filterable") else "")
        out.append([f["name"], f.get("type") or "Edm.String", flags])
    return out


def build(source: dict) -> dict:
    endpoints = source["endpoints"]
    entities: dict[str, dict] = {}
    order: list[str] = []

    def entity_for(group_key: str, service: str, name: str) -> dict:
        if group_key not in entities:
            entities[group_key] = {"service": service, "name": name, "endpoints": {}}
            order.append(group_key)
        return entities[group_key]

    # Plain, function and current endpoints first: they define the entity's service and name.
    for ep in endpoints:
        kind, path = classify(ep["uri"])
        if kind in ("sync", "bulk"):
            continue
        parts = path.split("/")
        if kind == "current":
            service, name = "current", parts[-1]
        else:
            start = parts.index("{division}") + 1
            rest = parts[start:]
            if kind == "function":
                service, name = "read/" + "/".join(rest[1:-1]), rest[-1]
            else:
                service, name = "/".join(rest[:-1]), rest[-1]
        key = f"{service}/{name}".lower()
        if path.startswith("beta/"):
            key = "beta/" + key
        entity_for(key, service, name)["endpoints"][kind] = endpoint_facts(ep, kind, path)

    for ep in endpoints:
        kind, path = classify(ep["uri"])
        if kind not in ("sync", "bulk"):
            continue
        rest = path.split(f"/{kind}/", 1)[1]  # e.g. "Logistics/Items", or "Deleted"
        if "/" in rest:
            svc, name = rest.split("/", 1)
        else:
            svc, name = "sync", rest
        key = ALIASES.get(f"{svc}/{name}".lower(), f"{svc}/{name}".lower())
        if key not in entities:
            entity_for(key, svc.lower(), name)
        entities[key]["endpoints"][kind] = endpoint_facts(ep, kind, path)

    codes_by_entity: dict[str, list[int]] = {}
    for code, qualified in DELETED_ENTITY_TYPES.items():
        codes_by_entity.setdefault(qualified.lower(), []).append(code)
    # These three codes name tables with no REST endpoint in the reference: a code, not an entity.
    unknown = set(codes_by_entity) - set(entities) - NO_REST_ENTITY
    if unknown:
        raise SystemExit(f"sync/Deleted codes name unknown entities: {sorted(unknown)}")

    names: dict[str, list[str]] = {}
    for key in order:
        names.setdefault(snake(entities[key]["name"]), []).append(key)

    result = []
    for key in order:
        ent = entities[key]
        eps = ent["endpoints"]
        base = snake(ent["name"])
        stream = base
        if len(names[base]) > 1:
            stream = snake(ent["service"].replace("read/", "read_")) + "_" + base
        if key.startswith("beta/"):
            stream = "beta_" + stream
        ent["stream"] = stream
        ent["key"], ent["line_grained"] = record_key(eps)
        ent["deleted_entity_types"] = codes_by_entity.get(key, [])
        sync = eps.get("sync")
        if sync and ent["name"] not in NO_SYNC_TIMESTAMP and ent["name"] != "Deleted":
            # The SyncTimestamp function names endpoints by their last path segment.
            ent["sync_timestamp_endpoint"] = sync["path"].rsplit("/", 1)[-1]
        else:
            ent["sync_timestamp_endpoint"] = None
        result.append(ent)

    streams = [e["stream"] for e in result]
    dupes = {s for s in streams if streams.count(s) > 1}
    if dupes:
        raise SystemExit(f"stream names collide: {sorted(dupes)}")
    return {
        "source": source.get("source", ""),
        "deleted_entity_types": {str(k): v for k, v in DELETED_ENTITY_TYPES.items()},
        "no_sync_timestamp": sorted(NO_SYNC_TIMESTAMP),
        "entities": result,
    }


def endpoint_facts(ep: dict, kind: str, path: str) -> dict:
    return {
        "path": path,
        "methods": ep["methods"],
        "odata_key": ep.get("odata_key") or [],
        "key_guessed": ep.get("odata_key_source") == "guessed",
        "webhook_topic": bool(ep.get("webhook_topic")),
        "fields": compact_fields(single_value_fields(ep["uri"], ep["fields"])),
    }


def record_key(eps: dict) -> tuple[list[str], bool]:
    """The key that identifies one row of what the entity's preferred read endpoint returns."""
    plain = eps.get("plain") or eps.get("function") or eps.get("current")
    plain_key = [k for k in (plain or {}).get("odata_key", []) if k != "Timestamp"]
    sync = eps.get("sync")
    if sync:
        sync_fields = {f[0] for f in sync["fields"]}
        plain_fields = {f[0] for f in (plain or {}).get("fields", [])}
        # Sync rows with a LineNumber the plain twin lacks are lines: one row per line, keyed by
        # the line ID.
        lines = "LineNumber" in sync_fields and "LineNumber" not in plain_fields
        if plain and "ID" in sync_fields and lines:
            return ["ID"], True
        if plain_key and all(k in sync_fields for k in plain_key):
            return plain_key, False
        if "ID" in sync_fields:
            return ["ID"], False
        for candidate in ("StockTransactionId", "EntryID"):
            if candidate in sync_fields:
                return [candidate], False
    if plain_key:
        return plain_key, False
    bulk = eps.get("bulk")
    if bulk and bulk["odata_key"]:
        return bulk["odata_key"], False
    fields = [f[0] for f in (plain or bulk or sync or {}).get("fields", [])]
    return (["ID"] if "ID" in fields else []), False


def read_reference(path: Path) -> dict:
    raw = path.read_bytes()
    return json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--check", action="store_true", help="fail if the vendored file is stale")
    args = ap.parse_args()
    data = build(read_reference(args.source))
    text = json.dumps(data, separators=(",", ":"), sort_keys=False) + "\n"
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is stale: run scripts/vendor_registry.py", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}: {len(data['entities'])} entities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
