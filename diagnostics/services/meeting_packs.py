"""One PDF pack per recipient of a cellule de veille's meeting (issue 17): the forces' pack (everything)
and one per partner present, redacted by what that partner may read; downloaded or sent through the
e-mail outbox, and who received which pack is audited.

The API the pages and the CLI call (each use case is one transaction):

- `pack_recipients(db, actor, meeting_id)` → the packs of a meeting: the forces' one, then one per
  partner present (`PackRecipient`: partner id or None, name, contact e-mails, file name);
- `build_pack(db, actor, meeting_id, partner_id=None)` → `(file_name, pdf_bytes)`; reads and
  renders, audits nothing (call `record_pack_download` when the file is handed to someone);
- `record_pack_download(db, actor, meeting_id, partner_id=None)` → audits « downloaded by actor »;
- `send_packs(db, actor, meeting_id)` → queues every pack in the outbox, PDF attached: a partner's
  to its contact e-mails, the forces' to the cellule's member accounts with an address; the outbox
  rows and the audit events are one transaction; a second call sends nothing twice;
- `meeting_id_of(db, cellule_name, held_on)` → the meeting of that cellule that day, or None.

Readers: the commandants of every département of the cellule's territory, and administrators
(`cellules.require_cellule_writer`). A partner's pack holds the agenda with only that partner's
overdue items and re-visits, and the detail of the new observations assigned to it or, for a
commune, on its communes, through `redaction.redact_for_partner` (no unshared free text, no
team, author nor comment); the sites of the territory through `redaction.redact_reference_for_partner`.
Audit events: action « export » (downloaded) or « send », entity « meeting_pack », entity id the
meeting, `after` = meeting, cellule, date, pack kind (forces | partenaire), partner, recipients.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diagnostics import localtime
from diagnostics.auth import ADMIN, COMMANDANT, PARTENAIRE, Actor
from diagnostics.cellule_models import Cellule, CelluleAccount, Meeting, MeetingPartner
from diagnostics.db import Database
from diagnostics.errors import NotFound
from diagnostics.meeting_pdf import FORCES, Pack, PackObservation, PackSite, render_pack_pdf
from diagnostics.models import Commune, Diagnostic, Observation, ObservationEvent, Team, User
from diagnostics.outbox_models import OutboxMessage
from diagnostics.partner_models import Partner, PartnerCommune
from diagnostics.redaction import redact_decisions_for_partners, redact_for_partner
from diagnostics.services import agenda as agendas
from diagnostics.services import audit, cellules, outbox
from diagnostics.services import meeting_pack_map as pack_map
from diagnostics.services._frames import geometry_as_wkb, read_frame
from diagnostics.services.exports import file_slug
from diagnostics.services.partners import partner_emails
from diagnostics.visit_models import ObservationVisit

FORCES_PACK, PARTNER_PACK = "forces", "partenaire"
PDF = "application/pdf"
MAX_OBSERVATIONS = 300  # detailed in a pack; the rest is counted
NOT_PRESENT = "Ce partenaire n'était pas présent à cette réunion : il ne reçoit pas de dossier."
UNKNOWN_MEETING = "Réunion introuvable (n° {id})."


@dataclass(frozen=True)
class PackRecipient:
    partner_id: int | None  # None: the forces
    name: str
    emails: tuple[str, ...]
    file_name: str

    @property
    def kind(self) -> str:
        return FORCES_PACK if self.partner_id is None else PARTNER_PACK


@dataclass(frozen=True)
class SentPack:
    recipient: PackRecipient
    queued_to: tuple[str, ...]  # the addresses newly queued by this call (empty: already sent or none)
    earlier_to: tuple[str, ...] = ()  # the addresses it was queued for by an earlier send

    @property
    def summary(self) -> str:
        """To whom it went now and earlier, or that nobody has an address (the page and the CLI)."""
        parts = [f"{said} {', '.join(to)}" for said, to in (("envoyé à", self.queued_to),
                                                            ("déjà envoyé à", self.earlier_to)) if to]  # fmt: skip
        return " ; ".join(parts) or "aucune adresse de courriel connue, dossier à remettre en main propre"


def meeting_id_of(db: Database, cellule_name: str, held_on: dt.date) -> int | None:
    with db.session() as session:
        cellule = cellules.cellule_by_name(session, cellule_name)
        return session.scalar(select(Meeting.id).where(Meeting.cellule_id == cellule.id, Meeting.held_on == held_on))


def pack_recipients(db: Database, actor: Actor, meeting_id: int) -> list[PackRecipient]:
    """The packs of a meeting: the forces' first, then each partner present, by name."""
    with db.session() as session:
        meeting, cellule = _meeting(session, actor, meeting_id)
        return _recipients(session, meeting, cellule)


