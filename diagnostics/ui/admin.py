"""Administration: accounts, partners (routing rules, due delays), open sessions, the audit log
(filter, CSV export), the retention purge and the register of what the app does with data."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from diagnostics import config, grids, localtime
from diagnostics.errors import DiagnosticsError, ValidationError
from diagnostics.services import audit, checklists, retention
from diagnostics.ui import (
    admin_accounts,
    admin_mail,
    admin_partners,
    admin_register,
    admin_sessions,
    audit_view,
    common,
)


def page() -> None:
    st.title("Administration")
    actor = common.current_actor("manage_accounts")
    db = common.database()
    # Partenaires last: the tabs' tables keep their order (accounts, sessions, audit log).
    accounts_tab, sessions_tab, audit_tab, mail_tab, purge_tab, register_tab, grid_tab, partners_tab = st.tabs(
        [
            "Comptes",
            "Sessions",
            "Journal d'audit",
            "Courriels",
            "Conservation des données",
            "Registre des traitements",
            "Grille de diagnostic",
            "Partenaires",
        ]
    )
    with accounts_tab:
        admin_accounts.section(db, actor)
    with sessions_tab:
        admin_sessions.section(db, actor)
    with audit_tab:
        _audit_log(db, actor)
    with mail_tab:
        admin_mail.section(db, actor)
    with purge_tab:
        _purge(db, actor)
    with register_tab:
        admin_register.section()
    with grid_tab:
        _grid_template(db, actor)
    with partners_tab:
        admin_partners.section(db, actor)


def _audit_log(db, actor) -> None:
    columns = st.columns(3)
    period = columns[0].date_input("Période", value=(), format=localtime.WIDGET_DATE_FORMAT, key="audit_period")
    who = columns[1].text_input("Utilisateur", key="audit_actor")
    actions = columns[2].multiselect(
        "Actions",
        list(audit.ACTIONS),
        format_func=audit.ACTIONS.get,
        key="audit_actions",
        placeholder="Toutes",
        select_all=False,
    )
    start, end = _bounds(period)
    criteria = audit.AuditFilter(start=start, end=end, actor=who.strip(), actions=tuple(actions))
    events = audit.audit_events(db, actor, criteria)
    st.caption("Dates et heures de Paris. L'export CSV garde les valeurs enregistrées (UTC, codes, JSON).")
    st.dataframe(audit_view.audit_table(events), hide_index=True, width="stretch")
    st.download_button(
        "Exporter en CSV",
        data=lambda: audit.audit_csv_export(db, actor, criteria),  # built, and audited, when clicked
        mime="text/csv",
        file_name=f"journal-audit-{dt.date.today():%Y%m%d}.csv",
    )


def _bounds(period) -> tuple[dt.date | None, dt.date | None]:
    values = tuple(period or ())
    return (values[0] if values else None), (values[1] if len(values) > 1 else None)


def _grid_template(db, actor) -> None:
    template_id, template = checklists.active_template(db)
    st.write(
        "Une ligne « # Thème » ouvre un thème, chaque ligne « - critère » y ajoute un critère noté de 1 à 5 "
        "ou « sans objet ». Les grilles déjà remplies gardent la version avec laquelle elles l'ont été."
    )
    with st.form("grid_template"):
        name = st.text_input("Nom de la grille", value=template["name"], key="grid_name")
        text = st.text_area("Thèmes et critères", value=grids.template_to_text(template), height=360, key="grid_text")
        submitted = st.form_submit_button("Enregistrer la grille", type="primary")
    if not submitted:
        return
    try:
        checklists.save_template(db, actor, template_id, grids.template_from_text(name, text, template))
    except grids.GridError as exc:
        st.error("La grille contient des erreurs :\n" + "\n".join(f"- {message}" for message in exc.errors))
        return
    except ValidationError as exc:
        common.show_validation_errors(exc)
        return
    st.success("Grille enregistrée : les nouveaux diagnostics l'utiliseront.")


def _purge(db, actor) -> None:
    days = config.retention_days()
    st.write(
        f"Les noms des participants et les textes libres sont conservés **{days} jours** "
        "(réglage `PSQ_RETENTION_DAYS`). Au-delà, ils sont effacés ; dates, lieux, catégories, gravités "
        "et préconisations restent."
    )
    try:
        preview = retention.purge(db, actor, retention_days=days, dry_run=True)
    except DiagnosticsError as exc:
        st.error(str(exc))
        return
    st.info(
        f"À anonymiser : {preview.diagnostics} diagnostic(s) et {preview.observations} observation(s) "
        f"antérieurs au {preview.cutoff:%d/%m/%Y}."
    )
    if (preview.diagnostics or preview.observations) and st.button("Anonymiser maintenant", type="primary"):
        done = retention.purge(db, actor, retention_days=days, dry_run=False)
        st.success(f"{done.diagnostics} diagnostic(s) et {done.observations} observation(s) anonymisés.")


page()
