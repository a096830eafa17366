"""Gathers what the « fiche diagnostic » PDF shows (the drawing itself is `diagnostics.fiche`)."""

from __future__ import annotations

from sqlalchemy import select

from diagnostics import fiche, localtime, taxonomy
from diagnostics.auth import Actor
from diagnostics.db import Database
from diagnostics.field_models import DiagnosticClosure, Photo
from diagnostics.models import Diagnostic
from diagnostics.redaction import redact_for_partners
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
        when = select(Photo.id, Photo.created_at).where(Photo.diagnostic_id == diagnostic_id)
        taken = {photo_id: created for photo_id, created in session.execute(when)}
    grid = checklists.diagnostic_grid(db, actor, diagnostic_id)
    observations = observations_frame(db, actor, ObservationFilter(diagnostic_id=diagnostic_id))
    if for_partners:
        observations = redact_for_partners(observations)
    # Partners receive a photo only when it is marked shareable; the forces' own fiche has them all.
    infos = photos.list_photos(db, actor, diagnostic_id, shareable_only=for_partners)
    pictures = [_fiche_photo(info, observations, taken.get(info.id)) for info in infos]
    return fiche.FicheData(
        title=f"{summary.place}, {summary.commune_name}",
        team=summary.team,
        visited_on=summary.visited_on,
        participants=participants,
        context=context,
        closed=closed,
        commune=reference.communes_frame(db, (summary.commune_insee,)),
        observations=observations,
        grid=grid.score,
        photos=[picture for picture in pictures if picture is not None],
        for_partners=for_partners,
        grid_comments=[] if for_partners else _grid_comments(grid.template, grid.answers),
    )


def _fiche_photo(info: photos.PhotoInfo, observations, taken) -> fiche.FichePhoto | None:
    """A photo with its observation's N°, catégorie and position, and when it was taken."""
    data = photos.read_photo(info)
    if data is None:
        return None  # a restored database without its photo folder
    title, position = "Photo du diagnostic", ""
    match = observations[observations["id"] == info.observation_id] if info.observation_id else observations.iloc[0:0]
    if len(match):
        row = match.iloc[0]
        title = f"Observation N° {info.observation_id} — {taxonomy.category_label(row['category'])}"
        point = row.geometry.representative_point()
        position = f"{localtime.format_decimal(point.y, 5)} N — {localtime.format_decimal(point.x, 5)} E"
    return fiche.FichePhoto(data, title, info.caption, position, localtime.format_datetime(taken) if taken else "")


def _grid_comments(template: dict, answers: dict[str, dict]) -> list[tuple[str, str]]:
    """(« Thème — critère », comment) for every item answered with a comment, in template order."""
    comments = []
    for theme in template.get("themes", []):
        for item in theme.get("items", []):
            comment = (answers.get(item["code"]) or {}).get("comment", "")
            if comment:
                comments.append((f"{theme['label']} — {item['label']}", comment))
    return comments


def diagnostic_fiche_pdf(db: Database, actor: Actor, diagnostic_id: int) -> bytes:
    pdf = fiche.render_fiche_pdf(fiche_data(db, actor, diagnostic_id))
    audit.record_now(db, actor, "export", entity="diagnostic", entity_id=diagnostic_id, detail="fiche PDF")
    return pdf
