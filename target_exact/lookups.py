"""Exact ids behind the codes and ids of incoming records, resolved once per run (cached).

Suppliers (``crm/Accounts``), items (``logistics/Items``), warehouses (``inventory/Warehouses``) and
supplier items (``logistics/SupplierItem``) are looked up in batches: one GET per chunk of values
with an ``or`` filter of escaped literals, instead of one GET per record. Misses are cached too.
``crm/Accounts.Code`` is right-aligned with leading spaces in Exact, so codes match with ``trim()``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from exact_online.mandatory_filter import scoped_filter
from exact_online.odata import eq, literal, or_
from target_exact.mapping.fields import guid, is_guid

# Values per lookup GET: keeps the URL far below Exact's 6000 characters and within one
# 60-row page of a plain endpoint.
CHUNK = 25


class Finder(Protocol):
    def find(
        self, path: str, *, division: int, filter: str, select: list[str], top: int = 1
    ) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Account:
    id: str
    code: str | None
    name: str | None
    lead_days: int | None
    account_manager: str | None


@dataclass(frozen=True)
class Item:
    id: str
    code: str | None
    unit: str | None


@dataclass(frozen=True)
class Warehouse:
    id: str
    code: str | None


def _code(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _key(ref: str) -> str:
    return guid(ref, "ref") if is_guid(ref) else "code:" + ref.strip().casefold()


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


class _Table:
    """One cached entity: refs (GUID or code) -> row or None (known miss)."""

    def __init__(
        self, finder: Finder, division: int, path: str, select: list[str], code_field: str
    ) -> None:
        self.finder, self.division, self.path = finder, division, path
        self.select, self.code_field = select, code_field
        self.rows: dict[str, dict[str, Any] | None] = {}
        self.lock = threading.Lock()

    def prefetch(self, refs: Iterable[str | None]) -> None:
        with self.lock:
            wanted = {_key(r): r for r in refs if r is not None and str(r).strip()}
            todo = [r for k, r in wanted.items() if k not in self.rows]
            ids = sorted({guid(r, "ref") for r in todo if is_guid(r)})
            codes = sorted({r.strip() for r in todo if not is_guid(r)})
            for chunk in _chunks(ids):
                found = self.finder.find(
                    self.path,
                    division=self.division,
                    filter=scoped_filter(
                        self.path,
                        self.division,
                        or_(*(eq("ID", g, "Edm.Guid") for g in chunk)),
                        ["ID"],
                    ),
                    select=self.select,
                    top=len(chunk),
                )
                for row in found:
                    self._store(row)
                for g in chunk:
                    self.rows.setdefault(g, None)
            for chunk in _chunks(codes):
                found = self.finder.find(
                    self.path,
                    division=self.division,
                    filter=scoped_filter(
                        self.path,
                        self.division,
                        or_(*(f"trim({self.code_field}) eq {_lit(c)}" for c in chunk)),
                        [self.code_field],
                    ),
                    select=self.select,
                    top=len(chunk) * 2,
                )
                for row in found:
                    self._store(row)
                for c in chunk:
                    self.rows.setdefault("code:" + c.casefold(), None)

    def _store(self, row: dict[str, Any]) -> None:
        row_id = str(row.get("ID") or "").lower()
        if row_id:
            self.rows[row_id] = row
        code = _code(row.get(self.code_field))
        if code:
            self.rows.setdefault("code:" + code.casefold(), row)

    def get(self, ref: str | None) -> dict[str, Any] | None:
        if ref is None or not str(ref).strip():
            return None
        if _key(ref) not in self.rows:
            self.prefetch([ref])
        return self.rows.get(_key(ref))


def _lit(value: str) -> str:
    return literal(value, "Edm.String")


class Lookups:
    """Cached lookups for one division."""

    def __init__(self, finder: Finder, division: int) -> None:
        self.finder, self.division = finder, division
        self._accounts = _Table(
            finder,
            division,
            "crm/Accounts",
            ["ID", "Code", "Name", "PurchaseLeadDays", "AccountManager"],
            "Code",
        )
        self._items = _Table(finder, division, "logistics/Items", ["ID", "Code", "Unit"], "Code")
        self._warehouses = _Table(finder, division, "inventory/Warehouses", ["ID", "Code"], "Code")
        self._gl_accounts = _Table(finder, division, "financial/GLAccounts", ["ID", "Code"], "Code")
        self._named: dict[tuple[str, str, str], list[str]] = {}
        self._factors: dict[tuple[str, str], Decimal | None] = {}
        self._factor_suppliers: set[tuple[str, frozenset[str]]] = set()
        self._lock = threading.Lock()

    # prefetch: one batched GET per chunk
    def prefetch_accounts(self, refs: Iterable[str | None]) -> None:
        self._accounts.prefetch(refs)

    def prefetch_items(self, refs: Iterable[str | None]) -> None:
        self._items.prefetch(refs)

    def prefetch_warehouses(self, refs: Iterable[str | None]) -> None:
        self._warehouses.prefetch(refs)

    def account(self, ref: str | None) -> Account | None:
        row = self._accounts.get(ref)
        if row is None:
            return None
        lead = row.get("PurchaseLeadDays")
        manager = row.get("AccountManager")
        return Account(
            id=str(row["ID"]).lower(),
            code=_code(row.get("Code")),
            name=row.get("Name"),
            lead_days=int(lead) if lead is not None else None,
            account_manager=str(manager).lower() if manager else None,
        )

    def item(self, ref: str | None) -> Item | None:
        row = self._items.get(ref)
        if row is None:
            return None
        return Item(
            id=str(row["ID"]).lower(), code=_code(row.get("Code")), unit=_code(row.get("Unit"))
        )

    def warehouse(self, ref: str | None) -> Warehouse | None:
        row = self._warehouses.get(ref)
        if row is None:
            return None
        return Warehouse(id=str(row["ID"]).lower(), code=_code(row.get("Code")))

    def gl_account(self, ref: str | None) -> str | None:
        row = self._gl_accounts.get(ref)
        return None if row is None else str(row["ID"]).lower()

    def prefetch_supplier_factors(self, supplier_id: str, item_ids: Iterable[str]) -> None:
        """``PurchaseUnitFactor`` of the supplier's items, one GET per chunk of items."""
        with self._lock:
            todo = sorted({i for i in item_ids if (supplier_id, i) not in self._factors})
            for chunk in _chunks(todo):
                rows = self.finder.find(
                    "logistics/SupplierItem",
                    division=self.division,
                    filter=f"{eq('Supplier', supplier_id, 'Edm.Guid')} and "
                    f"({or_(*(eq('Item', i, 'Edm.Guid') for i in chunk))})",
                    select=["ID", "Supplier", "Item", "PurchaseUnitFactor"],
                    top=len(chunk) * 4,
                )
                for row in rows:
                    factor = row.get("PurchaseUnitFactor")
                    key = (supplier_id, str(row.get("Item")).lower())
                    if self._factors.get(key) is None:
                        self._factors[key] = Decimal(str(factor)) if factor is not None else None
                for i in chunk:
                    self._factors.setdefault((supplier_id, i), None)

    def supplier_factor(self, supplier_id: str, item_id: str) -> Decimal | None:
        if (supplier_id, item_id) not in self._factors:
            self.prefetch_supplier_factors(supplier_id, [item_id])
        return self._factors.get((supplier_id, item_id))

    def ids_where(self, path: str, field: str, value: str) -> list[str]:
        """IDs of the rows whose ``field`` equals ``value`` exactly (at most two: enough to tell
        unique from ambiguous). For HotGlue's name-based fields (an account's ``Name``, an
        item's or GL account's ``Description``); cached per run, misses too."""
        key = (path, field, value)
        with self._lock:
            if key not in self._named:
                rows = self.finder.find(
                    path,
                    division=self.division,
                    filter=scoped_filter(
                        path, self.division, eq(field, value, "Edm.String"), [field]
                    ),
                    select=["ID"],
                    top=2,
                )
                self._named[key] = [str(r["ID"]).lower() for r in rows]
            return list(self._named[key])
