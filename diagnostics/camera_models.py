"""Cameras of a centre de supervision urbain (issue 17): a camera is a site (`sites`, kind
``camera``) with a direction, a field of view and an owner.

Kept apart from models.py (which is long enough); models.py imports it at its end, so that
`Base.metadata` always holds this table too.

`field_of_view` is the polygon the camera sees, in WGS84 with a spatial index so that the database
answers « which observations are outside every camera's view ». It is computed from the position,
`bearing`, `angle` and `range_m` (diagnostics.camera_geometry) unless an administrator drew it by
hand (`drawn`). Camera positions are confidential: diagnostics.redaction drops them from anything
leaving the forces unless the recipient is the camera's owner.
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, false
from sqlalchemy.orm import Mapped, mapped_column

from diagnostics.models import SRID, Base

CAMERA_KIND = "camera"


class Camera(Base):
    __tablename__ = "cameras"
    __table_args__ = (
        CheckConstraint("bearing >= 0 AND bearing < 360", name="ck_cameras_bearing"),
        CheckConstraint("angle > 0 AND angle <= 360", name="ck_cameras_angle"),
        CheckConstraint("range_m > 0 AND range_m <= 2000", name="ck_cameras_range"),
    )

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    bearing: Mapped[float] = mapped_column(Float)  # degrees clockwise from north
    angle: Mapped[float] = mapped_column(Float)  # horizontal field of view, degrees
    range_m: Mapped[float] = mapped_column(Float)  # metres
    owner_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"), index=True)
    drawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    field_of_view = mapped_column(Geometry("POLYGON", srid=SRID, spatial_index=True), nullable=False)
