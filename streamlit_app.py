"""PSQ diagnostics — entry point: `streamlit run streamlit_app.py`.

Nobody sees a page before logging in; then each role sees the pages it may use (the services
check permissions again). Each page is a short module in diagnostics/ui/.
"""

from __future__ import annotations

import streamlit as st

from diagnostics.auth import Actor, can
from diagnostics.errors import DatabaseUnavailable

PAGES_DIR = "diagnostics/ui"
# A local file: a Material icon here would make the browser fetch the favicon from a font CDN.
FAVICON = "diagnostics/ui/favicon.svg"

# (file, title, icon, url path, permission needed to see it)
PAGES = (
    ("saisie.py", "Saisie terrain", ":material/edit_location_alt:", "saisie", "record_diagnostic"),
    ("carte.py", "Carte de commandement", ":material/map:", "carte", "review_observations"),
    ("analyse.py", "Analyse", ":material/monitoring:", "analyse", "follow_up"),
    ("export_maire.py", "Export maire", ":material/print:", "export", "export_snapshot"),
    ("couches.py", "Couches de référence", ":material/layers:", "couches", "manage_reference"),
    ("admin.py", "Administration", ":material/admin_panel_settings:", "admin", "manage_accounts"),
)


def build_navigation(actor: Actor | None):
    if actor is None:
        return st.navigation([st.Page(f"{PAGES_DIR}/connexion.py", title="Connexion", icon=":material/login:")])
    allowed = [page for page in PAGES if can(actor, page[4])]
    pages = [
        st.Page(f"{PAGES_DIR}/{file}", title=title, icon=icon, url_path=path, default=index == 0)
        for index, (file, title, icon, path, _permission) in enumerate(allowed)
    ]
    return st.navigation(pages)


def sidebar(actor: Actor) -> None:
    from diagnostics.ui import common, session

    st.sidebar.caption(f"Connecté : {actor.label}")
    if st.sidebar.button("Se déconnecter", icon=":material/logout:"):
        session.log_out(common.database())
        st.rerun()


def main() -> None:
    from diagnostics.ui import session

    st.set_page_config(page_title="PSQ diagnostics", page_icon=FAVICON, layout="wide")
    actor = session.current_actor()
    navigation = build_navigation(actor)
    if actor is not None:
        sidebar(actor)
    try:
        navigation.run()
    except DatabaseUnavailable as exc:
        # The database went away mid-page: say so; the next interaction tries again.
        st.error(str(exc))
        st.button("Réessayer", icon=":material/refresh:")


if __name__ == "__main__":
    main()
