"""Build Atom XML answers the way Exact writes them (for the JSON-vs-Atom comparisons)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<feed xml:base="{base}/api/v1/" xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" '
    'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">'
    '<title type="text">Items</title><id>{base}/feed</id>'
)


def prop(name: str, value: Any, edm: str | None) -> str:
    typ = f' m:type="{edm}"' if edm and edm != "Edm.String" else ""
    if value is None:
        return f'<d:{name}{typ} m:null="true" />'
    return f"<d:{name}{typ}>{escape(str(value))}</d:{name}>"


def entry(props: Sequence[tuple[str, Any, str | None]]) -> str:
    body = "".join(prop(n, v, t) for n, v, t in props)
    return (
        '<entry><id>x</id><title type="text"></title><updated>2024-01-01T00:00:00Z</updated>'
        '<content type="application/xml"><m:properties>'
        f"{body}</m:properties></content></entry>"
    )


def feed(
    base: str, entries: list[str], next_url: str | None = None, count: int | None = None
) -> bytes:
    out = HEAD.format(base=base)
    if count is not None:
        out += f"<m:count>{count}</m:count>"
    out += "".join(entries)
    if next_url:
        out += f'<link rel="next" href={quoteattr(next_url)} />'
    return (out + "</feed>").encode()
