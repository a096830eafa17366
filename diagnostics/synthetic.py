"""Synthetic observations for load tests and demonstrations at scale (`init --demo --observations N`).

Deterministic for a given seed and database: communes are drawn by population, diagnostics
group a few observations around one place inside the commune, dates span three years, and
older observations are more often treated. Rows are written in bulk (diagnostics.bulk: COPY on
PostGIS), in one transaction, with one audit event for the whole load rather than one per row.
"""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
from sqlalchemy import bindparam, func, insert, select

from diagnostics import bulk, taxonomy
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.models import SRID, Diagnostic, Observation, Team, utcnow
from diagnostics.partner_models import Partner
from diagnostics.redaction import SHAREABLE_FIELDS, encode_shared_fields
from diagnostics.services import audit
from diagnostics.services.partners import delays_in, match_key
from diagnostics.services.reference import communes_frame
from diagnostics.synthetic_points import scattered_points

DEFAULT_SEED = 7039
REFERENCE_PREFIX = "SYN-"
YEARS = 3
DIAGNOSTIC_SIZE = (4, 30)  # observations per diagnostic, min and max
SHARED_TEXT = encode_shared_fields(SHAREABLE_FIELDS)
AUTHOR = "données synthétiques"
BATCH = 20_000

PLACES = (
    "Centre-bourg",
    "Place de la mairie",
    "Abords de la gare",
    "Zone commerciale",
    "Abords du collège",
    "Parc municipal",
    "Quartier résidentiel",
    "Parking de la salle des fêtes",
    "Rue principale",
    "Stade et city-stade",
    "Résidence HLM",
    "Arrêt de bus",
)

# catégorie: (weight, descriptions, recommendation, partner kind)
CATEGORY_PROFILES: dict[str, tuple[float, tuple[str, ...], str, str]] = {
    "eclairage": (
        0.14,
        ("Candélabres éteints sur le cheminement piéton.", "Éclairage insuffisant du parking la nuit."),
        "Réparer l'éclairage public et revoir les horaires d'extinction.",
        "commune",
    ),
    "visibilite": (
        0.10,
        ("Haie haute masquant l'aire de jeux.", "Recoin sans visibilité derrière les garages."),
        "Tailler la végétation et supprimer les masques visuels.",
        "commune",
    ),
    "acces": (
        0.07,
        ("Passage étroit entre deux bâtiments, sans issue visible.", "Porte de hall qui ne ferme plus."),
        "Réparer le contrôle d'accès ; signaler le cheminement.",
        "bailleur",
    ),
    "videoprotection": (
        0.06,
        ("Angle mort de la vidéoprotection sur l'entrée.", "Caméra hors service depuis plusieurs semaines."),
        "Réorienter ou remplacer la caméra.",
        "commune",
    ),
    "degradations": (
        0.12,
        ("Tags sur l'abribus et le mobilier urbain.", "Boîtes aux lettres forcées dans le hall."),
        "Nettoyage rapide et dépôt de plainte systématique.",
        "bailleur",
    ),
    "depots": (
        0.11,
        ("Dépôts sauvages d'encombrants près des conteneurs.", "Déchets accumulés derrière le commerce."),
        "Enlèvement et rappel des jours de collecte.",
        "intercommunalite",
    ),
    "regroupements": (
        0.09,
        ("Regroupements en soirée dans le hall.", "Occupation du parking par des groupes la nuit."),
        "Patrouilles en soirée ; rencontre avec le bailleur.",
        "bailleur",
    ),
    "stupefiants": (
        0.04,
        ("Point de vente suspecté, guetteurs observés.", "Va-et-vient suspect au pied de l'immeuble."),
        "Transmettre au service d'investigation ; ne pas diffuser.",
        "forces",
    ),
    "circulation": (
        0.10,
        ("Rodéos de deux-roues le week-end.", "Vitesse excessive devant l'école."),
        "Ralentisseurs et contrôles de vitesse.",
        "police_municipale",
    ),
    "commerces": (
        0.06,
        ("Vitrine sans protection anti-effraction.", "Commerce isolé fermant tard, sans alarme."),
        "Conseils de prévention au commerçant ; référent sûreté.",
        "commercant",
    ),
    "nuisances": (
        0.07,
        ("Nuisances sonores nocturnes signalées par les habitants.", "Sentiment d'insécurité près de la gare."),
        "Rencontre avec les habitants ; passages de patrouille.",
        "commune",
    ),
    "autre": (
        0.04,
        ("Signalement divers à vérifier.", "Mobilier urbain dangereux."),
        "À examiner en cellule de veille.",
        "autre",
    ),
}
SEVERITY_WEIGHTS = (0.35, 0.35, 0.2, 0.1)
STATUS_CODES = ("nouvelle", "transmise", "en_cours", "a_revoir", "traitee", "classee")
# Status probabilities by age of the observation: under 3 months, under a year, older.
# « À revoir »: a partner said it was done and the contre-visite has not been made yet.
STATUS_BY_AGE = (
    (0.50, 0.25, 0.13, 0.02, 0.08, 0.02),
    (0.15, 0.25, 0.27, 0.03, 0.25, 0.05),
    (0.08, 0.07, 0.09, 0.01, 0.55, 0.20),
)


