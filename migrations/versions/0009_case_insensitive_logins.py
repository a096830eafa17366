"""Logins are case-insensitive: stored in lower case, unique whatever the case.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 23:00:00.000000

Existing logins are lower-cased. Two accounts whose logins differ only by case cannot both be
kept: the upgrade stops, names them and changes nothing, so that an administrator chooses.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from diagnostics.errors import DiagnosticsError

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLLISION = (
    "Mise à jour impossible : ces comptes ne diffèrent que par la casse de leur identifiant : {pairs}. "
    "Les identifiants ne distinguent plus les majuscules : renommez ou supprimez l'un de chaque groupe "
    "(en SQL, table users), puis relancez `python -m diagnostics init`."
)


def upgrade() -> None:
    connection = op.get_bind()
    logins = connection.execute(sa.text("SELECT login FROM users")).scalars().all()
    groups: dict[str, list[str]] = {}
    for login in logins:
        groups.setdefault(login.lower(), []).append(login)
    collisions = [sorted(group) for group in groups.values() if len(group) > 1]
    if collisions:
        raise DiagnosticsError(COLLISION.format(pairs=" ; ".join(" / ".join(group) for group in sorted(collisions))))
    for login in logins:
        if login != login.lower():
            connection.execute(
                sa.text("UPDATE users SET login = :lower WHERE login = :login"), {"lower": login.lower(), "login": login}
            )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_check_constraint("ck_users_login_lower", "login = lower(login)")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("ck_users_login_lower", type_="check")
