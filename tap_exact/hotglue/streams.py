"""hotgluexyz/tap-exact's streams as a table: HotGlue name -> registry entity, endpoint mode, key,
gate and filters. Classes are built from the registry's stream families (``tap_exact.streams``) with
:class:`~tap_exact.hotglue.behaviour.HotglueBehaviour` mixed in; nothing is copied per stream.

Endpoint modes, as HotGlue picks them: ``dynamic`` = sync endpoint when ``sync_endpoints`` is true,
else classic; ``classic`` = always bulk/plain with a ``Modified`` bookmark; ``sync`` = always the
sync endpoint. Where our registry has no such endpoint, the entity's best read endpoint is used
(docs/hotglue.md lists those).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from singer_sdk import SchemaSource, StreamSchema

from exact_online.registry import Endpoint, Entity, load_registry
from tap_exact.edm_schema import endpoint_schema, stream_fields
from tap_exact.hotglue.behaviour import HotglueBehaviour
from tap_exact.hotglue.flags import HotglueFlags, startup_warnings
from tap_exact.streams import stream_family

if TYPE_CHECKING:
    from singer_sdk.streams import Stream

    from tap_exact.client import ExactStream
    from tap_exact.tap import TapExact

Mode = Literal["dynamic", "classic", "sync"]


@dataclass(frozen=True)
class Gate:
    """The stream runs when HotGlue flag ``switch`` equals ``on_when``."""

    switch: str
    on_when: bool = True


@dataclass(frozen=True)
class WarehouseFilter:
    """``<field> eq guid'<warehouse>'`` unless flag ``unless`` is true (HotGlue's filter mode)."""

    field: str
    unless: str


@dataclass(frozen=True)
class HotglueStream:
    name: str
    entity: str  # our registry stream name
    mode: Mode
    key: tuple[str, ...] | None = None  # HotGlue's key where it differs from the entity's
    gate: Gate | None = None
    warehouse: WarehouseFilter | None = None
    po_status: bool = False
    suppliers_only: bool = False


_SO = Gate("use_sales_orders")
_SI = Gate("use_sales_invoices")
_BOM = Gate("use_bill_of_materials_versions")
_PRICES = Gate("use_price_lists")
_STOCK_MULTI = "use_stock_multiple_warehouses"

# hotgluexyz/tap-exact's STREAM_TYPES, in its order. Not here: bill_of_material_download (its XML
# download keeps the bookmark on Exact's server; see flags.startup_warnings and docs/hotglue.md).
STREAMS: tuple[HotglueStream, ...] = (
    HotglueStream("items", "items", "dynamic"),
    HotglueStream("sales_order", "sales_orders", "dynamic", ("OrderID",), _SO,
                  WarehouseFilter("WarehouseID", "use_sales_orders_multiple_warehouses")),
    HotglueStream("sales_orderlines", "sales_order_lines", "dynamic", gate=_SO),
    HotglueStream("purchase_orders", "purchase_orders", "dynamic", ("PurchaseOrderID",),
                  warehouse=WarehouseFilter("Warehouse", "use_buy_orders_multiple_warehouses"),
                  po_status=True),
    HotglueStream("purchase_orderlines", "purchase_order_lines", "classic"),
    HotglueStream("warehouses", "item_warehouses", "classic",
                  gate=Gate(_STOCK_MULTI, on_when=False),
                  warehouse=WarehouseFilter("Warehouse", _STOCK_MULTI)),
    HotglueStream("stock_positions", "stock_positions", "sync"),
    HotglueStream("logistics_stock_positions", "stock_positions", "sync",
                  gate=Gate(_STOCK_MULTI)),
    HotglueStream("supplierProducts", "supplier_item", "dynamic"),
    HotglueStream("accounts", "accounts", "dynamic"),
    HotglueStream("suppliers", "accounts", "dynamic", suppliers_only=True),
    HotglueStream("sales_invoices", "sales_invoices", "dynamic", ("InvoiceID",), _SI,
                  WarehouseFilter("Warehouse", "use_sales_invoices_multiple_warehouses")),
    HotglueStream("sales_invoice_lines", "sales_invoice_lines", "classic", gate=_SI),
    HotglueStream("sales_items_prices", "sales_item_prices", "dynamic"),
    HotglueStream("deleted", "deleted", "sync"),
    HotglueStream("gl_accounts", "gl_accounts", "dynamic"),
    HotglueStream("purchase_invoices", "purchase_invoices", "dynamic"),
    HotglueStream("vat_codes", "vat_codes", "dynamic"),
    HotglueStream("bill_of_materials_versions", "bill_of_material_versions", "classic",
                  gate=_BOM),
    HotglueStream("bill_of_materials", "bill_of_material_materials", "classic", gate=_BOM),
    HotglueStream("manufacturing_shop_orders", "shop_orders", "dynamic",
                  gate=Gate("use_production_orders")),
    HotglueStream("good_receipt_lines_stream", "goods_receipt_lines", "classic"),
    HotglueStream("purchase_entries", "purchase_entries", "classic"),
    HotglueStream("purchase_items_prices", "purchase_item_prices", "dynamic"),
    HotglueStream("purchase_returnlines", "purchase_return_lines", "classic"),
    HotglueStream("assembly_orders", "assembly_orders", "classic",
                  gate=Gate("use_assembly_orders")),
    HotglueStream("exchange_rates", "exchange_rates", "classic", gate=Gate("use_exchange_rates")),
    HotglueStream("assembly_bill_of_material_header", "assembly_bill_of_material_header",
                  "classic", gate=Gate("use_assembly_bill_of_material_header")),
    HotglueStream("assembly_bill_of_material_materials", "assembly_bill_of_material_materials",
                  "classic", gate=Gate("use_assembly_bill_of_material_materials")),
    HotglueStream("transaction_lines", "transaction_lines", "dynamic"),
    HotglueStream("sales_prices_linked_accounts", "sales_price_list_linked_accounts", "classic",
                  gate=_PRICES),
    HotglueStream("sales_prices_lists", "sales_price_lists", "classic", gate=_PRICES),
    HotglueStream("sales_prices_list_periods", "sales_price_list_periods", "classic",
                  gate=_PRICES),
    HotglueStream("sales_price_list_volume_discounts", "sales_price_list_volume_discounts",
                  "dynamic", gate=_PRICES),
    HotglueStream("purchase_entry_lines", "purchase_entry_lines", "classic"),
    HotglueStream("cost_centers", "costcenters", "classic"),
    HotglueStream("cost_units", "costunits", "classic"),
    HotglueStream("projects", "projects", "classic"),
    HotglueStream("payment_conditions", "payment_conditions", "classic"),
    HotglueStream("payments", "payments", "classic"),
    HotglueStream("bank_accounts", "crm_bank_accounts", "classic"),
    HotglueStream("bank_entry_lines", "bank_entry_lines", "classic"),
)
NOT_PROVIDED = ("bill_of_material_download",)


def _has_modified(endpoint: Endpoint | None) -> bool:
    field = endpoint.field_map.get("Modified") if endpoint is not None else None
    return field is not None and field.edm_type == "Edm.DateTime"


def read_endpoint(row: HotglueStream, entity: Entity, sync_endpoints: bool) -> Endpoint:
    """The endpoint HotGlue reads for ``row`` (bulk before plain: same rows, 1000 a page)."""
    if row.mode == "sync" or (row.mode == "dynamic" and sync_endpoints):
        return entity.sync or entity.read_endpoint()
    for endpoint in (entity.bulk, entity.plain):
        if endpoint is not None and _has_modified(endpoint):
            return endpoint
    return entity.read_endpoint()  # no classic endpoint with Modified: our best one


class EndpointSchema(SchemaSource[str]):
    """Schemas per ``"<entity stream>@<endpoint kind>"`` (no tombstone column: HotGlue has none)."""

    def fetch_schema(self, key: str) -> dict[str, Any]:
        stream, _, kind = key.partition("@")
        entity = load_registry().find(stream)
        if entity is None or entity.stream != stream or kind not in entity.endpoints:
            raise KeyError(f"no endpoint {kind!r} of stream {stream!r} in the registry")
        return endpoint_schema(entity.endpoints[kind], tombstones=False)


ENDPOINT_SCHEMAS = EndpointSchema()


@cache
def hotglue_class(row: HotglueStream, sync_endpoints: bool) -> type[ExactStream]:
    entity = load_registry().by_stream(row.entity)
    endpoint = read_endpoint(row, entity, sync_endpoints)
    family = stream_family(entity, endpoint)
    names = {name for name, _ in stream_fields(endpoint)}
    key = row.key or entity.key
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": f"HotGlue's {row.name}: {entity.qualified_name} via {endpoint.path}",
        "name": row.name,
        "path": endpoint.path,
        "entity": entity,
        "endpoint": endpoint,
        "hotglue": row,
        "schema": StreamSchema(ENDPOINT_SCHEMAS, key=f"{entity.stream}@{endpoint.kind}"),
        "primary_keys": tuple(k for k in key if k in names),
        "replication_key": next(
            (c.__dict__["replication_key"] for c in family.__mro__
             if isinstance(c.__dict__.get("replication_key"), str)), None),
    }
    class_name = "Hotglue" + "".join(p[:1].upper() + p[1:] for p in row.name.split("_"))
    return type(class_name, (HotglueBehaviour, family), attrs)


def hotglue_streams(tap: TapExact, flags: HotglueFlags) -> list[Stream]:
    """HotGlue's streams for this config (the endpoint mode follows ``sync_endpoints``)."""
    for warning in startup_warnings(flags):
        tap.logger.warning(warning)
    return [hotglue_class(row, flags.sync_endpoints)(tap) for row in STREAMS]

