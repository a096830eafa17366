"""Who reads the feed: HTTP Basic with the account's login and password (what QGIS and GDAL send),
or the session cookie of a signed-in browser.

Basic goes through `accounts.authenticate`: the same atomic lock-out counting, audit and French
refusals as the Connexion page. QGIS sends the credentials with each of its many requests; a
successful check is remembered for BASIC_CACHE_S in this process, keyed by a keyed hash of the
login and password (never the password itself), so that argon2 runs once per few minutes, not per
request. A remembered login still re-reads the account at each request (one indexed row): a
disabled account, or a changed role, counts at once. A failure is never remembered.

Basic sends the password in clear at every request: off localhost, the feed must be reached over
HTTPS (the README's nginx TLS section).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from starlette.requests import Request

from diagnostics.auth import Actor
from diagnostics.errors import PermissionDenied
from diagnostics.services import accounts
from diagnostics.web import auth
from diagnostics.web.deps import ApiError, database

BASIC_CACHE_S = 300.0
BASIC_CACHE_SIZE = 1000
REALM = 'Basic realm="PSQ", charset="UTF-8"'
NEED_CREDENTIALS = (
    "Identification requise : connectez-vous à l'application, ou indiquez votre identifiant et "
    "votre mot de passe (authentification HTTP Basic, par exemple dans QGIS)."
)
BAD_HEADER = "En-tête Authorization illisible : attendu « Basic » suivi de identifiant:mot de passe en base64."

_secret = secrets.token_bytes(32)
_remembered: dict[bytes, tuple[str, float]] = {}  # keyed hash of login and password → (login, checked at)
_checking: dict[bytes, threading.Lock] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Reader:
    """The actor of a feed request, and who reads for the audit (a session, or an account)."""

    actor: Actor
    key: str


def feed_reader(request: Request) -> Reader:
    """The reader of the request; ApiError 401 (with WWW-Authenticate) otherwise."""
    header = request.headers.get("authorization")
    if header is not None:
        login, password = _basic_credentials(header)
        return Reader(_basic_actor(login, password), f"basic:{accounts.normalise_login(login)}")
    resolved = auth.request_session(request)
    if resolved.actor is None:
        raise _refusal(resolved.refusal or NEED_CREDENTIALS)
    return Reader(resolved.actor, f"session:{resolved.session_id}")


def forget_basic_logins() -> None:
    """For tests, and after a password change in this process: every Basic login is checked again."""
    with _lock:
        _remembered.clear()
        _checking.clear()


def _basic_credentials(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise _refusal(BAD_HEADER)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _refusal(BAD_HEADER) from None
    login, colon, password = decoded.partition(":")
    if not colon or not login.strip() or not password:
        raise _refusal(auth.MISSING_CREDENTIALS)
    return login.strip(), password


def _basic_actor(login: str, password: str) -> Actor:
    db = database()
    key = hmac.new(_secret, f"{login}\0{password}".encode(), hashlib.sha256).digest()
    actor = _remembered_actor(db, key)
    if actor is not None:
        return actor
    # QGIS opens a layer with several requests at once: those with the same credentials wait for
    # one check instead of each paying argon2 (and each writing a login to the audit log).
    with _lock:
        if len(_checking) >= BASIC_CACHE_SIZE:
            _checking.clear()
        checking = _checking.setdefault(key, threading.Lock())
    with checking:
        actor = _remembered_actor(db, key)
        if actor is not None:
            return actor
        try:
            actor = accounts.authenticate(db, login, password)
        except PermissionDenied as refusal:
            raise _refusal(str(refusal)) from refusal
        with _lock:
            if len(_remembered) >= BASIC_CACHE_SIZE:
                _remembered.clear()
            _remembered[key] = (actor.login, time.monotonic())
    return actor


def _remembered_actor(db, key: bytes) -> Actor | None:
    """The account of credentials checked less than BASIC_CACHE_S ago, as it is now (or None)."""
    with _lock:
        remembered = _remembered.get(key)
        if remembered is not None and time.monotonic() - remembered[1] >= BASIC_CACHE_S:
            del _remembered[key]
            remembered = None
    return accounts.current_account(db, remembered[0]) if remembered is not None else None


def _refusal(message: str) -> ApiError:
    refused = ApiError(401, message)
    refused.headers["WWW-Authenticate"] = REALM
    return refused