@audit.refusals_recorded
def build_pack(
    db: Database, actor: Actor, meeting_id: int, partner_id: int | None = None, *, issued_on: dt.date | None = None
) -> tuple[str, bytes]:
    """The pack of one recipient of the meeting (None: the forces) as (file name, PDF bytes).

    Nothing is audited: call `record_pack_download` once the file is given to someone.
    """
    with db.session() as session:
        meeting, cellule = _meeting(session, actor, meeting_id)
        recipient = _recipient(session, meeting, cellule, partner_id)
        return recipient.file_name, _pdf(session, actor, cellule, meeting.held_on, recipient, issued_on)


@audit.refusals_recorded
def build_day_pack(
    db: Database, actor: Actor, cellule_name: str, held_on: dt.date, *, issued_on: dt.date | None = None
) -> tuple[str, bytes]:
    """The forces' pack for a day with no meeting recorded yet (no partner is known to be present),
    audited as downloaded by `actor` (the command line writes it to a file)."""
    with db.session() as session:
        cellule = cellules.cellule_by_name(session, cellule_name)
        recipient = PackRecipient(None, FORCES, (), pack_file_name(held_on, FORCES_PACK))
        pdf = _pdf(session, actor, cellule, held_on, recipient, issued_on)
        after = {"meeting_id": None, "cellule": cellule.name, "held_on": held_on.isoformat(), "pack": FORCES_PACK,
                 "partner_id": None, "partner": FORCES, "recipients": [actor.login]}  # fmt: skip
        audit.record(session, actor, "export", entity="meeting_pack", after=after, detail="dossier des forces écrit")
        return recipient.file_name, pdf


@audit.refusals_recorded
def record_pack_download(db: Database, actor: Actor, meeting_id: int, partner_id: int | None = None) -> None:
    """Audit that `actor` downloaded (or wrote) the pack of `partner_id` (None: the forces)."""
    with db.session() as session:
        meeting, cellule = _meeting(session, actor, meeting_id)
        recipient = _recipient(session, meeting, cellule, partner_id)
        _audit(session, actor, "export", meeting, cellule, recipient, (), f"dossier téléchargé par {actor.login}")


@audit.refusals_recorded
def send_packs(db: Database, actor: Actor, meeting_id: int, *, issued_on: dt.date | None = None) -> list[SentPack]:
    """Queue every pack of the meeting in the e-mail outbox, PDF attached, with one audit event per
    pack queued: all in one transaction. Each (meeting, pack, address) is queued once: a retry sends
    only to addresses added since. A partner without a contact address gets nothing (`queued_to` empty).
    Two sends at once: the one that loses the race on the outbox's unique key sends nothing.
    """
    try:
        return _send_packs(db, actor, meeting_id, issued_on)
    except IntegrityError:  # another send queued the same pack in between: nothing is left to send
        return _send_packs(db, actor, meeting_id, issued_on)


def _send_packs(db: Database, actor: Actor, meeting_id: int, issued_on: dt.date | None) -> list[SentPack]:
    with db.session() as session:
        meeting, cellule = _meeting(session, actor, meeting_id)
        to_send = []  # every PDF is rendered before the first write (no write lock held meanwhile)
        for recipient in _recipients(session, meeting, cellule):
            to = _forces_recipients(session, cellule) if recipient.partner_id is None else _partner_to(recipient)
            key = f"meeting_pack:{meeting.id}:{recipient.partner_id or FORCES_PACK}"
            earlier = tuple(r.email for r in to if _queued(session, key, r.email))
            to = [r for r in to if r.email not in earlier]
            pdf = _pdf(session, actor, cellule, meeting.held_on, recipient, issued_on) if to else b""
            to_send.append((recipient, to, key, pdf, earlier))
        results = []
        for recipient, to, key, pdf, earlier in to_send:
            ids = outbox.notify(
                session, "meeting_pack", recipients=to, immediate=True, dedup_key=key,
                attachments=[outbox.Attachment(recipient.file_name, PDF, pdf)],
                data={"cellule": cellule.name, "meeting_on": meeting.held_on},
            ) if to else []  # fmt: skip
            addresses = tuple(session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.id.in_(ids))))
            if addresses:
                detail = f"dossier envoyé à {', '.join(addresses)}"
                _audit(session, actor, "send", meeting, cellule, recipient, addresses, detail)
            results.append(SentPack(recipient, addresses, earlier))
        return results


# --- Reading --------------------------------------------------------------------------------------


def _meeting(session: Session, actor: Actor, meeting_id: int) -> tuple[Meeting, Cellule]:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(UNKNOWN_MEETING.format(id=meeting_id))
    cellule = session.get(Cellule, meeting.cellule_id)
    cellules.require_cellule_writer(session, actor, cellules.cellule_communes(session, cellule.id), agendas.DENIED)
    return meeting, cellule


