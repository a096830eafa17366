"""Who is calling a route: the session cookie, checked on every request, and the /api/session routes.

The cookie `psq_session` holds only a random token (the database keeps its SHA-256, see
services.sessions). It is HttpOnly (no script reads it), SameSite=Strict (no other site's page
sends it), Path=/, and Secure when the request came over HTTPS. It has no Max-Age: closing the
browser drops it, and the server ends the session after PSQ_SESSION_IDLE_MINUTES without activity.

State-changing requests must also come from the app's own pages (`check_same_origin`): a
SameSite cookie is not sent cross-site, and this check refuses what a cross-site page could
still send (a form post with the user's other cookies, a request from another site).

Routes:
- POST /api/session {"identifiant", "mot_de_passe"}: password login (same lock-out, audit and
  French refusals as the Connexion page), sets the cookie.
- GET /api/session: who is signed in, or 401.
- DELETE /api/session: logout; the session ends and the cookie is cleared.
- POST /api/session/claim {"ticket"}: a Streamlit page that has just logged someone in cannot set
  an HttpOnly cookie; its script posts the one-time ticket here, which sets it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from diagnostics import config
from diagnostics.auth import ROLES, Actor
from diagnostics.errors import PermissionDenied
from diagnostics.services import accounts, sessions
from diagnostics.web.deps import ApiError, database, json_body

COOKIE = "psq_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_PORTS = {"http": 80, "https": 443}

CROSS_SITE = "Requête refusée : elle ne vient pas des pages de l'application."
NOT_JSON = "Requête refusée : le corps doit être du JSON (Content-Type: application/json)."
MISSING_CREDENTIALS = "Identifiant et mot de passe sont obligatoires."
BAD_TICKET = "Ticket de connexion inconnu, déjà utilisé ou expiré : reconnectez-vous."
SIGNED_OUT = "Vous êtes déconnecté."


def request_session(request: Request) -> sessions.Resolved:
    """What the request's cookie stands for now (touches the session's last activity)."""
    return sessions.resolve_token(database(), request.cookies.get(COOKIE))


def request_actor(request: Request) -> Actor | None:
    """The signed-in actor of the request, or None."""
    return request_session(request).actor


def require_actor(request: Request) -> Actor:
    """The signed-in actor; otherwise ApiError 401 with the French reason (expired, revoked…)."""
    resolved = request_session(request)
    if resolved.actor is None:
        raise ApiError(401, resolved.refusal or sessions.NOT_SIGNED_IN)
    return resolved.actor


def check_same_origin(request: Request, *, json_body: bool = True) -> None:
    """Refuse (ApiError 403/415) a state-changing request that does not come from the app's pages.

    Browsers send `Sec-Fetch-Site` and `Origin` with every POST, PUT, PATCH and DELETE; either
    one naming another site refuses the request. A JSON body is required too: an HTML form of
    another site can only send form encodings, and a script of another site cannot send JSON
    without a CORS preflight, which this app never grants. Clients that are not browsers send
    neither header and carry no one else's cookie.
    """
    if request.method in SAFE_METHODS:
        return
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise ApiError(403, CROSS_SITE)
    origin = request.headers.get("origin")
    if origin is not None and not _same_host(origin, request.headers.get("host", "")):
        raise ApiError(403, CROSS_SITE)
    if json_body and request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise ApiError(415, NOT_JSON)


def _same_host(origin: str, host: str) -> bool:
    try:
        parts, own = urlsplit(origin), urlsplit(f"//{host}")
        origin_port = parts.port or DEFAULT_PORTS.get(parts.scheme)
        own_port = own.port
    except ValueError:  # "null", a malformed port
        return False
    if not parts.hostname or parts.hostname != own.hostname:
        return False
    # Host without a port (nginx's $host) means the scheme's default port.
    return (own_port or DEFAULT_PORTS.get(parts.scheme)) == origin_port


def is_https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS. Behind a TLS proxy the app sees plain HTTP:
    X-Forwarded-Proto is believed only when PSQ_TRUST_FORWARDED_PROTO says the proxy sets it."""
    if request.url.scheme == "https":
        return True
    if not config.trust_forwarded_proto():
        return False
    return request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower() == "https"


def set_cookie(response: JSONResponse, request: Request, token: str) -> None:
    response.set_cookie(COOKIE, token, path="/", httponly=True, samesite="strict", secure=is_https(request))


def clear_cookie(response: JSONResponse, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=is_https(request))


def who(actor: Actor) -> dict:
    """An actor as the API describes it (field names in French, like the messages)."""
    return {
        "identifiant": actor.login,
        "nom": actor.display_name,
        "role": actor.role,
        "role_libelle": ROLES.get(actor.role, actor.role),
        "equipe_id": actor.team_id,
        "commune": actor.commune_insee,
        "departements": list(actor.departments),
    }


async def log_in(request: Request) -> JSONResponse:
    check_same_origin(request)
    body = await json_body(request)
    login, password = body.get("identifiant"), body.get("mot_de_passe")
    if not isinstance(login, str) or not isinstance(password, str) or not login.strip() or not password:
        raise ApiError(400, MISSING_CREDENTIALS)
    user_agent = request.headers.get("user-agent", "")
    return await run_in_threadpool(_log_in, request, login, password, user_agent)


def _log_in(request: Request, login: str, password: str, user_agent: str) -> JSONResponse:
    db = database()
    try:
        actor = accounts.authenticate(db, login.strip(), password)
    except PermissionDenied as refusal:
        raise ApiError(401, str(refusal)) from refusal
    opened = sessions.open_session(db, actor, user_agent=user_agent, via="api")
    response = JSONResponse(who(actor))
    set_cookie(response, request, opened.token)
    return response


def whoami(request: Request) -> JSONResponse:
    return JSONResponse(who(require_actor(request)))


def log_out(request: Request) -> JSONResponse:
    check_same_origin(request, json_body=False)
    sessions.end_session(database(), token=request.cookies.get(COOKIE))
    response = JSONResponse({"statut": SIGNED_OUT})
    clear_cookie(response, request)
    return response


async def claim(request: Request) -> JSONResponse:
    check_same_origin(request)
    ticket = (await json_body(request)).get("ticket")
    token = await run_in_threadpool(_claim, ticket) if isinstance(ticket, str) else None
    if token is None:
        raise ApiError(401, BAD_TICKET)
    response = JSONResponse({"statut": "connecté"})
    set_cookie(response, request, token)
    return response


def _claim(ticket: str) -> str | None:
    return sessions.claim(database(), ticket)


ROUTES = [
    Route("/api/session", log_in, methods=["POST"]),
    Route("/api/session", whoami, methods=["GET"]),
    Route("/api/session", log_out, methods=["DELETE"]),
    Route("/api/session/claim", claim, methods=["POST"]),
]
