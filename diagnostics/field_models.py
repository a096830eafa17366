"""Field entry's tables (issue 8): photos, server-side drafts, closed diagnostics, grids.

Kept apart from models.py (long enough); models.py imports this module so that Base.metadata is
complete.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from diagnostics.models import Base, utcnow


class Photo(Base):
    """A photo of a diagnostic or of one of its observations. The JPEG (metadata stripped) lives
    in the PSQ_PHOTO_DIR folder under a generated name; only that name is stored here."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    diagnostic_id: Mapped[int] = mapped_column(ForeignKey("diagnostics.id", ondelete="CASCADE"), index=True)
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id", ondelete="SET NULL"), index=True)
    file_name: Mapped[str] = mapped_column(String(80), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str] = mapped_column(String(200), default="")
    shareable: Mapped[bool] = mapped_column(Boolean, default=False)
    author: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class FieldDraft(Base):
    """What an agent is typing on Saisie terrain, saved on every change (JSON): one per login and
    device, so that a team sharing an account on several phones keeps one draft per phone."""

    __tablename__ = "field_drafts"

    login: Mapped[str] = mapped_column(String(120), primary_key=True)
    device: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    payload: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class DiagnosticClosure(Base):
    """A diagnostic closed (validated): no more changes by agents."""

    __tablename__ = "diagnostic_closures"

    diagnostic_id: Mapped[int] = mapped_column(ForeignKey("diagnostics.id", ondelete="CASCADE"), primary_key=True)
    closed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    closed_by: Mapped[str] = mapped_column(String(120))


class GridTemplate(Base):
    """A checklist template (JSON: themes and items), editable by administrators."""

    __tablename__ = "grid_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    body: Mapped[str] = mapped_column(Text)  # JSON
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")


class DiagnosticGrid(Base):
    """A diagnostic's filled grid: the template as it was when filled in, and the answers (JSON)."""

    __tablename__ = "diagnostic_grids"

    diagnostic_id: Mapped[int] = mapped_column(ForeignKey("diagnostics.id", ondelete="CASCADE"), primary_key=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("grid_templates.id", ondelete="SET NULL"))
    template_body: Mapped[str] = mapped_column(Text)  # JSON
    answers: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="")