def load_synthetic(
    db: Database,
    actor: Actor,
    count: int,
    *,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    fast: bool = True,
) -> int:
    """Add `count` synthetic observations (and their diagnostics) in one transaction; return how
    many were added. `fast` writes them with diagnostics.bulk (COPY on PostGIS); without it they go
    through the ORM session's executemany (the reference path, 10-40 times slower)."""
    require(actor, "manage_reference")
    if count <= 0:
        return 0
    today = today or dt.date.today()
    communes = communes_frame(db)
    with db.session() as session:
        teams = session.execute(select(Team.id, Team.department).order_by(Team.id)).all()
        already = session.scalar(
            select(func.count(Diagnostic.id)).where(Diagnostic.reference.like(f"{REFERENCE_PREFIX}%"))
        )
    rng = np.random.default_rng([seed, already])
    plan = _plan(rng, communes, teams, count, today)
    with db.session() as session:
        diagnostic_ids = _insert_diagnostics(session, plan, already, fast=fast)
        _insert_observations(db, session, rng, plan, diagnostic_ids, communes, today, fast=fast)
        audit.record(
            session,
            actor,
            "create",
            entity="observation",
            entity_id="synthetic",
            after={"observations": count, "diagnostics": len(diagnostic_ids), "seed": seed},
            detail="données synthétiques (chargement groupé)",
        )
    return count


def _plan(rng, communes: gpd.GeoDataFrame, teams, count: int, today: dt.date) -> dict:
    """Diagnostics (commune, team, date, place, size) whose sizes add up to `count`."""
    population = np.maximum(communes["population"].to_numpy(dtype=float), 50.0)
    sizes = []
    remaining = count
    while remaining > 0:
        size = min(int(rng.integers(DIAGNOSTIC_SIZE[0], DIAGNOSTIC_SIZE[1] + 1)), remaining)
        sizes.append(size)
        remaining -= size
    n = len(sizes)
    # Busier communes are visited more often: draw by population, with observations following.
    commune_index = rng.choice(len(communes), size=n, p=population / population.sum())
    departments = communes["department"].to_numpy()[commune_index]
    teams_by_department = {}
    for team_id, department in teams:
        teams_by_department.setdefault(department, []).append(team_id)
    all_teams = [team_id for team_id, _ in teams]
    choices = [teams_by_department.get(department) or all_teams for department in departments.tolist()]
    # rng.integers draws what rng.choice(options) draws, without making an array of each list
    team_ids = [options[int(rng.integers(0, len(options)))] for options in choices]
    ages = rng.integers(0, YEARS * 365, size=n)
    return {
        "sizes": np.array(sizes),
        "commune_index": commune_index,
        "insee": [str(code) for code in communes["insee"].to_numpy()[commune_index]],
        "team_ids": team_ids,
        "dates": [today - dt.timedelta(days=int(age)) for age in ages],
        "ages": ages,
        "places": rng.choice(len(PLACES), size=n),
    }


def _insert_diagnostics(session, plan: dict, already: int, *, fast: bool) -> list[int]:
    count = len(plan["sizes"])
    references = [f"{REFERENCE_PREFIX}{already + i + 1:07d}" for i in range(count)]
    columns = {
        "reference": references,
        "team_id": list(plan["team_ids"]),
        "commune_insee": list(plan["insee"]),
        "place": np.array(PLACES, dtype=object)[plan["places"]],
        "visited_on": list(plan["dates"]),
        "participants": "",
        "context": "Diagnostic synthétique (test de charge).",
        "summary": "",
        "author": AUTHOR,
        "created_at": utcnow(),
        "version": 1,
    }
    if fast:
        bulk.write_rows(session, Diagnostic.__table__, columns, count)
    else:
        values = {name: _python_values(value, count) for name, value in columns.items()}
        session.execute(
            insert(Diagnostic), [dict(zip(values, row, strict=True)) for row in zip(*values.values(), strict=True)]
        )
    found = dict(
        session.execute(
            select(Diagnostic.reference, Diagnostic.id).where(
                Diagnostic.reference.between(references[0], references[-1])
            )
        ).all()
    )
    return [found[reference] for reference in references]


