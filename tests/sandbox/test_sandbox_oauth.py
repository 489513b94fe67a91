"""OAuth per FACTS.md: rotation, old token, too early, expiry, codes, the daily cap."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from exact_sandbox.testing import SandboxServer


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    with SandboxServer(
        tmp_path_factory.mktemp("oauth"), divisions=1, no_rate_limits=True, token_calls_per_day=40
    ) as server:
        yield server


def token(sb: SandboxServer, **form: str) -> requests.Response:
    data = {
        "client_id": sb.config["client_id"],
        "client_secret": sb.config["client_secret"],
        **form,
    }
    return requests.post(f"{sb.base_url}/api/oauth2/token", data=data, timeout=30)


def me(sb: SandboxServer, access: str) -> requests.Response:
    return requests.get(
        f"{sb.base_url}/api/v1/current/Me",
        timeout=30,
        headers={"Authorization": f"Bearer {access}", "Accept": "application/json"},
    )


def new_chain(sb: SandboxServer) -> dict:
    r = requests.get(
        f"{sb.base_url}/api/oauth2/auth",
        allow_redirects=False,
        timeout=30,
        params={
            "client_id": sb.config["client_id"],
            "redirect_uri": "http://127.0.0.1:9/cb",
            "response_type": "code",
            "state": "xyz",
        },
    )
    assert r.status_code == 302
    q = parse_qs(urlsplit(r.headers["Location"]).query)
    assert q["state"] == ["xyz"] and "!" in q["code"][0]
    t = token(
        sb, grant_type="authorization_code", code=q["code"][0], redirect_uri="http://127.0.0.1:9/cb"
    )
    assert t.status_code == 200, t.text
    return t.json()


def test_refresh_rotates_and_old_token_is_refused(sb: SandboxServer) -> None:
    sb.set_clock(0)
    first = new_chain(sb)
    sb.set_clock(600)
    r = token(sb, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert r.status_code == 200
    body = r.json()
    assert body["expires_in"] == "600" and isinstance(body["expires_in"], str)
    assert body["token_type"].lower() == "bearer"
    assert body["refresh_token"] != first["refresh_token"]
    old = token(sb, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert old.status_code == 401
    assert old.json() == {
        "error": "unauthorized_client",
        "error_description": "Old refresh token used.",
    }
    assert me(sb, body["access_token"]).status_code == 200
    sb.set_clock(0)


def test_too_early_refresh_keeps_current_token(sb: SandboxServer) -> None:
    sb.set_clock(0)
    chain = new_chain(sb)
    r = token(sb, grant_type="refresh_token", refresh_token=chain["refresh_token"])
    assert r.status_code == 400
    assert r.json()["error"] == "access_denied"
    assert (
        r.headers["Reason"]
        == "TooEarlyToRefreshTokens: Rate limit exceeded: access_token not expired"
    )
    assert me(sb, chain["access_token"]).status_code == 200
    sb.set_clock(571)  # 570 s after issue a refresh is allowed, with the same refresh token
    assert me(sb, chain["access_token"]).status_code == 200
    assert (
        token(sb, grant_type="refresh_token", refresh_token=chain["refresh_token"]).status_code
        == 200
    )
    sb.set_clock(0)


def test_access_token_expires(sb: SandboxServer) -> None:
    sb.set_clock(0)
    chain = new_chain(sb)
    sb.set_clock(601)
    r = me(sb, chain["access_token"])
    assert r.status_code == 401
    assert "error" in r.json()
    assert me(sb, "nonsense").status_code == 401
    sb.set_clock(0)


def test_refresh_token_expires_after_30_days(sb: SandboxServer) -> None:
    sb.set_clock(0)
    chain = new_chain(sb)
    sb.set_clock(30 * 86400 + 10)
    r = token(sb, grant_type="refresh_token", refresh_token=chain["refresh_token"])
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"
    assert r.json()["error_description"].startswith("The refresh token expired at")
    sb.set_clock(0)


def test_code_is_single_use_and_expires(sb: SandboxServer) -> None:
    sb.set_clock(0)
    params = {
        "client_id": sb.config["client_id"],
        "redirect_uri": "http://127.0.0.1:9/cb",
        "response_type": "code",
    }
    loc = requests.get(
        f"{sb.base_url}/api/oauth2/auth", params=params, allow_redirects=False, timeout=30
    )
    code = parse_qs(urlsplit(loc.headers["Location"]).query)["code"][0]
    ok = token(sb, grant_type="authorization_code", code=code, redirect_uri=params["redirect_uri"])
    assert ok.status_code == 200
    again = token(
        sb, grant_type="authorization_code", code=code, redirect_uri=params["redirect_uri"]
    )
    assert again.status_code == 400
    loc = requests.get(
        f"{sb.base_url}/api/oauth2/auth", params=params, allow_redirects=False, timeout=30
    )
    code = parse_qs(urlsplit(loc.headers["Location"]).query)["code"][0]
    sb.set_clock(181)
    late = token(
        sb, grant_type="authorization_code", code=code, redirect_uri=params["redirect_uri"]
    )
    assert late.status_code == 400
    sb.set_clock(0)


def test_wrong_client_secret(sb: SandboxServer) -> None:
    r = requests.post(
        f"{sb.base_url}/api/oauth2/token",
        timeout=30,
        data={
            "grant_type": "refresh_token",
            "refresh_token": sb.config["refresh_token"],
            "client_id": sb.config["client_id"],
            "client_secret": "wrong",
        },
    )
    assert r.status_code == 400
    assert sb.config["refresh_token"] not in r.text


def test_daily_token_call_cap(tmp_path: Path) -> None:
    with SandboxServer(tmp_path, divisions=1, token_calls_per_day=2) as small:
        cfg = small.config
        form = {
            "grant_type": "refresh_token",
            "refresh_token": cfg["refresh_token"],
            "client_id": cfg["client_id"],
            "client_secret": cfg["client_secret"],
        }
        url = f"{small.base_url}/api/oauth2/token"
        assert requests.post(url, data=form, timeout=30).status_code == 200
        assert (
            requests.post(url, data=form, timeout=30).status_code == 401
        )  # old token, still a call
        assert requests.post(url, data=form, timeout=30).status_code == 429
        assert small.calls()["token"] == 3
