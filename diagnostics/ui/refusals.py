"""How a correction form shows a refused save: one message per field, and after a conflict the
button that sends the typed values again over the version stored now (nothing typed is lost)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from diagnostics.errors import Conflict, NotFound, PermissionDenied, ValidationError

RESEND = "Enregistrer mes changements par-dessus la version enregistrée"


def show_refusal(prefix: str, resend: Callable, args: tuple) -> None:
    """The errors stored at `{prefix}errors` and the conflict at `{prefix}conflict`, if any."""
    state = st.session_state
    for message in (state.get(f"{prefix}errors") or {}).values():
        st.error(message)
    if conflict := state.get(f"{prefix}conflict"):
        st.error(conflict)
        st.button(RESEND, key=f"{prefix}resend", on_click=resend, args=args, width="stretch")


def attempt(prefix: str, save: Callable[[], object]) -> bool:
    """Run `save`; on a refusal keep its messages for `show_refusal` and return False."""
    state = st.session_state
    try:
        save()
    except ValidationError as exc:
        state[f"{prefix}errors"] = exc.errors
        return False
    except Conflict as exc:
        state[f"{prefix}errors"], state[f"{prefix}conflict"] = {}, str(exc)
        return False
    except (NotFound, PermissionDenied, OSError) as exc:
        state[f"{prefix}errors"] = {"form": str(exc)}
        return False
    state[f"{prefix}errors"], state[f"{prefix}conflict"] = {}, ""
    return True
