"""Typed records of the client's resources: one msgspec ``Struct`` per endpoint, made at run time
from the registry (never committed as generated files), and the name mapping both ways.

Records are decoded exactly as the tap decodes them (:mod:`exact_online.decoding`: Exact's dates as
aware UTC datetimes, Int64 as int, GUIDs lower-case); the decoded dicts are then converted to the
endpoint's Struct with ``msgspec.convert`` (about 10 % on top of decoding; see docs/client.md).
With ``case="snake"`` the Struct's attributes are snake_case (``order.supplier_name``) and
``msgspec.to_builtins`` gives Exact's PascalCase names back (the Struct's ``rename``).
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any, Literal

import msgspec

from exact_online.errors import ExactError
from exact_online.registry import Endpoint, Entity, Field, load_registry, snake_case

Case = Literal["pascal", "snake"]
RecordKind = Literal["struct", "dict"]
CASES: tuple[str, ...] = ("pascal", "snake")
RECORD_KINDS: tuple[str, ...] = ("struct", "dict")

_PY_TYPES: dict[str, Any] = {
    "Edm.Guid": str,
    "Edm.String": str,
    "Edm.Binary": str,
    "Edm.DateTime": datetime,
    "Edm.DateTimeOffset": datetime,
    "Edm.Int64": int,
    "Edm.Int32": int,
    "Edm.Int16": int,
    "Edm.Byte": int,
    "Edm.SByte": int,
    "Edm.Double": float,
    "Edm.Single": float,
    "Edm.Decimal": float,
    "Edm.Boolean": bool,
}


class UnknownField(ExactError, ValueError):
    """A record to write names a field the entity does not have (raised before any request)."""

    def __init__(self, entity: str, field: str, known: list[str]) -> None:
        hint = f"; did you mean {', '.join(known)}?" if known else ""
        super().__init__(f"{entity} has no field {field!r}{hint}")
        self.entity = entity
        self.field = field


def check_case(case: str) -> Case:
    if case not in CASES:
        raise ValueError(f"case must be one of {CASES}, not {case!r}")
    return case  # type: ignore[return-value]


def python_type(fl: Field) -> Any:
    """The Python type of a field's values after decoding (navigation collections: ``Any``)."""
    return _PY_TYPES.get(fl.edm_type, Any)


def named_fields(endpoint: Endpoint) -> tuple[Field, ...]:
    """The fields with a usable name (a few function endpoints list one nameless value)."""
    return tuple(fl for fl in endpoint.fields if fl.name and fl.name.isidentifier())


@cache
def attribute_names(endpoint: Endpoint, case: Case) -> dict[str, str]:
    """Exact name -> attribute/key name in ``case`` (snake names that collide stay PascalCase)."""
    if case == "pascal":
        return {fl.name: fl.name for fl in named_fields(endpoint)}
    out: dict[str, str] = {}
    taken: set[str] = set()
    for fl in named_fields(endpoint):
        name = snake_case(fl.name) or fl.name
        if keyword.iskeyword(name):
            name += "_"
        if name in taken:
            name = fl.name
        taken.add(name)
        out[fl.name] = name
    return out


@cache
def exact_names(endpoint: Endpoint, case: Case) -> dict[str, str]:
    """Accepted input name -> Exact name: the ``case`` names, and always Exact's own."""
    back = {attr: name for name, attr in attribute_names(endpoint, case).items()}
    back.update({fl.name: fl.name for fl in named_fields(endpoint)})
    return back


def type_name(entity: Entity, endpoint: Endpoint) -> str:
    """``PurchaseOrders`` (plain), ``PurchaseOrdersSync``, ``ItemsBulk``: one per endpoint.

    Unique across the registry (the names in ``exact_online.models``): an entity whose name is
    taken by another service (crm and logistics ``ReasonCodes``) is named from its stream,
    ``CrmReasonCodes``, as the tap's stream is.
    """
    suffix = "" if endpoint.kind in ("plain", "function", "current") else endpoint.kind.title()
    base = entity.name
    if entity.stream != snake_case(entity.name):
        base = "".join(part.capitalize() for part in entity.stream.split("_"))
    return f"{base}{suffix}"


