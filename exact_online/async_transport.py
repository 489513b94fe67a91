"""httpx for :class:`~exact_online.async_client.AsyncExactClient`: the TLS context, what a transport
failure means, and the answer as a ``requests.Response``.

TLS: httpx reads ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when ``verify=True`` (as requests reads
``REQUESTS_CA_BUNDLE``, see :mod:`.transport`); an ``ssl.SSLContext`` is used as it is, so a
configured ``ca_file`` always wins. Without one we verify against certifi's bundle, as requests
does.

The answer is handed to the shared core as a ``requests.Response`` (status, headers, body, URL,
method; no copy of the body): ``classify``, ``check_answer``, decoding and the error mapping are the
sync client's, unchanged, and ``request()`` returns the same type in both clients.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

import certifi
import requests
import requests.utils
from requests.structures import CaseInsensitiveDict

from exact_online.core import Call

try:
    import httpx
except ImportError as exc:  # pragma: no cover - only without the [async] extra
    raise ImportError(
        "AsyncExactClient needs httpx: pip install 'tap-exact-online[async]'"
    ) from exc

if TYPE_CHECKING:
    from datetime import timedelta


def ssl_context(verify: bool | str) -> ssl.SSLContext:
    """The TLS context for ``verify`` (a CA file path, True for certifi's bundle, False for none).
    Build a client of your own with ``httpx.AsyncClient(verify=ssl_context(ca_file))``."""
    if verify is False:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    cafile = verify if isinstance(verify, str) else certifi.where()
    return ssl.create_default_context(cafile=cafile)


# Failures before any byte can have reached the server: safe to retry even a POST.
_NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (httpx.TransportError, httpx.DecodingError)


def request_was_sent(exc: Exception) -> bool:
    return not isinstance(exc, _NOT_SENT)


def as_requests_response(answer: httpx.Response, call: Call) -> requests.Response:
    """``answer`` as the ``requests.Response`` the shared core reads."""
    resp = requests.Response()
    resp.status_code = answer.status_code
    # httpx joins repeated headers with ", " as requests does.
    resp.headers = CaseInsensitiveDict(answer.headers.items())
    resp._content = answer.content  # how requests itself fills a Response
    resp.reason = answer.reason_phrase
    resp.url = call.url  # no redirects are followed: the URL we asked
    resp.encoding = requests.utils.get_encoding_from_headers(resp.headers)
    elapsed: timedelta = answer.elapsed
    resp.elapsed = elapsed
    prepared = requests.PreparedRequest()
    prepared.method = call.method
    prepared.url = call.url
    prepared.headers = CaseInsensitiveDict(call.headers)  # without Authorization
    resp.request = prepared
    return resp