OBSERVATION_COLUMNS = (
    "diagnostic_id",
    "commune_insee",
    "observed_on",
    "category",
    "severity",
    "status",
    "description",
    "recommendation",
    "partner",
    "shareable",
    "shared_fields",
    "author",
    "created_at",
    "updated_at",
    "version",
    "partner_id",
    "assigned_at",
    "due_on",
)


def _insert_observations(db: Database, session, rng, plan, diagnostic_ids, communes, today, *, fast: bool) -> None:
    columns, lon, lat = _observation_columns(session, rng, plan, diagnostic_ids, communes, today)
    if fast:
        bulk.write_observations(session, columns, lon, lat)
        return
    # The statement path (Core executemany through the ORM session), kept as the reference.
    statement = insert(Observation).values(
        lon=bindparam("x"), lat=bindparam("y"), geom=_point_expression(db, bindparam("x"), bindparam("y"))
    )
    count = len(lon)
    names = (*OBSERVATION_COLUMNS, "x", "y")
    values = [_python_values(columns[name], count) for name in OBSERVATION_COLUMNS]
    rows = [dict(zip(names, row, strict=True)) for row in zip(*values, lon.tolist(), lat.tolist(), strict=True)]
    for start in range(0, count, BATCH):
        session.execute(statement, rows[start : start + BATCH])


def _python_values(column, count: int) -> list:
    if isinstance(column, np.ndarray):
        return column.tolist()
    return list(column) if isinstance(column, list | tuple) else [column] * count


def _observation_columns(session, rng, plan, diagnostic_ids, communes, today: dt.date):
    """{column: values} for OBSERVATION_COLUMNS (one value alone: the same for every row), then
    lon, lat; in Hilbert-curve order (bulk.spatial_order), so that a town's rows are stored
    together. Partners are looked up first: a COPY leaves the connection to itself."""
    sizes = plan["sizes"]
    count = int(sizes.sum())
    per_observation = np.repeat(np.arange(len(sizes)), sizes)
    lon, lat = scattered_points(rng, communes, plan["commune_index"], sizes)
    categories = list(CATEGORY_PROFILES)
    weights = np.array([profile[0] for profile in CATEGORY_PROFILES.values()])
    category_index = rng.choice(len(categories), size=count, p=weights / weights.sum())
    severities = rng.choice(4, size=count, p=SEVERITY_WEIGHTS) + 1
    ages = plan["ages"][per_observation]
    age_class = np.where(ages < 90, 0, np.where(ages < 365, 1, 2))
    uniform = rng.random(count)
    status_index = np.empty(count, dtype=np.int64)
    for age, cumulative in enumerate(np.cumsum(np.array(STATUS_BY_AGE), axis=1)):
        of_age = age_class == age  # the first status whose cumulative share reaches the draw
        status_index[of_age] = np.searchsorted(cumulative, uniform[of_age], side="left")
    status_index = np.minimum(status_index, len(STATUS_CODES) - 1)
    variants = rng.integers(0, 2, size=count)
    shareable = rng.random(count) < 0.6
    names = communes["name"].to_numpy()
    commune_of = plan["commune_index"][per_observation]
    now = utcnow()
    for_forces = np.array([CATEGORY_PROFILES[category][3] == "forces" for category in categories])
    assigned = (status_index != STATUS_CODES.index("nouvelle")) & ~for_forces[category_index]
    # One partner per (catégorie, commune): its name, and its id where some row is assigned.
    pair = category_index * len(communes) + commune_of
    present = np.zeros(len(categories) * len(communes), dtype=bool)
    present[pair] = True
    pairs = np.flatnonzero(present)  # as np.unique(pair, return_inverse=True), without its sort
    pair_of = (np.cumsum(present) - 1)[pair]
    assigned_pairs = np.zeros(len(pairs), dtype=bool)
    assigned_pairs[pair_of[assigned]] = True
    partner_names, wanted = [], []
    for key, is_assigned in zip(pairs.tolist(), assigned_pairs.tolist(), strict=True):
        c, commune = divmod(key, len(communes))
        partner_kind = CATEGORY_PROFILES[categories[c]][3]
        partner = _partner_name(partner_kind, names[commune])
        partner_names.append(partner)
        wanted.append((partner or taxonomy.partner_kind_label(partner_kind), partner_kind) if is_assigned else None)
    ids = _partner_ids(session, [w for w in wanted if w is not None])
    partner_ids = np.array([ids[w] if w is not None else None for w in wanted], dtype=object)
    observed_on = np.array(plan["dates"], dtype="datetime64[D]")[per_observation]
    assigned_at, due_on = _assignment_dates(session, rng, observed_on, severities, assigned, today, now)
    order = bulk.spatial_order(lon, lat)
    pair_of, per_observation, category_index, assigned = (
        a[order] for a in (pair_of, per_observation, category_index, assigned)
    )
    observed_on, assigned_at, due_on = (a[order] for a in (observed_on, assigned_at, due_on))
    variants, severities, status_index, shareable = (a[order] for a in (variants, severities, status_index, shareable))
    profiles = [CATEGORY_PROFILES[category] for category in categories]
    descriptions = np.array([d for p in profiles for d in p[1]], dtype=object)  # two per catégorie
    # Written without the ORM's listeners: say which fields are shared, as a form would.
    shared = shareable & (category_index != categories.index("stupefiants"))
    columns = {
        "diagnostic_id": np.asarray(diagnostic_ids, dtype=np.int64)[per_observation],
        "commune_insee": np.array(plan["insee"], dtype=object)[per_observation],
        "observed_on": observed_on,
        "category": np.array(categories, dtype=object)[category_index],
        "severity": severities.astype(np.int64),
        "status": np.array(STATUS_CODES, dtype=object)[status_index],
        "description": descriptions[category_index * 2 + variants],
        "recommendation": np.array([p[2] for p in profiles], dtype=object)[category_index],
        "partner": np.array(partner_names, dtype=object)[pair_of],
        "shareable": shared,
        "shared_fields": np.array(["", SHARED_TEXT], dtype=object)[shared.astype(np.intp)],
        "author": AUTHOR,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "partner_id": np.where(assigned, partner_ids[pair_of], None),
        "assigned_at": assigned_at,
        "due_on": due_on,
    }
    return columns, lon[order], lat[order]


