"""Exact paging: follow ``d.__next`` (JSON) or the Atom ``<link rel="next">`` of each page.

Exact repeats every query option of the first request in the next link and adds ``$skiptoken``, so
the next request is exactly that URL. Decoding happens once per response (:func:`decoded_page`),
shared by the paginator and the stream's ``parse_response``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import requests
from singer_sdk.pagination import BaseHATEOASPaginator

from exact_online.decoding import Page, decode_response
from exact_online.policy import same_origin
from exact_online.registry import Endpoint

_PAGE_ATTR = "_exact_page"


def decoded_page(
    response: requests.Response, endpoint: Endpoint | None, local: bool = False
) -> Page:
    """The decoded page of ``response`` (decoded on first use, then kept on the response).

    ``local``: datetimes with Amsterdam's offset (``datetime_output: amsterdam``), else UTC.
    """
    page = getattr(response, _PAGE_ATTR, None)
    if page is None:
        page = decode_response(response, endpoint, local)
        setattr(response, _PAGE_ATTR, page)
    return page


class UnsafeNextLink(ValueError):
    """A next link to another host: following it would send our access token elsewhere."""


class ExactPaginator(BaseHATEOASPaginator):
    """Next-link paginator over decoded Exact pages."""

    def __init__(self, decode: Callable[[requests.Response], Page], origin: str) -> None:
        super().__init__()
        self._decode = decode
        self._origin = origin

    def get_next_url(self, response: requests.Response) -> str | None:
        url = self._decode(response).next_url
        if url and not same_origin(url, self._origin):
            parts, ours = urlsplit(url), urlsplit(self._origin)
            raise UnsafeNextLink(
                f"next page link points to {parts.scheme}://{parts.netloc}, not to the "
                f"configured host {ours.scheme}://{ours.netloc}"
            )
        return url or None

    def continue_if_empty(self, response: requests.Response) -> bool:
        # An empty page that still links onwards is not the end.
        return bool(self._decode(response).next_url)
