"""Demo cameras of Dole's centre de supervision urbain (issue 17): a dozen cameras in the centre
and in Les Mesnils-Pasteur, owned by the Mairie de Dole. Positions, bearings, angles and ranges
are invented to be plausible (placed by hand on the map, not the city's real plan): every camera
says so in `source` and `approximate`. Safe to load twice.

Used by diagnostics.demo after the demo cellules (which create the Mairie de Dole partner).
"""

from __future__ import annotations

from shapely.geometry import Point
from sqlalchemy import select

from diagnostics.auth import Actor
from diagnostics.camera_models import Camera
from diagnostics.db import Database
from diagnostics.models import Site
from diagnostics.partner_models import Partner
from diagnostics.services import cameras

OWNER = "Mairie de Dole"
SOURCE = "Démonstration : position et champ de vision approximatifs, placés à la main (pas le plan réel du CSU)"
# name, latitude, longitude, bearing (° from north), angle (°), range (m)
DEMO_CAMERAS: tuple[tuple[str, float, float, float, float, float], ...] = (
    ("CSU Dole — Place Grévy", 47.0921, 5.4905, 135, 90, 80),
    ("CSU Dole — Rue de Besançon", 47.0931, 5.4925, 200, 60, 90),
    ("CSU Dole — Place Nationale", 47.0915, 5.4893, 60, 75, 70),
    ("CSU Dole — Cours Saint-Mauris", 47.0908, 5.4945, 250, 60, 120),
    ("CSU Dole — Place aux Fleurs", 47.0899, 5.4919, 20, 90, 60),
    ("CSU Dole — Canal des Tanneurs", 47.0890, 5.4898, 300, 50, 100),
    ("CSU Dole — Gare", 47.0965, 5.4990, 170, 80, 110),
    ("CSU Dole — Avenue Aristide-Briand", 47.0945, 5.4962, 225, 60, 130),
    ("CSU Mesnils-Pasteur — Place du marché", 47.0990, 5.4828, 90, 120, 70),
    ("CSU Mesnils-Pasteur — Avenue Jean-Jaurès", 47.0978, 5.4845, 320, 60, 110),
    ("CSU Mesnils-Pasteur — Groupe scolaire", 47.1003, 5.4812, 180, 70, 80),
    ("CSU Mesnils-Pasteur — Parking Pasteur", 47.0985, 5.4800, 45, 90, 90),
)


def load_demo_cameras(db: Database, actor: Actor) -> int:
    """Add the demo cameras that are not there yet; returns how many were added."""
    with db.session() as session:
        owner = session.scalar(select(Partner.id).where(Partner.name == OWNER))
        known = set(session.scalars(select(Site.name).join(Camera, Camera.site_id == Site.id)))
    added = 0
    for name, lat, lon, bearing, angle, range_m in DEMO_CAMERAS:
        if name in known:
            continue
        draft = cameras.CameraDraft(
            name=name,
            position=Point(lon, lat),
            bearing=bearing,
            angle=angle,
            range_m=range_m,
            owner_partner_id=owner,
            source=SOURCE,
            approximate=True,
        )
        added += cameras.save_camera(db, actor, draft)
    return added
