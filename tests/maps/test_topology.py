"""Areas as a compact topology (maps.topology): shared borders sent once, coordinates to 1e-5
degree, properties as given; decoded here as assets/topology.js decodes them."""

from __future__ import annotations

import json

import geopandas as gpd
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from diagnostics.maps import layers, styles, topology
from tests.maps.samples import PAYLOAD, frame


def decoded(text: str) -> list[tuple[dict, MultiPolygon]]:
    """What assets/topology.js gives L.geoJSON, as shapely shapes."""
    data = json.loads(text)
    scale = data["scale"]
    arcs = []
    x = y = 0
    for flat in data["arcs"]:
        points = []
        for dx, dy in zip(flat[::2], flat[1::2], strict=True):
            x, y = x + dx, y + dy
            points.append((x * scale, y * scale))
        arcs.append(points)

    def ring(refs):
        points = []
        for n, ref in enumerate(refs):
            arc = arcs[ref] if ref >= 0 else arcs[~ref][::-1]
            points += arc[1:] if n else arc
        return points

    return [
        (area["properties"], MultiPolygon([Polygon(ring(p[0]), [ring(r) for r in p[1:]]) for p in area["polygons"]]))
        for area in data["areas"]
    ]


def test_neighbours_share_their_border_once_and_come_back_as_they_were():
    west, east = box(5.50, 47.40, 5.55, 47.45), box(5.55, 47.40, 5.60, 47.45)
    holed = Polygon(
        [(5.6, 47.4), (5.7, 47.4), (5.7, 47.5), (5.6, 47.5)], [[(5.62, 47.42), (5.64, 47.42), (5.64, 47.44)]]
    )
    enclave = Polygon([(5.62, 47.42), (5.64, 47.42), (5.64, 47.44)])
    areas = frame([{"name": n} for n in "ABCD"], [west, east, holed, enclave])
    text = topology.encode(areas, [{"tooltip": n} for n in "ABCD"])
    back = decoded(text)
    assert [props for props, _ in back] == [{"tooltip": n} for n in "ABCD"]
    for (_props, shape), original in zip(back, areas.geometry, strict=True):
        assert shape.is_valid and shape.symmetric_difference(original).area < 1e-9
        assert shapely.hausdorff_distance(shape, original) < 1e-5
    # A: the edge it shares with B and the rest; B: the rest; C: its outline and its hole, which
    # is D's outline, sent once.
    assert len(json.loads(text)["arcs"]) == 5


def test_communes_tooltips_and_cards_stay_escaped():
    areas = frame([{"name": PAYLOAD, "kind": PAYLOAD, "unit": "VTT", "schedule": ""}], [box(5.5, 47.4, 5.6, 47.5)])
    text = layers.area_topology(areas, styles.ZONE_FIELDS)
    properties = json.loads(text)["areas"][0]["properties"]
    assert "<script>" not in text and "`" not in text and "${" not in text
    assert properties["tooltip"] == layers.escape_text(PAYLOAD) and "&lt;script&gt;" in properties["popup"]
    assert layers.area_topology(gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"), None) == ""


def test_communes_carry_where_their_names_are_drawn_and_the_map_document_no_names():
    from tests.maps.test_review import base

    communes = frame([{"name": "Gray", "population": 5500}], [box(5.55, 47.42, 5.63, 47.47)])
    area = json.loads(layers.area_topology(communes, None, labelled=True))["areas"][0]
    assert area["properties"]["tooltip"] == "Gray" and area["properties"]["label"][2] == 10
    assert "label" not in json.loads(layers.area_topology(communes, None))["areas"][0]["properties"]
    from diagnostics import maps
    from diagnostics.maps.viewport import view_options

    options = view_options("/api/map/observations", (), "carte", "/api/map/reference", 1)
    html = maps.build_review_map(base(), None, viewport=options).get_root().render()
    assert "psqCommuneLabels" in html and '["Gray",' not in html  # the names come with the communes
