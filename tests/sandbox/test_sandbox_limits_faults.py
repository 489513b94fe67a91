"""Rate limits (headers, minutely and daily 429) and every fault kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import defusedxml.ElementTree as ET
import pytest
import requests

from exact_sandbox.testing import SandboxServer

SIX = (
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Minutely-Limit",
    "X-RateLimit-Minutely-Remaining",
    "X-RateLimit-Minutely-Reset",
)


def items(sb: SandboxServer, s: requests.Session, **kw: Any) -> requests.Response:
    return s.get(
        sb.api_url("{division}/sync/Logistics/Items"),
        params={"$select": "ID,Code"},
        timeout=30,
        **kw,
    )


def test_minutely_limit(fresh_sandbox: Callable[..., SandboxServer]) -> None:
    sb = fresh_sandbox(divisions=1, minutely_limit=3, daily_limit=100)
    s = sb.session()
    sb.set_clock(0)
    answers = [items(sb, s) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    ok = answers[0]
    assert all(h in ok.headers for h in SIX)
    assert (
        ok.headers["X-RateLimit-Minutely-Remaining"] == "2"
        and ok.headers["X-RateLimit-Remaining"] == "99"
    )
    reset = int(ok.headers["X-RateLimit-Minutely-Reset"])
    assert reset % 60000 == 0  # minute-aligned, epoch ms
    assert int(ok.headers["X-RateLimit-Reset"]) % 86_400_000 == 0
    limited = answers[3]
    assert limited.content == b""
    assert (
        "X-RateLimit-Minutely-Reset" in limited.headers
        and "X-RateLimit-Limit" not in limited.headers
    )
    # current/Me does not count and carries no division limits
    me = s.get(f"{sb.base_url}/api/v1/current/Me", timeout=30)
    assert me.status_code == 200
    sb.set_clock(60)  # next window
    assert items(sb, s).status_code == 200


def test_daily_limit_and_disabled_limits(fresh_sandbox: Callable[..., SandboxServer]) -> None:
    sb = fresh_sandbox(divisions=1, minutely_limit=100, daily_limit=2)
    s = sb.session()
    codes = [items(sb, s).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    off = fresh_sandbox(divisions=1, no_rate_limits=True, minutely_limit=1)
    s2 = off.session()
    answers = [items(off, s2) for _ in range(3)]
    assert all(r.status_code == 200 for r in answers)
    assert int(answers[-1].headers["X-RateLimit-Minutely-Remaining"]) > 1000


def test_daily_budget_survives_a_restart(fresh_sandbox: Callable[..., SandboxServer]) -> None:
    sb = fresh_sandbox(divisions=1, minutely_limit=100, daily_limit=5)
    s = sb.session()
    assert [items(sb, s).status_code for _ in range(3)] == [200, 200, 200]
    sb.restart()
    r = items(sb, s)
    assert r.status_code == 200
    assert r.headers["X-RateLimit-Remaining"] == "1"
    assert [items(sb, s).status_code for _ in range(2)] == [200, 429]
    sb.restart()
    assert items(sb, s).status_code == 429


@pytest.fixture
def faulty(fresh_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    return fresh_sandbox(divisions=1, no_rate_limits=True)


def test_status_faults_on_a_schedule(faulty: SandboxServer) -> None:
    s = faulty.session()
    faulty.set_faults("503:every=2,path=/sync/")
    codes = [items(faulty, s).status_code for _ in range(4)]
    assert codes == [200, 503, 200, 503]
    faulty.set_faults("429:times=1")
    first, second = items(faulty, s), items(faulty, s)
    assert first.status_code == 429 and first.content == b"" and second.status_code == 200
    faulty.set_faults([{"kind": "500", "rate": 1.0, "method": "POST"}], seed=3)
    assert items(faulty, s).status_code == 200
    faulty.clear_faults()


def test_drop_after_write_applies_it(faulty: SandboxServer) -> None:
    s = faulty.session()
    d = faulty.divisions_list[0]
    before = faulty.stats()[str(d)].get("logistics/Items", 0)
    faulty.set_faults("drop:method=POST,path=logistics/Items,times=1")
    with pytest.raises(requests.ConnectionError):
        s.post(
            faulty.api_url("{division}/logistics/Items"),
            json={"Code": "DROP-1", "Description": "x"},
            timeout=30,
        )
    assert faulty.stats()[str(d)]["logistics/Items"] == before + 1
    found = s.get(
        faulty.api_url("{division}/logistics/Items"),
        timeout=30,
        params={"$select": "Code", "$filter": "Code eq 'DROP-1'"},
    ).json()["d"]["results"]
    assert found == [{"__metadata": found[0]["__metadata"], "Code": "DROP-1"}]


def test_truncate_slow_hang_and_bad_xml(faulty: SandboxServer) -> None:
    s = faulty.session()
    faulty.set_faults("truncate:times=1")
    with pytest.raises(requests.exceptions.RequestException):
        items(faulty, s)
    faulty.set_faults("slow:seconds=0.2,times=1")
    assert items(faulty, s).status_code == 200
    faulty.set_faults("hang:seconds=3,times=1")
    with pytest.raises(requests.exceptions.RequestException):
        s.get(
            faulty.api_url("{division}/sync/Logistics/Items"), params={"$select": "ID"}, timeout=1
        )
    faulty.set_faults("badxml:times=2")
    xml = items(faulty, s, headers={"Accept": "application/atom+xml"})
    assert xml.status_code == 200
    with pytest.raises(ET.ParseError):
        ET.fromstring(xml.content)
    js = items(faulty, s)
    assert any("\x0b" in (r.get("Code") or "") for r in js.json()["d"]["results"])
    faulty.clear_faults()
    assert items(faulty, s).status_code == 200


def test_calls_are_counted(faulty: SandboxServer) -> None:
    s = faulty.session()
    faulty.reset_calls()
    for _ in range(3):
        items(faulty, s)
    calls = faulty.calls()
    d = str(faulty.divisions_list[0])
    assert calls["by_division"] == {d: 3}
    assert calls["by_path"] == {f"GET /api/v1/{d}/sync/Logistics/Items": 3}


def test_bad_fault_spec_is_refused(faulty: SandboxServer) -> None:
    r = requests.post(
        f"{faulty.base_url}/_sandbox/faults", json={"spec": "explode:every=1"}, timeout=30
    )
    assert r.status_code == 400
