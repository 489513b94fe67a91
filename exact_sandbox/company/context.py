"""The shared state of one division's company while it is generated: the random source, the
row sink, and the master records and planned stock movements the domain modules hand on.

Every domain module is a set of functions taking this ``Company``; they run in the order
``generator.build`` gives, all drawing from the one ``random.Random``, so a seed always gives
the same rows in the same order.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from typing import Any

from exact_sandbox.company.model import Account, Item, SupplierItem, Unit, Warehouse
from exact_sandbox.company.scales import Scale
from exact_sandbox.company.sink import Sink, StoreLike
from exact_sandbox.company.values import Values


class Company:
    def __init__(
        self,
        store: StoreLike,
        *,
        division: int,
        divisions: list[int],
        rng: random.Random,
        today: date,
        spec: Scale,
    ) -> None:
        self.store = store
        self.division = division
        self.divisions = divisions
        self.rng = rng
        self.v = Values(rng, today)
        self.spec = spec
        self.sink = Sink(store, division)
        self.users: list[tuple[str, str]] = []  # (user guid, full name)
        self.gl: dict[str, tuple[str, str]] = {}  # code -> (id, description)
        self.units: dict[str, Unit] = {}
        self.warehouses: list[Warehouse] = []
        self.groups: dict[str, tuple[str, str, str]] = {}  # kind -> (id, code, description)
        self.suppliers: list[Account] = []
        self.customers: list[Account] = []
        self.items: list[Item] = []
        self.supplier_items: list[SupplierItem] = []
        self.by_supplier: dict[str, list[SupplierItem]] = defaultdict(list)
        self.main_supplier: dict[str, SupplierItem] = {}
        self.price_lists: list[tuple[str, str, str]] = []
        # (item id, warehouse id) -> quantity planned in / out
        self.planned_in: dict[tuple[str, str], float] = defaultdict(float)
        self.planned_out: dict[tuple[str, str], float] = defaultdict(float)
        self.drop_lines: list[tuple[dict, dict]] = []  # (sales order header, line)
        self.entry_no = 0

    def add(self, entity: str, record: dict) -> dict:
        return self.sink.add(entity, record)

    def audit(self, days_ago: float) -> dict[str, Any]:
        """Created/Modified and their users, ``days_ago`` before today."""
        uid, name = self.v.pick(self.users) if self.users else (None, None)
        created = self.v.moment(-days_ago)
        modified = self.v.moment(-max(0.0, days_ago - self.rng.uniform(0, days_ago)))
        return {
            "Created": created,
            "Creator": uid,
            "CreatorFullName": name,
            "Modified": modified,
            "Modifier": uid,
            "ModifierFullName": name,
        }

    def weighted(self, options: tuple[tuple[Any, int], ...]) -> Any:
        values = [o for o, _ in options]
        weights = [w for _, w in options]
        return self.rng.choices(values, weights)[0]

    def next_entry(self) -> int:
        self.entry_no += 1
        return self.v.today.year * 100000 + self.entry_no
