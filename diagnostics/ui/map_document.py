"""A folium map rendered once as the arguments streamlit-folium sends, then shown again as is.

`st_folium` renders the whole folium map (twice), walks it for its scripts and stylesheets,
rewrites its variable names with regular expressions and hashes the 80 KB result at every
run of the page: on the Carte de commandement that was about 40 % of the server's CPU per open
(py-spy under benchmarks/map_opens.py). A map whose document does not change from run to run
(the commanders' viewport map: its data comes from the app's route) is rendered once by
`render` into a `Document`, kept by the page's cache, and `show` hands the same arguments to
streamlit-folium's own component: the browser side is streamlit-folium's, unchanged.

`render` and `show` do what `st_folium` (streamlit-folium 0.27.4) does, with its own helpers;
`tests/test_map_document.py` checks that they give the component the same arguments as
`st_folium` for the same map, so that an upgrade that changes them is caught.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import branca
import folium
import folium.elements
import streamlit as st

from diagnostics import assets


@dataclass(frozen=True)
class Document:
    """What streamlit-folium's component receives for one map, but the per-run arguments."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    defaults: tuple[tuple[str, object], ...]  # st_folium's initial value, every returned object
    hash_key: str  # the component's key: streamlit-folium's hash of the script and the page's key


def render(m: folium.Map, key: str) -> Document:
    """Localise `m` to this app's copies of its scripts (no CDN) and render it, as `st_folium`
    does, for the component of key `key`."""
    assets.localize(m, assets.vendor_url())
    streamlit_folium = _component()
    m.get_root().render()
    m.render()
    html, header = streamlit_folium._get_html(m), streamlit_folium._get_header(m)
    script = streamlit_folium._get_map_string(m)
    css_links, js_links = _links(m)
    bounds = m.get_bounds()
    defaults = {
        "last_clicked": None,
        "last_object_clicked": None,
        "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None,
        "last_object_clicked_popup": None,
        "all_drawings": None,
        "last_active_drawing": None,
        "bounds": {
            "_southWest": {"lat": bounds[0][0], "lng": bounds[0][1]},
            "_northEast": {"lat": bounds[1][0], "lng": bounds[1][1]},
        },
        "zoom": m.options.get("zoom"),
        "last_circle_radius": None,
        "last_circle_polygon": None,
        "selected_layers": None,
        "selected_tags": None,
        "last_geocoder_result": None,
    }
    return Document(
        script=script,
        header=header,
        html=html,
        map_id=streamlit_folium.get_full_id(m),
        css_links=tuple(css_links),
        js_links=tuple(js_links),
        defaults=tuple(defaults.items()),
        hash_key=streamlit_folium.generate_js_hash(script, key, False),
    )


def show(
    document: Document,
    *,
    key: str,
    height: int,
    returned_objects: Iterable[str],
    feature_group_to_add: folium.FeatureGroup | None = None,
):
    """The component with `document`, the full width of its container, returning
    `returned_objects`; `feature_group_to_add` is drawn over it and may change at every run."""
    streamlit_folium = _component()
    returned = list(returned_objects)
    feature_group = None
    if feature_group_to_add is not None:  # rendered against a stand-in map: `document` stays as it is
        feature_group = streamlit_folium._get_feature_group_string(feature_group_to_add, map=_StandIn(document.map_id))

    def on_change() -> None:
        st.session_state[key] = st.session_state.get(document.hash_key, {})

    return streamlit_folium._component_func(
        script=document.script,
        header=document.header,
        html=document.html,
        id=document.map_id,
        key=document.hash_key,
        height=height,
        width=None,
        returned_objects=returned,
        default={name: value for name, value in document.defaults if name in returned},
        zoom=None,
        center=None,
        feature_group=feature_group,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(document.css_links),
        js_links=list(document.js_links),
        on_change=on_change,
        wrap_longitude=False,
    )


def _component():
    """streamlit_folium, imported by the first page that draws a map: its component is declared
    as it is imported and served only when that happens in a page's run (the server's warm-up
    imports the pages' modules in a thread of its own, where it would be declared for nothing)."""
    import streamlit_folium

    return streamlit_folium


class _StandIn(folium.Map):
    """An empty map of the document's map's name (`map_div` once rendered): the overlay's script
    refers to it by that name."""

    def __init__(self, map_id: str):
        super().__init__(tiles=None)
        self._id = map_id.removeprefix("map_")


def _links(m: folium.Map) -> tuple[list[str], list[str]]:
    """The scripts and stylesheets of `m`'s elements, in order, once each (as st_folium lists them)."""
    css: list[str] = []
    js: list[str] = []
    for element in _walk(m):
        if isinstance(element, branca.colormap.ColorMap):
            raise ValueError("colour maps need d3 from a CDN: not on this app's maps")
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return list(dict.fromkeys(css)), list(dict.fromkeys(js))


def _walk(element):
    if isinstance(element, folium.elements.JSCSSMixin):
        yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)
