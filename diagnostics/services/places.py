"""Finding a place by name for Saisie terrain: offline over the local communes, sectors and
sites; by address through a Base Adresse Nationale-compatible geocoder when one is configured
(PSQ_GEOCODER_URL) and answers."""

from __future__ import annotations

import json
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from diagnostics import config
from diagnostics.db import Database
from diagnostics.services import reference

GEOCODER_TIMEOUT_S = 3.0
KINDS = {"commune": "Commune", "sector": "Secteur", "site": "Site", "address": "Adresse"}


@dataclass(frozen=True)
class Place:
    kind: str  # commune, sector, site or address
    name: str
    detail: str
    latitude: float
    longitude: float

    @property
    def label(self) -> str:
        detail = f" — {self.detail}" if self.detail else ""
        return f"{KINDS[self.kind]} : {self.name}{detail}"


def place_index(db: Database, departments: tuple[str, ...] = ()) -> list[Place]:
    """Every local place with a point to go to (a point inside each area). Cache it: it is static."""
    places = []
    communes = reference.communes_frame(db)
    if departments:
        communes = communes[communes["department"].isin(departments)]
    names = dict(zip(communes["insee"], communes["name"], strict=True))
    for frame, kind in (
        (communes, "commune"),
        (reference.sectors_frame(db), "sector"),
        (reference.sites_frame(db), "site"),
    ):
        for _, row in frame.iterrows():
            point = row.geometry.representative_point()
            if kind == "commune":
                detail = f"{row['insee']} ({row['department']})"
            else:
                detail = names.get(row.get("commune_insee"), "")
            places.append(Place(kind, str(row["name"]), detail, round(point.y, 6), round(point.x, 6)))
    return places


def search_local(index: list[Place], query: str, limit: int = 8) -> list[Place]:
    """Places whose name contains every word of the query, accents and case ignored; names that
    start with the query first, then sites and sectors before communes."""
    words = _plain(query).split()
    if not words:
        return []
    found = [p for p in index if all(word in _plain(f"{p.name} {p.detail}") for word in words)]
    order = {"site": 0, "sector": 1, "commune": 2}
    found.sort(key=lambda p: (not _plain(p.name).startswith(words[0]), order.get(p.kind, 3), len(p.name)))
    return found[:limit]


def search_addresses(query: str, *, url: str | None = None, limit: int = 5) -> list[Place]:
    """Addresses from the configured geocoder; [] when none is configured or it does not answer."""
    base = url if url is not None else config.geocoder_url()
    if not base or len(query.strip()) < 3:
        return []
    full = f"{base}{'&' if '?' in base else '?'}{urllib.parse.urlencode({'q': query.strip(), 'limit': limit})}"
    try:
        with urllib.request.urlopen(full, timeout=GEOCODER_TIMEOUT_S) as response:  # noqa: S310 (configured URL)
            data = json.loads(response.read(2_000_000))
    except (urllib.error.URLError, TimeoutError, OSError, ValueError):
        return []
    return parse_geocoder_answer(data)


def parse_geocoder_answer(data: dict) -> list[Place]:
    """The BAN answer (GeoJSON FeatureCollection, properties.label / city / postcode)."""
    places = []
    for feature in (data or {}).get("features", []):
        try:
            lon, lat = (float(v) for v in feature["geometry"]["coordinates"][:2])
        except (KeyError, TypeError, ValueError):
            continue
        properties = feature.get("properties") or {}
        name = str(properties.get("label") or properties.get("name") or "").strip()[:200]
        if name and -90 <= lat <= 90 and -180 <= lon <= 180:
            places.append(Place("address", name, str(properties.get("context") or "")[:120], lat, lon))
    return places


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("-", " ").replace("'", " ")
