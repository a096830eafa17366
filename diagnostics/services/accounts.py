"""Accounts: creation, password login with throttling, single sign-on mapping.

Passwords are stored as argon2id hashes. A failed login never says whether the account exists.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from diagnostics import auth, config, limits, localtime
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.models import Commune, Team, User, utcnow
from diagnostics.partner_models import Partner
from diagnostics.services import audit
from diagnostics.services.partners import commune_partner, match_key

MAX_FAILED_LOGINS = 5
LOCK_DURATION = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
# Logins are stored and compared in lower case (an e-mail address from single sign-on keeps
# whatever case the directory gives it), and must match the whole pattern: `$` would let a
# final newline through.
LOGIN_PATTERN = re.compile(r"[a-z0-9._@-]{3,120}")

BAD_CREDENTIALS = "Identifiant ou mot de passe incorrect."
LOCKED = "Trop de tentatives échouées : ce compte est bloqué jusqu'à {until}. Réessayez plus tard."
SSO_UNKNOWN = "Votre compte {email} n'est pas autorisé dans l'application : demandez-le au référent PSQ."

_hasher = PasswordHasher()
# Verified when the login is unknown, so that a wrong login costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only for constant time")


@dataclass(frozen=True)
class NewAccount:
    login: str
    role: str
    password: str | None = None  # None: single sign-on only
    display_name: str = ""
    commune_insee: str | None = None
    team_name: str | None = None
    departments: tuple[str, ...] = ()
    partner_name: str | None = None  # a partenaire's partner (a maire's: their commune's, by default)


def normalise_login(login: str) -> str:
    """The form a login is stored and looked up in: lower case, without surrounding spaces."""
    return login.strip().lower()


@audit.refusals_recorded
def add_user(db: Database, actor: Actor, account: NewAccount) -> Actor:
    """Create an account; returns what the new user will act as."""
    require(actor, "manage_accounts")
    errors = _account_errors(account)  # on the login as typed: a final newline is refused, not trimmed
    account = dataclasses.replace(account, login=account.login.lower())
    with db.session() as session:
        team_id = None
        if account.team_name:
            team_id = session.scalar(select(Team.id).where(Team.name == account.team_name))
            if team_id is None:
                errors["team"] = f"Équipe inconnue : {account.team_name}"
        if account.commune_insee and session.get(Commune, account.commune_insee) is None:
            errors["commune"] = f"Commune inconnue : {account.commune_insee}"
        if session.scalar(select(User.id).where(User.login == account.login)) is not None:
            errors["login"] = f"Le compte {account.login} existe déjà."
        partner_id = None
        if account.partner_name:
            partner_id = session.scalar(select(Partner.id).where(Partner.match_key == match_key(account.partner_name)))
            if partner_id is None:
                errors["partner"] = f"Partenaire inconnu : {account.partner_name}"
        if errors:
            raise ValidationError(errors)
        if account.role == auth.MAIRE and partner_id is None:
            partner_id = commune_partner(session, account.commune_insee)  # mayors answer for their commune
        departments = account.departments or _departments_of(session, account)
        user = User(
            login=account.login,
            role=account.role,
            display_name=account.display_name,
            password_hash=_hasher.hash(account.password) if account.password else None,
            team_id=team_id,
            commune_insee=account.commune_insee,
            departments=",".join(departments),
            partner_id=partner_id,
        )
        session.add(user)
        session.flush()
        audit.record(
            session,
            actor,
            "create",
            entity="user",
            entity_id=user.login,
            after={
                "role": user.role,
                "team": account.team_name,
                "commune": user.commune_insee,
                "departments": user.departments,
                "partner_id": user.partner_id,
            },
        )
        return actor_of(user)


def _account_errors(account: NewAccount) -> dict[str, str]:
    errors = {}
    if not LOGIN_PATTERN.fullmatch(account.login.lower()):
        errors["login"] = "Identifiant invalide : 3 à 120 caractères parmi lettres, chiffres, . _ @ -"
    if account.role not in auth.ROLES:
        errors["role"] = f"Rôle inconnu : {account.role} (agent, commandant, maire, partenaire ou admin)."
    if account.password is not None and len(account.password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"Mot de passe trop court : {MIN_PASSWORD_LENGTH} caractères au moins."
    if account.role == auth.MAIRE and not account.commune_insee:
        errors["commune"] = "Un compte maire est rattaché à une commune (--commune INSEE)."
    unknown = [code for code in account.departments if code not in config.departments()]
    if unknown:
        errors["departments"] = f"Département hors de cette installation : {', '.join(unknown)}."
    if account.role == auth.PARTENAIRE and not account.partner_name:
        errors["partner"] = "Un compte partenaire est rattaché à un partenaire (--partner NOM)."
    if account.role == auth.AGENT and not account.team_name:
        errors["team"] = "Un compte agent est rattaché à une équipe (--team NOM)."
    errors.update(limits.too_long(User, {"display_name": account.display_name}))
    return errors


def _departments_of(session, account: NewAccount) -> tuple[str, ...]:
    """A commandant's default perimeter: the département of their team or commune, else all."""
    if account.role != auth.COMMANDANT:
        return ()
    if account.team_name:
        department = session.scalar(select(Team.department).where(Team.name == account.team_name))
        return (department,) if department else ()
    return config.departments()


def authenticate(db: Database, login: str, password: str, *, now: dt.datetime | None = None) -> Actor:
    """The actor for a correct login and password; PermissionDenied (French) otherwise.

    After MAX_FAILED_LOGINS failures in a row the account is locked for LOCK_DURATION. The
    failure is recorded (counter, lock, audit) before the refusal is raised.
    """
    with db.session() as session:
        outcome = _check_password(session, normalise_login(login), password, now or utcnow())
    if isinstance(outcome, str):
        raise PermissionDenied(outcome)
    return outcome


