"""The safe handling of uploads (mesodesk.core.images) through real files: what comes out
carries pixels only, and what is not a photo, too big or a bomb is refused with a code."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from mesodesk.core import images
from mesodesk.core.images import ImageRefused, clean_image, sniff
from tests.photos import files


def refusal(data: bytes) -> str:
    with pytest.raises(ImageRefused) as refused:
        clean_image(data)
    assert refused.value.message  # a sentence for people, beside the code
    return refused.value.code


def test_a_jpeg_with_gps_exif_comes_back_with_no_metadata_at_all() -> None:
    original = files.jpeg_with_gps()
    assert "GPS" in files.has_metadata(original)
    clean = clean_image(original)
    assert files.has_metadata(clean.image) == []
    assert files.has_metadata(clean.thumbnail) == []
    assert Image.open(io.BytesIO(clean.image)).format == "JPEG"
    assert (clean.width, clean.height, clean.source_format) == (64, 48, "jpeg")


def test_a_heic_with_gps_exif_comes_back_as_a_jpeg_with_no_metadata_at_all() -> None:
    original = files.heic_with_gps()
    assert "GPS" in files.has_metadata(original)
    clean = clean_image(original)
    assert files.has_metadata(clean.image) == []
    assert clean.source_format == "heic"
    assert Image.open(io.BytesIO(clean.image)).size == (64, 48)


@pytest.mark.parametrize("make", [files.jpeg_with_gps, files.heic_with_gps])
def test_orientation_is_applied_exactly_once(make: object) -> None:
    # EXIF orientation 6: the camera was turned; the photo must come out upright (portrait),
    # not turned twice back to landscape.
    clean = clean_image(make(orientation=6))  # type: ignore[operator]
    assert (clean.width, clean.height) == (48, 64)
    upright = Image.open(io.BytesIO(clean.image)).convert("RGB")
    # The blue left half of the picture is at the top once turned upright.
    top, bottom = upright.getpixel((24, 5)), upright.getpixel((24, 58))
    assert top[2] > top[0] and bottom[0] > bottom[2]  # type: ignore[index]


def test_a_png_is_kept_as_a_jpeg_with_a_thumbnail() -> None:
    clean = clean_image(files.png(1200, 900))
    assert clean.source_format == "png"
    thumb = Image.open(io.BytesIO(clean.thumbnail))
    assert max(thumb.size) == images.THUMBNAIL_SIDE
    assert len(clean.sha256) == 64


def test_a_png_bomb_is_refused_as_a_decompression_bomb() -> None:
    assert refusal(files.png_bomb()) == "decompression_bomb"


def test_a_truncated_file_is_refused() -> None:
    assert refusal(files.truncated_jpeg()) == "unreadable"


def test_a_pdf_named_jpg_is_refused_by_its_bytes() -> None:
    assert sniff(files.pdf()) is None
    assert refusal(files.pdf()) == "not_an_image"


def test_other_images_and_nothing_are_refused() -> None:
    gif = io.BytesIO()
    files.picture().save(gif, format="GIF")
    assert refusal(gif.getvalue()) == "not_an_image"
    assert refusal(b"") == "empty"


def test_over_25_mb_is_refused_before_anything_is_decoded() -> None:
    assert refusal(b"\xff\xd8\xff" + b"\x00" * images.MAX_BYTES) == "too_large"


def test_over_50_megapixels_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # 7,100 × 7,100 = 50.4 megapixels: under Pillow's own bomb limit, over ours.
    assert refusal(files.png_bomb(7_100)) == "too_many_pixels"
    monkeypatch.setattr(images, "MAX_PIXELS", 40 * 30 - 1)
    assert refusal(files.png(40, 30)) == "too_many_pixels"


def test_a_heic_brand_is_recognised_and_a_lookalike_is_not() -> None:
    assert sniff(files.heic_with_gps()) == "heic"
    assert sniff(b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00mif1avif") is None


def test_a_truncated_file_is_refused_after_the_consent_pdfs_loaded_weasyprint() -> None:
    """Importing WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process; a
    cut photo must still be refused in a worker that has rendered a consent."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as weasyprint.images leaves it
    try:
        assert refusal(files.truncated_jpeg()) == "unreadable"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
