"""Pure functions: OData literals, Amsterdam time, redaction."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timezone

import pytest

from exact_online.errors import ExactAPIError
from exact_online.odata import Query, and_, eq, literal, or_
from exact_online.redact import RedactingFilter, redact, register_secret
from exact_online.timeconv import format_exact_datetime, parse_exact_date, to_exact_date

UTC = timezone.utc


def test_literals_are_escaped() -> None:
    assert literal("it's") == "'it''s'"
    assert literal("6E4C1F7A-0000-4A6B-9D3E-1234567890AB", "Edm.Guid") == (
        "guid'6e4c1f7a-0000-4a6b-9d3e-1234567890ab'"
    )
    assert literal(uuid.UUID(int=1)) == "guid'00000000-0000-0000-0000-000000000001'"
    assert literal(493115, "Edm.Int64") == "493115L"
    assert literal("493115", "Edm.Int64") == "493115L"
    assert literal(True) == "true" and literal(None) == "null"
    assert literal(datetime(2024, 7, 1, 10, 0, tzinfo=UTC)) == "datetime'2024-07-01T12:00:00'"
    assert literal(date(2024, 1, 31)) == "datetime'2024-01-31T00:00:00'"
    for bad, edm in (
        ("x' or 1 eq 1 or 'a", "Edm.Guid"),
        ("1 or 1", "Edm.Int64"),
        ("1;", "Edm.Int32"),
    ):
        with pytest.raises(ValueError):
            literal(bad, edm)
    with pytest.raises(ValueError):
        eq("Name eq 'x' or Code", "y")


def test_query_params() -> None:
    q = Query(
        select=["ID", "Code"],
        filter=or_(eq("Code", "A"), and_(eq("Code", "B"))),
        top=5,
        expand=["PurchaseOrderLines"],
        orderby=["Code desc"],
        inlinecount=True,
    )
    assert q.params() == {
        "$select": "ID,Code",
        "$filter": "(Code eq 'A') or (Code eq 'B')",
        "$top": "5",
        "$expand": "PurchaseOrderLines",
        "$orderby": "Code desc",
        "$inlinecount": "allpages",
    }


@pytest.mark.parametrize(
    ("wall", "utc"),
    [
        (datetime(2024, 1, 15, 12, 0), datetime(2024, 1, 15, 11, 0, tzinfo=UTC)),
        (datetime(2024, 7, 1, 12, 0), datetime(2024, 7, 1, 10, 0, tzinfo=UTC)),
        (datetime(2024, 3, 31, 1, 59), datetime(2024, 3, 31, 0, 59, tzinfo=UTC)),
        (datetime(2024, 3, 31, 3, 0), datetime(2024, 3, 31, 1, 0, tzinfo=UTC)),
        (datetime(2024, 10, 27, 2, 30), datetime(2024, 10, 27, 0, 30, tzinfo=UTC)),  # fold=0
        (datetime(2024, 10, 27, 3, 0), datetime(2024, 10, 27, 2, 0, tzinfo=UTC)),
        (datetime(1969, 12, 31, 23, 0), datetime(1969, 12, 31, 22, 0, tzinfo=UTC)),
    ],
)
def test_exact_dates_are_amsterdam_wall_clock(wall: datetime, utc: datetime) -> None:
    ms = int(wall.replace(tzinfo=UTC).timestamp() * 1000)
    assert parse_exact_date(f"/Date({ms})/") == utc
    assert format_exact_datetime(utc) == wall.isoformat(timespec="seconds")
    assert to_exact_date(utc) == f"/Date({ms})/"


def test_redaction_of_known_values_and_shapes(caplog: pytest.LogCaptureFixture) -> None:
    register_secret("sup3r-s3cret-value")
    text = (
        "client_secret=abc&refresh_token=def&code=xyz!1 "
        '{"access_token": "tok", "refresh_token":"r"} Authorization: Bearer eyJhbGciOi.x.y '
        "and sup3r-s3cret-value"
    )
    out = redact(text)
    for leaked in ("abc", "def", "xyz!1", '"tok"', '"r"', "eyJhbGciOi", "sup3r-s3cret-value"):
        assert leaked not in out
    err = ExactAPIError(400, "bad sup3r-s3cret-value", method="GET", url="http://h/x?code=abcdef")
    assert "sup3r" not in str(err) and "abcdef" not in str(err)
    logger = logging.getLogger("exact_online.test")
    handler_filter = RedactingFilter()
    logger.addFilter(handler_filter)
    try:
        with caplog.at_level(logging.INFO, logger="exact_online.test"):
            logger.info("refresh with %s", "sup3r-s3cret-value")
    finally:
        logger.removeFilter(handler_filter)
    assert "sup3r" not in caplog.text
