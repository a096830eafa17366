"""Saisie terrain: the team's observations « à revoir » and the contre-visite form — phone first.

The list comes nearest first once the agent shares the device's position (« Trier par
distance »), otherwise by commune and due date (`services.revisit_views`). A tap on « Faire la
contre-visite » opens the form in the card; the confirmation and the errors appear under its
button, where the thumb is.
"""

from __future__ import annotations

import uuid
from importlib import resources

import streamlit as st

from diagnostics import localtime, taxonomy
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.io import photos as photo_io
from diagnostics.services import revisit_views, revisits
from diagnostics.ui import common, french
from diagnostics.ui.field.observation_form import prepared_photo

OPEN = "rv_open"  # the observation whose form is open
# (observation id, confirmation, place in the list) of the last visit recorded: the confirmation
# takes the visited card's place, under the agent's thumb, at any screen size.
DONE = "rv_done"
POSITION = "rv_position"
SCROLL = "rv_scroll"
LABELS = {
    "visited_on": "Date de la contre-visite",
    "finding": "Constat",
    "comment": "Commentaire",
    "photos": "Photos",
    "observation": "Observation",
}
REASONS = {"a_revoir": "Le partenaire a signalé le travail réalisé : à vérifier sur place."}
OVERDUE = "Échéance dépassée sans contre-visite : à vérifier sur place."
DESCRIPTION_SHOWN = 240  # characters of the description on the card; the rest on the observation's page

_locator = st.components.v2.component(
    "psq_device_position",
    html='<button type="button" disabled>Trier par distance (ma position)</button><div class="status" hidden></div>',
    css=(
        "button{min-height:48px;width:100%;font:600 16px sans-serif;border-radius:8px;border:1px solid #0055a4;"
        "background:#fff;color:#0055a4;touch-action:manipulation}"
        ".status{margin-top:6px;font:14px sans-serif;color:#31333f}"
    ),
    js=resources.files("diagnostics.ui").joinpath("device_position.js").read_text(encoding="utf-8"),
)


def revisit_section(db, actor) -> None:
    """The list « Contre-visites à faire » (open while some are due) with a form per card."""
    position = _device_position()
    items = revisit_views.revisits_due(db, actor, position=position)
    done = st.session_state.get(DONE)
    with st.expander(f"Contre-visites à faire ({len(items)})", expanded=bool(items or done)):
        if not items:
            if done:
                _confirmation(done[1])
            st.caption("Aucune observation de votre équipe n'attend de contre-visite.")
            return
        _locator(key=POSITION, on_position_change=lambda: None, width="stretch")
        if position is None:
            st.caption("Triées par commune puis échéance.")
        place = min(done[2], len(items)) if done else None
        for index, item in enumerate(items):
            if index == place:
                _confirmation(done[1])
            _card(db, actor, item, index)
        if place == len(items):
            _confirmation(done[1])


# The form just closed was tall: the page shrinks under the browser's scroll position and the
# confirmation could be left above the screen. Brought into view once, after the save.
SCROLL_TO_CONFIRMATION = (
    "<script>for (const ms of [300, 900, 1800]) setTimeout(() => {"
    " const box = window.parent.document.querySelector('.st-key-rv_confirmation') ||"
    " document.querySelector('.st-key-rv_confirmation');"
    " if (box) box.scrollIntoView({block: 'center'}); }, ms);</script>"
)


def _confirmation(message: str) -> None:
    st.container(key="rv_confirmation").success(message)
    if st.session_state.pop(SCROLL, False):
        st.html(SCROLL_TO_CONFIRMATION, unsafe_allow_javascript=True)


def _device_position() -> tuple[float, float] | None:
    value = (st.session_state.get(POSITION) or {}).get("position")
    try:
        lat, lon = float(value["lat"]), float(value["lon"])
    except (TypeError, KeyError, ValueError):
        return None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def _card(db, actor, item: revisit_views.DueVisit, index: int) -> None:
    box = st.container(border=True, key=f"rv_card_{item.id}")
    box.markdown(
        f"**N° {item.id} — {taxonomy.category_label(item.category)}** · gravité {item.severity} "
        f"({taxonomy.severity_label(item.severity)})"
    )
    # st.text, not markdown: the team's free text is shown as text, never interpreted.
    box.text(", ".join(part for part in (item.place, item.commune_name) if part) + _distance(item))
    if item.description:
        shown = item.description[:DESCRIPTION_SHOWN]
        box.text(shown + ("…" if len(item.description) > DESCRIPTION_SHOWN else ""))
    reason = REASONS.get(item.status) or OVERDUE
    if item.due_on:
        reason = f"{reason} Échéance : {localtime.format_date(item.due_on)}."
    if reason:
        box.caption(reason)
    if st.session_state.get(OPEN) == item.id:
        with box:
            _form(actor, item, index)
    else:
        box.button(
            "Faire la contre-visite",
            key=f"rv_start_{item.id}",
            on_click=st.session_state.__setitem__,
            args=(OPEN, item.id),
            width="stretch",
        )


