"""Photos: real JPEGs made here, with EXIF GPS and identifying metadata; what is kept and stripped."""

from __future__ import annotations

import io
from fractions import Fraction

import pytest
from PIL import Image

from diagnostics.io.photos import GPS_IFD, HEIF_SUPPORTED, PhotoError, gps_position, prepare_photo

ARTIST, MAKE, SERIAL = 0x013B, 0x010F, 0xA431  # EXIF tags that identify a person or a device


def jpeg_with_exif(*, gps: bool = True, size=(2400, 1800), orientation: int | None = None, fmt="JPEG") -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    image.paste((20, 40, 200), (0, 0, size[0] // 2, size[1] // 3))  # not uniform: orientation is visible
    exif = Image.Exif()
    exif[ARTIST] = "Adjudant Martin"
    exif[MAKE] = "NEO-Phone"
    exif[0x0132] = "2026:09:15 21:14:00"
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[GPS_IFD] = {
            1: "N",
            2: (Fraction(47), Fraction(26), Fraction(4200, 100)),
            3: "E",
            4: (Fraction(5), Fraction(35), Fraction(3192, 100)),
        }
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif, quality=90, comment=b"owner: agent.gray" if fmt == "JPEG" else None)
    return out.getvalue()


def test_the_gps_position_is_read_from_the_exif():
    photo = prepare_photo(jpeg_with_exif())
    assert photo.gps == pytest.approx((47.445, 5.5922), abs=1e-6)


def test_every_metadata_is_stripped_and_the_photo_resized():
    source = jpeg_with_exif()
    assert b"Adjudant Martin" in source and b"agent.gray" in source and gps_position(Image.open(io.BytesIO(source)))
    photo = prepare_photo(source)
    stored = Image.open(io.BytesIO(photo.jpeg))
    assert stored.format == "JPEG"
    assert max(stored.size) == 1600 and stored.size == (photo.width, photo.height)
    assert len(stored.getexif()) == 0 and not stored.getexif().get_ifd(GPS_IFD)
    assert "exif" not in stored.info and "comment" not in stored.info and "icc_profile" not in stored.info
    for secret in (b"Adjudant Martin", b"NEO-Phone", b"agent.gray", b"2026:09:15"):
        assert secret not in photo.jpeg
    assert gps_position(stored) is None


def test_a_photo_without_position_has_none():
    assert prepare_photo(jpeg_with_exif(gps=False)).gps is None


def test_a_sideways_phone_photo_is_turned_upright():
    photo = prepare_photo(jpeg_with_exif(size=(800, 600), orientation=6))  # rotate 90° on display
    assert (photo.width, photo.height) == (600, 800)


def test_png_is_accepted_and_converted_to_jpeg():
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    photo = prepare_photo(out.getvalue())
    assert photo.source_format == "PNG" and Image.open(io.BytesIO(photo.jpeg)).format == "JPEG"


@pytest.mark.skipif(not HEIF_SUPPORTED, reason="pillow-heif not installed")
def test_heic_is_accepted():
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "green").save(out, format="HEIF")
    photo = prepare_photo(out.getvalue())
    assert photo.source_format == "HEIF" and photo.width == 320


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "vide"),
        (b"%PDF-1.4 not a photo", "pas une photo lisible"),
        (b"<script>alert(1)</script>", "pas une photo lisible"),
    ],
)
def test_files_that_are_not_photos_are_refused_by_content(data, message):
    with pytest.raises(PhotoError, match=message):
        prepare_photo(data)


def test_a_truncated_jpeg_is_refused():
    with pytest.raises(PhotoError, match="pas une photo lisible"):
        prepare_photo(jpeg_with_exif()[:3000])


def test_a_gif_is_refused_even_though_pillow_reads_it():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(PhotoError, match="Format de photo non accepté"):
        prepare_photo(out.getvalue())


def test_a_too_large_file_is_refused():
    with pytest.raises(PhotoError, match="trop lourde"):
        prepare_photo(jpeg_with_exif(), max_bytes=1000)
