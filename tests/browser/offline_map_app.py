"""A one-map Streamlit app for tests/browser/test_offline_map.py (not part of the product)."""

import folium
import streamlit as st
from folium import plugins
from streamlit_folium import st_folium

from diagnostics.assets import localize

VESOUL = (47.6231, 6.1547)
CENTRE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"nom": "Centre-ville"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[6.145, 47.618], [6.165, 47.618], [6.165, 47.628], [6.145, 47.628], [6.145, 47.618]]],
            },
        }
    ],
}

# No basemap tiles: offline, commune boundaries are the base. Without a tile layer Leaflet
# has no maxZoom, and MarkerCluster throws "Map has no maxZoom specified": set it on the map.
m = folium.Map(location=VESOUL, zoom_start=14, tiles=None)
m.options["max_zoom"] = 18
folium.GeoJson(CENTRE, name="Secteur", tooltip=folium.GeoJsonTooltip(["nom"])).add_to(m)
folium.CircleMarker(
    VESOUL, radius=8, color="#c0392b", fill=True, popup=folium.Popup("Observation", max_width=200)
).add_to(m)
cluster = plugins.MarkerCluster(name="Sites").add_to(m)
for dlat, dlon in [(0.002, 0.002), (0.0021, 0.0022), (0.0022, 0.0019)]:
    folium.Marker((VESOUL[0] + dlat, VESOUL[1] + dlon)).add_to(cluster)
folium.Marker((VESOUL[0] - 0.003, VESOUL[1] - 0.006), icon=folium.Icon(color="red", icon="house", prefix="fa")).add_to(
    m
)
folium.LayerControl().add_to(m)

result = st_folium(localize(m), key="map", height=450, width=700, returned_objects=["last_clicked"])
clicked = (result or {}).get("last_clicked")
st.text(f"clicked {clicked['lat']:.5f} {clicked['lng']:.5f}" if clicked else "clicked none")
