"""Building blocks for the demo company: registry field types, a batching row sink, and
type-correct generic rows for entities the supply-chain generator does not model.

Values are Python values per Edm type (the store's contract): str, int, float, bool, None,
aware UTC datetimes, GUIDs as lowercase str.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from functools import cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from exact_online.registry import Entity, load_registry

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
UTC = timezone.utc

# Filled by the store (Timestamp, Division) or never stored as a column (navigation properties).
STORE_FILLED = frozenset({"Timestamp", "Division"})

# Entities the store writes itself (create_division) or that record deletions, never demo data.
STORE_OWNED = frozenset(
    {
        "system/Divisions",
        "system/AllDivisions",
        "system/GetMostRecentlyUsedDivisions",
        "hrm/Divisions",
        "sync/Deleted",
    }
)


class StoreLike(Protocol):
    """The part of ``exact_sandbox.store.Store`` the generator uses."""

    def insert_many(self, division: int, entity: str, records: Iterable[dict]) -> int: ...

    def count(self, division: int, entity: str) -> int: ...


def entity_fields(entity: Entity) -> dict[str, str]:
    """Scalar field name -> Edm type over all endpoints of an entity (the plain endpoint's type
    first, as the store has it)."""
    return dict(_entity_fields(entity.qualified_name))


@cache
def _entity_fields(qualified_name: str) -> tuple[tuple[str, str], ...]:
    entity = load_registry().find(qualified_name)
    if entity is None:
        raise KeyError(qualified_name)
    merged: dict[str, str] = {}
    for ep in (entity.plain, *entity.endpoints.values()):
        if ep is None:
            continue
        for f in ep.scalar_fields:
            merged.setdefault(f.name, f.edm_type)
    return tuple(merged.items())


@cache
def _field_names(qualified_name: str) -> frozenset[str]:
    return frozenset(name for name, _ in _entity_fields(qualified_name))


class Sink:
    """Buffers rows per entity and writes them with ``insert_many`` in big batches.

    Every distinct set of field names is checked once against the registry, so a typo in the
    generator fails loudly (naming entity and field) instead of writing a column Exact lacks.
    """

    def __init__(self, store: StoreLike, division: int, batch_size: int = 5000) -> None:
        self.store = store
        self.division = division
        self.batch_size = batch_size
        self.counts: Counter[str] = Counter()
        self._buffers: dict[str, list[dict]] = {}
        self._checked: set[tuple[str, frozenset[str]]] = set()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, entity: str, record: dict) -> dict:
        """Queue a row; None values are left out (an absent field reads as null anyway)."""
        shape = (entity, frozenset(record))
        if shape not in self._checked:
            unknown = shape[1] - _field_names(entity)
            if unknown:
                raise ValueError(f"{entity}: the registry has no field(s) {sorted(unknown)}")
            self._checked.add(shape)
        buf = self._buffers.setdefault(entity, [])
        buf.append({k: v for k, v in record.items() if v is not None})
        self.counts[entity] += 1
        if len(buf) >= self.batch_size:
            self._flush_one(entity)
        return record

    def flush(self) -> None:
        for entity in list(self._buffers):
            self._flush_one(entity)

    def _flush_one(self, entity: str) -> None:
        rows = self._buffers.pop(entity, [])
        if rows:
            self.store.insert_many(self.division, entity, rows)


class Values:
    """Deterministic ids, dates and text from one ``random.Random``."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.now = datetime(today.year, today.month, today.day, 9, 0, tzinfo=UTC)
        self._seq: Counter[str] = Counter()

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def seq(self, name: str, start: int = 1) -> int:
        self._seq[name] += 1
        return start + self._seq[name] - 1

    def day(self, offset_days: int) -> datetime:
        """Midnight in Amsterdam ``offset_days`` from today, as aware UTC (Exact's dates)."""
        d = self.today + timedelta(days=offset_days)
        return datetime(d.year, d.month, d.day, tzinfo=AMSTERDAM).astimezone(UTC)

    def moment(self, offset_days: float) -> datetime:
        """A wall-clock moment (Created/Modified) ``offset_days`` from now, whole seconds."""
        return (self.now + timedelta(days=offset_days)).replace(microsecond=0)

    def money(self, low: float, high: float) -> float:
        return round(self.rng.uniform(low, high), 2)

    def pick(self, seq: list[Any] | tuple[Any, ...]) -> Any:
        return seq[self.rng.randrange(len(seq))]


def ean13(rng: random.Random) -> str:
    """A valid EAN-13 with a Dutch GS1 prefix (871)."""
    digits = [8, 7, 1] + [rng.randrange(10) for _ in range(9)]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def ean13_valid(code: str) -> bool:
    if len(code) != 13 or not code.isdigit():
        return False
    digits = [int(c) for c in code]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == digits[12]


def account_code(number: int) -> str:
    """crm/Accounts.Code: 18 characters, right-aligned with leading spaces."""
    return str(number).rjust(18)


def short_code(code: str) -> str:
    """Short codes (units) come back padded with trailing spaces, like ``"stuk    "``."""
    return code.ljust(8)


_WORDS = (
    "alpha",
    "delta",
    "nova",
    "prime",
    "vector",
    "orbit",
    "summit",
    "harbor",
    "linden",
    "polder",
    "tulip",
    "canal",
    "dune",
    "meadow",
    "beacon",
    "copper",
    "silver",
    "amber",
    "cobalt",
    "willow",
)
_CITIES = (
    ("Amsterdam", "1011 AB"),
    ("Rotterdam", "3011 AD"),
    ("Utrecht", "3511 LX"),
    ("Eindhoven", "5611 AZ"),
    ("Groningen", "9711 LM"),
    ("Zwolle", "8011 CW"),
    ("Delft", "2611 HS"),
    ("Breda", "4811 XJ"),
    ("Haarlem", "2011 RN"),
    ("Tilburg", "5038 EA"),
)


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
        return f"{v.pick(_WORDS).title()} {v.pick(_WORDS).title()}"
    if lname in ("code", "searchcode") or lname.endswith("code"):
        return f"{name[:3].upper()}{n:03d}"
    if "description" in lname or lname in ("notes", "remarks", "subject"):
        return f"{v.pick(_WORDS).title()} {v.pick(_WORDS)} {n}"
    if "email" in lname:
        return f"info{n}@{v.pick(_WORDS)}.example"
    if "phone" in lname or "fax" in lname or "mobile" in lname:
        return f"+31 20 {rng.randint(1000000, 9999999)}"
    if lname == "city":
        return str(v.pick(_CITIES)[0])
    if lname == "postcode":
        return str(v.pick(_CITIES)[1])
    if "country" in lname:
        return "NL"
    if "currency" in lname:
        return "EUR"
    if "language" in lname:
        return "NL"
    if lname.endswith("url") or "picture" in lname or "logo" in lname:
        return None
    return f"{v.pick(_WORDS)}-{n}"


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
