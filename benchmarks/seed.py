"""Fill a running sandbox with N rows of one entity, fast: batched inserts straight into its SQLite
store (WAL mode, so the serving process sees them; Timestamps are allocated by the store as for
any insert).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from exact_sandbox.cli import DB_NAME
from exact_sandbox.store import Store

ENTITY = "financialtransaction/TransactionLines"


def transaction_lines(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Plausible journal lines: most fields filled, as a real ledger has them."""
    rng = random.Random(seed)
    accounts = [
        (str(uuid.UUID(int=rng.getrandbits(128))), f"{400000 + i}", f"Account {i}")
        for i in range(200)
    ]
    gls = [
        (str(uuid.UUID(int=rng.getrandbits(128))), f"{8000 + i}", f"Revenue {i}") for i in range(40)
    ]
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    for i in range(n):
        acc = accounts[i % len(accounts)]
        gl = gls[i % len(gls)]
        day = start + timedelta(days=i % 700)
        amount = round(rng.uniform(-5000, 5000), 2)
        yield {
            "Account": acc[0],
            "AccountCode": acc[1],
            "AccountName": acc[2],
            "AmountDC": amount,
            "AmountFC": amount,
            "AmountVATBaseFC": amount,
            "AmountVATFC": round(amount * 0.21, 2),
            "Currency": "EUR",
            "Date": day,
            "DueDate": day + timedelta(days=30),
            "Description": f"Bench line {i} for invoice {100000 + i // 3}",
            "DocumentNumber": 100000 + i // 3,
            "EntryID": str(uuid.uuid4()),
            "EntryNumber": 200000 + i // 3,
            "ExchangeRate": 1.0,
            "FinancialPeriod": day.month,
            "FinancialYear": day.year,
            "GLAccount": gl[0],
            "GLAccountCode": gl[1],
            "GLAccountDescription": gl[2],
            "InvoiceNumber": 100000 + i // 3,
            "JournalCode": "70",
            "JournalDescription": "Sales",
            "LineNumber": i % 3 + 1,
            "LineType": 0,
            "Notes": None,
            "PaymentReference": f"RF{i:010d}",
            "Quantity": float(i % 7 + 1),
            "Status": 50,
            "Type": 20,
            "VATCode": "2  ",
            "VATCodeDescription": "VAT 21%",
            "VATPercentage": 0.21,
            "VATType": "S",
            "YourRef": f"PO-{i:07d}",
        }


def seed_rows(data_dir: Path, division: int, n: int, entity: str = ENTITY, seed: int = 7) -> int:
    store = Store(Path(data_dir) / DB_NAME)
    try:
        return store.insert_many(division, entity, transaction_lines(n, seed))
    finally:
        store.close()
