"""What the pages share: the database, cached reference layers, map display, error display."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import streamlit as st

from diagnostics import assets, config, dataversion
from diagnostics.auth import Actor, can, observation_scope
from diagnostics.db import Database, open_database, schema_revision
from diagnostics.errors import DatabaseUnavailable, DiagnosticsError, PermissionDenied, ValidationError
from diagnostics.services import reference
from diagnostics.ui import map_document, session

NOT_INITIALISED = (
    "La base de données n'est pas encore initialisée. Lancez `make run` ou "
    "`python -m diagnostics init --demo`, puis rechargez la page."
)
DATABASE_DOWN = "La base de données est inaccessible : {reason}"
ASSETS_MISSING = "Les fichiers de cartographie (Leaflet) ne sont pas installés sur ce serveur : lancez `make assets`."


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    return open_database(url)


def database() -> Database:
    """The app's database, opened once per process; stops the page with a French message if absent."""
    try:
        db = _database(config.database_url())
        if schema_revision(db) is None:
            st.error(NOT_INITIALISED)
            st.stop()
    except DatabaseUnavailable as exc:
        _database.clear()
        st.error(DATABASE_DOWN.format(reason=exc))
        st.stop()
    return db


def current_actor(permission: str | None = None) -> Actor:
    """The logged-in actor; stops the page if nobody is, or if the role lacks `permission`.

    The services check permissions again: this only avoids showing a page that would refuse.
    """
    actor = session.current_actor()
    if actor is None:
        st.warning("Connectez-vous pour accéder à cette page.")
        st.stop()
    if permission is not None and not can(actor, permission):
        from diagnostics.auth import DENIED

        st.error(DENIED[permission])
        st.stop()
    return actor


def show_permission_error(error: PermissionDenied) -> None:
    show_refusal(error)


def _reference_key(db: Database) -> tuple[str, int]:
    return db.cache_key, db.data_version(dataversion.REFERENCE)


def _data_key(db: Database) -> tuple[str, int, int]:
    return db.cache_key, db.data_version(dataversion.REFERENCE), db.data_version(dataversion.OBSERVATIONS)


def scope_key(actor: Actor):
    """What cached observation data depends on: what the actor may read, not who they are.

    Two commandants of one département share one cached map, where a key per user held a copy
    per session (about 75 MB each at 100,000 observations). Only functions whose result
    depends on the actor through `observation_scope` may be cached with it.
    """
    try:
        return observation_scope(actor)
    except PermissionDenied:
        return actor  # refused by the service anyway: never shared


@dataclass(frozen=True)
class Reader:
    """The database and who reads it: what a page's cached observation data is computed from.

    As a cache key (`data_cache`), it stands for what the result depends on: the database, its
    reference data and the observations of the reader's scope, by département (a commandant's
    cache is kept through a save in another département), not who the reader is.
    """

    db: Database
    actor: Actor

    @functools.cached_property
    def key(self) -> tuple:
        """The versions it stands for, read once: a page makes one Reader per run and passes it to
        each of its cached reads, which would otherwise read the counters again, two queries each."""
        try:
            scope = observation_scope(self.actor)
        except PermissionDenied:
            return self.actor, self.db.observation_versions()  # refused by the service anyway: never shared
        versions = self.db.observation_versions(scope.departments)
        return self.db.cache_key, self.db.data_version(dataversion.REFERENCE), scope, versions


def _reader_key(reader: Reader) -> tuple:
    return reader.key


# Page caches are keyed by the database's data versions (diagnostics.dataversion), not by time:
# a change made in any process shows at the next rerun, and nothing is recomputed otherwise.
# `reference_cache` for what depends on reference layers only; `data_cache` for what depends on
# observations too. `*_resource` variants share one object between sessions (do not mutate it).
reference_cache = functools.partial(st.cache_data, show_spinner=False, hash_funcs={Database: _reference_key})
# Observation data is shared by scope (`scope_key`): the caches hold one copy per scope and filters.
# A `Reader` argument keys by the data versions of the reader's départements only.
_DATA_KEYS = {Database: _data_key, Actor: scope_key, Reader: _reader_key}
data_cache = functools.partial(st.cache_data, show_spinner=False, hash_funcs=_DATA_KEYS)
reference_resource = functools.partial(st.cache_resource, show_spinner=False, hash_funcs={Database: _reference_key})
data_resource = functools.partial(st.cache_resource, show_spinner=False, hash_funcs=_DATA_KEYS)


