"""Partners, the communes they cover, and the due delays per gravité: administrators edit them,
everybody who assigns reads them. One transaction per use case.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from diagnostics import limits, taxonomy
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.errors import NotFound, ValidationError
from diagnostics.models import Commune
from diagnostics.partner_models import DueDelay, Partner, PartnerCommune
from diagnostics.services import audit

# The defaults the migration wrote; administrators change them on the Administration page.
DEFAULT_DUE_DAYS: dict[int, int] = {4: 7, 3: 30, 2: 90, 1: 180}
EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")


@dataclass(frozen=True)
class PartnerInput:
    name: str
    kind: str
    emails: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()  # INSEE codes


def match_key(name: str) -> str:
    """A name trimmed, spaces collapsed, case- and accent-insensitive: « Habitat 70 » = « habitat  70 »."""
    decomposed = unicodedata.normalize("NFKD", " ".join(name.split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))[:120]


def parse_emails(text: str) -> tuple[str, ...]:
    """Addresses typed one per line (or separated by commas, semicolons, spaces)."""
    return tuple(dict.fromkeys(part for part in re.split(r"[\s,;]+", text or "") if part))


def partner_emails(partner: Partner) -> list[str]:
    """A partner's contact addresses (for the notifications)."""
    return [line for line in partner.emails.splitlines() if line.strip()]


def list_partners(db: Database) -> pd.DataFrame:
    """Every partner, by name: id, name, kind, kind_label, emails (text), communes (names)."""
    with db.session() as session:
        partners = session.execute(select(Partner.id, Partner.name, Partner.kind, Partner.emails)).all()
        covered = session.execute(
            select(PartnerCommune.partner_id, Commune.name).join(Commune, Commune.insee == PartnerCommune.commune_insee)
        ).all()
    names: dict[int, list[str]] = {}
    for partner_id, commune in covered:
        names.setdefault(partner_id, []).append(commune)
    frame = pd.DataFrame(partners, columns=["id", "name", "kind", "emails"])
    frame["kind_label"] = frame["kind"].map(taxonomy.partner_kind_label)
    frame["emails"] = frame["emails"].map(lambda text: ", ".join(text.split()))
    frame["communes"] = [", ".join(sorted(names.get(i, []))) for i in frame["id"]]
    return frame.sort_values("name", key=lambda names: names.map(match_key)).reset_index(drop=True)


def covered_communes(db: Database, partner_id: int) -> list[str]:
    """The INSEE codes of the communes a partner covers."""
    with db.session() as session:
        statement = select(PartnerCommune.commune_insee).where(PartnerCommune.partner_id == partner_id)
        return sorted(session.scalars(statement))


def partner_choices(db: Database) -> dict[int, str]:
    """id → « Nom (type) », for the selectors."""
    frame = list_partners(db)
    return {int(row.id): f"{row.name} ({row.kind_label})" for row in frame.itertuples()}


def save_partner(db: Database, actor: Actor, partner: PartnerInput, *, partner_id: int | None = None) -> int:
    """Create a partner (or change `partner_id`); return its id. Names are unique, accents aside."""
    require(actor, "manage_partners")
    name = " ".join(partner.name.split())
    errors = _partner_errors(partner, name)
    if errors:
        raise ValidationError(errors)
    with db.session() as session:
        same = session.scalar(select(Partner.id).where(Partner.match_key == match_key(name)))
        if same is not None and same != partner_id:
            raise ValidationError({"name": f"Le partenaire « {name} » existe déjà."})
        unknown = sorted(set(partner.communes) - set(session.scalars(select(Commune.insee))))
        if unknown:
            raise ValidationError({"communes": f"Commune inconnue : {', '.join(unknown)}"})
        row = _partner(session, partner_id) if partner_id is not None else Partner()
        before = _values(session, row) if partner_id is not None else None
        row.name, row.match_key, row.kind, row.emails = name, match_key(name), partner.kind, "\n".join(partner.emails)
        session.add(row)
        session.flush()
        session.execute(delete(PartnerCommune).where(PartnerCommune.partner_id == row.id))
        session.add_all(PartnerCommune(partner_id=row.id, commune_insee=insee) for insee in set(partner.communes))
        session.flush()
        action = "update" if partner_id is not None else "create"
        audit.record(
            session, actor, action, entity="partner", entity_id=row.id, before=before, after=_values(session, row)
        )
        return row.id


