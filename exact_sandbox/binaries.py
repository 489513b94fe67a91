"""The binaries behind the links of the demo rows: item pictures and thumbnails, account logos
(``/docs/SysImage.aspx``) and document attachment files (``/docs/SysAttachment.aspx``).

Served as Exact does (reference/FACTS.md): the same Bearer token as the API, the division's
rate limit and its ``X-RateLimit-*`` headers, a 404 when the row has no such binary, and for an
attachment the file itself only with ``&Download=1`` (without it, Exact's viewer page). Every
answer carries an ``ETag`` and ``Last-Modified`` (the row's ``Modified``) and a matching
``If-None-Match`` is answered ``304``. The bytes are made from the row's key, so they are the same
on every run: PNG pictures written with zlib (no imaging library), a small PDF for attachments.
The ``badimage`` fault (exact_sandbox.faults) cuts an answer in half to make one broken.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from datetime import datetime
from email.utils import format_datetime
from typing import Protocol

from werkzeug.wrappers import Request, Response

from .calls import CallLog
from .company.media import (
    ACCOUNTS,
    ATTACHMENT_PAGE,
    ATTACHMENTS,
    IMAGE_PAGE,
    ITEMS,
    LINK_HOST,
)
from .limits import RateLimits
from .oauth import OAuth
from .rendering import JSON_TYPE, json_error
from .store import Store

PAGES = (IMAGE_PAGE.lower(), ATTACHMENT_PAGE.lower())
_TABLES = {"items": (ITEMS, "PictureUrl"), "accounts": (ACCOUNTS, "LogoUrl")}
# (width, height) of what the sandbox serves: Exact's pictures are larger, these keep tests quick.
PICTURE_SIZE = (96, 72)
LOGO_SIZE = (64, 64)
THUMBNAIL_SIZE = (40, 30)
_VIEWER_PAGE = b"<!DOCTYPE html><html><body><h1>Exact Online document viewer</h1></body></html>"


class Sandbox(Protocol):
    """What serving a binary uses of the running sandbox (``app.Sandbox``); a protocol so that
    this module does not import the app that routes to it."""

    calls: CallLog
    limits: RateLimits
    oauth: OAuth
    revoked: set[int]
    store: Store


def division_of(request: Request) -> int | None:
    value = request.args.get("_Division_", "")
    return int(value) if value.isdigit() else None


def serve(sandbox: Sandbox, request: Request) -> Response:
    """One GET of a binary link, with auth, the rate limit and conditional requests."""
    page = request.path.lower()
    division = division_of(request)
    sandbox.calls.api(request.method, request.path, division)
    if page not in PAGES or request.method != "GET":
        return _error(404, "The requested resource could not be found.")
    if not sandbox.oauth.check_access(request.headers.get("Authorization")):
        return _error(401, "Access token is missing, invalid or expired.")
    if division is None or division not in sandbox.store.divisions() or (
        division in sandbox.revoked
    ):
        return _error(403, "Forbidden - WrongDivision")
    verdict = sandbox.limits.hit(sandbox.oauth.client_id, division)
    if not verdict.allowed:
        return Response(b"", 429, headers=verdict.headers)
    response = _binary(sandbox, request, page, division)
    for name, value in verdict.headers.items():
        response.headers[name] = value
    if response.status_code == 200 and response.mimetype != "text/html":
        sandbox.calls.download(page.rsplit("/", 1)[-1])
    return response


def _binary(sandbox: Sandbox, request: Request, page: str, division: int) -> Response:
    key = (request.args.get("ID") or "").strip().lower()
    if page == ATTACHMENT_PAGE.lower():
        row = sandbox.store.get(division, ATTACHMENTS, key) if key else None
        if row is None or not row.get("Url"):
            return _error(404, "Attachment not found.")
        if request.args.get("Download") != "1":
            return Response(_VIEWER_PAGE, 200, content_type="text/html; charset=utf-8")
        body, ctype = pdf(key, str(row.get("FileName") or "attachment.pdf")), "application/pdf"
    else:
        table = _TABLES.get((request.args.get("Table") or "").lower())
        row = sandbox.store.get(division, table[0], key) if table and key else None
        if table is None or row is None or not row.get(table[1]):
            return _error(404, "Image not found.")
        size = THUMBNAIL_SIZE if request.args.get("ThumbSize") else (
            PICTURE_SIZE if table[0] == ITEMS else LOGO_SIZE
        )
        body, ctype = png(key, size), "image/png"
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag}
    modified = row.get("Modified")
    if isinstance(modified, datetime):
        headers["Last-Modified"] = format_datetime(modified, usegmt=True)
    if page == ATTACHMENT_PAGE.lower():
        name = str(row.get("FileName") or "attachment.pdf").replace('"', "")
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    if etag in _etags(request.headers.get("If-None-Match")):
        return Response(b"", 304, headers=headers)
    return Response(body, 200, headers=headers, content_type=ctype)


def _etags(header: str | None) -> set[str]:
    return {part.strip() for part in (header or "").split(",") if part.strip()}


def _error(status: int, message: str) -> Response:
    return Response(json_error(message), status, content_type=JSON_TYPE)


def absolute_links(response: Response, base: str) -> None:
    """Put the server's base URL into the binary links of an API answer (stored host-free)."""
    if response.status_code >= 300 or response.direct_passthrough:
        return
    body = response.get_data()
    marker = LINK_HOST.encode()
    if marker in body:
        response.set_data(body.replace(marker, base.encode()))


# ---- the bytes --------------------------------------------------------------------------------


def _seed(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def png(key: str, size: tuple[int, int]) -> bytes:
    """An RGB PNG: a diagonal gradient between two colours taken from the key."""
    width, height = size
    seed = _seed(key)
    a, b = seed[0:3], seed[3:6]
    rows = bytearray()
    span = max(width + height - 2, 1)
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            t = (x + y) / span
            rows.extend(int(a[i] + (b[i] - a[i]) * t) for i in range(3))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def pdf(key: str, title: str) -> bytes:
    """A one-page PDF that names the attachment (valid cross-reference table)."""
    text = f"Exact sandbox attachment {title} {key}".replace("\\", "").replace("(", "")
    text = text.replace(")", "")
    stream = f"BT /F1 12 Tf 40 100 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets: list[int] = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)

