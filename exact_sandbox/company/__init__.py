"""The demo company: a consistent supply-chain business per division.

``generate(store, divisions=, seed=, scale=)`` fills a fresh store. Everything comes from
``random.Random(seed + division)``, so a seed always gives the same rows (dates are relative to
``today``, which defaults to the current UTC date; pass it to pin them). References are real:
every line's item exists, codes and names are copied from the record they name, bills of
material only consume lower-level items (no cycles), stock positions add up the open orders.
Entities the supply chain does not model get a few type-correct generic rows each.

One module per business domain, each a set of functions over the shared ``context.Company``;
``generator.build`` runs them in order:

- ``people``: employees and user roles
- ``finance``: currencies, G/L accounts, VAT codes, journals, rates, periods; transaction lines
- ``masters``: units, warehouses, item groups, items
- ``accounts``: suppliers and customers with contacts and addresses
- ``prices``: supplier items, purchase prices, sales price lists and prices
- ``production``: bills of material, shop orders, assembly orders
- ``sales``: sales orders, deliveries, drop shipments
- ``purchasing`` and ``receipts``: purchase orders, goods receipts, returns
- ``invoices``: sales invoices, purchase entries and invoices, their journal lines
- ``stock``: warehouse transfers, stock positions, item warehouses
- ``generic``: a few typed rows for every entity the domains above do not model

and the building blocks: ``scales`` (small/medium/large), ``names`` (the name pools),
``chart`` (status, VAT and G/L codes), ``model`` (master records), ``values`` (ids, dates,
codes), ``sink`` (batched, registry-checked writes).
"""

from exact_sandbox.company.generator import generate
from exact_sandbox.company.scales import SCALES, Scale

__all__ = ["SCALES", "Scale", "generate"]
