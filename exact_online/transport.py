"""The HTTP adapter every Exact session we create mounts: no urllib3 retries, and our own TLS
verification; and how a session passed in by a user is taken as it is.

requests lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` override ``Session.verify``
(psf/requests#3829), which would silently ignore a configured ``ca_file``; the adapter pins the
value at send time instead. That override happens in ``Session.request`` only
(``merge_environment_settings``): ``ExactClient`` calls ``Session.send`` with ``verify=`` itself,
so a session passed in keeps its own mounted adapters and hooks and is still pinned — nothing of
it is replaced (:func:`adopt_session`).
Retries are ours alone (``retry.py``): urllib3 retrying a POST could resend a spent refresh token or
create a second purchase order.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
import requests.adapters

logger = logging.getLogger(__name__)


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


def adopt_session(session: requests.Session, verify: bool | str) -> bool | str:
    """Take a user's session as it is (adapters, hooks, proxies, cookies) and return the ``verify``
    to pin on every send: a configured CA file wins, else the session's own ``verify``.

    An adapter whose urllib3 retries may resend a POST is kept but warned about: a resent POST can
    create a second purchase order.
    """
    for prefix, adapter in session.adapters.items():
        retries = getattr(adapter, "max_retries", None)
        total = getattr(retries, "total", 0)
        methods: Any = getattr(retries, "allowed_methods", frozenset())
        if total and (methods is None or "POST" in methods):
            logger.warning(
                "The adapter mounted for %s retries POSTs on its own (urllib3 Retry total=%s): a "
                "write whose answer was lost may be sent twice; the client retries by itself",
                prefix,
                total,
            )
    own = session.verify
    if verify is True and own is not True and own is not None:
        return own
    return verify
