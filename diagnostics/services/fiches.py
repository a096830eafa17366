"""Gathers what the « fiche diagnostic » PDF shows (the drawing itself is `diagnostics.fiche`)."""

from __future__ import annotations

from sqlalchemy import select

from diagnostics import fiche
from diagnostics.auth import Actor
from diagnostics.db import Database
from diagnostics.models import Diagnostic, DiagnosticClosure
from diagnostics.services import audit, checklists, fieldwork, photos, reference
from diagnostics.services.observations import ObservationFilter, observations_frame


def fiche_data(db: Database, actor: Actor, diagnostic_id: int, *, for_partners: bool = False) -> fiche.FicheData:
    summary = fieldwork.get_diagnostic(db, actor, diagnostic_id)  # checks the actor may see it
    with db.session() as session:
        diagnostic = session.get(Diagnostic, diagnostic_id)
        participants, context = diagnostic.participants, diagnostic.context
        closure = session.scalars(
            select(DiagnosticClosure).where(DiagnosticClosure.diagnostic_id == diagnostic_id)
        ).first()
        closed = f"clôturé le {closure.closed_at:%d/%m/%Y} par {closure.closed_by}" if closure else ""
    grid = checklists.diagnostic_grid(db, actor, diagnostic_id)
    shared = []
    for info in photos.list_photos(db, actor, diagnostic_id, shareable_only=True):
        data = photos.read_photo(info)
        if data is not None:
            label = f"Observation n° {info.observation_id}" if info.observation_id else "Photo du diagnostic"
            shared.append((f"{label}{' — ' + info.caption if info.caption else ''}", data))
    return fiche.FicheData(
        title=f"{summary.place}, {summary.commune_name}",
        team=summary.team,
        visited_on=summary.visited_on,
        participants=participants,
        context=context,
        closed=closed,
        commune=reference.communes_frame(db, (summary.commune_insee,)),
        observations=observations_frame(db, actor, ObservationFilter(diagnostic_id=diagnostic_id)),
        grid=grid.score,
        photos=shared,
        for_partners=for_partners,
    )


def diagnostic_fiche_pdf(db: Database, actor: Actor, diagnostic_id: int) -> bytes:
    pdf = fiche.render_fiche_pdf(fiche_data(db, actor, diagnostic_id))
    audit.record_now(db, actor, "export", entity="diagnostic", entity_id=diagnostic_id, detail="fiche PDF")
    return pdf
