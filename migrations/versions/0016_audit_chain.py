"""The audit log proves itself: a hash chain over its rows, and a controlled path for the purge.

Existing rows are chained here, in id order. The append-only triggers are replaced by triggers
that let an update or a delete through only while the same transaction holds a row in
`audit_unlocks` (what the purge does, see diagnostics.audit_models).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 05:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from diagnostics import audit_chain

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_GUARDS = {"audit_events_no_update": "UPDATE", "audit_events_no_delete": "DELETE"}
_MESSAGE = "audit_events is append-only"


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("nonce", sa.String(length=32), nullable=True))
        batch.create_index("ix_audit_events_seq", ["seq"], unique=True)
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audit_unlocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _drop_guards()
    seq, last_hash = _chain_existing_rows()
    op.execute(sa.text("INSERT INTO audit_chain_head (id, seq, last_hash) VALUES (1, :seq, :hash)").bindparams(
        seq=seq, hash=last_hash
    ))
    _create_guards(unlockable=True)


def downgrade() -> None:
    _drop_guards()
    op.drop_table("audit_unlocks")
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_index("ix_audit_events_seq")
        batch.drop_column("nonce")
        batch.drop_column("row_hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
    _create_guards(unlockable=False)


def _chain_existing_rows() -> tuple[int, str]:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, at, actor, action, entity, entity_id, before, after, detail FROM audit_events ORDER BY id")
    ).all()
    previous = audit_chain.GENESIS
    for seq, row in enumerate(rows, start=1):
        nonce = audit_chain.new_nonce()
        at = row.at if not isinstance(row.at, str) else _parse_datetime(row.at)
        digest = audit_chain.payload_digest(row.before, row.after, row.detail, nonce)
        own = audit_chain.row_hash(previous, seq, at, row.actor, row.action, row.entity, row.entity_id, digest)
        bind.execute(
            sa.text("UPDATE audit_events SET seq = :seq, prev_hash = :prev, row_hash = :own, nonce = :nonce WHERE id = :id"),
            {"seq": seq, "prev": previous, "own": own, "nonce": nonce, "id": row.id},
        )
        previous = own
    return len(rows), previous


def _parse_datetime(text: str):
    import datetime as dt

    return dt.datetime.fromisoformat(text)


def _create_guards(*, unlockable: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        when = "WHEN NOT EXISTS (SELECT 1 FROM audit_unlocks) " if unlockable else ""
        for name, event in _SQLITE_GUARDS.items():
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON audit_events {when}"
                f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
            )
        return
    check = "IF NOT EXISTS (SELECT 1 FROM audit_unlocks) THEN " if unlockable else ""
    end = " END IF;" if unlockable else ""
    op.execute(
        "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {check}RAISE EXCEPTION '{_MESSAGE}';{end} RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
    )


def _drop_guards() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _SQLITE_GUARDS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
    op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
