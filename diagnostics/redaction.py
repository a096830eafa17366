"""What may leave the forces: the one rule applied to every export for partners, for
observations AND reference layers.


A pure function over frames (and one over a single record), applied by the services before any
builder sees the data, so that no snapshot (PNG, PDF, HTML) can print what it was never given.

The rule:

- always kept: the coded fields (catégorie, gravité, statut, date), the commune and the geometry;
- kept only when the agent chose to share that very field (``shared_fields``, ticked one by one
  in the form): the free text, which may name people or say when and where the forces patrol
  (« Passages de la patrouille entre 21 h et 23 h »): the description, the préconisation, the
  partner concerned, the place visited;
- photos leave one by one, when the photo itself is marked shareable (`services.photos`);
- every other column (author, team, diagnostic id, version, timestamps, participants, any column
  added later) is dropped: a column must be listed here to leave. The author is an agent's login:
  the forces' own personal data, which partners never receive.

``shareable`` stays as a summary (« something of it is shared ») for older writers: one that sets
it without choosing fields shares every text field, as before per-field sharing existed.

The rule for reference layers (`redact_reference_for_partners`):

- sectors (quartiers, QPV) are public names: name and kind are kept;
- a patrol zone is shown as a zone: its geometry, ``source`` and ``approximate`` are kept; its
  ``name`` (which names the unit: « Groupe VTT de Vesoul »), ``unit``, ``kind`` and ``schedule``
  are blanked unless an administrator marked the zone ``shareable``: a partner sees that a zone
  exists, not who patrols it when;
- a site keeps its kind (its symbol); its name and address only when ``shareable`` (desks open
  to the public are, by default);
- a camera (a site of a kind in ``CONFIDENTIAL_SITE_KINDS``, and the ``cameras`` layer of fields
  of view) does not leave at all: its row is dropped, position and field of view with it, unless
  the recipient is its owner (``owner_partner_id`` among ``recipients``: the commune that runs the
  centre de supervision urbain reads its own cameras, in full). A frame without the owner column
  loses every camera. Frames: ``redact_reference_for_partners(layer, frame, recipients=…)``;
  one record (a pack's line): ``site_leaves(kind, owner_partner_id, recipients)``;
- as for observations, columns not listed here are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import geopandas as gpd
import pandas as pd

# Field → what the form calls it. The order is the form's order.
SHAREABLE_FIELDS: dict[str, str] = {
    "description": "Le constat",
    "recommendation": "Les mesures préconisées",
    "partner": "Le nom du partenaire",
    "place": "Le lieu du diagnostic",
}
ALWAYS_SHARED = (
    "id",
    "observed_on",
    "category",
    "severity",
    "status",
    "commune_insee",
    "commune_name",
    "shareable",
    "shared_fields",
)
# Kept for the callers that blank what a partner may not read: now decided field by field.
SHARED_IF_MARKED = tuple(SHAREABLE_FIELDS)


def encode_shared_fields(fields: Iterable[str] | None) -> str:
    """The stored form of a choice of fields: known codes only, in a fixed order, comma-separated."""
    chosen = set(fields or ())
    return ",".join(code for code in SHAREABLE_FIELDS if code in chosen)


def shared_fields(stored: object, shareable: object = False) -> frozenset[str]:
    """The fields an observation shares, from its stored ``shared_fields`` (None: from ``shareable``)."""
    if isinstance(stored, str):
        return frozenset(code for code in stored.split(",") if code in SHAREABLE_FIELDS)
    return frozenset(SHAREABLE_FIELDS) if _flag(shareable) else frozenset()


def redact_for_partners(observations: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``observations`` holding only what may be shown to a mayor or a partner.

    A free-text field is blanked ("") on every row that does not share it; columns not listed in
    this module are dropped. A row without ``shared_fields`` nor ``shareable`` shares nothing.
    """
    geometry = observations.geometry.name if isinstance(observations, gpd.GeoDataFrame) else None
    keep = [c for c in (*ALWAYS_SHARED, *SHAREABLE_FIELDS) if c in observations.columns]
    frame = observations[[*keep, geometry]] if geometry else observations[keep]
    frame = frame.copy()
    stored = frame["shared_fields"] if "shared_fields" in frame else pd.Series(None, index=frame.index)
    flags = frame["shareable"] if "shareable" in frame else pd.Series(False, index=frame.index)
    shared = [shared_fields(_text_or_none(s), f) for s, f in zip(stored, flags, strict=True)]
    frame["shared_fields"] = [encode_shared_fields(fields) for fields in shared]
    frame["shareable"] = pd.Series([bool(fields) for fields in shared], index=frame.index, dtype=bool)
    for column in SHAREABLE_FIELDS:
        if column in frame:
            allowed = pd.Series([column in fields for fields in shared], index=frame.index, dtype=bool)
            frame[column] = frame[column].where(allowed, "").fillna("").astype(str)
    return frame