def _check_password(session: Session, login: str, password: str, now: dt.datetime) -> Actor | str:
    user = session.scalar(select(User).where(User.login == login))
    if user is None or not user.active or not user.password_hash:
        _verify(_DUMMY_HASH, password)
        audit.record(session, login[:120] or "?", "login_failed", entity="user", entity_id=login[:40])
        return BAD_CREDENTIALS
    if user.locked_until and user.locked_until > now:
        return _refuse_locked(session, user.login, user.locked_until)
    if not _verify(user.password_hash, password):
        return _count_failure(session, user, now)
    # Another attempt may have locked the account while this password was being checked: the
    # lock is read again in the statement that records the success.
    if not _record_success(session, user.id, now):
        return _refuse_locked(session, user.login, _locked_until(session, user.id))
    if _hasher.check_needs_rehash(user.password_hash):
        session.execute(_users.update().where(_users.c.id == user.id).values(password_hash=_hasher.hash(password)))
    audit.record(session, user.login, "login", entity="user", entity_id=user.login)
    return actor_of(user)


# Counters and locks are changed by single UPDATE statements evaluated by the database on the
# row as it is now (not as this session read it): concurrent attempts in other processes can
# neither lose a failure nor slip a success past a lock. Core statements on the table, so that
# the ORM object read above is not written back over them.
_users = User.__table__


def _unlocked(now: dt.datetime):
    return or_(_users.c.locked_until.is_(None), _users.c.locked_until <= now)


def _count_failure(session: Session, user: User, now: dt.datetime) -> str:
    reaches_limit = _users.c.failed_logins + 1 >= MAX_FAILED_LOGINS
    counted = session.execute(
        _users.update()
        .where(_users.c.id == user.id, _unlocked(now))
        .values(
            failed_logins=case((reaches_limit, 0), else_=_users.c.failed_logins + 1),
            locked_until=case((reaches_limit, now + LOCK_DURATION), else_=_users.c.locked_until),
        )
        .returning(_users.c.locked_until)
    ).one_or_none()
    if counted is None:  # locked by a concurrent attempt in the meantime
        return _refuse_locked(session, user.login, _locked_until(session, user.id))
    audit.record(session, user.login, "login_failed", entity="user", entity_id=user.login)
    return BAD_CREDENTIALS


def _record_success(session: Session, user_id: int, now: dt.datetime) -> bool:
    done = session.execute(
        _users.update()
        .where(_users.c.id == user_id, _unlocked(now))
        .values(failed_logins=0, locked_until=None, last_login_at=now)
        .returning(_users.c.id)
    ).one_or_none()
    return done is not None


def _locked_until(session: Session, user_id: int) -> dt.datetime | None:
    return session.scalar(select(_users.c.locked_until).where(_users.c.id == user_id))


def _refuse_locked(session: Session, login: str, until: dt.datetime | None) -> str:
    audit.record(session, login, "login_failed", entity="user", entity_id=login, detail="bloqué")
    return LOCKED.format(until=localtime.format_time(until)) if until else BAD_CREDENTIALS


def actor_for_sso(db: Database, email: str) -> Actor:
    """The account of a user who signed in through OpenID Connect: it must exist and be active."""
    with db.session() as session:
        user = session.scalar(select(User).where(User.login == normalise_login(email)))
        if user is None or not user.active:
            audit.record(session, email[:120], "login_failed", entity="user", entity_id=email[:40], detail="sso")
            outcome: Actor | str = SSO_UNKNOWN.format(email=email)
        else:
            user.last_login_at = utcnow()
            audit.record(session, user.login, "login", entity="user", entity_id=user.login, detail="sso")
            outcome = actor_of(user)
    if isinstance(outcome, str):
        raise PermissionDenied(outcome)
    return outcome


def current_account(db: Database, login: str) -> Actor | None:
    """What the active account `login` acts as now; None when it is disabled or gone.

    Read at every page run, so that an administrator's change reaches open sessions: one
    indexed row.
    """
    with db.session() as session:
        user = session.scalar(select(User).where(User.login == login, User.active.is_(True)))
        return actor_of(user) if user is not None else None


@audit.refusals_recorded
def set_active(db: Database, actor: Actor, login: str, active: bool) -> None:
    require(actor, "manage_accounts")
    with db.session() as session:
        user = session.scalar(select(User).where(User.login == normalise_login(login)))
        if user is None:
            raise NotFound(f"Compte inconnu : {login}")
        before = user.active
        user.active = active
        audit.record(
            session,
            actor,
            "update",
            entity="user",
            entity_id=user.login,
            before={"active": before},
            after={"active": active},
        )


@audit.refusals_recorded
def list_users(db: Database, actor: Actor) -> list[dict]:
    require(actor, "manage_accounts")
    with db.session() as session:
        users = session.scalars(select(User).order_by(User.login)).all()
        return [
            {
                "login": u.login,
                "role": u.role,
                "display_name": u.display_name,
                "team_id": u.team_id,
                "commune": u.commune_insee,
                "departments": u.departments,
                "active": u.active,
                "sso_only": u.password_hash is None,
                "last_login_at": u.last_login_at,
            }
            for u in users
        ]


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def actor_of(user: User) -> Actor:
    """What an account acts as (role, team, commune, départements), as the services see it."""
    return Actor(
        login=user.login,
        role=user.role,
        team_id=user.team_id,
        commune_insee=user.commune_insee,
        departments=tuple(d for d in user.departments.split(",") if d),
        display_name=user.display_name,
        partner_id=user.partner_id,
    )
