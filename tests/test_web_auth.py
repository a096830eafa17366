"""The /api/session routes and the cookie, called in-process on the app's own routes (both
backends): login with lock-out and audit, who am I, logout, the page's ticket, same-origin checks."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from diagnostics.models import AuditEvent
from diagnostics.services import accounts, sessions
from diagnostics.services.accounts import LOCKED, NewAccount, add_user
from diagnostics.web import deps
from diagnostics.web.auth import BAD_TICKET, COOKIE, CROSS_SITE, NOT_JSON, check_same_origin
from diagnostics.web.routes import EXCEPTION_HANDLERS, ROUTES
from tests.asgi import request
from tests.conftest import ADMIN_ACTOR

PASSWORD = "mot de passe solide"
CREDENTIALS = {"identifiant": "Agent.Gray", "mot_de_passe": PASSWORD}


@pytest.fixture
def app(db):
    add_user(
        db,
        ADMIN_ACTOR,
        NewAccount(login="agent.gray", role="agent", password=PASSWORD, team_name="Groupe de contact de Gray"),
    )
    yield Starlette(routes=ROUTES, exception_handlers=EXCEPTION_HANDLERS)
    deps.close_databases()


def call(app, method, path, *, json_body=None, body=b"", headers=None, cookies=None, scheme="http"):
    """One request as a browser of the app at http(s)://psq.test would send it."""
    headers = {"host": "psq.test", **(headers or {})}
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers.setdefault("content-type", "application/json")
    if cookies:
        headers["cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return request(app, path, method=method, headers=headers, body=body, scheme=scheme)


def token_of(answer) -> str:
    raw = answer.set_cookies()[COOKIE]
    return raw.split(";")[0].split("=", 1)[1]


def test_a_login_sets_an_httponly_strict_cookie_holding_only_a_random_token(app, db):
    answer = call(app, "POST", "/api/session", json_body=CREDENTIALS)
    assert answer.status == 200 and answer.json()["identifiant"] == "agent.gray"
    assert answer.json()["role_libelle"] == "Agent de terrain"
    raw = answer.set_cookies()[COOKIE]
    attributes = {part.strip().lower() for part in raw.split(";")[1:]}
    assert {"httponly", "path=/", "samesite=strict"} <= attributes and "secure" not in attributes
    assert not any(attribute.startswith(("max-age", "expires")) for attribute in attributes)
    token = token_of(answer)
    assert "agent" not in token and len(token) >= 40
    who = call(app, "GET", "/api/session", cookies={COOKIE: token})
    assert who.status == 200 and who.json()["equipe_id"] is not None


def test_the_cookie_is_secure_over_https_and_behind_a_proxy_only_when_trusted(app, monkeypatch):
    secure = call(app, "POST", "/api/session", json_body=CREDENTIALS, scheme="https")
    assert "secure" in secure.set_cookies()[COOKIE].lower()
    forwarded = {"x-forwarded-proto": "https"}
    plain = call(app, "POST", "/api/session", json_body=CREDENTIALS, headers=forwarded)
    assert "secure" not in plain.set_cookies()[COOKIE].lower()
    monkeypatch.setenv("PSQ_TRUST_FORWARDED_PROTO", "true")
    proxied = call(app, "POST", "/api/session", json_body=CREDENTIALS, headers=forwarded)
    assert "secure" in proxied.set_cookies()[COOKIE].lower()


def test_refused_logins_are_french_audited_and_locked_out_as_on_the_page(app, db):
    wrong = {"identifiant": "agent.gray", "mot_de_passe": "pas le bon"}
    unknown = call(app, "POST", "/api/session", json_body={**wrong, "identifiant": "inconnu"})
    assert unknown.status == 401 and unknown.json() == {"erreur": accounts.BAD_CREDENTIALS}
    for _ in range(accounts.MAX_FAILED_LOGINS):
        assert call(app, "POST", "/api/session", json_body=wrong).status == 401
    locked = call(app, "POST", "/api/session", json_body=CREDENTIALS)
    assert locked.status == 401 and locked.json()["erreur"].startswith(LOCKED.split("{")[0])
    assert COOKIE not in locked.set_cookies()
    with db.session() as session:
        failures = session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "login_failed")).all()
    assert failures.count("agent.gray") == accounts.MAX_FAILED_LOGINS + 1 and "inconnu" in failures
    empty = call(app, "POST", "/api/session", json_body={"identifiant": "agent.gray"})
    assert empty.status == 400 and "obligatoires" in empty.json()["erreur"]
    garbage = call(app, "POST", "/api/session", body=b"{", headers={"content-type": "application/json"})
    assert garbage.status == 400 and garbage.json() == {"erreur": deps.BAD_JSON}


def test_without_a_valid_cookie_who_am_i_is_a_french_401(app, db):
    assert call(app, "GET", "/api/session").json() == {"erreur": sessions.NOT_SIGNED_IN}
    assert call(app, "GET", "/api/session", cookies={COOKIE: "forged"}).status == 401


