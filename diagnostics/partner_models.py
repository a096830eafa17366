"""Partners as data (issue 15): the bodies that act on préconisations, the communes they cover,
the routing rules that offer a partner for a new observation, and the due-date delays per gravité.

Kept apart from models.py (which is long enough); models.py imports it at its end, so that
`Base.metadata` always holds these tables too.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from diagnostics.models import Base, utcnow
from diagnostics.taxonomy import PARTNER_KINDS

_KIND_CHECK = "kind IN ({})".format(", ".join(f"'{code}'" for code in PARTNER_KINDS))


class Partner(Base):
    """A body an observation can be assigned to: a commune's services, a bailleur, a transporteur…

    `match_key` is the name trimmed, lower-cased and without accents: two partners never differ
    only by case or accents (the migration of the free-text names matched them that way).
    """

    __tablename__ = "partners"
    __table_args__ = (CheckConstraint(_KIND_CHECK, name="ck_partners_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    match_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40), default="autre")
    emails: Mapped[str] = mapped_column(Text, default="")  # contact addresses, one per line
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PartnerCommune(Base):
    """A commune a partner covers (a bailleur's towns, an intercommunalité's members)."""

    __tablename__ = "partner_communes"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    commune_insee: Mapped[str] = mapped_column(ForeignKey("communes.insee"), primary_key=True, index=True)


class RoutingRule(Base):
    """catégorie × (commune | secteur | zone de patrouille) → the partner offered by default.

    Exactly one of the three places is set. The most specific rule wins: a patrol zone or a
    sector containing the observation over its commune (services.routing).
    """

    __tablename__ = "routing_rules"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN commune_insee IS NULL THEN 0 ELSE 1 END) + (CASE WHEN sector_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN patrol_zone_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="ck_routing_rules_one_place",
        ),
        UniqueConstraint("category", "commune_insee", "sector_id", "patrol_zone_id", name="uq_routing_rules_place"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    commune_insee: Mapped[str | None] = mapped_column(ForeignKey("communes.insee"))
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="CASCADE"))
    patrol_zone_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_zones.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    updated_by: Mapped[str] = mapped_column(String(120), default="")


class DueDelay(Base):
    """How many days a partner has to act, per gravité (administrators change them)."""

    __tablename__ = "due_delays"
    __table_args__ = (
        CheckConstraint("severity BETWEEN 1 AND 4", name="ck_due_delays_severity"),
        CheckConstraint("days BETWEEN 1 AND 3650", name="ck_due_delays_days"),
    )

    severity: Mapped[int] = mapped_column(Integer, primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
