"""The register (Administration → Registre des traitements) follows the code's own rules: a role,
a permission, a shared field or a retention setting changed in code changes the page."""

from __future__ import annotations

from diagnostics import auth, redaction
from diagnostics.register import PERMISSION_LABELS, build_register
from tests.conftest import ADMIN_ACTOR, app_as


def _roles(register) -> list[str]:
    return [row["Code"] for row in register.recipients]


def test_the_register_lists_every_role_and_follows_a_new_one(monkeypatch):
    assert _roles(build_register()) == list(auth.ROLES)
    monkeypatch.setitem(auth.ROLES, "dpo", "Délégué à la protection des données")
    monkeypatch.setitem(auth.PERMISSIONS, "read_audit", auth.PERMISSIONS["read_audit"] | {"dpo"})
    row = next(row for row in build_register().recipients if row["Code"] == "dpo")
    assert row["Rôle"] == "Délégué à la protection des données"
    assert row["Peut"] == PERMISSION_LABELS["read_audit"]


def test_every_permission_is_described_in_french():
    assert set(auth.PERMISSIONS) <= set(PERMISSION_LABELS)


def test_what_partners_receive_comes_from_the_redaction_rules(monkeypatch):
    maire = next(row for row in build_register().recipients if row["Code"] == auth.MAIRE)
    assert "le constat" in maire["Reçoit"] and "jamais le nom des équipes" in maire["Reçoit"]
    monkeypatch.setitem(redaction.SHAREABLE_FIELDS, "summary", "La synthèse du diagnostic")
    maire = next(row for row in build_register().recipients if row["Code"] == auth.MAIRE)
    assert "la synthèse du diagnostic" in maire["Reçoit"]


def test_retention_rows_show_the_settings_in_force(monkeypatch):
    monkeypatch.setenv("PSQ_RETENTION_DAYS", "400")
    monkeypatch.setenv("PSQ_AUDIT_RETENTION_DAYS", "180")
    durations = {row["Réglage"]: row["Durée"] for row in build_register().retention}
    assert durations["PSQ_RETENTION_DAYS"] == "400 jours"
    assert durations["PSQ_AUDIT_RETENTION_DAYS"] == "180 jours"
    monkeypatch.setenv("PSQ_AUDIT_RETENTION_DAYS", "5000")  # refused: said on the page, not a crash
    durations = {row["Réglage"]: row["Durée"] for row in build_register().retention}
    assert "ne peut pas dépasser 1095 jours" in durations["PSQ_AUDIT_RETENTION_DAYS"]


def test_the_administration_page_shows_the_register(db):
    at = app_as(ADMIN_ACTOR).run()
    assert not at.exception
    subheaders = [header.value for header in at.subheader]
    assert {"Finalités", "Catégories de données", "Destinataires par rôle", "Durées de conservation"} <= set(subheaders)
    shown = " ".join(str(table.value.to_dict()) for table in at.table)
    assert all(label in shown for label in auth.ROLES.values())
