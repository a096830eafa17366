"""Administration › Comptes: the list of accounts, the new-account form, disable and enable.

Changes run in button callbacks, before the page is drawn: the list then already shows them,
and the form can be emptied (the password first of all) after a creation.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from diagnostics import auth, config, localtime, taxonomy
from diagnostics.errors import DiagnosticsError, ValidationError
from diagnostics.services import accounts, partners
from diagnostics.ui import common, tables

COLUMNS = {
    "login": "Identifiant",
    "display_name": "Nom",
    "role": "Rôle",
    "team": "Équipe",
    "commune": "Commune",
    "departments": "Départements",
    "active": "Actif",
    "sso_only": "Annuaire seulement",
    "last_login_at": "Dernière connexion",
}
# form field → (state key, empty value)
FIELDS = {
    "login": ("acc_login", ""),
    "display_name": ("acc_name", ""),
    "role": ("acc_role", auth.AGENT),
    "team": ("acc_team", None),
    "commune": ("acc_commune", None),
    "partner": ("acc_partner", None),
    "departments": ("acc_departments", []),
    "password": ("acc_password", ""),
}
ERRORS_KEY, NOTICE_KEY = "acc_errors", "acc_notice"
NONE = "—"


def section(db, actor) -> None:
    teams = common.team_choices(db)
    communes = common.commune_choices(db)
    users = pd.DataFrame(accounts.list_users(db, actor))
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.success(notice)
    st.dataframe(accounts_table(users, teams, communes), hide_index=True, width="stretch")
    _new_account_form(db, actor, teams, communes)
    _activation(db, actor, users)


def accounts_table(users: pd.DataFrame, teams: dict[int, str], communes: dict[str, str]) -> pd.DataFrame:
    if users.empty:
        return pd.DataFrame(columns=list(COLUMNS.values()))
    yes_no = {True: "oui", False: "non"}
    table = pd.DataFrame(
        {
            "login": users["login"],
            "display_name": users["display_name"].fillna(""),
            "role": users["role"].map(lambda role: auth.ROLES.get(role, role)),
            "team": users["team_id"].map(lambda team: teams.get(int(team), "") if pd.notna(team) else ""),
            "commune": users["commune"].map(lambda insee: communes.get(insee, insee) if pd.notna(insee) else ""),
            "departments": users["departments"].map(_departments_label),
            "active": users["active"].map(yes_no),
            "sso_only": users["sso_only"].map(yes_no),
            "last_login_at": localtime.datetime_column(users["last_login_at"]),
        }
    )
    return tables.readable(table.rename(columns=COLUMNS))


def _departments_label(codes: str | None) -> str:
    return ", ".join(_department(code) for code in (codes if isinstance(codes, str) else "").split(",") if code)


def _department(code: str) -> str:
    return f"{taxonomy.DEPARTMENTS.get(code, code)} ({code})"


def _new_account_form(db, actor, teams: dict[int, str], communes: dict[str, str]) -> None:
    errors = st.session_state.get(ERRORS_KEY, {})
    with st.form("new_account"):
        st.subheader("Nouveau compte")
        st.text_input("Identifiant (ou adresse électronique pour l'annuaire)", key="acc_login")
        _field_error(errors, "login")
        st.text_input("Nom affiché", key="acc_name")
        _field_error(errors, "display_name")
        st.selectbox("Rôle", list(auth.ROLES), key="acc_role", format_func=auth.ROLES.get)
        _field_error(errors, "role")
        st.selectbox("Équipe (agents)", [None, *teams.values()], key="acc_team", format_func=_or_none, placeholder=NONE)
        _field_error(errors, "team")
        st.selectbox(
            "Commune (maires)",
            [None, *communes],
            key="acc_commune",
            format_func=lambda insee: NONE if insee is None else communes[insee],
            placeholder=NONE,
        )
        _field_error(errors, "commune")
        st.selectbox(
            "Partenaire (comptes partenaires ; maires : celui de leur commune par défaut)",
            [None, *partners.list_partners(db)["name"]],
            key="acc_partner",
            format_func=_or_none,
            placeholder=NONE,
        )
        _field_error(errors, "partner")
        st.multiselect(
            "Départements (commandants ; aucun : ceux de leur équipe, sinon tous)",
            list(config.departments()),
            key="acc_departments",
            format_func=_department,
            placeholder="Choisir un ou plusieurs départements",
            select_all=False,
        )
        _field_error(errors, "departments")
        st.text_input("Mot de passe (vide : connexion par l'annuaire uniquement)", type="password", key="acc_password")
        _field_error(errors, "password")
        st.form_submit_button("Créer le compte", type="primary", on_click=_create_account, args=(db, actor))
    if errors.get(""):
        st.error(errors[""])


def _field_error(errors: dict[str, str], field: str) -> None:
    if field in errors:
        st.error(errors[field])


def _or_none(value) -> str:
    return NONE if value is None else str(value)


def _create_account(db, actor) -> None:
    state = st.session_state
    account = accounts.NewAccount(
        login=state.get("acc_login", "").strip(),
        role=state.get("acc_role"),
        password=state.get("acc_password") or None,
        display_name=state.get("acc_name", "").strip(),
        team_name=state.get("acc_team"),
        commune_insee=state.get("acc_commune"),
        departments=tuple(state.get("acc_departments") or ()),
        partner_name=state.get("acc_partner"),
    )
    try:
        created = accounts.add_user(db, actor, account)
    except ValidationError as exc:
        state[ERRORS_KEY] = dict(exc.errors)
        state["acc_password"] = ""  # never kept in the page longer than one try
        return
    except DiagnosticsError as exc:
        state[ERRORS_KEY] = {"": str(exc)}
        return
    for key, empty in FIELDS.values():
        state[key] = empty
    state[ERRORS_KEY] = {}
    kind = "connexion par l'annuaire" if account.password is None else "mot de passe"
    state[NOTICE_KEY] = f"Compte {created.login} créé ({auth.ROLES[created.role]}, {kind})."


def _activation(db, actor, users: pd.DataFrame) -> None:
    if users.empty:
        return
    st.subheader("Désactiver ou réactiver un compte")
    active = dict(zip(users["login"], users["active"], strict=True))
    login = st.selectbox(
        "Compte",
        [None, *active],
        key="acc_toggle",
        placeholder=NONE,
        format_func=lambda name: NONE if name is None else f"{name} ({'actif' if active[name] else 'désactivé'})",
    )
    if login is None:
        return
    label = "Désactiver" if active[login] else "Réactiver"
    st.button(label, key="acc_toggle_button", on_click=_toggle, args=(db, actor, login, not active[login]))


def _toggle(db, actor, login: str, active: bool) -> None:
    try:
        accounts.set_active(db, actor, login, active)
    except DiagnosticsError as exc:
        st.session_state[NOTICE_KEY] = None
        st.session_state[ERRORS_KEY] = {"": str(exc)}
        return
    state = "réactivé" if active else "désactivé : ses sessions ouvertes prennent fin à leur prochaine action"
    st.session_state[NOTICE_KEY] = f"Compte {login} {state}."
