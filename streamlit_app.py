"""PSQ diagnostics — entry point: `streamlit run streamlit_app.py`.

Nobody sees a page before logging in; then each role sees the pages it may use (the services
check permissions again). Each page is a short module in diagnostics/ui/.

Every page is registered with `st.navigation` whoever is logged in, so that a bookmark or a link
(`/carte`) is always a known page: before login it shows the login form and, after it, the page
asked for; a page the role may not open shows a French message. (A page registered only after
login would show Streamlit's own English « Page not found » over the login form.)
"""

from __future__ import annotations

import streamlit as st

from diagnostics.auth import ADMIN, AGENT, COMMANDANT, MAIRE, PARTENAIRE, ROLES, Actor, can
from diagnostics.errors import DatabaseUnavailable

PAGES_DIR = "diagnostics/ui"
# A local file: a Material icon here would make the browser fetch the favicon from a font CDN.
FAVICON = "diagnostics/ui/favicon.svg"
LOGIN_PATH = "connexion"
APP_NAME = "PSQ diagnostics"

# (file, title, icon, url path, permission needed to open it)
PAGES = (
    ("saisie.py", "Saisie terrain", ":material/edit_location_alt:", "saisie", "record_diagnostic"),
    ("carte.py", "Carte de commandement", ":material/map:", "carte", "command_map"),
    ("maire.py", "Ma commune", ":material/location_city:", "commune", "mayor_page"),
    ("preconisations.py", "Mes préconisations", ":material/assignment:", "preconisations", "partner_answers"),
    ("alertes.py", "Alertes", ":material/campaign:", "alertes", "alerts"),
    ("cellules.py", "Cellules de veille", ":material/groups:", "cellules", "cellules"),
    ("analyse.py", "Analyse", ":material/monitoring:", "analyse", "follow_up"),
    ("export_maire.py", "Export maire", ":material/print:", "export", "export_snapshot"),
    ("couches.py", "Couches de référence", ":material/layers:", "couches", "manage_reference"),
    ("admin.py", "Administration", ":material/admin_panel_settings:", "admin", "manage_accounts"),
    ("compte.py", "Mon compte", ":material/manage_accounts:", "compte", "own_account"),
)
# Where each role arrives after login (url path). An administrator's own work (accounts,
# audit log, retention) is on Administration; the maps are one click away.
LANDING = {AGENT: "saisie", COMMANDANT: "carte", MAIRE: "commune", PARTENAIRE: "preconisations", ADMIN: "admin"}
NOT_FOR_ROLE = "La page « {page} » n'est pas ouverte au rôle {role}."


def _permission(path: str) -> str | None:
    return next((page[4] for page in PAGES if page[3] == path), None)


def landing_path(actor: Actor) -> str:
    path = LANDING.get(actor.role, "")
    if _permission(path) and can(actor, _permission(path)):
        return path
    return next(page[3] for page in PAGES if can(actor, page[4]))


def build_navigation(actor: Actor | None):
    """Every page, shown in the menu only to the roles that may open it; the current page.

    The login page is always the default page, served at `/` (`route` sends a signed-in user on
    to their landing page): a default page is not found at its own path, and a bookmark to
    `/carte` opened with a session cookie must find the map, not Streamlit's « Page not found ».
    """
    pages = [
        st.Page(
            f"{PAGES_DIR}/{file}",
            title=title,
            icon=icon,
            url_path=path,
            visibility="visible" if actor and can(actor, permission) else "hidden",
        )
        for file, title, icon, path, permission in PAGES
    ]
    pages = [*pages, accessibility_page(), login_page(visible=actor is None)]
    return st.navigation(pages, position="sidebar" if actor else "hidden")


def login_page(*, visible: bool = False):
    from diagnostics.ui import connexion

    return st.Page(
        connexion.page,
        title="Connexion",
        icon=":material/login:",
        url_path=LOGIN_PATH,
        default=True,
        visibility="visible" if visible else "hidden",  # not in a logged-in user's menu
    )


def accessibility_page():
    from diagnostics.ui import accessibilite

    return accessibilite.st_page()


def page_title(current) -> str:
    """The browser tab's title (RGAA 8.6): the page's own name, then the app's."""
    return f"{'Connexion' if _is_login(current) else current.title} — {APP_NAME}"


def sidebar(actor: Actor) -> None:
    from diagnostics.ui import common, session

    st.sidebar.caption(f"Connecté : {actor.label}")
    if st.sidebar.button("Se déconnecter", icon=":material/logout:"):
        session.log_out(common.database())
        st.switch_page(login_page())  # the next person starts from the login page, not this one


def route(actor: Actor | None, current) -> None:
    """Run the page asked for, the login form in its place, or say why it cannot open."""
    from diagnostics.ui import accessibilite, connexion

    if current.url_path == accessibilite.URL_PATH:  # open to everyone, signed in or not
        current.run()
        return
    if actor is None:
        connexion.page(requested=None if _is_login(current) else current.title)
        return
    if _is_login(current):
        # The query string goes along: a bookmarked view (the commanders' filters) survives the login.
        st.switch_page(_page_file(landing_path(actor)), query_params=st.query_params.to_dict())
    permission = _permission(current.url_path)
    if permission is not None and not can(actor, permission):
        st.error(NOT_FOR_ROLE.format(page=current.title, role=ROLES.get(actor.role, actor.role)))
        st.page_link(_page_file(landing_path(actor)), label="Aller à ma page d'accueil", icon=":material/home:")
        return
    current.run()


def _is_login(page) -> bool:
    return page.url_path in ("", LOGIN_PATH)  # the login page is the default page, served at /


def _page_file(path: str) -> str:
    return next(f"{PAGES_DIR}/{page[0]}" for page in PAGES if page[3] == path)


def main() -> None:
    from diagnostics.ui import accessibilite, common, french, session

    st.set_page_config(page_title=APP_NAME, page_icon=FAVICON, layout="wide")
    french.inject_css()
    accessibilite.inject_css()
    try:
        actor = session.recheck_account(common.database())
        current = build_navigation(actor)
        st.set_page_config(page_title=page_title(current))
        if actor is not None:
            sidebar(actor)
        try:
            route(actor, current)
        finally:
            # Last in the page (also after a page's st.stop): an element that comes and goes
            # above the page would shift it, and Streamlit would reset its tabs and expanders.
            session.hand_off_cookie()
    except DatabaseUnavailable as exc:
        # The database went away mid-page: say so; the next interaction tries again.
        st.error(str(exc))
        st.button("Réessayer", icon=":material/refresh:")


if __name__ == "__main__":
    main()
