"""Real image files for the photo tests, made with Pillow and pillow-heif: photos carrying
GPS and camera EXIF (and XMP and a comment), a PNG bomb, a truncated JPEG, a PDF."""

from __future__ import annotations

import functools
import io
import struct
import zlib

import pillow_heif
from PIL import Image, ImageCms, ImageDraw

pillow_heif.register_heif_opener()

GPS_IFD = 0x8825
ORIENTATION = 0x0112
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="52,31.0N"/></rdf:RDF></x:xmpmeta>'
)


def picture(width: int = 64, height: int = 48) -> Image.Image:
    """A small picture whose halves differ, so that turning it is visible."""
    image = Image.new("RGB", (width, height), (230, 190, 160))
    ImageDraw.Draw(image).rectangle((0, 0, width // 2, height), fill=(60, 90, 160))
    return image


def gps_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: where (GPS), with what camera, which way up."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    return exif


def jpeg_with_gps(orientation: int = 1, **kwargs: int) -> bytes:
    out = io.BytesIO()
    picture(**kwargs).save(
        out,
        format="JPEG",
        exif=gps_exif(orientation).tobytes(),
        comment=b"Patient: Lena Berg",
        xmp=XMP,
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    return out.getvalue()


def heic_with_gps(orientation: int = 1) -> bytes:
    out = io.BytesIO()
    picture().save(out, format="HEIF", exif=gps_exif(orientation).tobytes(), xmp=XMP)
    return out.getvalue()


def png(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    picture(width, height).save(out, format="PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def png_bomb(side: int = 14_000) -> bytes:
    """A valid PNG of side × side black pixels (196 megapixels for the default, over twice
    Pillow's MAX_IMAGE_PIXELS) that compresses to a few hundred kilobytes: decoded, it
    would take gigabytes."""
    rows = (b"\x00" + b"\x00" * side) * 100
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(rows) for _ in range(side // 100)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    whole = jpeg_with_gps(width=400, height=300)
    return whole[: len(whole) // 2]


def pdf() -> bytes:
    """A minimal PDF (what a file named scan.jpg may really be)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def has_metadata(data: bytes) -> list[str]:
    """What of the metadata survived in an image file, by Pillow and by its raw bytes."""
    found = []
    image = Image.open(io.BytesIO(data))
    if len(image.getexif()):
        found.append("getexif")
    for key in ("exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"):
        if image.info.get(key):
            found.append(f"info[{key}]")
    for marker in (b"Exif", b"GPS", b"xmpmeta", b"PhoneMaker", b"Lena", b"ICC_PROFILE"):
        if marker in data:
            found.append(marker.decode())
    return found
