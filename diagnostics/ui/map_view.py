"""The Carte de commandement's view (centre and zoom) kept in the URL, beside the filters:
`?carte=14/47.44500/5.59220` (zoom/latitude/longitude, as OpenStreetMap writes it).

A reload (F5) or a bookmark opens the map where it was. The view read from the URL is kept for
the session's first map only (same filters): after that the map's HTML must not change when
the person pans, or streamlit-folium would rebuild it, and a change of filters frames the new
selection as before.
"""

from __future__ import annotations

import streamlit as st

from diagnostics.maps.base import MAX_ZOOM

PARAM = "carte"
OPENING = "map_opening_view"  # session: (filters key, view) read from the URL at the first run
CLOSE_DEGREES = 0.05  # observations closer than this (about 4 km) open on the scope's territory
MODE = "map_mode"  # session: the map's layers/mode at the last run (heatmap, outside zones…)


def decode(raw: str | None) -> tuple[float, float, int] | None:
    """(lat, lon, zoom) from « zoom/lat/lon », or None for anything else."""
    try:
        zoom, lat, lon = raw.split("/")
        view = float(lat), float(lon), int(zoom)
    except (AttributeError, ValueError):
        return None
    lat, lon, zoom = view
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 1 <= zoom <= MAX_ZOOM):
        return None
    return view


def encode(lat: float, lon: float, zoom: int) -> str:
    return f"{int(zoom)}/{lat:.5f}/{lon:.5f}"


def opening_view(filters_key) -> tuple[float, float, int] | None:
    """The view to open the map at: the URL's, while the filters are those the page opened with."""
    if OPENING not in st.session_state:
        view = decode(st.query_params.get(PARAM))
        if view is None:
            return None  # not frozen: the URL may not be there yet at the session's first runs
        st.session_state[OPENING] = (filters_key, view)
    key, view = st.session_state[OPENING]
    return view if key == filters_key else None


def remember(result: dict | None) -> None:
    """Write the view the map reports (after a pan or a zoom) to the URL; nothing else changes."""
    center, zoom = (result or {}).get("center"), (result or {}).get("zoom")
    if not isinstance(center, dict) or not isinstance(zoom, int | float):
        return  # streamlit-folium's value before the map has reported anything
    try:
        encoded = encode(float(center["lat"]), float(center["lng"]), int(zoom))
    except (KeyError, TypeError, ValueError):
        return
    st.session_state.setdefault(OPENING, (None, None))  # the map opened: the URL's view is no longer news
    if decode(encoded) is not None and st.query_params.get(PARAM) != encoded:
        st.query_params[PARAM] = encoded


FROZEN = "map_frozen_view"  # session: the view read from the URL at the map's first run, or None


def frozen_view() -> tuple[float, float, int] | None:
    """The URL's view at the map's first run in this session, then always that one: the map's
    HTML stays the same whatever the person does (the map writes its own view to the URL)."""
    if FROZEN not in st.session_state:
        st.session_state[FROZEN] = decode(st.query_params.get(PARAM))
    return st.session_state[FROZEN]


def follow_mode(mode) -> None:
    """A toggle of the map's layers or mode (heatmap on or off…) builds another map: it opens
    where the person left the previous one, read again from the URL (both maps write it there),
    never at the view the session first opened on."""
    if st.session_state.get(MODE, mode) != mode:
        st.session_state.pop(FROZEN, None)
        st.session_state.pop(OPENING, None)
    st.session_state[MODE] = mode


def opening_bounds(extent, territory):
    """The scope's observations, or its territory when they are none or a few close together
    (two points in Lons-le-Saunier would open on an almost empty map)."""
    if extent is None:
        return territory
    west, south, east, north = extent
    if territory is not None and max(east - west, north - south) < CLOSE_DEGREES:
        return territory
    return extent
