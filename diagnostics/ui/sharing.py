"""The « what partners receive » choice of an observation form: one box per text field.

Nothing is ticked by default: a field leaves the forces only when someone chose to send it
(see `diagnostics.redaction`).
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from diagnostics.redaction import SHAREABLE_FIELDS, shared_fields

HEADING = "Transmis aux partenaires (mairie, bailleur…)"
ALWAYS = (
    "La catégorie, la gravité, le statut, la date et la position sont toujours transmis. "
    "Cochez chaque texte à transmettre : rien d'autre ne quitte les forces (ni horaires de patrouille, "
    "ni unités, ni noms), sauf si vous le cochez."
)


def keys(prefix: str) -> dict[str, str]:
    """Field code → session-state key of its box."""
    return {code: f"{prefix}{code}" for code in SHAREABLE_FIELDS}


def empty(prefix: str) -> dict[str, bool]:
    """Every box unticked: assigned to the session state to reset the form."""
    return dict.fromkeys(keys(prefix).values(), False)


def ticked_from(stored: str, prefix: str) -> dict[str, bool]:
    """The boxes as an observation stored them (for an edit form)."""
    fields = shared_fields(stored)
    return {key: code in fields for code, key in keys(prefix).items()}


def chosen(state: Mapping, prefix: str) -> tuple[str, ...]:
    """The fields ticked, in the form's order."""
    return tuple(code for code, key in keys(prefix).items() if state.get(key))


def sharing_inputs(prefix: str, **widget_options) -> None:
    """The boxes, under a heading that says what always leaves and what never does unless ticked."""
    st.markdown(f"**{HEADING}**")
    st.caption(ALWAYS)
    for code, key in keys(prefix).items():
        st.checkbox(SHAREABLE_FIELDS[code], key=key, **widget_options)