def _recipients(session: Session, meeting: Meeting, cellule: Cellule) -> list[PackRecipient]:
    present = session.scalars(
        select(Partner)
        .join(MeetingPartner, MeetingPartner.partner_id == Partner.id)
        .where(MeetingPartner.meeting_id == meeting.id)
        .order_by(Partner.name)
    )
    forces = PackRecipient(None, FORCES, (), pack_file_name(meeting.held_on, FORCES_PACK))
    return [forces] + [
        PackRecipient(
            p.id, p.name, tuple(partner_emails(p)), pack_file_name(meeting.held_on, file_slug(p.name) or str(p.id))
        )
        for p in present
    ]


def _recipient(session: Session, meeting: Meeting, cellule: Cellule, partner_id: int | None) -> PackRecipient:
    found = [r for r in _recipients(session, meeting, cellule) if r.partner_id == partner_id]
    if not found:
        raise NotFound(NOT_PRESENT)
    return found[0]


def pack_file_name(held_on: dt.date, who: str = FORCES_PACK) -> str:
    """The one name of a pack file (downloads, CLI, e-mails); `who`: « forces » or a partner's slug."""
    return f"ordre-du-jour-{held_on.isoformat()}-{who}.pdf"


def _pdf(session, actor, cellule, held_on, recipient: PackRecipient, issued_on: dt.date | None) -> bytes:
    pack = read_pack(session, actor, cellule, held_on, recipient.partner_id)
    label = recipient.name if recipient.partner_id is None else f"{recipient.name} (partenaire)"
    pack = dataclasses.replace(pack, recipient=label)
    return render_pack_pdf(pack, issued_on=issued_on or localtime.now_paris().date())


def read_pack(session: Session, actor: Actor, cellule: Cellule, held_on: dt.date, partner_id: int | None) -> Pack:
    """What one recipient's pack holds, read in the caller's session (None: the forces, everything)."""
    agenda = agendas.read_agenda(session, actor, cellule, held_on)
    frame = _observations_frame(session, agenda.communes, agenda.since, held_on)
    territory = pack_map.read_territory(session, agenda.communes)
    if partner_id is None:
        shown = frame.head(MAX_OBSERVATIONS)
        comments = _comments(session, [int(i) for i in shown["id"]])
        observations = [_forces_item(row, comments.get(row.id, ())) for row in shown.itertuples()]
        sites_shown = [_site(row) for row in territory.sites.itertuples()]
        layers = pack_map.map_layers(territory, frame, cellule=cellule.name)
        return _pack(agenda, FORCES, None, observations, sites_shown, layers, total=len(frame))
    partner = session.get(Partner, partner_id)
    communes = tuple(
        session.scalars(select(PartnerCommune.commune_insee).where(PartnerCommune.partner_id == partner_id))
    )
    own_communes = communes if partner.kind == "commune" else ()
    scope = _partner_scope(session, agenda.communes, partner_id, own_communes)
    agenda = _agenda_for(agenda, partner.name, scope)
    mine = frame[frame["partner_id"].eq(partner_id) | frame["commune_insee"].isin(own_communes)]
    redacted = redact_for_partner(mine, partner_id)
    shared = pack_map.for_partner(territory, partner_id, communes)  # what its map draws is what it lists
    return _pack(
        agenda,
        partner.name,
        partner.name,
        [_partner_item(row) for row in redacted.itertuples()],
        [_site(row) for row in shared.sites.itertuples()],
        pack_map.map_layers(shared, redacted, cellule=cellule.name),
    )


def _pack(agenda, recipient, partner, observations: list[PackObservation], sites: list[PackSite], layers,
          total=None) -> Pack:  # fmt: skip
    """At most MAX_OBSERVATIONS detailed; the others (of `total`, default all given) are counted."""
    shown = tuple(observations[:MAX_OBSERVATIONS])
    more = max(0, (len(observations) if total is None else total) - len(shown))
    return Pack(agenda, recipient, partner, shown, more, tuple(sites), layers)


def _agenda_for(agenda: agendas.Agenda, partner_name: str, scope: set[int]) -> agendas.Agenda:
    """The agenda a partner reads: its own overdue items, the re-visits of its observations, the
    decisions given to partners."""
    return dataclasses.replace(
        agenda,
        decisions=redact_decisions_for_partners(agenda.decisions),
        overdue={name: items for name, items in agenda.overdue.items() if name == partner_name},
        revisits_due=[v for v in agenda.revisits_due if v.observation_id in scope],
        revisit_results=[v for v in agenda.revisit_results if v.observation_id in scope],
        # Where no camera sees maps the coverage: the forces' own (diagnostics.redaction, issue 17).
        outside_cameras=[],
        points=[point for point in agenda.points if point.section != "videoprotection"],
    )


