"""Decisions of a cellule de veille's meetings, and the edited agenda of a meeting (issue 17).

A decision is what the cellule decided: a text, who acts (a partner or a team of the forces), by
when, optionally about an observation. It is assigned work: the partner sees it on « Mes
préconisations » and answers it there, as it answers an observation. `status` is `open` until the
partner says « réalisé » or a commander marks it done; « en retard » is computed (open, due date
passed), never stored.

An agenda point is one line of a meeting's edited agenda: a generated section (`section`, its code
in services.agenda.SECTIONS) kept or dropped, or a point the commander added (`title`, `body`).
Kept apart from models.py (imported at its end).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from diagnostics.models import Base, utcnow

DECISION_STATUSES = ("open", "done")
ANSWER_CODES = ("pris_en_compte", "realise", "hors_competence")
_ONE_WHO = "(CASE WHEN partner_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN team_id IS NULL THEN 0 ELSE 1 END) = 1"


class MeetingDecision(Base):
    """A decision taken at a meeting: what, who (a partner or a team), by when."""

    __tablename__ = "meeting_decisions"
    __table_args__ = (
        CheckConstraint(_ONE_WHO, name="ck_meeting_decisions_one_who"),
        CheckConstraint("status IN ('open', 'done')", name="ck_meeting_decisions_status"),
        CheckConstraint(
            "answer IS NULL OR answer IN ('pris_en_compte', 'realise', 'hors_competence')",
            name="ck_meeting_decisions_answer",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id", ondelete="SET NULL"))
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    answer: Mapped[str | None] = mapped_column(String(20))
    answer_comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AgendaPoint(Base):
    """One point of a meeting's edited agenda, at `position` (0 first)."""

    __tablename__ = "agenda_points"
    __table_args__ = (
        UniqueConstraint("meeting_id", "position", name="uq_agenda_points_position"),
        CheckConstraint("(section IS NULL) <> (title IS NULL)", name="ck_agenda_points_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    section: Mapped[str | None] = mapped_column(String(40))  # a generated section's code
    title: Mapped[str | None] = mapped_column(String(200))  # a point the commander added
    body: Mapped[str] = mapped_column(Text, default="")
    dropped: Mapped[bool] = mapped_column(Boolean, default=False)