def test_logout_clears_the_cookie_and_a_copy_of_it_is_refused_afterwards(app, db):
    token = token_of(call(app, "POST", "/api/session", json_body=CREDENTIALS))
    out = call(app, "DELETE", "/api/session", cookies={COOKIE: token})
    assert out.status == 200
    cleared = out.set_cookies()[COOKIE].lower()
    assert 'psq_session=""' in cleared and "max-age=0" in cleared
    copy = call(app, "GET", "/api/session", cookies={COOKIE: token})
    assert copy.status == 401 and copy.json() == {"erreur": sessions.NOT_SIGNED_IN}
    with db.session() as session:
        assert session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "logout")).all() == ["agent.gray"]


def test_an_expired_or_revoked_session_says_so(app, db, monkeypatch):
    token = token_of(call(app, "POST", "/api/session", json_body=CREDENTIALS))
    (listed,) = sessions.open_sessions(db, ADMIN_ACTOR)
    assert listed.via == "api"
    sessions.revoke_session(db, ADMIN_ACTOR, listed.id)
    assert call(app, "GET", "/api/session", cookies={COOKIE: token}).json() == {"erreur": sessions.REVOKED}


def test_a_page_ticket_sets_the_cookie_once(app, db):
    actor = accounts.authenticate(db, "agent.gray", PASSWORD)
    opened = sessions.open_session(db, actor, handoff=True)
    claimed = call(app, "POST", "/api/session/claim", json_body={"ticket": opened.ticket})
    assert claimed.status == 200
    token = token_of(claimed)
    assert call(app, "GET", "/api/session", cookies={COOKIE: token}).json()["identifiant"] == "agent.gray"
    again = call(app, "POST", "/api/session/claim", json_body={"ticket": opened.ticket})
    assert again.status == 401 and again.json() == {"erreur": BAD_TICKET} and COOKIE not in again.set_cookies()


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({"origin": "https://evil.example"}, 403, CROSS_SITE),
        ({"origin": "null"}, 403, CROSS_SITE),
        ({"origin": "http://psq.test:8080"}, 403, CROSS_SITE),
        ({"sec-fetch-site": "cross-site"}, 403, CROSS_SITE),
        ({"sec-fetch-site": "same-site"}, 403, CROSS_SITE),
        ({"content-type": "application/x-www-form-urlencoded"}, 415, NOT_JSON),
        ({"content-type": "text/plain"}, 415, NOT_JSON),
    ],
)
def test_state_changing_requests_from_elsewhere_are_refused(app, db, headers, status, message):
    for path in ("/api/session", "/api/session/claim"):
        answer = call(app, "POST", path, json_body=CREDENTIALS, headers=headers)
        assert (answer.status, answer.json()) == (status, {"erreur": message})
        assert COOKIE not in answer.set_cookies()


def test_the_app_s_own_pages_pass_the_same_origin_check():
    from starlette.requests import Request

    def request(method: str, headers: dict[str, str]) -> Request:
        raw = [(k.encode(), v.encode()) for k, v in headers.items()]
        return Request({"type": "http", "method": method, "headers": raw, "path": "/", "query_string": b""})

    json_type = {"content-type": "application/json; charset=utf-8"}
    for headers in (
        {"host": "psq.test", "origin": "http://psq.test", "sec-fetch-site": "same-origin", **json_type},
        {"host": "127.0.0.1:8501", "origin": "http://127.0.0.1:8501", **json_type},
        {"host": "psq.intranet", "origin": "https://psq.intranet", **json_type},  # nginx's $host
        {"host": "psq.test", **json_type},  # not a browser
    ):
        check_same_origin(request("POST", headers))
    check_same_origin(request("DELETE", {"host": "psq.test", "origin": "http://psq.test"}), json_body=False)
    check_same_origin(request("GET", {"host": "psq.test", "origin": "https://evil.example"}))


def test_an_idle_session_or_a_disabled_account_is_refused_with_its_reason(app, db):
    from sqlalchemy import update

    from diagnostics.models import utcnow
    from diagnostics.session_models import UserSession

    idle = token_of(call(app, "POST", "/api/session", json_body=CREDENTIALS))
    with db.session() as session:
        session.execute(update(UserSession).values(expires_at=utcnow()))
    answer = call(app, "GET", "/api/session", cookies={COOKIE: idle})
    assert (answer.status, answer.json()) == (401, {"erreur": sessions.EXPIRED.format(minutes=120)})
    active = token_of(call(app, "POST", "/api/session", json_body=CREDENTIALS))
    accounts.set_active(db, ADMIN_ACTOR, "agent.gray", False)
    answer = call(app, "GET", "/api/session", cookies={COOKIE: active})
    assert (answer.status, answer.json()) == (401, {"erreur": sessions.ACCOUNT_CHANGED})
