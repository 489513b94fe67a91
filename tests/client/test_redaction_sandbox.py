"""Redaction of Exact's real error bodies: empty values stay, secrets go."""

from __future__ import annotations

import logging

import pytest

from exact_online.errors import ExactAPIError, error_from_response
from exact_online.redact import MASK, RedactingFilter, redact, register_secret
from exact_sandbox.testing import SandboxServer


def test_empty_values_are_never_masked() -> None:
    body = '{"error":{"code":"","message":{"lang":"","value":"Boom"}}}'
    assert redact(body) == body
    assert redact("{'code': '', 'token': ''}") == "{'code': '', 'token': ''}"
    assert redact("x?code=&state=1") == "x?code=&state=1"
    # Real values next to empty ones are still masked.
    out = redact('{"code":"","refresh_token":"r-123","access_token": "a"}')
    assert out == f'{{"code":"","refresh_token":"{MASK}","access_token": "{MASK}"}}'
    assert redact("{'code': 'c0de!', 'token': ''}") == f"{{'code': '{MASK}', 'token': ''}}"


def test_sandbox_error_body_is_kept_and_secrets_in_it_masked(
    sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    s = sandbox.session()
    # bulk without $select: Exact's 400 with {"error":{"code":"","message":{...}}}
    r = s.get(sandbox.api_url("{division}/bulk/Logistics/Items"), timeout=30)
    assert r.status_code == 400
    body = r.text
    assert '"code":""' in body.replace(" ", "")
    assert redact(body) == body
    err = error_from_response(r)
    assert isinstance(err, ExactAPIError) and MASK not in str(err)

    # The same body logged next to real secrets: only the secrets are masked.
    token = s.headers["Authorization"].split()[1]
    register_secret(token)
    logger = logging.getLogger("exact_online.test_redaction")
    redacting = RedactingFilter()
    logger.addFilter(redacting)
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("answer %s to Bearer %s with refresh_token=%s", body, token, "rt-secret-1")
    finally:
        logger.removeFilter(redacting)
    assert body in caplog.text
    assert token not in caplog.text and "rt-secret-1" not in caplog.text
    assert caplog.text.count(MASK) == 2
