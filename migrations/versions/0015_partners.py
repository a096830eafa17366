"""Partners are data: partner rows, the communes they cover, routing rules, due delays; observations
reference their partner with a due date; partner accounts.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 05:30:00.000000

Upgrade: every free-text partner name (the commanders' `assigned_to` with its `assigned_kind`, and
the agents' « partenaire concerné », `observations.partner`) becomes a partner row, matched by name
trimmed, case- and accent-insensitive, created when missing. An assigned observation references its
partner (`partner_id`); it has no due date (nobody agreed one). The agents' text stays in
`observations.partner`: nothing typed is lost. Each partner covers the communes of the observations
assigned to it. Each mayor account is bound to its commune's partner of kind commune (the only one
covering the commune, else a new « Mairie de … »).

Downgrade: `assigned_kind` / `assigned_to` get the partner's kind and name back; the partners'
answers and due-date changes become comments (their text kept); partner accounts become inactive
mayor accounts (the old schema has no partner role: no access is granted by the downgrade).
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies (a migration does not follow later changes of the code).
KINDS = (
    "commune",
    "police_municipale",
    "intercommunalite",
    "bailleur",
    "transporteur",
    "departement",
    "prefecture",
    "association",
    "commercant",
    "education",
    "justice",
    "forces",
    "autre",
)
KIND_LABELS = {
    "commune": "Commune",
    "police_municipale": "Police municipale",
    "intercommunalite": "Intercommunalité",
    "bailleur": "Bailleur social",
    "transporteur": "Transporteur",
    "departement": "Conseil départemental",
    "prefecture": "Préfecture",
    "commercant": "Commerçants / gestionnaire de site",
    "education": "Éducation nationale",
    "justice": "Justice / parquet",
    "forces": "Forces de sécurité (unité)",
    "autre": "Autre partenaire",
}
DEFAULT_DUE_DAYS = {4: 7, 3: 30, 2: 90, 1: 180}
OLD_ROLES = "role IN ('agent', 'commandant', 'maire', 'admin')"
NEW_ROLES = "role IN ('agent', 'commandant', 'maire', 'partenaire', 'admin')"
OLD_EVENTS = "kind IN ('status', 'assignment', 'comment')"
NEW_EVENTS = "kind IN ('status', 'assignment', 'comment', 'due_date', 'partner_answer')"
ONE_PLACE = (
    "(CASE WHEN commune_insee IS NULL THEN 0 ELSE 1 END) + (CASE WHEN sector_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN patrol_zone_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def match_key(name: str) -> str:
    """The same as diagnostics.services.partners.match_key, frozen here."""
    decomposed = unicodedata.normalize("NFKD", " ".join(name.split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))[:120]


def upgrade() -> None:
    _create_tables()
    connection = op.get_bind()
    _add_column("observations", "partner_id", "INTEGER", "partners")
    op.add_column("observations", sa.Column("assigned_at", sa.DateTime(), nullable=True))
    op.add_column("observations", sa.Column("due_on", sa.Date(), nullable=True))
    op.add_column("observations", sa.Column("partner_answer", sa.String(length=20), nullable=True))
    op.create_index("ix_observations_partner_id", "observations", ["partner_id"])
    op.create_index("ix_observations_due_on", "observations", ["due_on"])
    partners = _Partners(connection)
    _migrate_observations(connection, partners)
    # SQLite >= 3.35 drops a column in place (no table copy: see 0003).
    op.execute("ALTER TABLE observations DROP COLUMN assigned_kind")
    op.execute("ALTER TABLE observations DROP COLUMN assigned_to")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_users_partner_id", "partners", ["partner_id"], ["id"])
        batch_op.drop_constraint("ck_users_role", type_="check")
        batch_op.create_check_constraint("ck_users_role", NEW_ROLES)
    _bind_mayors(connection, partners)
    with op.batch_alter_table("observation_events", schema=None) as batch_op:
        batch_op.drop_constraint("ck_observation_events_kind", type_="check")
        batch_op.create_check_constraint("ck_observation_events_kind", NEW_EVENTS)


def downgrade() -> None:
    connection = op.get_bind()
    connection.execute(
        sa.text(
            "UPDATE observation_events SET comment = CASE WHEN new_value IS NULL THEN comment"
            " ELSE new_value || ' : ' || comment END, old_value = NULL, new_value = NULL, kind = 'comment'"
            " WHERE kind IN ('due_date', 'partner_answer')"
        )
    )
    with op.batch_alter_table("observation_events", schema=None) as batch_op:
        batch_op.drop_constraint("ck_observation_events_kind", type_="check")
        batch_op.create_check_constraint("ck_observation_events_kind", OLD_EVENTS)
    connection.execute(sa.text("UPDATE users SET role = 'maire', active = :no WHERE role = 'partenaire'"), {"no": False})
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("ck_users_role", type_="check")
        batch_op.create_check_constraint("ck_users_role", OLD_ROLES)
        batch_op.drop_constraint("fk_users_partner_id", type_="foreignkey")
        batch_op.drop_column("partner_id")
    op.add_column("observations", sa.Column("assigned_kind", sa.String(length=40), nullable=True))
    op.add_column("observations", sa.Column("assigned_to", sa.String(length=120), nullable=True))
    connection.execute(
        sa.text(
            "UPDATE observations SET"
            " assigned_kind = (SELECT kind FROM partners WHERE partners.id = observations.partner_id),"
            " assigned_to = (SELECT substr(name, 1, 120) FROM partners WHERE partners.id = observations.partner_id)"
            " WHERE partner_id IS NOT NULL"
        )
    )
    op.drop_index("ix_observations_due_on", table_name="observations")
    op.drop_index("ix_observations_partner_id", table_name="observations")
    if connection.dialect.name != "sqlite":
        op.drop_constraint("fk_observations_partner_id", "observations", type_="foreignkey")
    for column in ("partner_answer", "due_on", "assigned_at", "partner_id"):
        op.execute(f"ALTER TABLE observations DROP COLUMN {column}")
    op.drop_table("due_delays")
    op.drop_table("routing_rules")
    op.drop_index("ix_partner_communes_commune_insee", table_name="partner_communes")
    op.drop_table("partner_communes")
    op.drop_table("partners")


def _create_tables() -> None:
    kinds = "kind IN ({})".format(", ".join(f"'{code}'" for code in KINDS))
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("match_key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("emails", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(kinds, name="ck_partners_kind"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("match_key"),
    )
    op.create_table(
        "partner_communes",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(["commune_insee"], ["communes.insee"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("partner_id", "commune_insee"),
    )
    op.create_index("ix_partner_communes_commune_insee", "partner_communes", ["commune_insee"])
    op.create_table(
        "routing_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=True),
        sa.Column("sector_id", sa.Integer(), nullable=True),
        sa.Column("patrol_zone_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.CheckConstraint(ONE_PLACE, name="ck_routing_rules_one_place"),
        sa.ForeignKeyConstraint(["commune_insee"], ["communes.insee"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patrol_zone_id"], ["patrol_zones.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sector_id"], ["sectors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("category", "commune_insee", "sector_id", "patrol_zone_id", name="uq_routing_rules_place"),
    )
    op.create_index("ix_routing_rules_category", "routing_rules", ["category"])
    due_delays = op.create_table(
        "due_delays",
        sa.Column("severity", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.CheckConstraint("severity BETWEEN 1 AND 4", name="ck_due_delays_severity"),
        sa.CheckConstraint("days BETWEEN 1 AND 3650", name="ck_due_delays_days"),
        sa.PrimaryKeyConstraint("severity"),
    )
    op.bulk_insert(due_delays, [{"severity": s, "days": d} for s, d in DEFAULT_DUE_DAYS.items()])


def _add_column(table: str, column: str, sql_type: str, target: str) -> None:
    """ADD COLUMN … REFERENCES in place (a batch copy would lose the SpatiaLite geometry, see 0003)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type} REFERENCES {target} (id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(f"fk_{table}_{column}", table, target, [column], ["id"])


class _Partners:
    """Partner rows by match key, created on first use."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.ids: dict[str, int] = {}

    def id_for(self, name: str, kind: str) -> int:
        name = " ".join(name.split())[:120]
        key = match_key(name)
        if key not in self.ids:
            self.connection.execute(
                sa.text(
                    "INSERT INTO partners (name, match_key, kind, emails, created_at)"
                    " VALUES (:name, :key, :kind, '', CURRENT_TIMESTAMP)"
                ),
                {"name": name, "key": key, "kind": kind if kind in KINDS else "autre"},
            )
            self.ids[key] = self.connection.execute(
                sa.text("SELECT id FROM partners WHERE match_key = :key"), {"key": key}
            ).scalar_one()
        return self.ids[key]

    def cover(self, partner_id: int, insee: str) -> None:
        exists = self.connection.execute(
            sa.text("SELECT 1 FROM partner_communes WHERE partner_id = :p AND commune_insee = :c"),
            {"p": partner_id, "c": insee},
        ).first()
        if exists is None:
            self.connection.execute(
                sa.text("INSERT INTO partner_communes (partner_id, commune_insee) VALUES (:p, :c)"),
                {"p": partner_id, "c": insee},
            )


def _migrate_observations(connection, partners: _Partners) -> None:
    rows = connection.execute(
        sa.text(
            "SELECT id, commune_insee, assigned_kind, assigned_to, partner, updated_at FROM observations"
            " WHERE assigned_kind IS NOT NULL OR (partner IS NOT NULL AND trim(partner) <> '') ORDER BY id"
        )
    ).all()
    for row in rows:  # assignments first: they know the partner's kind
        if row.assigned_kind is not None:
            name = (row.assigned_to or "").strip() or KIND_LABELS.get(row.assigned_kind, row.assigned_kind)
            partner_id = partners.id_for(name, row.assigned_kind)
            partners.cover(partner_id, row.commune_insee)
            assigned_at = connection.execute(
                sa.text(
                    "SELECT max(at) FROM observation_events WHERE observation_id = :id AND kind = 'assignment'"
                ),
                {"id": row.id},
            ).scalar()
            connection.execute(
                sa.text("UPDATE observations SET partner_id = :p, assigned_at = :at WHERE id = :id"),
                {"p": partner_id, "at": assigned_at or row.updated_at, "id": row.id},
            )
    for row in rows:
        if (row.partner or "").strip():
            partners.id_for(row.partner, "autre")


def _bind_mayors(connection, partners: _Partners) -> None:
    mayors = connection.execute(
        sa.text(
            "SELECT users.id, users.commune_insee, communes.name FROM users"
            " JOIN communes ON communes.insee = users.commune_insee WHERE users.role = 'maire'"
        )
    ).all()
    for mayor in mayors:
        covering = connection.execute(
            sa.text(
                "SELECT partners.id FROM partners JOIN partner_communes ON partner_communes.partner_id = partners.id"
                " WHERE partners.kind = 'commune' AND partner_communes.commune_insee = :c"
            ),
            {"c": mayor.commune_insee},
        ).all()
        if len(covering) == 1:
            partner_id = covering[0].id
        else:
            partner_id = partners.id_for(f"Mairie de {mayor.name}", "commune")
            partners.cover(partner_id, mayor.commune_insee)
        connection.execute(
            sa.text("UPDATE users SET partner_id = :p WHERE id = :id"), {"p": partner_id, "id": mayor.id}
        )