def commune_partner(session: Session, insee: str) -> int:
    """The partner of kind commune covering `insee` (the only one), else a new « Mairie de … »;
    in the caller's transaction. Mayors' accounts are bound to it."""
    covering = session.scalars(
        select(Partner.id)
        .join(PartnerCommune, PartnerCommune.partner_id == Partner.id)
        .where(Partner.kind == "commune", PartnerCommune.commune_insee == insee)
    ).all()
    if len(covering) == 1:
        return covering[0]
    commune = session.get(Commune, insee)
    if commune is None:
        raise NotFound(f"Commune inconnue : {insee}")
    partner_id = partner_named(session, f"Mairie de {commune.name}", "commune")
    if session.get(PartnerCommune, (partner_id, insee)) is None:
        session.add(PartnerCommune(partner_id=partner_id, commune_insee=insee))
        session.flush()
    return partner_id


def partner_named(session: Session, name: str, kind: str) -> int:
    """The id of the partner of this name (case and accents aside), created with `kind` when
    missing; in the caller's transaction."""
    name = " ".join(name.split())[:120]
    partner_id = session.scalar(select(Partner.id).where(Partner.match_key == match_key(name)))
    if partner_id is None:
        partner = Partner(name=name, match_key=match_key(name), kind=kind, emails="")
        session.add(partner)
        session.flush()
        partner_id = partner.id
    return partner_id


def due_delays(db: Database) -> dict[int, int]:
    """Days per gravité (1 faible … 4 critique) given to a partner when an observation is assigned."""
    with db.session() as session:
        return delays_in(session)


def delays_in(session: Session) -> dict[int, int]:
    stored = {severity: days for severity, days in session.execute(select(DueDelay.severity, DueDelay.days))}
    return {severity: stored.get(severity, days) for severity, days in DEFAULT_DUE_DAYS.items()}


def save_due_delays(db: Database, actor: Actor, days: dict[int, int]) -> None:
    """Set the days per gravité (each between 1 and 3650)."""
    require(actor, "manage_partners")
    errors = {
        f"days_{severity}": f"Délai « {taxonomy.severity_label(severity)} » : entre 1 et 3650 jours."
        for severity, value in days.items()
        if severity not in DEFAULT_DUE_DAYS or not 1 <= int(value) <= 3650
    }
    if errors:
        raise ValidationError(errors)
    with db.session() as session:
        before = delays_in(session)
        for severity, value in days.items():
            row = session.get(DueDelay, severity) or DueDelay(severity=severity)
            row.days = int(value)
            session.add(row)
        session.flush()
        audit.record(session, actor, "update", entity="due_delays", before=before, after=delays_in(session))


def _partner(session: Session, partner_id: int) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(f"Partenaire inconnu : n° {partner_id}")
    return partner


def _partner_errors(partner: PartnerInput, name: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Donnez le nom du partenaire."
    if partner.kind not in taxonomy.PARTNER_KINDS:
        errors["kind"] = "Type de partenaire inconnu."
    wrong = [email for email in partner.emails if not EMAIL.fullmatch(email)]
    if wrong:
        errors["emails"] = f"Adresse e-mail invalide : {', '.join(wrong)}"
    errors.update(limits.too_long(Partner, {"name": name}))
    return errors


def _values(session: Session, partner: Partner) -> dict:
    communes = session.scalars(select(PartnerCommune.commune_insee).where(PartnerCommune.partner_id == partner.id))
    return {"name": partner.name, "kind": partner.kind, "emails": partner.emails, "communes": sorted(communes)}
