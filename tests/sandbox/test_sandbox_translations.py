"""``CustomDescriptionLanguage`` end to end: the client sends it per call (sync and async), the
sandbox answers language-sensitive properties in that language (generated for the demo company,
or set through the control API), unknown codes get the default texts; call counts asserted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from exact_online.async_client import AsyncExactClient
from exact_online.client import ExactClient
from exact_online.languages import LANGUAGE_HEADER, language_codes
from exact_online.odata import Query
from exact_sandbox.testing import SandboxServer

Fresh = Callable[..., SandboxServer]
ITEMS_SYNC = "sync/Logistics/Items"
QUERY = Query(select=["ID", "Code", "Description", "ExtraDescription"], filter="Timestamp gt 1L")


def _config(sb: SandboxServer, tmp_path: Path) -> dict[str, Any]:
    return dict(sb.config, token_store_path=str(tmp_path / "tokens.json"))


def _items(client: ExactClient, division: int, language: str | None) -> dict[str, dict]:
    rows = client.iter_records(ITEMS_SYNC, division=division, query=QUERY, language=language)
    return {r["ID"]: r for r in rows}


def test_descriptions_come_in_the_language_asked_for(fresh_sandbox: Fresh, tmp_path: Path) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    division = sb.divisions_list[0]
    with ExactClient.from_config(_config(sb, tmp_path)) as client:
        sb.reset_calls()
        default = _items(client, division, None)
        german = _items(client, division, "de")
        unknown = _items(client, division, "XX")
        assert client.api_calls[division] == 3  # one page each (small company: < 1000 items)
    assert sb.calls()["by_division"] == {str(division): 3}
    assert default and default.keys() == german.keys() == unknown.keys()
    for key, row in default.items():
        assert german[key]["Description"] == f"{row['Description']} [DE]"
        assert german[key]["Code"] == row["Code"]  # only language-sensitive properties change
        assert unknown[key] == row  # a code the division does not know: the default texts


def test_a_translation_set_for_a_test_is_answered_and_touches_the_row(
    fresh_sandbox: Fresh, tmp_path: Path
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    division = sb.divisions_list[0]
    with ExactClient.from_config(_config(sb, tmp_path)) as client:
        before = _items(client, division, None)
        key = sorted(before)[0]
        old_ts = client.get_page(
            ITEMS_SYNC, division=division,
            params={"$select": "ID,Timestamp", "$filter": "Timestamp gt 1L"},
        ).records
        stamp = {r["ID"]: r["Timestamp"] for r in old_ts}[key]
        row = sb.set_translation(division, "logistics/Items", key, "es", {"Description": "Silla"})
        assert row["Timestamp"] > stamp  # an incremental reader sees the new text
        spanish = _items(client, division, "ES")
        assert spanish[key]["Description"] == "Silla"
        assert spanish[key]["ExtraDescription"] == before[key]["ExtraDescription"]
        others = [k for k in before if k != key]
        assert all(spanish[k]["Description"] == before[k]["Description"] for k in others)
        # A single record through the plain endpoint honours the header too.
        one = client.get_page(
            f"logistics/Items(guid'{key}')", division=division,
            params={"$select": "ID,Description"}, language="ES",
        ).records
        assert one == [{"ID": key, "Description": "Silla"}]


def test_the_async_client_sends_the_header_too(fresh_sandbox: Fresh, tmp_path: Path) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    division = sb.divisions_list[0]

    async def main() -> list[dict[str, Any]]:
        async with AsyncExactClient.from_config(_config(sb, tmp_path)) as client:
            return [
                r async for r in client.iter_records(
                    "financial/GLAccounts", division=division, language="FR-BE",
                    query=Query(select=["ID", "Code", "Description"], filter="Description ne ''"),
                )
            ]

    rows = asyncio.run(main())
    assert rows and all(r["Description"].endswith(" [FR-BE]") for r in rows)


def test_the_control_api_refuses_properties_that_are_not_translated(
    fresh_sandbox: Fresh,
) -> None:
    sb = fresh_sandbox(no_rate_limits=True)
    division = sb.divisions_list[0]
    item = sb.insert_rows(division, "logistics/Items", [{"Code": "T1", "Description": "x"}])[0]
    with pytest.raises(requests.HTTPError):
        sb.set_translation(division, "logistics/Items", item["ID"], "DE", {"Code": "y"})
    with pytest.raises(requests.HTTPError):
        sb.set_translation(division, "crm/Accounts", item["ID"], "DE", {"Name": "y"})


def test_language_codes_are_normalised_and_checked() -> None:
    assert language_codes("en, de ,fr_be,EN") == ("EN", "DE", "FR-BE")
    assert language_codes(["nl-BE"]) == ("NL-BE",)
    with pytest.raises(ValueError, match="Dutch"):
        language_codes(["Dutch"])
    assert LANGUAGE_HEADER == "CustomDescriptionLanguage"
