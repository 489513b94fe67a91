"""GET: paging, __next, $select/$filter/$top/$expand/$inlinecount/$count/$orderby, Exact's query
rules,
JSON/Atom parity, current/Me, system/Divisions, SyncTimestamp."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import defusedxml.ElementTree as ET
import pytest
import requests

from exact_sandbox.testing import SandboxServer

D_NS = "{http://schemas.microsoft.com/ado/2007/08/dataservices}"
M_NS = "{http://schemas.microsoft.com/ado/2007/08/dataservices/metadata}"
A_NS = "{http://www.w3.org/2005/Atom}"
N_ITEMS = 1030


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    with SandboxServer(
        tmp_path_factory.mktemp("reads"), divisions=2, no_rate_limits=True
    ) as server:
        division = server.divisions_list[1]
        server.insert_rows(
            division,
            "logistics/Items",
            [
                {
                    "Code": f"P{i:05d}",
                    "Description": f"Paging item {i}",
                    "IsSalesItem": True,
                    "CostPriceStandard": i / 4,
                    "EndDate": "2024-07-01T10:00:00Z" if i == 7 else None,
                }
                for i in range(N_ITEMS)
            ],
        )
        yield server


@pytest.fixture(scope="module")
def s(sb: SandboxServer) -> requests.Session:
    return sb.session()


def get(s: requests.Session, url: str, **params: str) -> requests.Response:
    return s.get(url, params=params or None, timeout=60)


def error_text(r: requests.Response) -> str:
    return r.json()["error"]["message"]["value"]


def test_sync_pages_of_1000_with_timestamp_skiptoken(
    sb: SandboxServer, s: requests.Session
) -> None:
    division = sb.divisions_list[1]
    url = sb.api_url("{division}/sync/Logistics/Items", division)
    r = get(s, url, **{"$select": "ID,Code,Timestamp", "$filter": "Timestamp gt 1"})
    assert r.status_code == 200
    d = r.json()["d"]
    assert len(d["results"]) == 1000
    nxt = d["__next"]
    assert nxt.startswith(sb.base_url + "/api/v1/")
    q = parse_qs(urlsplit(nxt).query)
    assert q["$select"] == ["ID,Code,Timestamp"] and q["$filter"] == ["Timestamp gt 1"]
    last_ts = d["results"][-1]["Timestamp"]
    assert isinstance(last_ts, str) and q["$skiptoken"] == [f"{last_ts}L"]
    ts = [int(x["Timestamp"]) for x in d["results"]]
    assert ts == sorted(ts)
    r2 = s.get(nxt, timeout=60).json()["d"]
    assert "__next" not in r2
    total = len(d["results"]) + len(r2["results"])
    assert total == sb.stats()[str(division)]["logistics/Items"]
    # incremental: nothing newer than the highest Timestamp
    top = r2["results"][-1]["Timestamp"]
    r3 = get(s, url, **{"$select": "ID", "$filter": f"Timestamp gt {top}L"}).json()["d"]
    assert r3["results"] == []


def test_plain_pages_of_60_with_guid_skiptoken(sb: SandboxServer, s: requests.Session) -> None:
    division = sb.divisions_list[1]
    url = sb.api_url("{division}/logistics/Items", division)
    params = {"$select": "ID,Code", "$filter": "substringof('P0', Code)"}
    r = get(s, url, **params).json()["d"]
    assert len(r["results"]) == 60
    assert "$skiptoken=guid'" in r["__next"]
    seen = {x["ID"] for x in r["results"]}
    nxt: str | None = r["__next"]
    for _ in range(40):
        if not nxt:
            break
        page = s.get(nxt, timeout=60).json()["d"]
        seen |= {x["ID"] for x in page["results"]}
        nxt = page.get("__next")
    assert nxt is None
    assert len(seen) == N_ITEMS  # every code P0xxxx contains "P0"


def test_bulk_needs_select_and_pages_1000(sb: SandboxServer, s: requests.Session) -> None:
    division = sb.divisions_list[1]
    url = sb.api_url("{division}/bulk/Logistics/Items", division)
    r = get(s, url)
    assert r.status_code == 400 and "$select" in error_text(r)
    r = get(s, url, **{"$select": "ID,Code"})
    assert len(r.json()["d"]["results"]) == 1000


def test_select_rules(sb: SandboxServer, s: requests.Session) -> None:
    sync = sb.api_url("{division}/sync/Logistics/Items")
    r = get(s, sync, **{"$select": "*"})
    assert r.status_code == 400
    r = get(s, sync, **{"$select": "ID,NoSuchField"})
    assert r.status_code == 400 and "NoSuchField" in error_text(r)
    plain = sb.api_url("{division}/logistics/Items")
    r = get(s, plain, **{"$filter": "Code eq 'X'"})
    assert r.status_code == 400
    assert error_text(r) == "Please add a $select or a $top=1 statement to the query string."
    assert get(s, plain, **{"$filter": "Code eq 'X'", "$top": "1"}).status_code == 200


def test_mandatory_filter_on_plain_with_sync_twin(sb: SandboxServer, s: requests.Session) -> None:
    r = get(s, sb.api_url("{division}/logistics/Items"), **{"$select": "ID"})
    assert r.status_code == 400
    text = error_text(r)
    assert text.startswith("This endpoint has mandatory filtering applied.")
    assert "Code" in text and "ID" in text


def test_filter_operators(sb: SandboxServer, s: requests.Session) -> None:
    division = sb.divisions_list[1]
    url = sb.api_url("{division}/logistics/Items", division)

    def codes(flt: str) -> list[str]:
        r = get(s, url, **{"$select": "Code", "$filter": flt, "$top": "50"})
        assert r.status_code == 200, r.text
        return sorted(x["Code"] for x in r.json()["d"]["results"])

    assert codes("Code eq 'P00003'") == ["P00003"]
    assert codes("Code eq 'p00003'") == ["P00003"]  # SQL Server collation: case-insensitive
    assert codes("trim(Code) eq 'P00003' or Code eq 'P00004'") == ["P00003", "P00004"]
    assert codes("(Code ge 'P00010' and Code lt 'P00013') and not (Code eq 'P00011')") == [
        "P00010",
        "P00012",
    ]
    assert codes("Code eq 'P00003' and CostPriceNew eq null") == ["P00003"]
    assert codes("substringof('item 102', Description) and Code ne 'P01020'") == [
        "P00102",
        *(f"P0102{i}" for i in range(1, 10)),
    ]
    assert codes("EndDate ge datetime'2024-07-01T12:00:00' and Code ge 'P' and Code lt 'Q'") == [
        "P00007"
    ]
    assert codes("EndDate gt datetime'2024-07-01T12:00:00' and Code ge 'P' and Code lt 'Q'") == []
    one = get(s, url, **{"$select": "ID", "$filter": "Code eq 'P00005'"}).json()["d"]["results"][0]
    assert codes(f"ID eq guid'{one['ID']}'") == ["P00005"]
    bad = get(s, url, **{"$select": "Code", "$filter": "Code eq 'unterminated"})
    assert bad.status_code == 400
    bad = get(s, url, **{"$select": "Code", "$filter": "Nope eq 1"})
    assert bad.status_code == 400


def test_sync_accepts_only_timestamp_gt(sb: SandboxServer, s: requests.Session) -> None:
    url = sb.api_url("{division}/sync/Logistics/Items")
    r = get(s, url, **{"$select": "ID", "$filter": "Code eq 'X'"})
    assert r.status_code == 400
    r = get(s, url, **{"$select": "ID", "$orderby": "Code"})
    assert r.status_code == 400


def test_top_inlinecount_count_orderby(sb: SandboxServer, s: requests.Session) -> None:
    division = sb.divisions_list[1]
    url = sb.api_url("{division}/logistics/Items", division)
    flt = "substringof('P0100', Code)"
    r = get(
        s,
        url,
        **{
            "$select": "Code",
            "$filter": flt,
            "$top": "3",
            "$inlinecount": "allpages",
            "$orderby": "Code desc",
        },
    ).json()["d"]
    assert [x["Code"] for x in r["results"]] == ["P01009", "P01008", "P01007"]
    assert r["__count"] == "10"
    count = s.get(f"{url}/$count", params={"$filter": flt}, timeout=30)
    assert count.status_code == 200 and count.text == "10"
    total = s.get(sb.api_url("{division}/sync/Logistics/Items/$count", division), timeout=30).text
    assert int(total) == sb.stats()[str(division)]["logistics/Items"]


def test_top_larger_than_page_keeps_going(sb: SandboxServer, s: requests.Session) -> None:
    division = sb.divisions_list[1]
    url = sb.api_url("{division}/logistics/Items", division)
    r = get(
        s, url, **{"$select": "Code", "$filter": "substringof('P0', Code)", "$top": "70"}
    ).json()["d"]
    assert len(r["results"]) == 60
    page2 = s.get(r["__next"], timeout=30).json()["d"]
    assert len(page2["results"]) == 10 and "__next" not in page2


def test_json_and_atom_agree(sb: SandboxServer, s: requests.Session) -> None:
    division = sb.divisions_list[1]
    url = sb.api_url("{division}/logistics/Items", division)
    params = {
        "$select": "ID,Code,EndDate,CostPriceStandard,IsSalesItem",
        "$filter": "Code eq 'P00007'",
    }
    js = s.get(url, params=params, timeout=30).json()["d"]["results"][0]
    xml = s.get(url, params=params, headers={"Accept": "application/atom+xml"}, timeout=30)
    assert xml.headers["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(xml.content)
    props = root.find(f"{A_NS}entry/{A_NS}content/{M_NS}properties")
    assert props is not None
    got = {el.tag[len(D_NS) :]: el for el in props}
    assert got["ID"].text == js["ID"] and got["ID"].get(f"{M_NS}type") == "Edm.Guid"
    assert got["Code"].text == js["Code"] and got["Code"].get(f"{M_NS}type") is None
    assert (
        js["EndDate"] == "/Date(1719835200000)/"
    )  # 10:00 UTC = 12:00 Amsterdam wall clock, read as UTC
    assert got["EndDate"].text == "2024-07-01T12:00:00"
    assert float(got["CostPriceStandard"].text) == js["CostPriceStandard"] == 1.75
    assert got["IsSalesItem"].text == "true" and js["IsSalesItem"] is True
    assert js["__metadata"]["uri"].endswith(f"Items(guid'{js['ID']}')")
    null = s.get(
        url,
        params={"$select": "CostPriceNew", "$filter": "Code eq 'P00007'"},
        headers={"Accept": "*/*"},
        timeout=30,
    )
    assert 'm:null="true"' in null.text


def test_single_record_and_404(sb: SandboxServer, s: requests.Session) -> None:
    division = sb.divisions_list[1]
    url = sb.api_url("{division}/logistics/Items", division)
    one = get(s, url, **{"$select": "ID", "$filter": "Code eq 'P00001'"}).json()["d"]["results"][0]
    r = s.get(f"{url}(guid'{one['ID']}')", params={"$select": "Code"}, timeout=30)
    assert r.json()["d"]["Code"] == "P00001"
    missing = s.get(f"{url}(guid'00000000-0000-0000-0000-000000000001')", timeout=30)
    assert missing.status_code == 404
    assert s.get(sb.api_url("{division}/logistics/NoSuchThing"), timeout=30).status_code == 404


def test_every_readable_endpoint_answers(sb: SandboxServer, s: requests.Session) -> None:
    from exact_online.keyed_functions import KEY_PARAMETERS
    from exact_online.registry import load_registry

    reg = load_registry()
    # Functions that answer for one key get one (any GUID; without it they answer 400).
    keyed = {reg.by_stream(e.stream).read_endpoint().path: KEY_PARAMETERS[e.qualified_name].name
             for e in reg.entities if e.qualified_name in KEY_PARAMETERS}
    failures = []
    for ep in reg.endpoints:
        if "GET" not in ep.methods or ep.kind == "current":
            continue
        params = {"$select": ",".join(f.name for f in ep.scalar_fields[:3] if f.name)}
        if ep.path in keyed:
            params[keyed[ep.path]] = "guid'00000000-0000-0000-0000-000000000001'"
        if ep.kind == "plain":
            flt = next((f for f in ep.fields if f.filterable and not f.is_navigation), None)
            if flt is not None:
                params["$filter"] = f"{flt.name} ne null"
            params["$top"] = "1"
        if ep.path.endswith("read/sync/Sync/SyncTimestamp"):
            continue
        r = s.get(
            f"{sb.base_url}/api/v1/{ep.url_path(sb.divisions_list[0])}", params=params, timeout=30
        )
        if r.status_code != 200:
            failures.append((ep.path, r.status_code, r.text[:200]))
    assert failures == []


def test_me_and_divisions(sb: SandboxServer, s: requests.Session) -> None:
    me = s.get(f"{sb.base_url}/api/v1/current/Me", timeout=30).json()["d"]["results"][0]
    assert me["CurrentDivision"] == sb.divisions_list[0]
    divs = s.get(
        sb.api_url("{division}/system/Divisions"),
        params={"$select": "Code,Description,Current"},
        timeout=30,
    ).json()["d"]["results"]
    assert sorted(d["Code"] for d in divs) == sorted(sb.divisions_list)


def test_wrong_division_is_forbidden(sb: SandboxServer, s: requests.Session) -> None:
    r = s.get(
        f"{sb.base_url}/api/v1/999/sync/Logistics/Items", params={"$select": "ID"}, timeout=30
    )
    assert r.status_code == 403


def test_sync_timestamp(sb: SandboxServer, s: requests.Session) -> None:
    url = sb.api_url("{division}/read/sync/Sync/SyncTimestamp")
    r = s.get(url, params={"modified": "datetime'2000-01-01'", "endPoint": "'Items'"}, timeout=30)
    assert r.status_code == 400
    division = sb.divisions_list[1]
    before = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    sb.insert_rows(
        division, "salesinvoice/SalesInvoiceLines", [{"Description": "x", "Quantity": 1.0}]
    )
    r = s.get(
        sb.api_url("{division}/read/sync/Sync/SyncTimestamp", division),
        timeout=30,
        params={"modified": f"datetime'{before}'", "endPoint": "'SalesInvoices'"},
    )
    assert r.status_code == 200, r.text
    value = r.json()["d"]["results"][0]["TimeStampAsBigInt"]
    assert int(value) > 0


def test_mandatory_filter_accepts_modified_and_the_key(
    sb: SandboxServer, s: requests.Session
) -> None:
    # (medium) tap-exact 0.7.1 filters financial/GLAccounts by Modified against the real API.
    url = sb.api_url("{division}/financial/GLAccounts")
    r = get(s, url, **{"$select": "ID", "$filter": "Modified ge datetime'2000-01-01T00:00:00'"})
    assert r.status_code == 200, r.text
    assert (
        len(r.json()["d"]["results"])
        == sb.stats()[str(sb.divisions_list[0])]["financial/GLAccounts"]
    )
    r = get(s, url, **{"$select": "ID", "$filter": "Description eq 'x'"})
    assert r.status_code == 200, r.text
    r = get(s, url, **{"$select": "ID", "$filter": "Code eq 'x'"})
    assert r.status_code == 400 and "Modified" in error_text(r)
    items = sb.api_url("{division}/logistics/Items")
    r = get(s, items, **{"$select": "ID", "$filter": "Modified gt datetime'2000-01-01T00:00:00'"})
    assert r.status_code == 200, r.text


def test_orderby_on_bulk_orders_every_page(sb: SandboxServer, s: requests.Session) -> None:
    division = sb.divisions_list[1]
    url: str | None = sb.api_url("{division}/bulk/Logistics/Items", division)
    params: dict[str, str] | None = {"$select": "Code", "$orderby": "Code desc"}
    codes: list[str] = []
    for _ in range(10):
        assert url is not None
        r = s.get(url, params=params, timeout=60)
        assert r.status_code == 200, r.text
        d = r.json()["d"]
        codes.extend(x["Code"] for x in d["results"])
        url, params = d.get("__next"), None
        if url is None:
            break
    assert url is None
    assert len(codes) == sb.stats()[str(division)]["logistics/Items"] > 1000
    assert codes == sorted(codes, key=str.lower, reverse=True)
