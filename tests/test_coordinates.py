"""Typed coordinates: decimal degrees, DMS and Lambert-93, and clear refusals in French."""

from __future__ import annotations

import pytest

from diagnostics import coordinates
from diagnostics.coordinates import CoordinateError, format_dms, parse_position, to_lambert93

GRAY = (47.445, 5.5922)


@pytest.mark.parametrize(
    "text",
    [
        "47.4450, 5.5922",
        "47,4450 ; 5,5922",
        "47,4450 5,5922",
        "47.445,5.5922",
        "  47.445   5.5922 ",
        "47.445N 5.5922E",
        "N 47.445 E 5.5922",
    ],
)
def test_decimal_degrees(text):
    position = parse_position(text)
    assert (position.latitude, position.longitude) == GRAY


@pytest.mark.parametrize(
    "text",
    [
        "47°26'42\"N 5°35'31.92\"E",
        "47°26'42''N, 5°35'31.92''E",
        "N 47 26 42 E 5 35 31.92",
        "47 26 42 N 5 35 31,92 E",
        "E 5°35'31.92\" N 47°26'42\"",  # longitude first, told by the letters
        "47°26.7'N 5°35.532'E",  # degrees and decimal minutes
    ],
)
def test_degrees_minutes_seconds(text):
    position = parse_position(text)
    assert position.source == "dms"
    assert position.latitude == pytest.approx(GRAY[0], abs=1e-6)
    assert position.longitude == pytest.approx(GRAY[1], abs=1e-6)


def test_south_and_west_are_negative():
    position = parse_position("33°51'35\"S 151°12'40\"O")
    assert position.latitude < 0 and position.longitude < 0


@pytest.mark.parametrize("order", ["xy", "yx"])
def test_lambert93_is_recognised_by_magnitude(order):
    x, y = to_lambert93(*GRAY)
    text = f"{x:.1f} {y:.1f}" if order == "xy" else f"{y:.1f} {x:.1f}"
    position = parse_position(text)
    assert position.source == "lambert93"
    assert position.latitude == pytest.approx(GRAY[0], abs=1e-5)
    assert position.longitude == pytest.approx(GRAY[1], abs=1e-5)


def test_lambert93_with_french_decimal_commas():
    x, y = to_lambert93(*GRAY)
    position = parse_position(f"{x:.2f}; {y:.2f}".replace(".", ","))
    assert position.latitude == pytest.approx(GRAY[0], abs=1e-5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Saisissez des coordonnées"),
        ("   ", "Saisissez des coordonnées"),
        ("la mairie", "Coordonnées illisibles"),
        ("47.445", "Coordonnées illisibles"),
        ("47.4 5.5 3.3 2.2 1.1 0.5 7", "Coordonnées illisibles"),
        ("95.2, 5.59", "Latitude hors limites"),
        ("47.4, 195", "Longitude hors limites"),
        ("47°75'00\"N 5°35'00\"E", "Minutes ou secondes hors limites"),
        ("N 47 26 42 N 5 35 31", "même orientation"),
        ("12345 6707500", "Lambert-93 hors de la France métropolitaine"),
        ("2500000 9000000", "Lambert-93 hors de la France métropolitaine"),
        ("nan nan", "Coordonnées illisibles"),
        ("<script>alert(1)</script>", "Coordonnées illisibles"),
    ],
)
def test_bad_values_are_refused_in_french(text, expected):
    with pytest.raises(CoordinateError, match=expected):
        parse_position(text)


def test_format_dms_reads_back():
    text = format_dms(*GRAY)
    assert text.startswith("47°26'")
    assert parse_position(text).latitude == pytest.approx(GRAY[0], abs=1e-4)


def test_swapped_coordinates_are_recognised_near_the_commune():
    around_gray = (5.0, 47.0, 6.2, 47.9)
    swapped = coordinates.parse_position("5.5905, 47.4439")
    assert coordinates.looks_swapped(swapped, around_gray)
    assert "semblent inversées" in coordinates.swapped_message(swapped, around_gray)
    assert not coordinates.looks_swapped(coordinates.parse_position("47.4439, 5.5905"), around_gray)
    assert not coordinates.looks_swapped(coordinates.parse_position("12.5, 40.1"), around_gray)  # just far away
