"""Which Exact rows carry links to binaries, and how each link is fetched.

Each source is read from its ``/sync/`` endpoint (Timestamp, ascending, resumable), selecting only
the key, ``Modified``, the file name and the link fields: a few columns, one call per 1,000 rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from exact_online.registry import Endpoint, load_registry


@dataclass(frozen=True)
class Link:
    kind: str  # the `Kind` column: picture, thumbnail, logo, logo_thumbnail, attachment
    field: str  # the row's field holding the URL
    image: bool = True
    # Attachment links answer Exact's viewer page; the file itself comes with &Download=1.
    download_param: bool = False
    # For a full-size image: the link field of Exact's own thumbnail, and the kind a thumbnail
    # made by us gets when that field is empty.
    thumbnail_field: str | None = None
    thumbnail_kind: str | None = None


@dataclass(frozen=True)
class AssetSource:
    name: str  # partition context value ("items", ...): the owning stream's name
    entity: str  # the `Entity` column
    switch: str  # the setting that turns it on
    name_field: str  # the file name Exact keeps for the binary
    links: tuple[Link, ...]

    @property
    def endpoint(self) -> Endpoint:
        ep = load_registry().by_stream(self.name).sync
        assert ep is not None, f"{self.name} has no sync endpoint"
        return ep

    @property
    def select(self) -> list[str]:
        wanted = ["Timestamp", "ID", "Modified", self.name_field]
        wanted += [link.field for link in self.links]
        known = self.endpoint.field_map
        return [name for name in wanted if name in known]


SOURCES: tuple[AssetSource, ...] = (
    AssetSource(
        "items", "Items", "asset_pictures", "PictureName",
        (
            Link("picture", "PictureUrl", thumbnail_field="PictureThumbnailUrl",
                 thumbnail_kind="thumbnail"),
            Link("thumbnail", "PictureThumbnailUrl"),
        ),
    ),
    AssetSource(
        "accounts", "Accounts", "asset_logos", "LogoFileName",
        (
            Link("logo", "LogoUrl", thumbnail_field="LogoThumbnailUrl",
                 thumbnail_kind="logo_thumbnail"),
            Link("logo_thumbnail", "LogoThumbnailUrl"),
        ),
    ),
    AssetSource(
        "document_attachments", "DocumentAttachments", "asset_attachments", "FileName",
        (Link("attachment", "Url", image=False, download_param=True),),
    ),
)


@cache
def source_named(name: str) -> AssetSource:
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(name)
