"""A stand-in planning system between tap-exact and target-exact in a shell pipe.

Reads the tap's Singer messages on stdin and, for the first N suppliers seen in `supplier_item`,
writes one HotGlue `BuyOrders` record each on stdout as soon as it is seen, so the target writes
while the tap is still reading: both processes use the one token store at the same time.

    tap-exact ... | python buy_orders_filter.py N RUN_ID | target-exact ...
"""

from __future__ import annotations

import json
import sys
from datetime import date

SCHEMA = {
    "type": "SCHEMA",
    "stream": "BuyOrders",
    "key_properties": ["id"],
    "schema": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "supplier_remoteId": {"type": "string"},
            "division": {"type": "integer"},
            "line_items": {"type": "array", "items": {"type": "object"}},
        },
    },
}


def main() -> int:
    wanted = int(sys.argv[1])
    run_id = sys.argv[2]
    seen: set[str] = set()
    print(json.dumps(SCHEMA), flush=True)
    today = date.today().isoformat()
    for line in sys.stdin:  # ends at the tap's EOF
        if len(seen) >= wanted or '"supplier_item"' not in line:
            continue
        message = json.loads(line)
        if message.get("type") != "RECORD" or message.get("stream") != "supplier_item":
            continue
        record = message["record"]
        supplier = str(record.get("Supplier") or "")
        if not supplier or not record.get("Item") or supplier in seen:
            continue
        seen.add(supplier)
        order = {
            "id": f"pipe-{run_id}-{len(seen)}",
            "supplier_remoteId": supplier,
            "division": int(record["Division"]),
            "transaction_date": today,
            "line_items": [{"product_remoteId": record["Item"], "quantity": 5}],
        }
        print(json.dumps({"type": "RECORD", "stream": "BuyOrders", "record": order}), flush=True)
    return 0 if len(seen) == wanted else 3


if __name__ == "__main__":
    sys.exit(main())
