"""Checking an imported row's geometry: reprojected to WGS84, plausible for the territory (with
the likely mistake named: swapped axes, metres taken for degrees…), repaired when that is safe,
of a kind the layer takes, and not so detailed that it cannot be stored or drawn."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from diagnostics.services import territory
from diagnostics.services.imports.specs import POLYGONS, LayerSpec
from diagnostics.texts import imports_text as text

WGS84 = "EPSG:4326"
ERROR, REPAIRED = "erreur", "réparé"
MAX_VERTICES = 100_000  # per shape: a commune boundary of IGN ADMIN EXPRESS has a few thousand
GEOMETRY_WORDS = {"Point": "un point", "Polygon": "un polygone", "LineString": "une ligne"}
# Lambert-93 values are hundreds of thousands of metres (X) and millions (Y): both at least this.
_METRES = 1000
_TYPE_IDS = {"Point": 0, "LineString": 1, "Polygon": 3, "MultiPoint": 4, "MultiLineString": 5, "MultiPolygon": 6}
_MULTI = (4, 5, 6)


def drawing_points(geometries: np.ndarray) -> np.ndarray:
    """`shapely.point_on_surface` of each shape (None for none); a point is its own, not made
    again (a CSV's million points)."""
    points = np.array(geometries, dtype=object, copy=True)
    shaped = shapely.get_type_id(points) > 0
    points[shaped] = shapely.point_on_surface(points[shaped])
    return points


class ShapeChecker:
    def __init__(self, spec: LayerSpec, crs, bounds):
        self.spec = spec
        self.crs = CRS.from_user_input(crs)
        self.bounds = bounds

    def reprojected(self, raw) -> np.ndarray:
        """The shapes in WGS84 (None for none or empty ones; a point off the earth for those
        whose coordinates did not survive the reprojection)."""
        geometries = raw.geometry
        if geometries.isna().all():
            return np.full(len(raw), None, dtype=object)
        with np.errstate(all="ignore"):
            projected = np.asarray(geometries.to_crs(WGS84).values, dtype=object).copy()
        projected[shapely.is_missing(projected) | shapely.is_empty(projected)] = None
        coordinates, index = shapely.get_coordinates(projected, return_index=True)
        off_earth = np.unique(index[~np.isfinite(coordinates).all(axis=1)])
        projected[off_earth] = shapely.Point(np.inf, np.inf)  # told apart in `_plausible`
        return projected

    def check_all(self, raw, report: Callable[[int, list], None]) -> np.ndarray:
        """`check` on every shape of `raw`: the shapes it would leave as they are (the
        plausible, valid ones of a kind the layer takes) at once, the others one by one, their
        problems given to `report(row, problems)`."""
        sources = np.asarray(raw.geometry.values, dtype=object)
        projected = self.reprojected(raw)
        result = np.full(len(sources), None, dtype=object)
        plain = self._plain(sources, projected)
        shapes = projected[plain]
        flat = shapely.has_z(shapes)
        shapes[flat] = shapely.force_2d(shapes[flat])
        parts = np.isin(shapely.get_type_id(shapes), _MULTI) & (shapely.get_num_geometries(shapes) == 1)
        shapes[parts] = shapely.get_geometry(shapes[parts], 0)
        if self.spec.geometry_kinds == POLYGONS:
            shapes = np.array([MultiPolygon([g]) if isinstance(g, Polygon) else g for g in shapes], dtype=object)
        result[plain] = shapes
        for row in np.flatnonzero(~plain).tolist():
            problems: list = []
            result[row] = self.check(sources[row], projected[row], problems)
            report(row, problems)
        return result

    def _plain(self, sources: np.ndarray, projected: np.ndarray) -> np.ndarray:
        """The rows `check` finds nothing to say about, and whose shape it only flattens (2D,
        a multi-shape of one part as that part)."""
        plain = ~shapely.is_missing(sources) & ~shapely.is_empty(sources) & ~shapely.is_missing(projected)
        plain &= shapely.get_num_coordinates(sources) <= MAX_VERTICES
        with np.errstate(invalid="ignore"):
            west, south, east, north = shapely.bounds(projected).T
            tw, ts, te, tn = self.bounds
            plain &= np.isfinite([west, south, east, north]).all(axis=0)
            plain &= (tw <= west) & (east <= te) & (ts <= south) & (north <= tn)
        plain &= shapely.is_valid(projected)
        kinds = shapely.get_type_id(projected)
        single = np.isin(kinds, _MULTI) & (shapely.get_num_geometries(projected) == 1)
        kinds = np.where(single, kinds - 3, kinds)  # MultiPoint (4) of one part → Point (0)…
        return plain & np.isin(kinds, [_TYPE_IDS[kind] for kind in self.spec.geometry_kinds])

    def check(self, source, projected, problems: list) -> BaseGeometry | None:
        if source is None or source.is_empty or projected is None:
            problems.append((ERROR, text("no_geometry")))
            return None
        vertices = shapely.get_num_coordinates(source)
        if vertices > MAX_VERTICES:
            problems.append(
                (ERROR, text("too_many_vertices", count=f"{vertices:,}".replace(",", " "), limit=MAX_VERTICES))
            )
            return None
        source = shapely.force_2d(source)
        geometry = territory.single(shapely.force_2d(projected))
        if not self._plausible(source, geometry, problems):
            return None
        geometry = self._repaired(geometry, problems)
        if geometry is None:
            return None
        expected = self.spec.geometry_kinds
        if geometry.geom_type not in expected:
            words = " ou ".join(dict.fromkeys(GEOMETRY_WORDS.get(k.replace("Multi", ""), k) for k in expected))
            found = GEOMETRY_WORDS.get(geometry.geom_type.replace("Multi", ""), geometry.geom_type)
            problems.append((ERROR, text("wrong_kind", expected=words.capitalize(), found=found)))
            return None
        if expected == POLYGONS and isinstance(geometry, Polygon):
            geometry = MultiPolygon([geometry])
        return geometry

    def _plausible(self, source: BaseGeometry, geometry: BaseGeometry, problems: list) -> bool:
        if territory.inside(geometry.bounds, self.bounds):
            return True
        x, y = source.representative_point().coords[0] if source.is_valid else source.coords[0]
        geographic = self.crs.is_geographic
        if geographic and (abs(x) > 180 or abs(y) > 90):
            metres = abs(x) >= _METRES and abs(y) >= _METRES
            problems.append((ERROR, text("metres_as_degrees" if metres else "degrees_out_of_range", x=x, y=y)))
        elif geographic and territory.inside((y, x, y, x), self.bounds):
            problems.append((ERROR, text("swapped", lat=y, lon=x)))
        elif not geographic and abs(x) <= 180 and abs(y) <= 90:
            problems.append((ERROR, text("degrees_as_metres", x=x, y=y)))
        else:
            point = geometry.representative_point() if np.isfinite(geometry.bounds).all() else Point(x, y)
            problems.append((ERROR, text("outside", lat=point.y, lon=point.x)))
        return False

    def _repaired(self, geometry: BaseGeometry, problems: list) -> BaseGeometry | None:
        if geometry.is_valid:
            return geometry
        reason = territory.invalid_reason(geometry)
        repaired = shapely.make_valid(geometry)
        if geometry.geom_type.endswith("Polygon"):
            repaired = territory.polygonal(repaired)
        safe = (
            repaired is not None
            and not repaired.is_empty
            and repaired.is_valid
            and repaired.geom_type.replace("Multi", "") == geometry.geom_type.replace("Multi", "")
        )
        if not safe:
            problems.append((ERROR, text("unrepairable", reason=reason)))
            return None
        problems.append((REPAIRED, text("repaired", reason=reason)))
        return repaired
