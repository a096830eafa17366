"""Photos taken in the field: checked by content, resized, stripped of metadata.

`prepare_photo(data)` takes the bytes a phone sent (JPEG, PNG, HEIC/HEIF when pillow-heif is
installed) and returns a JPEG re-encoded from the pixels only, so no EXIF (camera serial,
owner name, date, position), XMP or ICC comment survives, and the GPS position found in the
EXIF, if any, apart. The file name and the declared type are never trusted: the content is.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

try:  # HEIC, the iPhone default; optional so that a machine without the wheel still runs
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the installation
    HEIF_SUPPORTED = False

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_SIDE_PX = 1600
JPEG_QUALITY = 82
ACCEPTED_FORMATS = {"JPEG", "PNG", "MPO"} | ({"HEIF"} if HEIF_SUPPORTED else set())
UPLOAD_EXTENSIONS = ["jpg", "jpeg", "png"] + (["heic", "heif"] if HEIF_SUPPORTED else [])
# Decompression bombs: a 20 MB PNG can hold a billion pixels. Pillow only refuses past twice its
# MAX_IMAGE_PIXELS (it warns below that), so the count is checked from the header, before decoding.
MAX_PIXELS = 50_000_000  # the largest phone sensors in common use give 48 megapixels
Image.MAX_IMAGE_PIXELS = 5 * MAX_PIXELS  # Pillow's own guard, for headers too big to read sizes from

GPS_IFD = 0x8825
_GPS_LATITUDE_REF, _GPS_LATITUDE, _GPS_LONGITUDE_REF, _GPS_LONGITUDE = 1, 2, 3, 4

MESSAGES = {
    "empty": "Le fichier envoyé est vide.",
    "too_large": "Photo trop lourde ({size} Mo, {limit} Mo au maximum).",
    "not_image": "Ce fichier n'est pas une photo lisible (JPEG, PNG{heic} attendu).",
    "format": "Format de photo non accepté ({format}) : JPEG, PNG{heic} attendu.",
    "too_many_pixels": (
        "Photo trop grande : {width} × {height} pixels ({megapixels} mégapixels, {limit} au plus). "
        "Réduisez-la avant de l'envoyer."
    ),
    "too_many_pixels_plain": "Photo trop grande ({limit} mégapixels au plus). Réduisez-la avant de l'envoyer.",
}


class PhotoError(ValueError):
    """The file is not an acceptable photo; the message is French."""


@dataclass(frozen=True)
class PreparedPhoto:
    jpeg: bytes  # re-encoded, without any metadata
    width: int
    height: int
    source_format: str
    gps: tuple[float, float] | None  # (latitude, longitude) from the EXIF, if present


def prepare_photo(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES, max_side: int = MAX_SIDE_PX) -> PreparedPhoto:
    """Validate, orient, resize and re-encode a photo; PhotoError in French when refused."""
    heic = ", HEIC" if HEIF_SUPPORTED else ""
    if not data:
        raise PhotoError(MESSAGES["empty"])
    if len(data) > max_bytes:
        raise PhotoError(MESSAGES["too_large"].format(size=_megabytes(len(data)), limit=_megabytes(max_bytes)))
    image = _open(data, heic)
    source_format = "JPEG" if image.format == "MPO" else str(image.format)
    gps = gps_position(image)
    image = ImageOps.exif_transpose(image)  # phones store portrait photos sideways plus a flag
    image = _rgb(image)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh image from the pixels: no exif=, no icc_profile=, no comment; Pillow writes none.
    Image.frombytes("RGB", image.size, image.tobytes()).save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return PreparedPhoto(out.getvalue(), image.width, image.height, source_format, gps)


THUMBNAIL_SIDE_PX = 320


def thumbnail(jpeg: bytes, *, max_side: int = THUMBNAIL_SIDE_PX) -> bytes:
    """A small JPEG of a stored photo, for lists (the full photo is shown on demand)."""
    with Image.open(io.BytesIO(jpeg)) as image:
        image = _rgb(image)
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=75)
    return out.getvalue()


def _open(data: bytes, heic: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
        source_format = image.format
    except Image.DecompressionBombError as exc:  # past twice the limit, Pillow refuses at opening
        raise PhotoError(MESSAGES["too_many_pixels_plain"].format(limit=MAX_PIXELS // 1_000_000)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(MESSAGES["not_image"].format(heic=heic)) from exc
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise PhotoError(
            MESSAGES["too_many_pixels"].format(
                width=width, height=height, megapixels=round(width * height / 1e6), limit=MAX_PIXELS // 1_000_000
            )
        )
    try:
        image.load()  # decodes every pixel: a truncated or forged file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoError(MESSAGES["not_image"].format(heic=heic)) from exc
    if source_format not in ACCEPTED_FORMATS:
        raise PhotoError(MESSAGES["format"].format(format=source_format, heic=heic))
    return image


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def gps_position(image: Image.Image) -> tuple[float, float] | None:
    """(latitude, longitude) in WGS84 from the photo's EXIF GPS block, or None."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:  # a malformed EXIF block is not a reason to refuse the photo
        return None
    if not gps:
        return None
    try:
        latitude = _degrees(gps[_GPS_LATITUDE], gps.get(_GPS_LATITUDE_REF, "N"), "S")
        longitude = _degrees(gps[_GPS_LONGITUDE], gps.get(_GPS_LONGITUDE_REF, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude == 0 and longitude == 0):
        return None
    return round(latitude, 7), round(longitude, 7)


def _degrees(value, reference, negative: str) -> float:
    degrees, minutes, seconds = (float(part) for part in value)
    result = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(result):
        raise ValueError("not a number")
    if isinstance(reference, bytes):
        reference = reference.decode("ascii", "ignore")
    return -result if str(reference).strip().upper().startswith(negative) else result


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")
