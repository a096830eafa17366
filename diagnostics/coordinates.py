"""Typed positions: decimal degrees, degrees-minutes-seconds or Lambert-93, to WGS84.

Agents type what their GPS app or a paper map shows them. `parse_position` accepts:

- decimal degrees, latitude first: « 47.4450, 5.5922 », « 47,4450 ; 5,5922 », « 47.445 5.592 »,
  with optional hemisphere letters (« 47.445N 5.592E »);
- degrees-minutes-seconds or degrees and decimal minutes: « 47°26'42"N 5°35'32"E »,
  « N 47 26 42 E 5 35 32 », « 47°26.7' N, 5°35.53' E »;
- Lambert-93 (EPSG:2154) X then Y in metres: « 917300 6707500 », recognised by magnitude.

Every refusal raises `CoordinateError` with a French message saying what was expected.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

# Metropolitan France in Lambert-93, with a margin: X 100–1 300 km, Y 6 000–7 200 km.
L93_X_RANGE = (100_000.0, 1_300_000.0)
L93_Y_RANGE = (6_000_000.0, 7_200_000.0)

EXAMPLES = "ex. « 47.4450, 5.5922 », « 47°26'42\"N 5°35'32\"E » ou Lambert-93 « 917300 6707500 »"

MESSAGES = {
    "empty": "Saisissez des coordonnées ({examples}).",
    "unreadable": "Coordonnées illisibles : « {text} ». Formats acceptés : {examples}.",
    "latitude_range": "Latitude hors limites ({value} ; entre -90 et 90 attendu).",
    "longitude_range": "Longitude hors limites ({value} ; entre -180 et 180 attendu).",
    "minutes_range": "Minutes ou secondes hors limites ({value} ; moins de 60 attendu).",
    "hemisphere": "Les deux coordonnées ont la même orientation ({letters}) : une latitude (N/S) et "
    "une longitude (E/O) sont attendues.",
    "lambert_range": "Coordonnées Lambert-93 hors de la France métropolitaine (X {x:.0f}, Y {y:.0f}) : "
    "X entre 100 000 et 1 300 000 m, Y entre 6 000 000 et 7 200 000 m attendus.",
    "swapped": "Latitude ({lat}) et longitude ({lon}) semblent inversées : ici la latitude vaut environ "
    "{south} à {north} et la longitude {west} à {east}.",
    "lambert_partial": "Ces nombres ressemblent à du Lambert-93 mais l'un d'eux est trop petit : "
    "X puis Y en mètres attendus ({examples}).",
}


class CoordinateError(ValueError):
    """The typed text is not a position; the message is French and says what is expected."""


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    source: str  # "decimal", "dms" or "lambert93"


def _error(key: str, **values) -> CoordinateError:
    return CoordinateError(MESSAGES[key].format(examples=EXAMPLES, **values))


_NUMBER = r"\d+(?:[.,]\d+)?"
# One DMS or decimal component: degrees, optional minutes and seconds (with or without
# symbols), and a hemisphere letter either before or after (never both: in « N 47 26 E 5 35 »
# the E belongs to the second component).
_DEGREES = rf"""
    (?P<sign>[-+])?
    (?P<deg>{_NUMBER})\s*(?:°|º)?\s*
    (?:(?P<min>{_NUMBER})\s*(?:'|′|’)?\s*)?
    (?:(?P<sec>{_NUMBER})\s*(?:"|″|''|’’)?\s*)?
"""
_LEADING = re.compile(rf"(?P<pre>[NSEOW])\s*{_DEGREES}", re.VERBOSE)
_TRAILING = re.compile(rf"{_DEGREES}(?P<post>[NSEOW])?", re.VERBOSE)


def parse_position(text: str) -> Position:
    """The WGS84 position typed in `text`, or CoordinateError with a French message."""
    cleaned = _normalise(text)
    if not cleaned:
        raise _error("empty")
    numbers = _plain_numbers(cleaned)
    if numbers is not None:
        first, second = numbers
        if abs(first) > 1000 or abs(second) > 1000:
            return _from_lambert93(first, second)
        return _checked(first, second, "decimal")
    return _parse_components(cleaned, text)


def _normalise(text: str) -> str:
    value = (text or "").strip().upper()
    value = value.replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", value)


def _plain_numbers(text: str) -> tuple[float, float] | None:
    """Two bare numbers (no letters or symbols), French decimal commas allowed."""
    if re.search(r"[^\d\s.,;+\-]", text):
        return None
    parts = [p for p in re.split(r"\s*;\s*|\s+", text.strip()) if p]
    if len(parts) == 1 and text.count(",") == 1 and "." in text:
        parts = text.split(",")  # « 47.445,5.592 »
    elif len(parts) == 1 and text.count(",") == 3:
        a, b, c, d = text.split(",")  # « 47,445,5,592 »: ambiguous but common
        parts = [f"{a}.{b}", f"{c}.{d}"]
    elif len(parts) == 2:
        pass
    elif len(parts) == 1 and text.count(",") == 1:
        parts = text.split(",")  # « 47,5 » is one number; two integers « 47,5 » are rare
    else:
        parts = [p.rstrip(",") for p in parts if p != ","]
    if len(parts) != 2:
        return None
    try:
        return tuple(float(p.strip().rstrip(",").replace(",", ".")) for p in parts)  # type: ignore[return-value]
    except ValueError:
        return None


def _parse_components(cleaned: str, original: str) -> Position:
    # A comma between the two components, or between degrees and minutes, is punctuation here
    # unless it sits between two digits (a decimal comma).
    text = re.sub(r"(?<!\d),|,(?!\d)|;", " ", cleaned)
    text = re.sub(r"\s+", " ", text).strip()
    components = []
    position = 0
    while position < len(text) and len(components) < 3:
        pattern = _LEADING if text[position] in "NSEOW" else _TRAILING
        match = pattern.match(text, position)
        if not match or match.end() == position or not match.group("deg"):
            raise _error("unreadable", text=original.strip())
        components.append(match)
        position = match.end()
        while position < len(text) and text[position] == " ":
            position += 1
    if len(components) != 2 or position < len(text):
        raise _error("unreadable", text=original.strip())
    values = []
    letters = []
    for match in components:
        groups = match.groupdict()
        letter = (groups.get("pre") or groups.get("post") or "").upper()
        letters.append(letter)
        values.append(_component_value(match, letter))
    latitude, longitude = values
    if letters[0] in "EOW" and letters[0] and letters[1] in "NS" and letters[1]:
        latitude, longitude = longitude, latitude  # « E 5 35 32 N 47 26 42 »
    elif letters[0] and letters[1] and _axis(letters[0]) == _axis(letters[1]):
        raise _error("hemisphere", letters=f"{letters[0]}/{letters[1]}")
    return _checked(latitude, longitude, "dms")


def _axis(letter: str) -> str:
    return "lat" if letter in "NS" else "lon"


def _component_value(match: re.Match, letter: str) -> float:
    def number(name: str) -> float:
        raw = match.group(name)
        return float(raw.replace(",", ".")) if raw else 0.0

    degrees, minutes, seconds = number("deg"), number("min"), number("sec")
    for part in (minutes, seconds):
        if part >= 60:
            raise _error("minutes_range", value=_french(part))
    value = degrees + minutes / 60 + seconds / 3600
    if match.group("sign") == "-" or letter in ("S", "O", "W"):
        value = -value
    return value


def _checked(latitude: float, longitude: float, source: str) -> Position:
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise _error("latitude_range", value=_french(latitude))
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise _error("longitude_range", value=_french(longitude))
    return Position(round(latitude, 7), round(longitude, 7), source)


def _from_lambert93(x: float, y: float) -> Position:
    if x > y:
        x, y = y, x  # Y (northing, millions) is always larger than X in metropolitan France
    if abs(x) <= 1000:
        raise _error("lambert_partial")
    if not (L93_X_RANGE[0] <= x <= L93_X_RANGE[1] and L93_Y_RANGE[0] <= y <= L93_Y_RANGE[1]):
        raise _error("lambert_range", x=x, y=y)
    longitude, latitude = _lambert93_to_wgs84().transform(x, y)
    return _checked(latitude, longitude, "lambert93")


@lru_cache(maxsize=1)
def _lambert93_to_wgs84():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)


def looks_swapped(position: Position, bounds: tuple[float, float, float, float]) -> bool:
    """True when `position` lies outside `bounds` (west, south, east, north) but would lie
    inside with latitude and longitude exchanged: « 5.5905, 47.4439 » typed for Gray."""

    def inside(latitude: float, longitude: float) -> bool:
        west, south, east, north = bounds
        return south <= latitude <= north and west <= longitude <= east

    return not inside(position.latitude, position.longitude) and inside(position.longitude, position.latitude)


def swapped_message(position: Position, bounds: tuple[float, float, float, float]) -> str:
    west, south, east, north = (round(value) for value in bounds)
    lat, lon = (f"{value:.5f}".replace(".", ",") for value in (position.latitude, position.longitude))
    return MESSAGES["swapped"].format(lat=lat, lon=lon, west=west, south=south, east=east, north=north)


def to_lambert93(latitude: float, longitude: float) -> tuple[float, float]:
    """X, Y in Lambert-93 for a WGS84 position (used by tests and to show both forms)."""
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True).transform(longitude, latitude)


def format_dms(latitude: float, longitude: float) -> str:
    """« 47°26'42.0"N 5°35'32.0"E »."""

    def part(value: float, positive: str, negative: str) -> str:
        letter = positive if value >= 0 else negative
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = (value - degrees - minutes / 60) * 3600
        return f"{degrees}°{minutes:02d}'{seconds:04.1f}\"{letter}"

    return f"{part(latitude, 'N', 'S')} {part(longitude, 'E', 'O')}"


def _french(value: float) -> str:
    return f"{value:g}".replace(".", ",")
