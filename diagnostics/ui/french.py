"""French in place of the English of Streamlit's widgets, where no widget option reaches it.

Options come first (date formats, placeholders, `select_all=False`, upload sizes); what is left
is in french_widgets.css, injected once per page run by streamlit_app.py.
"""

from __future__ import annotations

from importlib import resources

import streamlit as st

CSS_FILE = "french_widgets.css"
# The key suffix of a field with max_chars outside a form: its lone length counter is not taken
# for the English « Press Enter to apply » that the CSS replaces (see french_widgets.css).
COUNTED = "_counted"


def inject_css() -> None:
    css = resources.files("diagnostics.ui").joinpath(CSS_FILE).read_text(encoding="utf-8")
    st.html(f"<style>{css}</style>")


def upload_hint(max_mb: int, types: list[str] | tuple[str, ...] | None = None) -> str:
    """« 50 Mo au plus par fichier · CSV, GEOJSON » for under an uploader (its own words are English);
    `max_mb` is the widget's `max_upload_size`."""
    size = f"{max_mb} Mo au plus par fichier"
    return f"{size} · {', '.join(t.upper() for t in types)}" if types else size