def record_type(entity: Entity, endpoint: Endpoint, case: Case = "pascal") -> type[msgspec.Struct]:
    """The Struct of ``endpoint``'s records (every field optional: ``$select`` picks some).

    Expanded line collections (``PurchaseOrderLines``) are lists of the line entity's Struct.
    One class per endpoint and case, however it is asked for (``isinstance`` holds between
    ``exact_online.models`` and the resources' records).
    """
    return _record_type(entity, endpoint, case)


@cache
def _record_type(entity: Entity, endpoint: Endpoint, case: Case) -> type[msgspec.Struct]:
    names = attribute_names(endpoint, case)
    fields = [(names[fl.name], _field_type(fl, endpoint, case) | None, None)
              for fl in named_fields(endpoint)]
    rename = {attr: name for name, attr in names.items() if attr != name}
    return msgspec.defstruct(
        type_name(entity, endpoint),
        fields,
        kw_only=True,
        repr_omit_defaults=True,
        rename=rename or None,
        module="exact_online.records",
    )


def _field_type(fl: Field, endpoint: Endpoint, case: Case) -> Any:
    if not fl.is_navigation:
        return python_type(fl)
    lines = _line_entity(fl)
    if lines is None or lines.plain is None or lines.plain is endpoint:
        return Any
    return list[record_type(lines, lines.plain, case)]  # type: ignore[misc]


def to_records(
    rows: list[dict[str, Any]],
    entity: Entity,
    endpoint: Endpoint,
    *,
    case: Case,
    kind: RecordKind,
) -> list[Any]:
    """Decoded rows (Exact names, typed values) as Structs or as dicts in ``case``."""
    if kind == "struct":
        struct = record_type(entity, endpoint, case)
        return msgspec.convert(rows, list[struct])  # type: ignore[valid-type]
    if case == "pascal":
        return rows
    names = attribute_names(endpoint, case)
    return [{names.get(k, k): v for k, v in row.items()} for row in rows]


def _line_entity(fl: Field) -> Entity | None:
    """The entity of a navigation field's lines (``PurchaseOrderLines``), for their names."""
    registry = load_registry()
    entity = registry.find(snake_case(fl.edm_type)) or registry.find(fl.edm_type)
    return entity if entity is not None and entity.plain is not None else None


def to_wire(
    record: Mapping[str, Any] | msgspec.Struct,
    entity: Entity,
    endpoint: Endpoint,
    *,
    case: Case,
) -> dict[str, Any]:
    """A record to send, with Exact's names; an unknown name raises :class:`UnknownField`."""
    if isinstance(record, msgspec.Struct):
        # A Struct of ours: to_builtins renames to Exact's names; unset (None) fields are dropped.
        data = _without_none(msgspec.to_builtins(record, builtin_types=(datetime,)))
        return to_wire(data, entity, endpoint, case="pascal")
    accepted = exact_names(endpoint, case)
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = accepted.get(key)
        if name is None:
            raise unknown_field(entity, endpoint, key, case)
        fl = endpoint.field_map[name]
        if fl.is_navigation and isinstance(value, list):
            line_entity = _line_entity(fl)
            if line_entity is not None and line_entity.plain is not None:
                line_ep = line_entity.plain
                out[name] = [
                    to_wire(line, line_entity, line_ep, case=case)
                    if isinstance(line, (Mapping, msgspec.Struct)) else line
                    for line in value
                ]
                continue
        out[name] = value
    return out


def _without_none(value: Any) -> Any:
    """A Struct's builtins without its unset (None) fields, lines included."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def unknown_field(entity: Entity, endpoint: Endpoint, name: str, case: Case) -> UnknownField:
    """The error for a name ``endpoint`` does not have, with the closest names in ``case``."""
    import difflib  # an error path only: not imported at start-up

    names = list(attribute_names(endpoint, case).values())
    return UnknownField(entity.qualified_name, name,
                        difflib.get_close_matches(name, names, n=3, cutoff=0.75))
