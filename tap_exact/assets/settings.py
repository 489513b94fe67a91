"""The asset settings (item pictures, account logos, document attachments as files), read once.

Off by default: with none of ``asset_pictures``/``asset_logos``/``asset_attachments`` set there
is no ``asset_files`` stream and nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from singer_sdk import typing as th

DEFAULT_STORE = "exact-assets"
DEFAULT_THUMBNAIL_SIZE = 256
KIND_SWITCHES = ("asset_pictures", "asset_logos", "asset_attachments")


def asset_properties() -> list[th.Property]:
    return [
        th.Property(
            "asset_pictures", th.BooleanType, default=False,
            description="Download item pictures (Items.PictureUrl) and Exact's thumbnails "
            "(PictureThumbnailUrl) into asset_store; the `asset_files` stream describes each file "
            "(docs/assets.md).",
        ),
        th.Property(
            "asset_logos", th.BooleanType, default=False,
            description="Download account logos (Accounts.LogoUrl, LogoThumbnailUrl) into "
            "asset_store.",
        ),
        th.Property(
            "asset_attachments", th.BooleanType, default=False,
            description="Download document attachment files (DocumentAttachments.Url) into "
            "asset_store.",
        ),
        th.Property(
            "asset_store", th.StringType, default=DEFAULT_STORE,
            description="Where downloaded files go: a directory, or any fsspec URL (s3://bucket/"
            "prefix, gs://, az://, memory:// with the matching fsspec package installed). Files "
            "are stored once by content (sha256/<2>/<sha256>.<ext>); index.json there remembers "
            "what was fetched, so an unchanged file is never downloaded again.",
        ),
        th.Property(
            "asset_thumbnail_size", th.IntegerType, default=DEFAULT_THUMBNAIL_SIZE,
            description="Longest side in pixels of the thumbnails made (with Pillow, the [assets] "
            "extra) for pictures and logos Exact gives no thumbnail for; 0: make none.",
        ),
    ]


@dataclass(frozen=True)
class AssetSettings:
    pictures: bool = False
    logos: bool = False
    attachments: bool = False
    store: str = DEFAULT_STORE
    thumbnail_size: int = DEFAULT_THUMBNAIL_SIZE

    @property
    def enabled(self) -> bool:
        return self.pictures or self.logos or self.attachments

    def wants(self, switch: str) -> bool:
        """``switch``: one of :data:`KIND_SWITCHES`."""
        return bool(getattr(self, switch.removeprefix("asset_")))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AssetSettings:
        size = config.get("asset_thumbnail_size")
        size = DEFAULT_THUMBNAIL_SIZE if size is None or size == "" else size
        if isinstance(size, bool) or not str(size).strip().isdigit():
            raise ValueError(f"asset_thumbnail_size must be a whole number >= 0, not {size!r}")
        store = str(config.get("asset_store") or DEFAULT_STORE).strip()
        return cls(
            pictures=_flag(config, "asset_pictures"),
            logos=_flag(config, "asset_logos"),
            attachments=_flag(config, "asset_attachments"),
            store=store,
            thumbnail_size=int(str(size).strip()),
        )


def _flag(config: Mapping[str, Any], key: str) -> bool:
    value = config.get(key)
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"{key} must be true or false, not {value!r}")
