"""Alertes: compose a targeted SMS / e-mail alert, see its recipients and area, have it approved by a
second person, send it, and follow sent / delivered / failed. Thin: the services decide."""

from __future__ import annotations

import pandas as pd
import shapely
import streamlit as st
from shapely.geometry import shape

from diagnostics import alert_text, config, localtime, sms_text
from diagnostics.auth import can
from diagnostics.errors import DiagnosticsError
from diagnostics.maps.alerts import build_alert_map
from diagnostics.services import alerts, subscribers
from diagnostics.services.alert_sending import run_outbox, send_alert
from diagnostics.ui import alert_admin, common

TARGETS = {"communes": "Par communes", "zone": "Zone dessinée sur la carte", "radius": "Rayon autour d'un point"}
LABELS = {"text": "Texte", "categories": "Métiers", "target": "Ciblage", "status": "Statut"}


def page() -> None:
    st.title("Alertes")
    actor = common.current_actor("alerts")
    db = common.database()
    names, sections = ["Rédiger", "À valider et envoyer", "Alertes envoyées"], [_compose, _approve, _sent]
    if can(actor, "manage_subscribers"):
        names.append("Abonnés et métiers")
        sections.append(alert_admin.section)
    tabs = st.tabs(names, key="alertes_tab", on_change="rerun")
    for tab, section in zip(tabs, sections, strict=True):
        if tab.open:
            with tab:
                section(db, actor)


def _compose(db, actor) -> None:
    with st.expander("Modèle", expanded=not st.session_state.get("alert_text")):
        zone = st.text_input("Zone (commune, secteur)", key="tpl_zone")
        when = st.text_input("Date et heure", placeholder="01/12/2026 vers 15 h", key="tpl_when")
        modus = st.text_input("Mode opératoire", key="tpl_modus")
        vehicle = st.text_input("Véhicule ou personnes", key="tpl_vehicle")
        advice = st.text_input("Conseil", key="tpl_advice")
        if st.button("Proposer le texte", key="tpl_compose"):
            template = alert_text.Template(zone, when, modus, vehicle, advice)
            st.session_state["alert_text"] = alert_text.compose(template)
            st.rerun()
    text = st.text_area("Texte de l'alerte", key="alert_text", height=120)
    st.caption(sms_text.measure(text).label)
    labels = subscribers.categories(db)
    chosen = st.multiselect(
        "Métiers visés", list(labels), format_func=labels.get, key="alert_categories", placeholder="Choisir…"
    )
    kind = st.radio("Ciblage", list(TARGETS), format_func=TARGETS.get, horizontal=True, key="alert_kind")
    draft_fields = _target_fields(db, kind)
    email = st.checkbox("Envoyer aussi par courriel aux abonnés qui en ont donné un", key="alert_email")
    draft = alerts.AlertDraft(text=text, categories=tuple(chosen), target_kind=kind, email=email, **draft_fields)
    if st.button("Calculer les destinataires", key="alert_preview"):
        try:
            st.session_state["alert_target"] = alerts.preview(db, actor, draft)
        except DiagnosticsError as error:
            st.session_state.pop("alert_target", None)
            common.show_refusal(error, LABELS)
    target = st.session_state.get("alert_target")
    if target is not None:
        st.metric("Destinataires", target.recipients)
        for warning in target.warnings:
            st.warning(warning)
        common.show_map(
            build_alert_map(common.communes(db), area=target.area, tiles=config.tile_sources()),
            key=f"alert_area_{hash(target.area.wkt)}",
            height=360,
        )
        if st.button("Enregistrer pour validation", type="primary", key="alert_save"):
            try:
                alert_id = alerts.create_alert(db, actor, draft)
            except DiagnosticsError as error:
                common.show_refusal(error, LABELS)
            else:
                st.session_state.pop("alert_target", None)
                st.success(f"Alerte n° {alert_id} enregistrée : une autre personne doit la valider avant l'envoi.")


