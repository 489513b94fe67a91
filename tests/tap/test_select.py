"""`$select` lists exactly the catalog's selected properties that Exact has on the endpoint (keys
and replication key are automatic, so always there). No network: the query is built in-process."""

from __future__ import annotations

import pytest

from tap_exact.client import ExactStream
from tap_exact.tap import TapExact

from .conftest import catalog_for

DROPPED = {
    "items": ["Description", "Barcode"],  # sync
    "warehouses": ["Description"],  # plain, Modified bookmark
    "sales_invoice_lines": ["Description", "AmountDC"],  # bulk, full table
}


@pytest.mark.parametrize("stream", sorted(DROPPED))
def test_select_is_exactly_the_selection(stream: str) -> None:
    catalog = catalog_for(list(DROPPED), deselect=DROPPED)
    tap = TapExact(config={"client_id": "x", "client_secret": "y"}, catalog=catalog,
                   validate_config=False)
    s = tap.streams[stream]
    assert isinstance(s, ExactStream)
    select = s.query(None).params()["$select"].split(",")
    fields = s.endpoint.field_map
    expected = [
        name for name in s.schema["properties"]
        if name in fields and not fields[name].is_navigation
        and name not in DROPPED[stream]
    ]
    assert select == expected
    assert set(s.primary_keys) <= set(select)
    if s.replication_key:
        assert s.replication_key in select
    assert "_sdc_deleted_at" not in select
