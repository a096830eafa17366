"""Where the observation is: a tap on the field map, a drawn line or polygon, « Ma position »,
typed coordinates or a place found by name."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st
from shapely.geometry import shape

from diagnostics import config, coordinates, maps
from diagnostics.services import places, reference
from diagnostics.services.observations import ObservationFilter, observations_frame
from diagnostics.ui import common
from diagnostics.ui.field import notices
from diagnostics.ui.field.drafts import save_draft

MAP_KEY = "field_map"
AREA = "field_area"  # the box around the diagnostic's commune: typed positions should fall in it
SWAPPED = "obs_coords_swapped"
HELP = (
    "Touchez la carte pour placer un point, ou dessinez une **ligne** (rue sombre) ou un **polygone** "
    "(zone de regroupement) avec les outils à gauche. Deux doigts pour déplacer la carte."
)


def field_map(db, actor, diagnostic) -> None:
    """The map of the diagnostic's commune: a tap places the point, the tools draw a shape.

    The map itself depends on the diagnostic only, so it is built once and kept in the browser
    with its view (zoom, centre) and any shape being drawn; what changes at each tap or save
    (the observations, the point or shape being placed) is its overlay."""
    st.markdown(HELP)
    commune, context = _commune_and_context(db, diagnostic.commune_insee)
    st.session_state[AREA] = _around(commune)
    m = maps.build_field_map(commune, tiles=config.tile_sources(), draw=True, locate=True, context=context)
    overlay = maps.field_overlay(
        observations_frame(db, actor, ObservationFilter(diagnostic_id=diagnostic.id)),
        pending=pending_point(),
        pending_shape=pending_shape(),
    )
    result = common.show_map(
        m,
        key=MAP_KEY,
        height=440,
        returned_objects=["last_clicked", "last_active_drawing"],
        feature_group_to_add=overlay,
    )
    if _apply_click(actor, result) | _apply_drawing(actor, result):
        st.rerun()  # show the new point or shape on the overlay


def _around(commune: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    west, south, east, north = (float(v) for v in commune.total_bounds)
    return west - 0.5, south - 0.5, east + 0.5, north + 0.5


@common.reference_cache()
def _commune_and_context(db, insee: str) -> tuple[gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame]]:
    """The commune, and around it the sectors, patrol zones, sites and communes (for their names)."""
    commune = reference.communes_frame(db, (insee,))
    west, south, east, north = commune.total_bounds
    margin = max(east - west, north - south) * 0.25

    def near(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return frame.cx[west - margin : east + margin, south - margin : north + margin]

    sectors, zones, sites = common.context_layers(db)
    communes = pd.concat([commune, reference.neighbours_frame(db, insee)], ignore_index=True)
    return commune, {"sectors": near(sectors), "zones": near(zones), "sites": near(sites), "communes": communes}


def pending_point() -> tuple[float, float] | None:
    if st.session_state.get("obs_shape"):
        return None
    lat, lon = st.session_state.get("obs_lat"), st.session_state.get("obs_lon")
    return (lat, lon) if lat is not None and lon is not None else None


def pending_shape():
    geojson = st.session_state.get("obs_shape")
    try:
        return shape(geojson) if geojson else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


POSITION_FIELDS = ("position", "latitude", "longitude", "geometry")


def set_point(lat: float, lon: float) -> None:
    state = st.session_state
    state["obs_lat"], state["obs_lon"] = lat, lon
    state["obs_shape"] = None
    notices.clear_errors(*POSITION_FIELDS)


def _apply_click(actor, result) -> bool:
    """Copy a new map click into the coordinate fields; True when something changed.

    st_folium keys its component by a hash of the map, and mirrors the value into
    session_state[MAP_KEY] on every change: that mirror survives map redraws.
    """
    clicked = (st.session_state.get(MAP_KEY) or {}).get("last_clicked") or (result or {}).get("last_clicked")
    if not clicked or clicked == st.session_state.get("applied_click"):
        return False
    st.session_state["applied_click"] = clicked
    set_point(round(float(clicked["lat"]), 6), round(float(clicked["lng"]), 6))
    save_draft(actor)
    return True


def _apply_drawing(actor, result) -> bool:
    """A line or polygon just drawn becomes the observation's shape."""
    drawing = (st.session_state.get(MAP_KEY) or {}).get("last_active_drawing") or (result or {}).get(
        "last_active_drawing"
    )
    geometry = (drawing or {}).get("geometry")
    if not geometry or geometry == st.session_state.get("applied_drawing"):
        return False
    st.session_state["applied_drawing"] = geometry
    if geometry.get("type") not in ("LineString", "Polygon"):
        return False
    st.session_state["obs_shape"] = geometry
    notices.clear_errors(*POSITION_FIELDS)
    save_draft(actor)
    return True


