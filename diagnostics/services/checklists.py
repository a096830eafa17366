"""Diagnostic grids in the database: templates (edited by administrators) and each diagnostic's
answers. Scoring itself is pure, in `diagnostics.grids`."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics import grids
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.errors import NotFound, ValidationError
from diagnostics.field_models import DiagnosticGrid, GridTemplate
from diagnostics.models import utcnow
from diagnostics.services import audit
from diagnostics.services.closures import team_diagnostic, writable_diagnostic


@dataclass(frozen=True)
class FilledGrid:
    template: dict
    answers: dict[str, dict]

    @property
    def score(self) -> grids.GridScore:
        return grids.score_grid(self.template, self.answers)


def active_template(db: Database) -> tuple[int, dict]:
    """The template offered for new grids (the default one is created on first use)."""
    with db.session() as session:
        return _active_template(session)


def _active_template(session: Session) -> tuple[int, dict]:
    row = session.scalars(select(GridTemplate).where(GridTemplate.active.is_(True)).order_by(GridTemplate.id)).first()
    if row is None:
        row = GridTemplate(
            name=grids.DEFAULT_TEMPLATE["name"], body=json.dumps(grids.DEFAULT_TEMPLATE, ensure_ascii=False)
        )
        session.add(row)
        session.flush()
    return row.id, json.loads(row.body)


def save_template(db: Database, actor: Actor, template_id: int, template: dict) -> dict:
    """Replace a template (administrators). Grids already filled keep the version they were filled with."""
    require(actor, "manage_reference")
    try:
        cleaned = grids.validate_template(template)
    except grids.GridError as exc:
        raise ValidationError({f"grid_{i}": message for i, message in enumerate(exc.errors)}) from None
    with db.session() as session:
        row = session.get(GridTemplate, template_id)
        if row is None:
            raise NotFound(f"Grille introuvable (n° {template_id}).")
        before = json.loads(row.body)
        row.name, row.body = cleaned["name"], json.dumps(cleaned, ensure_ascii=False)
        row.updated_at, row.updated_by = utcnow(), actor.login
        audit.record(
            session, actor, "update", entity="grid_template", entity_id=template_id, before=before, after=cleaned
        )
    return cleaned


def diagnostic_grid(db: Database, actor: Actor, diagnostic_id: int) -> FilledGrid:
    """The diagnostic's grid; an empty one on the active template when nothing was filled yet."""
    with db.session() as session:
        team_diagnostic(session, actor, diagnostic_id)
        return _filled_grid(session, diagnostic_id)


def save_answers(db: Database, actor: Actor, diagnostic_id: int, answers: dict[str, dict]) -> FilledGrid:
    """Record the grid's answers (replacing previous ones); refused once the diagnostic is closed."""
    with db.session() as session:
        writable_diagnostic(session, actor, diagnostic_id)
        current = _filled_grid(session, diagnostic_id)
        try:
            cleaned = grids.clean_answers(current.template, answers)
        except grids.GridError as exc:
            raise ValidationError({f"grid_{i}": message for i, message in enumerate(exc.errors)}) from None
        row = session.get(DiagnosticGrid, diagnostic_id)
        if row is None:
            template_id, _ = _active_template(session)
            row = DiagnosticGrid(
                diagnostic_id=diagnostic_id,
                template_id=template_id,
                template_body=json.dumps(current.template, ensure_ascii=False),
            )
            session.add(row)
        row.answers = json.dumps(cleaned, ensure_ascii=False)
        row.updated_at, row.updated_by = utcnow(), actor.login
        audit.record(session, actor, "update", entity="diagnostic_grid", entity_id=diagnostic_id, after=cleaned)
    return FilledGrid(current.template, cleaned)


def _filled_grid(session: Session, diagnostic_id: int) -> FilledGrid:
    row = session.get(DiagnosticGrid, diagnostic_id)
    if row is not None:
        return FilledGrid(json.loads(row.template_body), json.loads(row.answers or "{}"))
    return FilledGrid(_active_template(session)[1], {})
