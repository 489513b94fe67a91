"""Function endpoints answer plain XML, not Atom (reference/FACTS.md): rows as ``<d:element>``, a
single value as the root element itself, no rows as an empty root."""

from __future__ import annotations

import pytest

from exact_online.decoding import DecodeError, decode_body
from exact_online.registry import load_registry

NS = (
    'xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" '
    'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"'
)
XML = "application/xml; charset=utf-8"


def _endpoint(stream: str):  # type: ignore[no-untyped-def]
    return load_registry().by_stream(stream).read_endpoint()


def test_rows_of_a_function_are_typed_from_the_registry() -> None:
    body = (
        f'<?xml version="1.0"?><d:ItemExtraField {NS}><d:element m:type="Exact.X">'
        '<d:ItemID m:type="Edm.Guid">0b1e6a8e-2f7e-4b0a-9f3e-8a5e0c1d2e3f</d:ItemID>'
        '<d:Number m:type="Edm.Int32">3</d:Number><d:Value>red</d:Value>'
        '<d:Description m:null="true" /></d:element></d:ItemExtraField>'
    ).encode()
    page = decode_body(body, XML, _endpoint("item_extra_field"))
    assert page.records == [{
        "ItemID": "0b1e6a8e-2f7e-4b0a-9f3e-8a5e0c1d2e3f", "Number": 3, "Value": "red",
        "Description": None,
    }]


def test_a_single_value_is_one_record_named_after_the_function() -> None:
    body = f'<d:AccountDocumentsCount {NS} m:type="Edm.Int32">7</d:AccountDocumentsCount>'
    page = decode_body(body.encode(), XML, _endpoint("account_documents_count"))
    assert page.records == [{"AccountDocumentsCount": 7}]
    yes = f'<d:UserHasRights {NS} m:type="Edm.Boolean">true</d:UserHasRights>'
    assert decode_body(yes.encode(), XML, _endpoint("user_has_rights")).records == [
        {"UserHasRights": True}
    ]


def test_no_rows_and_foreign_roots() -> None:
    empty = f'<d:AccountItems {NS}></d:AccountItems>'
    assert decode_body(empty.encode(), XML, _endpoint("account_items")).records == []
    with pytest.raises(DecodeError, match="not an Atom feed"):
        decode_body(b"<html><body>maintenance</body></html>", XML, _endpoint("account_items"))
