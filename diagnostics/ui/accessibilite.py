"""Déclaration d'accessibilité (RGAA model), open to everyone, signed in or not.

The text lives in accessibilite.md beside this module: what it says about the tests must be kept
true to tests/browser/test_accessibility.py.
"""

from __future__ import annotations

from importlib import resources

import streamlit as st

TEXT_FILE = "accessibilite.md"
TITLE = "Déclaration d'accessibilité"
ICON = ":material/accessibility:"
URL_PATH = "accessibilite"


def st_page():
    """The page as st.navigation registers it (and as the login page links to it)."""
    return st.Page(page, title=TITLE, icon=ICON, url_path=URL_PATH)


CSS_FILE = "accessibility.css"


def inject_css() -> None:
    """Contrast and visible focus for every page (accessibility.css), injected by streamlit_app.py."""
    css = resources.files("diagnostics.ui").joinpath(CSS_FILE).read_text(encoding="utf-8")
    st.html(f"<style>{css}</style>")


def declaration_text() -> str:
    return resources.files("diagnostics.ui").joinpath(TEXT_FILE).read_text(encoding="utf-8")


def page() -> None:
    st.markdown(declaration_text())