def _frame_ids(frame: gpd.GeoDataFrame) -> tuple:
    return tuple(frame["id"]) if "id" in frame else ()


# Map documents (ui.map_document), rendered once per reference data version and scope; the frame
# of alerts sent they show is keyed by its ids (a sent alert never changes).
map_document_resource = functools.partial(
    st.cache_resource,
    show_spinner=False,
    hash_funcs={Database: _reference_key, Actor: scope_key, gpd.GeoDataFrame: _frame_ids},
)


@reference_cache()
def communes(db: Database) -> gpd.GeoDataFrame:
    return reference.communes_frame(db)


@reference_cache()
def commune_choices(db: Database) -> dict[str, str]:
    """INSEE code → « Name (INSEE) », sorted by name, for pickers."""
    return {c.insee: c.label for c in reference.list_communes(db, config.departments())}


@reference_cache()
def team_choices(db: Database) -> dict[int, str]:
    return {team.id: team.name for team in reference.list_teams(db)}


@reference_cache()
def context_layers(db: Database) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Sectors, patrol zones and sites."""
    return reference.sectors_frame(db), reference.patrol_zones_frame(db), reference.sites_frame(db)


def show_map(m, *, key: str, height: int = 520, returned_objects: list[str] | None = None, feature_group_to_add=None):
    """Render a folium map with every asset served by this app (no CDN), via streamlit-folium.

    `feature_group_to_add` is drawn over the map and can change at every run without
    rebuilding it (the view is kept)."""
    if not assets.assets_installed():
        st.error(ASSETS_MISSING)
        return None
    assets.localize(m, assets.vendor_url())
    return map_document._component().st_folium(
        m,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=returned_objects if returned_objects is not None else [],
        feature_group_to_add=feature_group_to_add,
    )


def show_map_document(document: map_document.Document, **shown):
    """A map rendered once (ui.map_document), as `show_map` shows a folium map."""
    if not assets.assets_installed():
        st.error(ASSETS_MISSING)
        return None
    return map_document.show(document, **shown)


# E-mails link to a page with `?observation=N` or `?decision=N` (diagnostics.notify.compose).
LINK_PARAM = "observation"
DECISION_PARAM = "decision"


def linked_observation(param: str = LINK_PARAM) -> int | None:
    """The observation (or, with DECISION_PARAM, the decision) an e-mail's link names, read once:
    the parameter is then dropped from the address, so that the person's next choices are not
    overridden at each rerun."""
    raw = st.query_params.get(param)
    if raw is None:
        return None
    del st.query_params[param]
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def linked_decision() -> int | None:
    return linked_observation(DECISION_PARAM)


def show_validation_errors(error: ValidationError) -> None:
    show_refusal(error)


def refusal_messages(error: DiagnosticsError, labels: Mapping[str, str] | None = None) -> list[str]:
    """The French messages of a refused action: one per field of a `ValidationError`, named by
    its label in `labels` (field → label) when given; the error's own message otherwise."""
    if isinstance(error, ValidationError):
        return [
            f"{labels[field]} : {message}" if labels and field in labels else message
            for field, message in error.errors.items()
        ]
    return [str(error)]


def show_refusal(error: DiagnosticsError, labels: Mapping[str, str] | None = None) -> None:
    """A refused action (`ValidationError`, `PermissionDenied`, `NotFound`…) as one French message box."""
    messages = refusal_messages(error, labels)
    if isinstance(error, ValidationError) and len(messages) > 1:
        st.error("Le formulaire contient des erreurs :\n" + "\n".join(f"- {m}" for m in messages))
    else:
        st.error(messages[0] if messages else str(error))


def markdown_text(text: str) -> str:
    """Text put in Markdown as it is (no emphasis, link or HTML read from it)."""
    return "".join(f"\\{c}" if c in "\\`*_{}[]()#+-.!|~<>$@:" else c for c in text)
