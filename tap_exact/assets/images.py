"""Reading and shrinking images with Pillow (the ``[assets]`` extra).

Without Pillow, images are stored as Exact sends them (checked by Content-Type only), without
dimensions, and no thumbnails are made; the stream says so once at the start.
"""

from __future__ import annotations

import importlib.util
import io
from dataclasses import dataclass


class BrokenImage(ValueError):
    """Bytes that are not a readable image."""


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int


def pillow_available() -> bool:
    return importlib.util.find_spec("PIL") is not None


def inspect(data: bytes) -> ImageInfo | None:
    """The image's size, after decoding it in full (a truncated file fails here); None without
    Pillow."""
    if not pillow_available():
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return ImageInfo(*image.size)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise BrokenImage(f"not a readable image ({exc})") from exc


def thumbnail(data: bytes, size: int) -> tuple[bytes, ImageInfo]:
    """A PNG whose longest side is ``size`` pixels (never enlarged), aspect ratio kept."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        image = opened
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        width, height = image.size
        scale = min(1.0, size / max(width, height))
        target = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = image.resize(target, Image.Resampling.LANCZOS) if target != image.size else image
        out = io.BytesIO()
        small.save(out, format="PNG", optimize=True)
        return out.getvalue(), ImageInfo(*small.size)