def _assignment_dates(session, rng, observed_on, severities, assigned, today: dt.date, now: dt.datetime):
    """assigned_at and due_on per row (None where not assigned), as the app would have given them:
    assigned at 08:00 UTC one to fourteen days after the visit (never after `today` at 08:00, nor
    after `now`), due that day plus the delay of the row's gravité (`partners.delays_in`). Drawn
    last, so that adding these dates left every other synthetic column as it was."""
    lag = rng.integers(1, 15, size=len(observed_on)).astype("timedelta64[D]")
    at_eight = np.timedelta64(8, "h")
    latest = min(np.datetime64(today, "s") + at_eight, np.datetime64(now, "s"))
    assigned64 = np.minimum((observed_on + lag).astype("datetime64[s]") + at_eight, latest)
    delays = delays_in(session)
    days = np.array([0, *(delays[severity] for severity in sorted(delays))], dtype="timedelta64[D]")[severities]
    due64 = assigned64.astype("datetime64[D]") + days
    return (
        np.where(assigned, assigned64.astype(object), None),
        np.where(assigned, due64.astype(object), None),
    )


def _partner_ids(session, wanted) -> dict[tuple[str, str], int]:
    """The partner id of each (name, kind), the missing ones created in one flush (as
    services.partners.partner_named does one by one: same names, same match keys)."""
    known = dict(session.execute(select(Partner.match_key, Partner.id)).all())
    created = {}
    for name, kind in dict.fromkeys(wanted):
        key = match_key(" ".join(name.split())[:120])
        if key not in known and key not in created:
            created[key] = Partner(name=" ".join(name.split())[:120], match_key=key, kind=kind, emails="")
    session.add_all(created.values())
    session.flush()
    known.update({key: partner.id for key, partner in created.items()})
    return {(name, kind): known[match_key(" ".join(name.split())[:120])] for name, kind in wanted}


def _point_expression(db: Database, x, y):
    if db.is_sqlite:
        return func.MakePoint(x, y, SRID)
    return func.ST_SetSRID(func.ST_MakePoint(x, y), SRID)


def _partner_name(kind: str, commune_name: str) -> str:
    names = {
        "commune": f"Commune de {commune_name}",
        "police_municipale": f"Police municipale de {commune_name}",
        "intercommunalite": "Communauté de communes",
        "bailleur": "Bailleur social",
        "commercant": "Commerçants",
        "forces": "",
        "autre": "",
    }
    return names.get(kind, taxonomy.partner_kind_label(kind))


def expected_diagnostics(count: int) -> int:
    """About how many diagnostics `count` observations make (for messages)."""
    return math.ceil(count / (sum(DIAGNOSTIC_SIZE) / 2))
