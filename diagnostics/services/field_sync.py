"""Synchronising the field page: observations recorded offline, sent later, stored exactly once.

Each item carries the UUID the phone gave it. The observation is recorded with that UUID as its
form token (unique in the database), and a diagnostic started offline with a reference made from
its own UUID (unique too): a retry, a double tap or a sync cut in the middle finds what is already
stored instead of storing it again. Each item is its own transaction (through `fieldwork`) and gets
its own answer: accepted, refused with the French reasons (to be fixed on the phone), or failed
for a reason worth retrying as it is (photo storage).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from diagnostics.auth import Actor, require_diagnostic_access
from diagnostics.db import Database
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.io import photos as photo_io
from diagnostics.models import Diagnostic
from diagnostics.services import audit, fieldwork
from diagnostics.services.field_bundle import MAX_PHOTOS, require_field_actor

REFERENCE_PREFIX = "terrain-"  # + the UUID's 32 hex digits: 40 characters, Diagnostic.reference's length
ACCEPTED, REFUSED, RETRY = "acceptee", "refusee", "a_reessayer"
UUID_INVALID = "Identifiant d'observation invalide : enregistrez-la à nouveau sur le téléphone."
TOO_MANY_PHOTOS = "Trop de photos ({count}, {most} au plus par observation)."
PHOTO_STORAGE = "Les photos n'ont pas pu être enregistrées sur le serveur : nouvel essai au prochain envoi."
OTHER_AUTHOR = (
    "Observation enregistrée sur le téléphone par un autre compte : "
    "seul ce compte peut l'envoyer, une fois connecté sur ce téléphone."
)


@dataclass
class NewDiagnostic:
    """A diagnostic started on the phone: its UUID and the fields of Saisie terrain's form."""

    uuid: str
    draft: fieldwork.DiagnosticDraft


@dataclass
class SyncItem:
    uuid: str
    observation: fieldwork.ObservationDraft
    diagnostic_id: int | None = None  # an open diagnostic of the bundle…
    new_diagnostic: NewDiagnostic | None = None  # …or one started offline
    photos: Sequence[bytes] = ()
    photos_shareable: bool = False
    recorded_by: str | None = None  # the login the phone recorded it under, when the payload says


@dataclass
class ItemResult:
    uuid: str
    status: str
    observation_id: int | None = None
    diagnostic_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "uuid": self.uuid,
            "statut": self.status,
            "observation_id": self.observation_id,
            "diagnostic_id": self.diagnostic_id,
            "erreurs": self.errors,
        }


@audit.refusals_recorded
def sync_items(db: Database, actor: Actor, items: Sequence[SyncItem]) -> list[ItemResult]:
    """Record each item once (by its UUID) and answer for each; raises PermissionDenied for the whole
    batch when the actor may not record at all."""
    require_field_actor(actor)
    return [sync_item(db, actor, item) for item in items]


def sync_item(db: Database, actor: Actor, item: SyncItem) -> ItemResult:
    token = canonical_uuid(item.uuid)
    if token is None:
        return ItemResult(str(item.uuid)[:64], REFUSED, errors={"uuid": UUID_INVALID})
    if item.recorded_by is not None and item.recorded_by.lower() != actor.login.lower():
        # A shared phone: what one agent recorded is never stored under another agent's name.
        return ItemResult(token, REFUSED, errors={"form": OTHER_AUTHOR})
    diagnostic_id = item.diagnostic_id
    try:
        photos = _prepared(item.photos)
        if item.new_diagnostic is not None:
            diagnostic_id = start_diagnostic_once(db, actor, item.new_diagnostic)
        if diagnostic_id is None:
            raise ValidationError({"diagnostic": "Choisissez le diagnostic de cette observation."})
        observation_id = fieldwork.record_observation(
            db,
            actor,
            diagnostic_id,
            item.observation,
            photos=photos,
            photos_shareable=item.photos_shareable,
            form_token=token,
        )
    except ValidationError as exc:
        return ItemResult(token, REFUSED, diagnostic_id=diagnostic_id, errors=exc.errors)
    except (NotFound, PermissionDenied) as exc:
        return ItemResult(token, REFUSED, diagnostic_id=diagnostic_id, errors={"diagnostic": str(exc)})
    except OSError:
        return ItemResult(token, RETRY, diagnostic_id=diagnostic_id, errors={"photos": PHOTO_STORAGE})
    return ItemResult(token, ACCEPTED, observation_id=observation_id, diagnostic_id=diagnostic_id)


def start_diagnostic_once(db: Database, actor: Actor, new: NewDiagnostic) -> int:
    """The diagnostic started offline under this UUID: found if already stored, else started."""
    token = canonical_uuid(new.uuid)
    if token is None:
        raise ValidationError({"diagnostic": UUID_INVALID})
    reference = REFERENCE_PREFIX + uuid.UUID(token).hex
    stored = _diagnostic_by_reference(db, actor, reference)
    if stored is not None:
        return stored
    draft = fieldwork.DiagnosticDraft(**{**new.draft.__dict__, "reference": reference})
    try:
        return fieldwork.start_diagnostic(db, actor, draft)
    except IntegrityError:
        # Two sends of the same diagnostic at once: the other one stored it first.
        stored = _diagnostic_by_reference(db, actor, reference)
        if stored is None:
            raise
        return stored


def _diagnostic_by_reference(db: Database, actor: Actor, reference: str) -> int | None:
    with db.session() as session:
        diagnostic = session.scalar(select(Diagnostic).where(Diagnostic.reference == reference))
        if diagnostic is None:
            return None
        require_diagnostic_access(actor, diagnostic)
        return diagnostic.id


def _prepared(photos: Sequence[bytes]) -> list[photo_io.PreparedPhoto]:
    """Each photo checked and re-encoded as Saisie terrain does (type by content, size, no EXIF)."""
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": TOO_MANY_PHOTOS.format(count=len(photos), most=MAX_PHOTOS)})
    prepared = []
    for number, data in enumerate(photos, start=1):
        try:
            prepared.append(photo_io.prepare_photo(data))
        except photo_io.PhotoError as exc:
            raise ValidationError({"photos": f"Photo {number} : {exc}"}) from None
    return prepared


def canonical_uuid(value: object) -> str | None:
    """The UUID in its canonical form (lower case, with dashes), or None if it is not one."""
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        return None
