"""A map rendered once (ui.map_document) gives streamlit-folium's component exactly what
st_folium gives it for the same map: only the rendering is not redone at every run."""

from __future__ import annotations

import itertools

import branca
import folium
import pytest
import streamlit_folium

from diagnostics import maps
from diagnostics.maps.viewport import view_options
from diagnostics.ui import map_document
from tests.maps.samples import PAYLOAD, sample_layers

KEY = "command_map"
RETURNED = ["last_object_clicked_tooltip"]


def commanders_map() -> folium.Map:
    layers = sample_layers()
    base = maps.prepare_base(layers.communes, layers.sectors, layers.patrol_zones, layers.sites)
    viewport = view_options("/api/map/observations", ("grav",), "carte", "/api/map/reference", 3)
    return maps.build_review_map(base, None, bounds=(5.5, 47.4, 5.7, 47.5), viewport=viewport)


def overlay() -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Lignes et surfaces")
    folium.GeoJson({"type": "Point", "coordinates": [5.59, 47.44]}, tooltip=PAYLOAD).add_to(group)
    return group


@pytest.fixture(autouse=True)
def same_ids(monkeypatch):
    """folium names every element by a random id: the two maps compared are named alike."""
    monkeypatch.setattr(branca.element.Element, "_generate_id", _ids_from(0))


def component_arguments(monkeypatch, show) -> dict:
    seen = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kwargs: seen.update(kwargs))
    show()
    seen.pop("on_change")
    return seen


@pytest.mark.parametrize("with_overlay", [False, True])
def test_the_component_gets_what_st_folium_gives_it(monkeypatch, with_overlay):
    expected = component_arguments(
        monkeypatch,
        lambda: streamlit_folium.st_folium(
            _localized(),
            key=KEY,
            height=600,
            use_container_width=True,
            returned_objects=RETURNED,
            feature_group_to_add=overlay() if with_overlay else None,
        ),
    )
    monkeypatch.setattr(branca.element.Element, "_generate_id", _ids_from(0))
    document = map_document.render(commanders_map(), KEY)
    got = component_arguments(
        monkeypatch,
        lambda: map_document.show(
            document,
            key=KEY,
            height=600,
            returned_objects=RETURNED,
            feature_group_to_add=overlay() if with_overlay else None,
        ),
    )
    assert got == expected


def test_a_document_is_shown_again_without_rendering(monkeypatch):
    document = map_document.render(commanders_map(), KEY)
    renders = []
    monkeypatch.setattr(folium.Map, "render", lambda *a, **k: renders.append(1))
    first = component_arguments(
        monkeypatch, lambda: map_document.show(document, key=KEY, height=600, returned_objects=RETURNED)
    )
    again = component_arguments(
        monkeypatch, lambda: map_document.show(document, key=KEY, height=600, returned_objects=RETURNED)
    )
    assert first == again and not renders


def _ids_from(start: int):
    counter = itertools.count(start)
    return lambda self: f"{next(counter):032x}"


def _localized() -> folium.Map:
    from diagnostics import assets

    return assets.localize(commanders_map(), assets.vendor_url())
