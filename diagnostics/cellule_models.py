"""Cellules de veille and their meetings as data (issue 17).

A cellule has a name, a territory (communes), a rhythm (weekly on a weekday, every N weeks from an
anchor date, monthly or yearly on the anchor's day) and members: partners and accounts. A meeting
is a date of a cellule with the partners present. Kept apart from models.py (imported at its end).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from diagnostics.models import Base, utcnow

RHYTHMS = ("weekly", "every_n_weeks", "monthly", "yearly")
_RHYTHM_CHECK = "rhythm IN ({})".format(", ".join(f"'{code}'" for code in RHYTHMS))


class Cellule(Base):
    """A cellule de veille. `weekday` (0 = Monday) is set for a weekly rhythm, `interval_weeks` for
    every N weeks; `anchor_on` is a meeting date the rhythm counts from."""

    __tablename__ = "cellules"
    __table_args__ = (
        CheckConstraint(_RHYTHM_CHECK, name="ck_cellules_rhythm"),
        CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name="ck_cellules_weekday"),
        CheckConstraint("interval_weeks IS NULL OR interval_weeks BETWEEN 1 AND 52", name="ck_cellules_interval"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    rhythm: Mapped[str] = mapped_column(String(20))
    weekday: Mapped[int | None] = mapped_column(Integer)
    interval_weeks: Mapped[int | None] = mapped_column(Integer)
    anchor_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CelluleCommune(Base):
    """A commune of a cellule's territory."""

    __tablename__ = "cellule_communes"

    cellule_id: Mapped[int] = mapped_column(ForeignKey("cellules.id", ondelete="CASCADE"), primary_key=True)
    commune_insee: Mapped[str] = mapped_column(ForeignKey("communes.insee"), primary_key=True)


class CellulePartner(Base):
    """A partner member of a cellule."""

    __tablename__ = "cellule_partners"

    cellule_id: Mapped[int] = mapped_column(ForeignKey("cellules.id", ondelete="CASCADE"), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)


class CelluleAccount(Base):
    """An account member of a cellule (a commander, an administrator…)."""

    __tablename__ = "cellule_accounts"

    cellule_id: Mapped[int] = mapped_column(ForeignKey("cellules.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class Meeting(Base):
    """A meeting of a cellule on a date (one a day per cellule)."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("cellule_id", "held_on", name="uq_meetings_cellule_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cellule_id: Mapped[int] = mapped_column(ForeignKey("cellules.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class MeetingPartner(Base):
    """A partner present at a meeting."""

    __tablename__ = "meeting_partners"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