def redact_record(record: Mapping[str, object]) -> dict[str, object]:
    """The same rule on one observation's values (a follow-up form, a detail): unshared text blanked.

    Unlike the frame, columns are kept (the caller's type has them); the forces' own names are the
    caller's to blank.
    """
    shared = shared_fields(_text_or_none(record.get("shared_fields")), record.get("shareable"))
    return {key: ("" if key in SHAREABLE_FIELDS and key not in shared else value) for key, value in record.items()}


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _flag(value: object) -> bool:
    """True only for real true values: None, NaN, 0, "" and "false" are not consent to share."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "oui", "yes")
    try:
        return bool(value) and not pd.isna(value)
    except (TypeError, ValueError):
        return False


REFERENCE_ALWAYS_SHARED = {
    "sectors": ("id", "name", "kind", "source", "approximate"),
    "zones": ("id", "source", "approximate", "shareable"),
    "sites": ("id", "kind", "source", "approximate", "shareable"),
    # Only ever rows the recipient owns (the others are dropped first).
    "cameras": ("id", "kind", "bearing", "angle", "range_m", "source", "approximate", "shareable"),
}
REFERENCE_SHARED_IF_MARKED = {
    "sectors": (),
    "zones": ("name", "unit", "kind", "schedule"),
    "sites": ("name", "address"),
    "cameras": ("name", "address"),
}
CONFIDENTIAL_SITE_KINDS = ("camera",)  # sites whose very position is the forces' (and owner's) own


def site_leaves(kind: object, owner_partner_id: object, recipients: Iterable[int] = ()) -> bool:
    """Whether a site (or camera) may appear at all in what is given to `recipients` (partner
    ids): any site but a confidential one, which only its owner receives."""
    if kind not in CONFIDENTIAL_SITE_KINDS:
        return True
    owner = _partner_id(owner_partner_id)
    return owner is not None and owner in {int(r) for r in recipients}


def redact_reference_for_partners(
    layer: str, frame: gpd.GeoDataFrame, *, recipients: Iterable[int] = ()
) -> gpd.GeoDataFrame:
    """A copy of a reference layer (``sectors``, ``zones``, ``sites`` or ``cameras``) holding only
    what may be shown to a mayor or a partner whose partner ids are `recipients`: see the rule
    above (a camera leaves only for its owner, and then whole). Unknown layers raise KeyError."""
    always, if_marked = REFERENCE_ALWAYS_SHARED[layer], REFERENCE_SHARED_IF_MARKED[layer]
    if layer in ("sites", "cameras"):
        frame = _owned_or_public_sites(layer, frame, tuple(recipients))
    keep = list(dict.fromkeys(c for c in (*always, *if_marked) if c in frame.columns))
    # Plain columns, one GeoDataFrame built at the end: this runs once per layer per commune.
    columns = {name: frame[name].to_list() for name in keep}
    if if_marked:
        shared = [_flag(v) for v in frame["shareable"]] if "shareable" in frame else [False] * len(frame)
        columns["shareable"] = shared
        for name in if_marked:
            if name in columns:
                columns[name] = [_plain_text(v) if ok else "" for v, ok in zip(columns[name], shared, strict=True)]
    return gpd.GeoDataFrame(columns, geometry=frame.geometry.to_list(), crs=frame.crs)


def _plain_text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


# --- One partner's view: the pack of a cellule de veille's meeting (issue 17) -----------------

# What a partner's own pages add on the observations assigned to it: its due date, its answer.
PARTNER_FOLLOW_UP = ("due_on", "partner_answer")


def redact_for_partner(observations: pd.DataFrame, partner_id: int) -> pd.DataFrame:
    """A copy of ``observations`` as one partner may read them (its pack of a cellule's meeting).

    The partners' rule (`redact_for_partners`: free text only where shared, every unlisted column
    dropped: team, author, comments…), plus, on the rows assigned to that very partner
    (``partner_id``), the follow-up its « Mes préconisations » page shows (`PARTNER_FOLLOW_UP`);
    blank (None) on the other rows. Which rows the partner receives is the caller's query.
    """
    frame = redact_for_partners(observations)
    if "partner_id" in observations:
        own = observations["partner_id"] == partner_id
    else:
        own = pd.Series(False, index=observations.index, dtype=bool)
    for column in PARTNER_FOLLOW_UP:
        if column in observations:
            frame[column] = observations[column].astype(object).where(own, None)
    return frame


def redact_reference_for_partner(
    layer: str, frame: gpd.GeoDataFrame, *, partner_id: int | None, partner_communes=()
) -> gpd.GeoDataFrame:
    """A reference layer as one partner may read it (its pack of a cellule's meeting).

    The partners' rule (`redact_reference_for_partners`) for that one recipient: a camera (a site of
    kind ``camera``, or the ``cameras`` layer) only when ``partner_id`` owns it, which needs the
    frame's ``owner_partner_id`` (`services.cameras.camera_owner_column()`); without that column,
    or without ``partner_id``, no camera leaves. ``partner_communes`` decide nothing here:
    ownership, not the commune, is the rule.
    """
    recipients = () if partner_id is None else (partner_id,)
    return redact_reference_for_partners(layer, frame, recipients=recipients)


def redact_decisions_for_partners(decisions: Iterable) -> list:
    """A cellule's decisions as partners may read them (a partner's pack, the shared relevé): those
    given to a partner (``partner_id`` set), the coordination around the table; a decision given
    to a team of the forces names that team and what it will do, and stays with the forces."""
    return [decision for decision in decisions if getattr(decision, "partner_id", None) is not None]


def _owned_or_public_sites(layer: str, frame: gpd.GeoDataFrame, recipients: tuple[int, ...]) -> gpd.GeoDataFrame:
    """The rows that may leave, an owned camera marked shareable (its owner reads its name)."""
    kinds = frame["kind"] if "kind" in frame else pd.Series("camera" if layer == "cameras" else "", index=frame.index)
    owners = frame["owner_partner_id"] if "owner_partner_id" in frame else pd.Series(None, index=frame.index)
    if layer == "cameras":
        kinds = pd.Series(CONFIDENTIAL_SITE_KINDS[0], index=frame.index)
    keep = [site_leaves(k, o, recipients) for k, o in zip(kinds, owners, strict=True)]
    kept = frame[pd.Series(keep, index=frame.index, dtype=bool)].copy()
    confidential = kinds[kept.index].isin(CONFIDENTIAL_SITE_KINDS)
    flags = kept["shareable"] if "shareable" in kept else pd.Series(False, index=kept.index)
    kept["shareable"] = [True if secret else flag for secret, flag in zip(confidential, flags, strict=True)]
    return kept


def _partner_id(value: object) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return None