def _partner_scope(session: Session, territory, partner_id: int, own_communes) -> set[int]:
    """Ids of the territory's observations a partner reads: assigned to it, or on its own communes."""
    statement = select(Observation.id).where(
        Observation.commune_insee.in_(tuple(territory)),
        or_(Observation.partner_id == partner_id, Observation.commune_insee.in_(tuple(own_communes))),
    )
    return set(session.scalars(statement))


OBSERVATION_COLUMNS = (
    Observation.id,
    Observation.observed_on,
    Observation.commune_insee,
    Commune.name.label("commune_name"),
    Observation.category,
    Observation.severity,
    Observation.status,
    Diagnostic.place,
    Observation.description,
    Observation.recommendation,
    Observation.partner,
    Observation.shareable,
    Observation.shared_fields,
    Observation.partner_id,
    Observation.due_on,
    Observation.partner_answer,
    Team.name.label("team_name"),
    Observation.author,
)


def _observations_frame(session: Session, communes, since: dt.date, until: dt.date) -> pd.DataFrame:
    statement = (
        select(*OBSERVATION_COLUMNS)
        .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
        .join(Team, Team.id == Diagnostic.team_id)
        .join(Commune, Commune.insee == Observation.commune_insee)
        .where(
            Observation.commune_insee.in_(tuple(communes)),
            Observation.observed_on >= since,
            Observation.observed_on < until,
        )
        .order_by(Observation.severity.desc(), Observation.observed_on, Observation.id)
    )
    frame = read_frame(session, statement.add_columns(geometry_as_wkb(Observation.geom)))
    return frame.astype({"partner_id": "object"})


def _comments(session: Session, observation_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """The forces' internal comments by observation: the follow-up's comments, then the re-visits'
    remarks (two queries for the whole pack)."""
    events = session.execute(
        select(ObservationEvent.observation_id, ObservationEvent.actor, ObservationEvent.comment)
        .where(ObservationEvent.observation_id.in_(observation_ids), ObservationEvent.kind == "comment")
        .order_by(ObservationEvent.at, ObservationEvent.id)
    ).all()
    visits = session.execute(
        select(ObservationVisit.observation_id, ObservationVisit.author, ObservationVisit.comment)
        .where(ObservationVisit.observation_id.in_(observation_ids), ObservationVisit.comment != "")
        .order_by(ObservationVisit.visited_on, ObservationVisit.id)
    ).all()
    found: dict[int, list[str]] = {}
    for observation_id, who, comment in [*events, *visits]:
        if comment:
            found.setdefault(observation_id, []).append(f"{comment} ({who})" if who else comment)
    return {observation_id: tuple(comments) for observation_id, comments in found.items()}


def _forces_item(row, comments: tuple[str, ...]) -> PackObservation:
    return PackObservation(
        row.id, row.observed_on, row.commune_name, row.category, row.severity, row.status, row.place or "",
        row.description or "", row.recommendation or "", row.partner or "", row.due_on, row.team_name or "",
        row.author or "", comments,
    )  # fmt: skip


def _partner_item(row) -> PackObservation:
    """From a row of `redact_for_partner`: only the columns that rule lets through exist."""
    due_on = row.due_on if isinstance(row.due_on, dt.date) else None
    return PackObservation(
        int(row.id), row.observed_on, row.commune_name, row.category, int(row.severity), row.status, row.place,
        row.description, row.recommendation, row.partner, due_on,
    )  # fmt: skip


def _site(row) -> PackSite:
    return PackSite(row.kind or "", row.name or "")


# --- Sending and audit ----------------------------------------------------------------------------


def _partner_to(recipient: PackRecipient) -> list[outbox.Recipient]:
    return [outbox.Recipient(email, PARTENAIRE) for email in recipient.emails]


def _forces_recipients(session: Session, cellule: Cellule) -> list[outbox.Recipient]:
    """The cellule's member accounts of the forces (commandants, administrators) with an address."""
    users = session.scalars(
        select(User)
        .join(CelluleAccount, CelluleAccount.user_id == User.id)
        .where(CelluleAccount.cellule_id == cellule.id, User.role.in_((COMMANDANT, ADMIN)))
    )
    return outbox.account_recipients(session, users)


def _queued(session: Session, key: str, email: str) -> bool:
    full = f"{key}|{email.lower()}"[:200]
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == full)) is not None


def _audit(session, actor, action, meeting, cellule, recipient: PackRecipient, addresses, detail) -> None:
    after = {
        "meeting_id": meeting.id,
        "cellule": cellule.name,
        "held_on": meeting.held_on.isoformat(),
        "pack": recipient.kind,
        "partner_id": recipient.partner_id,
        "partner": recipient.name,
        "recipients": list(addresses) or [actor.login],
    }
    audit.record(session, actor, action, entity="meeting_pack", entity_id=meeting.id, after=after, detail=detail)
