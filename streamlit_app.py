"""PSQ diagnostics — entry point: `streamlit run streamlit_app.py`.

Builds the navigation between the pages; each page is a short module in diagnostics/ui/.
"""

from __future__ import annotations

import streamlit as st

PAGES_DIR = "diagnostics/ui"
# A local file: a Material icon here would make the browser fetch the favicon from a font CDN.
FAVICON = "diagnostics/ui/favicon.svg"


def build_navigation():
    pages = [
        st.Page(f"{PAGES_DIR}/saisie.py", title="Saisie terrain", icon=":material/edit_location_alt:", default=True),
        st.Page(f"{PAGES_DIR}/carte.py", title="Carte de commandement", icon=":material/map:", url_path="carte"),
        st.Page(f"{PAGES_DIR}/export_maire.py", title="Export maire", icon=":material/print:", url_path="export"),
    ]
    return st.navigation(pages)


def main() -> None:
    st.set_page_config(page_title="PSQ diagnostics", page_icon=FAVICON, layout="wide")
    build_navigation().run()


if __name__ == "__main__":
    main()
