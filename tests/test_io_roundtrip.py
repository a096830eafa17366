"""Every export format read back by the importer: same objects, same geometries, same attributes."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import LineString, Polygon

from diagnostics.services import imports, reference
from diagnostics.services.exports import export_layer
from diagnostics.services.observations import ObservationFilter, observations_frame
from tests.conftest import ADMIN_ACTOR, make_diagnostic, make_observation

FORMATS = {"geojson": "geojson", "gpkg": "gpkg", "csv": "csv", "kml": "kml", "shp": "zip"}


def validate_roundtrip(original, preview, key: str, attributes: tuple[str, ...]) -> None:
    """The preview holds the exported rows, all valid, with equal geometries and attributes."""
    assert preview.rejected == 0, preview.report()
    assert len(preview.frame) == len(original)
    read = preview.frame.set_index(key)
    for row in original.to_dict("records"):
        back = read.loc[str(row[key]) if key != "category" else row[key]]
        assert shapely.equals_exact(shapely.normalize(back.geometry), shapely.normalize(row["geometry"]), 1e-6)
        for name in attributes:
            assert _plain(back[name]) == _plain(row[name]), name


def _plain(value):
    """Missing values alike (None, NaN, empty text): formats differ in how they write nothing."""
    if value is None or value != value or value == "":
        return None
    return value


@pytest.mark.parametrize("fmt", FORMATS)
def test_zones_and_sites_round_trip(db, tmp_path, fmt):
    for layer, frame in (("zones", reference.patrol_zones_frame(db)), ("sites", reference.sites_frame(db))):
        path = tmp_path / f"{layer}.{FORMATS[fmt]}"
        assert export_layer(db, ADMIN_ACTOR, layer, path, fmt) == len(frame)
        preview = imports.preview_import(db, ADMIN_ACTOR, layer, path)
        attributes = ("unit", "schedule", "kind") if layer == "zones" else ("kind", "address")
        validate_roundtrip(frame, preview, "name", attributes)
        assert set(preview.frame["action"]) <= {"mise à jour", "inchangé"}  # matched by name, not added
        result = imports.commit_import(db, ADMIN_ACTOR, preview)
        assert result.added == 0  # same objects: matched by name


@pytest.mark.parametrize("fmt", FORMATS)
def test_observations_round_trip_with_lines_and_polygons(db, team_id, tmp_path, fmt):
    diagnostic = make_diagnostic(db, team_id)
    make_observation(db, diagnostic, description='Candélabre « éteint » <b>&"', recommendation="=SOMME(A1)")
    line = LineString([(5.5920, 47.4450), (5.5930, 47.4452)])
    make_observation(db, diagnostic, category="acces", severity=3, geometry=line)
    square = Polygon([(5.5920, 47.4450), (5.5925, 47.4450), (5.5925, 47.4453), (5.5920, 47.4453)])
    make_observation(db, diagnostic, category="depots", severity=4, geometry=square, shareable=True)
    original = observations_frame(db, ADMIN_ACTOR, ObservationFilter(diagnostic_id=diagnostic))
    path = tmp_path / f"observations.{FORMATS[fmt]}"
    export_layer(db, ADMIN_ACTOR, "observations", path, fmt)
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", path)
    validate_roundtrip(original, preview, "category", ("severity", "observed_on", "description", "recommendation"))
    assert list(preview.frame.set_index("category").loc["depots", ["shareable"]]) == [True]