def _target_fields(db, kind: str) -> dict:
    if kind == "communes":
        choices = common.commune_choices(db)
        communes = st.multiselect(
            "Communes", list(choices), format_func=choices.get, key="alert_communes", placeholder="Choisir…"
        )
        return {"communes": tuple(communes)}
    if kind == "zone":
        st.caption("Dessinez la zone avec l'outil polygone ou rectangle, en haut à gauche de la carte.")
        state = common.show_map(
            build_alert_map(common.communes(db), draw=True, tiles=config.tile_sources()),
            key="alert_draw_map",
            height=420,
            returned_objects=["last_active_drawing"],
        )
        drawn = _drawn((st.session_state.get("alert_draw_map") or {}).get("last_active_drawing")) or _drawn(
            (state or {}).get("last_active_drawing")
        )
        return {"zone": drawn}
    st.caption("Cliquez sur la carte pour placer le point, ou donnez le numéro d'une observation.")
    state = common.show_map(
        build_alert_map(common.communes(db), tiles=config.tile_sources()),
        key="alert_point_map",
        height=420,
        returned_objects=["last_clicked"],
    )
    clicked = (st.session_state.get("alert_point_map") or {}).get("last_clicked") or (state or {}).get("last_clicked")
    center = (clicked["lat"], clicked["lng"]) if clicked else None
    if center:
        st.caption(f"Point : {localtime.format_decimal(center[0], 5)}, {localtime.format_decimal(center[1], 5)}")
    radius = st.number_input(
        "Rayon (mètres)",
        min_value=100,
        max_value=alerts.MAX_RADIUS_M,
        value=1000,
        step=100,
        help=f"De 100 à {alerts.MAX_RADIUS_M} m.",
    )
    observation = st.number_input(
        "N° d'observation liée (facultatif)", min_value=0, value=0, step=1, help="0 : aucune. Un nombre entier positif."
    )
    return {"center": center, "radius_m": int(radius), "observation_id": int(observation) or None}


def _drawn(feature):
    if not feature or not feature.get("geometry"):
        return None
    try:
        return shapely.force_2d(shape(feature["geometry"]))
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
        return None


def _approve(db, actor) -> None:
    flash = st.session_state.pop("alert_flash", None)
    if flash:
        st.success(flash)
    pending = [a for a in alerts.list_alerts(db, actor) if a.status in ("draft", "approved")]
    if not pending:
        st.info("Aucune alerte en attente.")
        return
    for alert in pending:
        with st.container(border=True):
            st.markdown(f"**Alerte n° {alert.id}** — {alerts.STATUS_LABELS[alert.status]}")
            # The author's name as plain text (never read as Markdown).
            st.text(f"Rédigée par {alert.author} le {localtime.format_datetime(alert.created_at)}")
            st.text(alert.text)
            st.caption(f"Métiers : {', '.join(alert.categories)} — départements {', '.join(alert.departments)}")
            if alert.status == "draft":
                if alert.author == actor.login:
                    st.info("Une autre personne (commandant ou administrateur) doit valider cette alerte.")
                elif st.button("Valider l'alerte", key=f"approve_{alert.id}", type="primary"):
                    _act(lambda a=alert: _approve_one(db, actor, a.id))
            else:
                st.caption(f"Validée par {alert.approved_by} : {alert.recipient_count} destinataire(s).")
                if st.button("Envoyer l'alerte", key=f"send_{alert.id}", type="primary"):
                    _act(lambda a=alert: _send(db, actor, a.id))


def _approve_one(db, actor, alert_id: int) -> str:
    count = alerts.approve_alert(db, actor, alert_id)
    return f"Alerte n° {alert_id} validée : {count} destinataire(s)."


def _send(db, actor, alert_id: int) -> str:
    queued = send_alert(db, actor, alert_id)
    result = run_outbox(db)
    return f"Alerte n° {alert_id} : {queued} message(s) mis en file ; {result}."


def _act(action) -> None:
    """Run an approval or a send; its message is shown above the refreshed list."""
    try:
        message = action()
    except DiagnosticsError as error:
        common.show_refusal(error, LABELS)
    except ValueError as error:  # no gateway configured (PSQ_SMS_URL)
        st.error(str(error))
    else:
        st.session_state["alert_flash"] = message
        st.rerun()


def _sent(db, actor) -> None:
    sent = [a for a in alerts.list_alerts(db, actor) if a.status == "sent"]
    if not sent:
        st.info("Aucune alerte envoyée.")
        return
    table = pd.DataFrame(
        [
            {
                "N°": a.id,
                "Envoyée le": localtime.format_datetime(a.sent_at),
                "Texte": a.text,
                "Envoyés": a.counts["sent"],
                "Reçus": a.counts["delivered"],
                "Échecs": a.counts["failed"],
                "En attente": a.counts["pending"],
            }
            for a in sent
        ]
    )
    st.dataframe(table, hide_index=True, use_container_width=True)


page()
