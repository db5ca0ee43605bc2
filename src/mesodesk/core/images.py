"""Turning an uploaded photo into one that is safe to keep: no Django here, only Pillow.

An upload is refused unless its bytes (never its name or declared type) are a JPEG, a PNG
or a HEIC, within 25 MB and 50 megapixels. Pillow's own decompression-bomb guard
(DecompressionBombWarning above `Image.MAX_IMAGE_PIXELS`, DecompressionBombError above
twice that) is turned into a refusal too, as is a truncated or corrupt file.

What is kept is re-encoded from pixels: the decoded image is turned upright once
(`ImageOps.exif_transpose`; pillow-heif turns a HEIC upright as it opens it and resets its
orientation tag, so the call is then a no-op), converted to sRGB, copied into a new image
that carries nothing but pixels and saved as a JPEG with no EXIF, GPS, XMP, ICC profile,
comments, embedded thumbnails or depth maps. The thumbnail is made from the same pixels, at
upload, once.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

# Pillow and pillow-heif are imported when a photo is cleaned, not when a web worker
# starts (8 MB of every worker; most requests never see a photo).
if TYPE_CHECKING:
    from PIL import Image

MAX_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 50_000_000
THUMBNAIL_SIDE = 480
QUALITY = 90
THUMBNAIL_QUALITY = 82
# The Pillow format names we decode; nothing else is ever opened.
FORMATS = {"jpeg": "JPEG", "png": "PNG", "heic": "HEIF"}
# ISO BMFF brands of HEIC (HEVC-coded HEIF) images and image sequences (ISO/IEC 23008-12).
HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}


class ImageRefused(Exception):
    """An upload that is not kept: `code` for programs, `message` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded photo and its thumbnail (both JPEG), and what was learnt on the way."""

    image: bytes
    thumbnail: bytes
    width: int
    height: int
    source_format: str
    sha256: str


def sniff(data: bytes) -> str | None:
    """ "jpeg", "png" or "heic" from the file's first bytes, or None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    # A HEIF file opens with an `ftyp` box: size, "ftyp", major brand, minor version, then
    # compatible brands; a HEIC names an HEVC brand among them.
    if len(data) >= 16 and data[4:8] == b"ftyp":
        size = int.from_bytes(data[:4], "big")
        box = data[8 : max(16, min(size, 64))]
        brands = {box[0:4]} | {box[i : i + 4] for i in range(8, len(box) - 3, 4)}
        # A generic HEIF brand (mif1) alone may be AVIF or JPEG-in-HEIF: not accepted.
        if brands & HEIC_BRANDS:
            return "heic"
    return None


@cache
def _pillow_with_heic() -> None:
    """Lets Pillow open HEIC files (once per process)."""
    import pillow_heif

    pillow_heif.register_heif_opener()


def _open(data: bytes, kind: str) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[FORMATS[kind]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
        raise ImageRefused(
            "decompression_bomb",
            "This file would unpack into far more pixels than a photo has "
            "(a decompression bomb): it was not opened.",
        ) from bomb
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageRefused(
            "unreadable", "This file is damaged or not a complete image: take the photo again."
        ) from error
    return image


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageRefused(
            "too_many_pixels",
            f"The image is {width} × {height} pixels ({width * height / 1e6:.0f} megapixels); "
            f"at most {MAX_PIXELS // 1_000_000} megapixels are accepted.",
        )


def _to_srgb(image: Image.Image) -> Image.Image:
    """The pixels in sRGB: a photo in another colour space (Display P3 on phones) would
    look washed out once its profile is dropped, so it is converted, not just stripped."""
    from PIL import Image, ImageCms

    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            converted = ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode
            )
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: keep the pixels as they are
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        image = image.point(lambda value: value / 256).convert("L")
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def clean_image(data: bytes) -> CleanImage:
    """The photo re-encoded from its pixels, and its thumbnail; ImageRefused with a code
    (empty, too_large, not_an_image, too_many_pixels, decompression_bomb, unreadable)."""
    if not data:
        raise ImageRefused("empty", "The file is empty: choose or take a photo.")
    if len(data) > MAX_BYTES:
        raise ImageRefused(
            "too_large",
            f"The file is {len(data) / 1024 / 1024:.1f} MB; at most "
            f"{MAX_BYTES // 1024 // 1024} MB are accepted.",
        )
    kind = sniff(data)
    if kind is None:
        raise ImageRefused(
            "not_an_image", "This file is not a JPEG, PNG or HEIC photo, whatever its name."
        )
    # A truncated file is refused, never padded with grey: WeasyPrint (the consent PDFs)
    # sets Pillow's process-wide LOAD_TRUNCATED_IMAGES to True when it is imported, which
    # would let a cut photo through. Nothing here wants it True, so it is put back first.
    from PIL import Image, ImageFile, ImageOps

    _pillow_with_heic()
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    image = _open(data, kind)
    _check_pixels(image)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            upright = ImageOps.exif_transpose(image)
            pixels = _to_srgb(upright)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
        raise ImageRefused(
            "decompression_bomb", "This file unpacks into too many pixels."
        ) from bomb
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRefused(
            "unreadable", "This file is damaged or not a complete image: take the photo again."
        ) from error
    # A new image from the raw pixels alone: nothing of the file's info dict comes along.
    clean = Image.frombytes("RGB", pixels.size, pixels.tobytes())
    encoded = _jpeg(clean, QUALITY)
    small = clean.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return CleanImage(
        image=encoded,
        thumbnail=_jpeg(small, THUMBNAIL_QUALITY),
        width=clean.width,
        height=clean.height,
        source_format=kind,
        sha256=hashlib.sha256(encoded).hexdigest(),
    )
