"""Photos: the pixel count is checked from the header, before anything is decoded."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from diagnostics.io.photos import PhotoError, prepare_photo


def test_a_144_megapixel_photo_of_a_few_kilobytes_is_refused_before_decoding():
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, format="PNG", optimize=True)
    data = buffer.getvalue()
    assert len(data) < 100_000  # a few kilobytes for 144 million pixels
    started = time.perf_counter()
    with pytest.raises(PhotoError, match="12000 × 12000 pixels \\(144 mégapixels, 50 au plus\\)"):
        prepare_photo(data)
    assert time.perf_counter() - started < 0.5  # refused from the header: nothing was decoded


def test_a_photo_past_pillows_own_guard_gets_the_same_reason():
    buffer = io.BytesIO()
    Image.new("1", (24_000, 24_000)).save(buffer, format="PNG")
    with pytest.raises(PhotoError, match="Photo trop grande"):
        prepare_photo(buffer.getvalue())
