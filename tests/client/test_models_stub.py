"""``exact_online.models``: the record types by name at run time, and the generated stub that
gives IDEs and mypy the records' fields and the resources' operations."""

from __future__ import annotations

import textwrap
from pathlib import Path

import msgspec
import pytest
from mypy import api as mypy_api

from exact_online import models
from exact_online.client import ExactClient
from exact_online.records import record_type, type_name
from exact_online.registry import load_registry
from exact_sandbox.testing import SandboxServer
from scripts.generate_stubs import STUB, render


def test_committed_stub_matches_the_registry() -> None:
    # Drift guard: the stub is generated from the registry (python -m scripts.generate_stubs).
    assert STUB.read_text(encoding="utf-8") == render()


def test_every_endpoint_has_one_unique_type_name() -> None:
    registry = load_registry()
    names = [type_name(e, ep) for e in registry.entities for ep in e.endpoints.values()]
    assert len(names) == len(set(names)) == 422
    # Entities sharing a name across services are named from their stream, as the tap does.
    assert {"CrmReasonCodes", "LogisticsReasonCodes", "SystemDivisions"} <= set(names)


def test_models_are_the_resources_structs() -> None:
    entity = load_registry().find("purchase_orders")
    assert entity is not None and entity.sync is not None
    assert models.PurchaseOrdersSync is record_type(entity, entity.sync)
    assert issubclass(models.ItemsBulk, msgspec.Struct)
    assert "PurchaseOrders" in dir(models)
    with pytest.raises(AttributeError, match="NoSuchThing"):
        _ = models.NoSuchThing


def test_records_from_the_sandbox_are_instances_of_models(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    # a chain of its own: the session sandbox's config chain is spent by other tests
    pair = sandbox.token_pair()
    client = ExactClient.from_config({
        **sandbox.config, "refresh_token": pair["refresh_token"],
        "access_token": pair["access_token"], "expires_in": pair["expires_in"],
        "token_store_path": str(tmp_path / "tokens.json"),
    })
    division = sandbox.divisions_list[0]
    orders = client.purchase_orders.list(division, top=2)
    assert orders and all(isinstance(o, models.PurchaseOrders) for o in orders)
    assert isinstance(orders[0].OrderNumber, int)


def test_mypy_sees_fields_and_operations(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(textwrap.dedent("""
        from exact_online.async_client import AsyncExactClient
        from exact_online.client import ExactClient

        def use(client: ExactClient) -> None:
            order = client.purchase_orders.list(1)[0]
            reveal_type(order.OrderNumber)
            records, ts, more = client.purchase_orders.sync(1, 0)
            reveal_type(records[0])
            reveal_type(client.items.get(1, "k"))
            order.Supplierr
            client.stock_positions.create

        async def ause(client: AsyncExactClient) -> None:
            async for item in client.items.iter(1):
                reveal_type(item.Code)
            got = await client.purchase_orders.sync_by_modified(1, None)
            reveal_type(got.records)
    """))
    out, _, _ = mypy_api.run([str(sample), "--no-incremental", "--cache-dir=/dev/null",
                              "--python-version=3.10", "--ignore-missing-imports"])
    assert 'Revealed type is "int | None"' in out
    assert 'Revealed type is "exact_online.models.PurchaseOrdersSync"' in out
    assert 'Revealed type is "exact_online.models.Items | None"' in out
    assert 'Revealed type is "str | None"' in out
    assert 'Revealed type is "list[exact_online.models.PurchaseOrders]"' in out
    assert '"PurchaseOrders" has no attribute "Supplierr"; maybe "Supplier"' in out
    # an operation Exact does not have for the entity is a type error too
    assert out.count("error:") == 2, out
