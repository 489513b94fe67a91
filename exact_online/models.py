"""Every endpoint's record type by name, for imports and type hints:
``from exact_online.models import PurchaseOrders, ItemsBulk``.

The classes are the Structs the client's resources return (PascalCase, made from the registry on
first use by :func:`exact_online.records.record_type`), so ``isinstance`` holds between the two.
IDEs and mypy read their fields, and the resources' operations, from the generated
``models.pyi`` beside this file (``python -m scripts.generate_stubs``).

``EntityResources`` and ``AsyncEntityResources`` are empty here: the clients inherit them so that
the stub can declare ``client.purchase_orders`` and the rest; at run time the clients build each
resource on first use.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from exact_online.registry import Endpoint, Entity, load_registry

__all__ = ["AsyncEntityResources", "EntityResources", "record_types"]


class EntityResources:
    """``client.<stream>``: each entity's resource (declared in models.pyi)."""


class AsyncEntityResources:
    """``client.<stream>`` of the async client (declared in models.pyi)."""


@cache
def record_types() -> dict[str, tuple[Entity, Endpoint]]:
    """Type name (``PurchaseOrdersSync``) -> its entity and endpoint, for every endpoint."""
    from exact_online.records import type_name

    return {
        type_name(entity, endpoint): (entity, endpoint)
        for entity in load_registry().entities
        for endpoint in entity.endpoints.values()
    }


def __getattr__(name: str) -> Any:
    # Dunder lookups (``__path__`` on every ``from exact_online.models import ...``) are no
    # record type: answered without loading the registry, which costs an import ~40 ms.
    found = None if name.startswith("__") else record_types().get(name)
    if found is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from exact_online.records import record_type

    return record_type(*found)


def __dir__() -> list[str]:
    return sorted({*globals(), *record_types()})