def position_tools(db, actor) -> None:
    """The drawn shape (with « Effacer »), then typed coordinates and the place search."""
    state = st.session_state
    if state.get("obs_shape"):
        line = state["obs_shape"].get("type") == "LineString"
        drawn = "Ligne dessinée : elle sera enregistrée" if line else "Polygone dessiné : il sera enregistré"
        columns = st.columns([3, 2])
        columns[0].success(f"{drawn} comme forme de l'observation.")
        columns[1].button("Effacer la forme", on_click=_clear_shape, args=(actor,), width="stretch")
    with st.expander("Position : coordonnées ou recherche d'un lieu", key="field_position"):
        st.text_input(
            "Coordonnées",
            key="obs_coords",
            placeholder="47.4450, 5.5922 · 47°26'42\"N 5°35'32\"E · Lambert-93 X Y",
            help="Degrés décimaux (latitude, longitude), degrés-minutes-secondes, ou Lambert-93 X Y en mètres.",
            on_change=_apply_typed_coordinates,
            args=(actor,),
        )
        if state.get("obs_coords_error"):
            st.error(state["obs_coords_error"])
        if state.get(SWAPPED):
            lat, lon = state[SWAPPED]
            st.button(
                f"Échanger : latitude {lat:.5f}, longitude {lon:.5f}".replace(".", ","),
                key="obs_coords_swap",
                on_click=_use_swapped,
                args=(actor,),
                width="stretch",
            )
        query = st.text_input("Rechercher un lieu", key="place_query", placeholder="Commune, secteur, site ou adresse")
        if query.strip():
            _place_results(db, actor, query)


def _clear_shape(actor) -> None:
    st.session_state["obs_shape"] = None
    save_draft(actor)


def _apply_typed_coordinates(actor) -> None:
    state = st.session_state
    text = state.get("obs_coords") or ""
    state["obs_coords_error"], state[SWAPPED] = "", None
    if not text.strip():
        return
    try:
        position = coordinates.parse_position(text)
    except coordinates.CoordinateError as exc:
        state["obs_coords_error"] = str(exc)
        return
    area = state.get(AREA)
    if area and coordinates.looks_swapped(position, area):
        # Not placed: the agent says which way round it is.
        state["obs_coords_error"] = coordinates.swapped_message(position, area)
        state[SWAPPED] = (position.longitude, position.latitude)
        return
    set_point(position.latitude, position.longitude)
    save_draft(actor)


def _use_swapped(actor) -> None:
    state = st.session_state
    lat, lon = state.pop(SWAPPED)
    state["obs_coords_error"] = ""
    state["obs_coords"] = f"{lat}, {lon}"
    set_point(lat, lon)
    save_draft(actor)


@common.reference_cache()
def _place_index(db) -> list[places.Place]:
    return places.place_index(db, config.departments())


def _place_results(db, actor, query: str) -> None:
    found = places.search_local(_place_index(db), query)
    found += places.search_addresses(query)
    if not found:
        hint = "" if config.geocoder_url() else " (la recherche d'adresses n'est pas configurée)"
        st.info(f"Aucun lieu trouvé pour « {query.strip()} »{hint}.")
        return
    for index, place in enumerate(found[:8]):
        st.button(
            place.label,
            key=f"place_{index}",
            on_click=_go_to_place,
            args=(actor, place.latitude, place.longitude),
            width="stretch",
        )


def _go_to_place(actor, lat: float, lon: float) -> None:
    set_point(lat, lon)
    st.session_state["place_query"] = ""
    save_draft(actor)
