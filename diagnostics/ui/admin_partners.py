"""Administration, « Partenaires » tab: the partners, the routing rules and the due delays.

Thin: services.partners and services.routing check the permission and write (one transaction
each); refusals are shown in French next to the form that caused them.
"""

from __future__ import annotations

import streamlit as st

from diagnostics import taxonomy
from diagnostics.errors import DiagnosticsError
from diagnostics.services import partners, routing
from diagnostics.ui import common

PARTNER_COLUMNS = {"name": "Nom", "kind_label": "Type", "emails": "Adresses e-mail", "communes": "Communes couvertes"}
RULE_COLUMNS = {"category": "Catégorie", "place_kind": "Où", "place_name": "Lieu", "partner_name": "Partenaire proposé"}
NEW = "— nouveau partenaire —"


def section(db, actor) -> None:
    flash = st.session_state.pop("adm_partners_flash", None)
    if flash:
        st.success(flash)
    _partners(db, actor)
    st.divider()
    _rules(db, actor)
    st.divider()
    _delays(db, actor)


def _partners(db, actor) -> None:
    st.subheader("Partenaires")
    known = partners.list_partners(db)
    if not known.empty:
        st.dataframe(known[list(PARTNER_COLUMNS)].rename(columns=PARTNER_COLUMNS), hide_index=True, width="stretch")
    communes = common.commune_choices(db)
    ids = [None, *(int(i) for i in known["id"])]
    names = dict(zip(known["id"], known["name"], strict=True))
    chosen = st.selectbox("Partenaire à modifier", ids, format_func=lambda i: NEW if i is None else names[i])
    row = known[known["id"] == chosen].iloc[0] if chosen is not None else None
    covered = _covered(db, chosen)
    with st.form(f"adm_partner_{chosen}"):
        name = st.text_input("Nom", value="" if row is None else row["name"])
        kinds = list(taxonomy.PARTNER_KINDS)
        kind = st.selectbox(
            "Type",
            kinds,
            index=kinds.index(row["kind"]) if row is not None else 0,
            format_func=taxonomy.partner_kind_label,
        )
        emails = st.text_area(
            "Adresses e-mail de contact (une par ligne)",
            value="" if row is None else "\n".join(row["emails"].split(", ")),
        )
        chosen_communes = st.multiselect(
            "Communes couvertes",
            list(communes),
            default=covered,
            format_func=communes.get,
            placeholder="Choisir des communes",
        )
        submitted = st.form_submit_button("Enregistrer le partenaire", type="primary")
    if submitted:
        given = partners.PartnerInput(name, kind, partners.parse_emails(emails), tuple(chosen_communes))
        try:
            partners.save_partner(db, actor, given, partner_id=chosen)
        except DiagnosticsError as error:
            common.show_refusal(error, {"name": "Nom", "emails": "Adresses", "communes": "Communes"})
            return
        st.session_state["adm_partners_flash"] = f"Partenaire « {' '.join(name.split())} » enregistré."
        st.rerun()


def _covered(db, partner_id: int | None) -> list[str]:
    return partners.covered_communes(db, partner_id) if partner_id is not None else []


def _rules(db, actor) -> None:
    st.subheader("Règles d'attribution")
    st.caption(
        "Pour une nouvelle observation, le partenaire proposé au commandant, qui le confirme ou le change. "
        + routing.PRECEDENCE
    )
    rules = routing.list_rules(db, actor)
    if not rules.empty:
        shown = rules.assign(
            category=rules["category"].map(taxonomy.category_label),
            place_kind=rules["place_kind"].map(routing.PLACE_KINDS),
        )
        st.dataframe(shown[list(RULE_COLUMNS)].rename(columns=RULE_COLUMNS), hide_index=True, width="stretch")
    choices = partners.partner_choices(db)
    if not choices:
        st.info("Créez d'abord un partenaire.")
        return
    place_kind = st.radio(
        "Lieu de la règle", list(routing.PLACE_KINDS), format_func=routing.PLACE_KINDS.get, horizontal=True
    )
    places = _places(db, place_kind)
    with st.form("adm_rule"):
        category = st.selectbox("Catégorie", [c.code for c in taxonomy.CATEGORIES], format_func=taxonomy.category_label)
        place = st.selectbox(routing.PLACE_KINDS[place_kind], list(places), format_func=places.get)
        partner_id = st.selectbox("Partenaire proposé", list(choices), format_func=choices.get)
        submitted = st.form_submit_button("Enregistrer la règle", type="primary")
    if submitted:
        try:
            routing.save_rule(db, actor, routing.RuleInput(category, place_kind, str(place), int(partner_id)))
        except DiagnosticsError as error:
            common.show_refusal(error)
            return
        st.session_state["adm_partners_flash"] = "Règle d'attribution enregistrée."
        st.rerun()
    if not rules.empty:
        labels = {
            int(r.id): f"{taxonomy.category_label(r.category)} — {r.place_name} → {r.partner_name}"
            for r in rules.itertuples()
        }
        with st.form("adm_rule_delete"):
            doomed = st.selectbox("Règle à supprimer", list(labels), format_func=labels.get)
            if st.form_submit_button("Supprimer la règle"):
                routing.delete_rule(db, actor, int(doomed))
                st.session_state["adm_partners_flash"] = "Règle supprimée."
                st.rerun()


def _places(db, place_kind: str) -> dict[str, str]:
    if place_kind == "commune":
        return common.commune_choices(db)
    return routing.place_choices(db, place_kind)


def _delays(db, actor) -> None:
    st.subheader("Délais de traitement par gravité")
    st.caption(
        "À l'attribution, l'échéance est la date du jour plus ce délai ; le commandant peut en choisir "
        "une autre en donnant un motif."
    )
    current = partners.due_delays(db)
    with st.form("adm_delays"):
        columns = st.columns(4)
        days = {
            severity: columns[index].number_input(
                f"{taxonomy.severity_label(severity)} (jours)",
                min_value=1,
                max_value=3650,
                value=current[severity],
                help="De 1 à 3650 jours.",
            )
            for index, severity in enumerate(sorted(current, reverse=True))
        }
        submitted = st.form_submit_button("Enregistrer les délais", type="primary")
    if submitted:
        try:
            partners.save_due_delays(db, actor, {severity: int(value) for severity, value in days.items()})
        except DiagnosticsError as error:
            common.show_refusal(error)
            return
        st.session_state["adm_partners_flash"] = "Délais enregistrés."
        st.rerun()
