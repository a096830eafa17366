"""A Streamlit app showing each map builder of diagnostics.maps on sample layers, for
tests/browser/test_maps_package.py (not part of the product). `?map=` picks the builder."""

import streamlit as st
from streamlit_folium import st_folium

from diagnostics import assets, maps
from tests.maps.samples import review_map_of, sample_layers

layers = sample_layers()
context = {"sectors": layers.sectors, "zones": layers.patrol_zones, "sites": layers.sites, "communes": layers.communes}
builders = {
    "review": lambda: review_map_of(layers),
    "field": lambda: maps.build_field_map(layers.communes, layers.observations, draw=True, context=context),
    "edit": lambda: maps.build_reference_edit_map(
        layers.communes, layers.sectors, layers.patrol_zones, layers.sites, layer="zones"
    ),
}
choice = st.query_params.get("map", "review")
m = assets.localize(builders[choice](), assets.vendor_url())
result = st_folium(m, key=f"map_{choice}", height=500, returned_objects=["last_clicked", "last_object_clicked_tooltip"])
st.text(f"tooltip {(result or {}).get('last_object_clicked_tooltip')}")
clicked = (result or {}).get("last_clicked")
st.text(f"clicked {clicked['lat']:.5f} {clicked['lng']:.5f}" if clicked else "clicked none")
