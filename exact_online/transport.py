"""The HTTP adapter every Exact session mounts: no urllib3 retries, and our own TLS verification.

requests lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` override ``Session.verify``
(psf/requests#3829), which would silently ignore a configured ``ca_file``; the adapter pins the
value at send time instead.
Retries are ours alone (``retry.py``): urllib3 retrying a POST could resend a spent refresh token or
create a second purchase order.
"""

from __future__ import annotations

from typing import Any

import requests


class ExactAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, verify: bool | str = True, timeout: float | None = None) -> None:
        super().__init__(max_retries=0)
        self._verify = verify
        self._timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs["verify"] = self._verify
        if self._timeout is not None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


def mount(
    session: requests.Session, verify: bool | str = True, timeout: float | None = None
) -> None:
    """Mount ``ExactAdapter`` for http and https on ``session``."""
    adapter = ExactAdapter(verify, timeout)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.verify = verify
