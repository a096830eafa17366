"""Analysis for commanders: counts for charts, coverage by patrol zones, density per commune.

Everything starts from `observation_points` (the observations the actor may read that the
filters keep), so the figures always match the map. Coverage uses each observation's drawing
point (a line or polygon's point on its surface).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from diagnostics import taxonomy
from diagnostics.auth import Actor
from diagnostics.db import Database
from diagnostics.services import reference
from diagnostics.services.observations import ObservationFilter, observation_points


@dataclass(frozen=True)
class Charts:
    by_category: pd.DataFrame  # catégorie, observations
    by_commune: pd.DataFrame  # commune, observations (the most observed first)
    by_month: pd.DataFrame  # mois (YYYY-MM), observations, one row per month of the period
    open_by_severity: pd.DataFrame  # gravité, observations ouvertes


@dataclass(frozen=True)
class Coverage:
    total: int
    outside: pd.DataFrame  # observations outside every patrol zone (id, date, commune, …)
    by_sector: pd.DataFrame  # secteur, observations
    by_commune: pd.DataFrame  # insee, commune, population, observations, pour 1 000 habitants


def charts(db: Database, actor: Actor, criteria: ObservationFilter | None = None, *, top: int = 20) -> Charts:
    points = observation_points(db, actor, criteria or ObservationFilter())
    return charts_of(points, reference.communes_frame(db), top=top)


def charts_of(points: pd.DataFrame, communes: pd.DataFrame, *, top: int = 20) -> Charts:
    """The chart tables of already-queried points (pure)."""
    categories = [c.code for c in taxonomy.CATEGORIES]
    by_category = (
        points["category"].value_counts().reindex(categories, fill_value=0).rename("observations").reset_index()
    )
    by_category["catégorie"] = by_category["category"].map(taxonomy.category_label)
    names = dict(zip(communes["insee"], communes["name"], strict=True))
    by_commune = points["commune_insee"].value_counts().head(top).rename("observations").reset_index()
    by_commune["commune"] = by_commune["commune_insee"].map(lambda code: f"{names.get(code, code)} ({code})")
    months = month_of(points)
    by_month = months.value_counts().sort_index().rename("observations")
    if not by_month.empty:
        every_month = pd.period_range(by_month.index[0], by_month.index[-1], freq="M").astype(str)
        by_month = by_month.reindex(every_month, fill_value=0)
    by_month = by_month.rename_axis("mois").reset_index()
    open_points = points[points["status"].isin(taxonomy.OPEN_STATUSES)]
    open_by_severity = (
        open_points["severity"].value_counts().reindex(list(taxonomy.SEVERITIES), fill_value=0).rename("observations")
    )
    open_by_severity = open_by_severity.rename_axis("severity").reset_index()
    open_by_severity["gravité"] = open_by_severity["severity"].map(
        lambda level: f"{level} — {taxonomy.severity_label(level)}"
    )
    return Charts(
        by_category=by_category[["catégorie", "observations"]],
        by_commune=by_commune[["commune", "observations"]],
        by_month=by_month,
        open_by_severity=open_by_severity[["gravité", "observations"]],
    )


def coverage(db: Database, actor: Actor, criteria: ObservationFilter | None = None) -> Coverage:
    points = observation_points(db, actor, criteria or ObservationFilter())
    return coverage_of(
        points, reference.patrol_zones_frame(db), reference.sectors_frame(db), reference.communes_frame(db)
    )


def coverage_of(
    points: pd.DataFrame, zones: gpd.GeoDataFrame, sectors: gpd.GeoDataFrame, communes: gpd.GeoDataFrame
) -> Coverage:
    """Coverage tables of already-queried points (pure)."""
    outside = mark_outside_zones(points, zones)
    names = dict(zip(communes["insee"], communes["name"], strict=True))
    listed = points.loc[outside, ["id", "observed_on", "commune_insee", "category", "severity", "status"]].copy()
    listed.insert(3, "commune", listed["commune_insee"].map(lambda code: names.get(code, code)))
    listed = listed.drop(columns="commune_insee").sort_values(["severity", "observed_on"], ascending=False)
    listed["observed_on"] = pd.to_datetime(listed["observed_on"]).dt.date
    by_sector = pd.DataFrame(
        {
            "secteur": list(sectors["name"]) if not sectors.empty else [],
            "observations": [int(_inside(points, geometry).sum()) for geometry in sectors.geometry]
            if not sectors.empty
            else [],
        }
    )
    counts = points["commune_insee"].value_counts()
    by_commune = pd.DataFrame(
        {
            "insee": communes["insee"],
            "commune": communes["name"],
            "population": communes["population"].astype(int),
            "observations": communes["insee"].map(counts).fillna(0).astype(int),
        }
    )
    population = by_commune["population"].where(by_commune["population"] > 0)
    by_commune["pour 1 000 habitants"] = (by_commune["observations"] * 1000 / population).round(2).fillna(0.0)
    return Coverage(
        total=len(points),
        outside=listed.reset_index(drop=True),
        by_sector=by_sector,
        by_commune=by_commune.sort_values("pour 1 000 habitants", ascending=False).reset_index(drop=True),
    )


def month_of(points: pd.DataFrame) -> pd.Series:
    """Each observation's month as « YYYY-MM »."""
    days = pd.to_datetime(points["observed_on"]).to_numpy().astype("datetime64[M]")
    return pd.Series(days.astype(str), index=points.index)


def mark_outside_zones(points: pd.DataFrame, zones: gpd.GeoDataFrame) -> np.ndarray:
    """True for each point that lies in no patrol zone (on a zone's edge counts as inside)."""
    if points.empty:
        return np.zeros(0, dtype=bool)
    if zones.empty:
        return np.ones(len(points), dtype=bool)
    return ~_inside(points, shapely.union_all(zones.geometry.to_numpy()))


def _inside(points: pd.DataFrame, geometry) -> np.ndarray:
    shapely.prepare(geometry)
    lon, lat = points["lon"].to_numpy(dtype=float), points["lat"].to_numpy(dtype=float)
    return shapely.intersects_xy(geometry, lon, lat)