def _distance(item: revisit_views.DueVisit) -> str:
    if item.distance_m is None:
        return ""
    if item.distance_m < 1000:
        return f" — à {round(item.distance_m / 10) * 10:.0f} m"
    return f" — à {localtime.format_decimal(item.distance_m / 1000)} km"


def _form(actor, item: revisit_views.DueVisit, index: int) -> None:
    state = st.session_state
    key = f"rv_{item.id}"
    today = localtime.now_paris().date()
    state.setdefault(f"{key}_date", today)
    st.date_input("Date de la contre-visite", key=f"{key}_date", max_value=today, format=localtime.WIDGET_DATE_FORMAT)
    st.radio(
        "Constat",
        list(taxonomy.VISIT_FINDINGS),
        key=f"{key}_finding",
        index=None,
        format_func=taxonomy.VISIT_FINDINGS.get,
    )
    st.text_area("Commentaire", key=f"{key}_comment", placeholder="Ce qui a été constaté sur place")
    _photo_inputs(key)
    left, right = st.columns([2, 1])
    left.button(
        "Enregistrer la contre-visite",
        key=f"{key}_save",
        type="primary",
        on_click=_save,
        args=(actor, item.id, index),
        width="stretch",
    )
    right.button("Annuler", key=f"{key}_cancel", on_click=_close, args=(item.id,), width="stretch")
    for field, message in (state.get(f"{key}_errors") or {}).items():
        st.error(f"**{LABELS[field]}** : {message}" if field in LABELS else message)


def _photo_inputs(key: str) -> None:
    state = st.session_state
    nonce = state.setdefault(f"{key}_nonce", 0)
    uploads = st.file_uploader(
        "Photos après travaux (appareil photo ou galerie)",
        type=photo_io.UPLOAD_EXTENSIONS,
        accept_multiple_files=True,
        key=f"{key}_files_{nonce}",
        help="JPEG, PNG ou HEIC. Les métadonnées (appareil, date, auteur) sont supprimées avant l'enregistrement.",
        max_upload_size=photo_io.MAX_UPLOAD_BYTES // 2**20,
    )
    st.caption(french.upload_hint(photo_io.MAX_UPLOAD_BYTES // 2**20, photo_io.UPLOAD_EXTENSIONS))
    prepared = []
    for upload in uploads or []:
        try:
            photo = prepared_photo(upload.getvalue())
        except photo_io.PhotoError as exc:
            st.error(f"{exc} (fichier écarté)")
            continue
        prepared.append(photo)
        st.image(photo.jpeg, width=160)
    state[f"{key}_prepared"] = prepared
    if prepared:
        st.checkbox("Photos partageables avec les partenaires", key=f"{key}_shareable")


def _save(actor, observation_id: int, index: int) -> None:
    """Button callback: runs before the page is redrawn, so the card can close on success."""
    state = st.session_state
    key = f"rv_{observation_id}"
    report = revisits.VisitReport(
        visited_on=state.get(f"{key}_date"),
        finding=state.get(f"{key}_finding"),
        comment=state.get(f"{key}_comment") or "",
    )
    photos = state.get(f"{key}_prepared") or []
    try:
        result = revisits.record_visit(
            common.database(),
            actor,
            observation_id,
            report,
            photos=photos,
            photos_shareable=bool(state.get(f"{key}_shareable")),
            form_token=state.setdefault(f"{key}_token", uuid.uuid4().hex),
        )
    except ValidationError as exc:
        state[f"{key}_errors"] = exc.errors
        return
    except (NotFound, PermissionDenied) as exc:
        state[f"{key}_errors"] = {"observation": str(exc)}
        return
    except OSError:
        state[f"{key}_errors"] = {"photos": "Les photos n'ont pas pu être enregistrées sur le serveur : réessayez."}
        return
    status = taxonomy.status_label(result.status).lower()
    with_photos = f" avec {result.photo_count} photo(s)" if result.photo_count else ""
    finding = taxonomy.VISIT_FINDINGS[report.finding].lower()
    message = f"Contre-visite de l'observation n° {observation_id} enregistrée{with_photos} : {finding}. "
    state[DONE] = (observation_id, message + f"L'observation est désormais « {status} ».", index)
    state[SCROLL] = True
    _close(observation_id)


def _close(observation_id: int) -> None:
    state = st.session_state
    key = f"rv_{observation_id}"
    for suffix in ("_errors", "_token", "_prepared", "_comment", "_finding", "_date", "_shareable"):
        state.pop(key + suffix, None)
    state[f"{key}_nonce"] = state.get(f"{key}_nonce", 0) + 1  # empties the uploader
    state[OPEN] = None
