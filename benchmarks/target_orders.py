"""HotGlue BuyOrders input for the target benchmark (and reliability R4): real supplier and item
codes read from the sandbox.
"""

from __future__ import annotations

import json
from typing import Any

BUY_ORDER_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": ["integer", "string", "null"]},
        "supplier_remoteId": {"type": ["string", "null"]},
        "transaction_date": {"type": ["string", "null"], "format": "date-time"},
        "line_items": {"type": ["string", "array", "null"]},
        "reference": {"type": ["string", "null"]},
    },
}


def _all(
    session: Any, url: str, params: dict[str, str], verify: Any, limit: int
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    next_url: str | None = url
    pages = 0
    while next_url and len(out) < limit and pages < 1000:
        r = session.get(next_url, params=params if pages == 0 else None, timeout=60, verify=verify)
        r.raise_for_status()
        d = r.json()["d"]
        out.extend(d["results"])
        next_url, pages = d.get("__next"), pages + 1
    return out[:limit]


def pick_suppliers_and_items(sb: Any, suppliers: int, items: int) -> tuple[list[str], list[str]]:
    s = sb.session()
    verify = sb.config.get("ca_file", True)
    sups = _all(
        s,
        sb.api_url("{division}/crm/Accounts"),
        {"$filter": "IsSupplier eq true", "$select": "ID,Code"},
        verify,
        suppliers,
    )
    its = _all(
        s,
        sb.api_url("{division}/logistics/Items"),
        {"$filter": "IsPurchaseItem eq true", "$select": "ID,Code"},
        verify,
        items,
    )
    return [str(x["Code"]).strip() for x in sups], [str(x["Code"]).strip() for x in its]


def buy_orders(
    suppliers: list[str], items: list[str], n: int, prefix: str = "BENCH-", lines: int = 3
) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        chosen = [items[(i * lines + j) % len(items)] for j in range(lines)]
        out.append(
            {
                "id": f"{prefix}{i:06d}",
                "supplier_remoteId": suppliers[i % len(suppliers)],
                "transaction_date": "2024-03-08T10:00:00Z",
                "line_items": json.dumps(
                    [
                        {"product_remoteId": code, "quantity": 12 * (j + 1), "lot_size": 12}
                        for j, code in enumerate(chosen)
                    ]
                ),
            }
        )
    return out


def messages(stream: str, schema: dict[str, Any], records: list[dict[str, Any]]) -> str:
    lines = [{"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": []}]
    lines += [{"type": "RECORD", "stream": stream, "record": r} for r in records]
    return "\n".join(json.dumps(x) for x in lines) + "\n"


def buy_order_messages(
    suppliers: list[str], items: list[str], n: int, prefix: str = "BENCH-"
) -> str:
    return messages("BuyOrders", BUY_ORDER_SCHEMA, buy_orders(suppliers, items, n, prefix))
