"""Re-visits that verify (contre-visites, issue 15): an agent goes back to an observation and finds
the problem levée, partiellement levée or non levée. Only a visit (or a commander's written
reason) makes an observation « traitée »; a partner's word schedules the visit.

Kept apart from models.py (which is long enough); models.py imports it at its end, so that
`Base.metadata` always holds these tables too.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from diagnostics.models import Base, utcnow

FINDING_CODES = ("levee", "partielle", "non_levee")


class ObservationVisit(Base):
    """One contre-visite of an observation. Never updated: the visits are part of its history."""

    __tablename__ = "observation_visits"
    __table_args__ = (
        CheckConstraint("finding IN ('levee', 'partielle', 'non_levee')", name="ck_observation_visits_finding"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id", ondelete="CASCADE"), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date)
    finding: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The filled form that recorded it: a visit sent twice (a double tap, a retry) is stored once.
    form_token: Mapped[str | None] = mapped_column(String(64), unique=True)


class VisitPhoto(Base):
    """A photo taken at a visit (the « after » photo). The photo row itself is an ordinary photo of
    the observation (`models.Photo`), so its storage, permissions and retention are the same."""

    __tablename__ = "observation_visit_photos"

    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("observation_visits.id", ondelete="CASCADE"), index=True)
