"""Which demo rows carry a picture, logo or attachment link, and the link text.

Exact's rows point at binaries on its own host: ``Items.PictureUrl`` / ``PictureThumbnailUrl`` at
``/docs/SysImage.aspx?Table=Items&ID=…``, ``Accounts.LogoUrl`` at ``…Table=Accounts…`` and
``DocumentAttachments.Url`` at ``/docs/SysAttachment.aspx?ID=…``, each with ``_Division_=``
(reference/FACTS.md, "Binaries and languages"). The store is written before the server knows its
port, so links are stored below :data:`LINK_HOST` and the server puts its own base URL in their
place when it answers (``exact_sandbox.binaries.absolute_links``).

The choice of rows is a hash of the key, never the generator's random numbers: adding links
changes no other generated value.
"""

from __future__ import annotations

import hashlib
from typing import Any

LINK_HOST = "{sandbox}"
IMAGE_PAGE = "/docs/SysImage.aspx"
ATTACHMENT_PAGE = "/docs/SysAttachment.aspx"
ITEMS = "logistics/Items"
ACCOUNTS = "crm/Accounts"
ATTACHMENTS = "documents/DocumentAttachments"
THUMB_SIZE = 100  # what Exact's thumbnail links ask for (ThumbSize=)


def _bucket(key: str, modulo: int) -> int:
    return int.from_bytes(hashlib.sha256(key.lower().encode()).digest()[:4], "big") % modulo


def image_link(table: str, key: str, division: int, *, thumb: bool = False) -> str:
    size = f"&ThumbSize={THUMB_SIZE}" if thumb else ""
    return f"{LINK_HOST}{IMAGE_PAGE}?Table={table}&ID={key}{size}&_Division_={division}"


def attachment_link(key: str, division: int) -> str:
    return f"{LINK_HOST}{ATTACHMENT_PAGE}?ID={key}&_Division_={division}"


def item_picture_fields(division: int, key: str, code: str) -> dict[str, Any]:
    """Two items in three have a picture; half of those come with Exact's thumbnail link too
    (the others leave the thumbnail to the reader)."""
    bucket = _bucket(key, 6)
    if bucket < 2:
        return {"PictureUrl": None, "PictureThumbnailUrl": None, "PictureName": None}
    thumbnail = image_link("Items", key, division, thumb=True) if bucket < 4 else None
    return {
        "PictureUrl": image_link("Items", key, division),
        "PictureThumbnailUrl": thumbnail,
        "PictureName": f"{code}.png",
    }


def account_logo_fields(division: int, key: str, code: str) -> dict[str, Any]:
    """Every other account has a logo; Exact gives no logo thumbnail link here."""
    if _bucket(key, 2):
        return {"LogoUrl": None, "LogoThumbnailUrl": None, "LogoFileName": None}
    return {
        "LogoUrl": image_link("Accounts", key, division),
        "LogoThumbnailUrl": None,
        "LogoFileName": f"logo-{code.strip()}.png",
    }


def with_links(entity: str, division: int, row: dict[str, Any], n: int) -> dict[str, Any]:
    """A generic row with its binary link filled (document attachments: a small PDF)."""
    if entity == ATTACHMENTS and isinstance(row.get("ID"), str):
        row["Url"] = attachment_link(row["ID"], division)
        row["FileName"] = f"attachment-{n:03d}.pdf"
    return row
