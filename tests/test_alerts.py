"""Alerts: targeting (communes, drawn zone, radius) × trades, the départements' scope, the second
person's approval and its audit trail, the warnings about naming a shop or a person (issue 16)."""

from __future__ import annotations

import json

import pytest
import shapely
from sqlalchemy import select

from diagnostics import alert_text
from diagnostics.errors import PermissionDenied, ValidationError
from diagnostics.models import AuditEvent
from diagnostics.services import alerts
from diagnostics.services.alerts import AlertDraft
from tests.alert_helpers import SECOND_70, add_people, gray_alert
from tests.conftest import ADMIN_ACTOR, COMMANDANT_39, COMMANDANT_70, GRAY, LONS


def test_targets_communes_zone_and_radius(db):
    add_people(db)
    assert alerts.preview(db, COMMANDANT_70, gray_alert()).recipients == 2
    assert alerts.preview(db, COMMANDANT_70, gray_alert(categories=("bijouterie",))).recipients == 1
    zone = shapely.box(GRAY[2] - 0.01, GRAY[1] - 0.01, GRAY[2] + 0.01, GRAY[1] + 0.01)
    drawn = alerts.preview(db, COMMANDANT_70, gray_alert(target_kind="zone", zone=zone, communes=()))
    assert drawn.recipients == 2 and drawn.departments == ("70",)
    around = gray_alert(target_kind="radius", center=(GRAY[1], GRAY[2]), radius_m=500, communes=())
    target = alerts.preview(db, COMMANDANT_70, around)
    assert target.recipients == 2
    assert 0.5e-4 < target.area.area < 1.2e-4  # a 500 m disc in square degrees at 47° N
    with pytest.raises(ValidationError, match="rayon"):
        alerts.preview(db, COMMANDANT_70, gray_alert(target_kind="radius", center=None, radius_m=500, communes=()))


def test_a_commander_of_jura_cannot_target_haute_saone(db):
    add_people(db)
    with pytest.raises(PermissionDenied, match="70"):
        alerts.create_alert(db, COMMANDANT_39, gray_alert())
    across = shapely.box(5.5, 46.6, 5.6, 47.5)  # from Lons to Gray: both départements
    with pytest.raises(PermissionDenied):
        alerts.create_alert(db, COMMANDANT_39, gray_alert(target_kind="zone", zone=across, communes=()))
    jura = alerts.create_alert(db, COMMANDANT_39, gray_alert(communes=(LONS[0],), categories=("bijouterie",)))
    with pytest.raises(PermissionDenied):  # nor approve there
        alerts.approve_alert(db, COMMANDANT_70, jura)
    with db.session() as session:
        refused = session.scalars(select(AuditEvent).where(AuditEvent.action == "refused")).all()
        assert {event.entity for event in refused} == {"create_alert", "approve_alert"}


def test_a_second_person_approves_and_both_are_audited(db):
    add_people(db)
    alert_id = alerts.create_alert(db, COMMANDANT_70, gray_alert())
    with pytest.raises(PermissionDenied, match="autre personne"):
        alerts.approve_alert(db, COMMANDANT_70, alert_id)
    assert alerts.approve_alert(db, SECOND_70, alert_id) == 2
    with pytest.raises(ValidationError, match="déjà"):
        alerts.approve_alert(db, ADMIN_ACTOR, alert_id)
    with db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "alert").order_by(AuditEvent.id)).all()
        created, approved = [(e.actor, e.action, json.loads(e.after)) for e in events]
    assert created[:2] == ("commandant.test", "create") and created[2]["recipients"] == 2
    assert approved[:2] == ("commandant2.test", "approve")
    assert approved[2]["text"] == gray_alert().text and approved[2]["recipients"] == 2
    [info] = alerts.list_alerts(db, ADMIN_ACTOR)
    assert (info.status, info.approved_by, info.recipient_count) == ("approved", "commandant2.test", 2)
    assert alerts.list_alerts(db, COMMANDANT_39) == []


def test_bad_drafts_are_refused_in_french(db):
    with pytest.raises(ValidationError) as refused:
        alerts.create_alert(db, COMMANDANT_70, AlertDraft(text=" ", categories=(), target_kind="communes", communes=()))
    assert set(refused.value.errors) == {"text", "categories"}


def test_naming_warnings():
    assert alert_text.naming_warnings("Vol à la bijouterie Martin de Gray") != []
    assert alert_text.naming_warnings("M. Dupont a été agressé") != []
    assert alert_text.naming_warnings("Deux hommes visitent les bijouteries du secteur de Gray") == []
    assert alert_text.naming_warnings("Vol au tabac du centre", ("Tabac du centre",)) != []
    composed = alert_text.compose(alert_text.Template(zone="Gray", when="01/12/2026 vers 15 h", modus="faux agents"))
    assert composed.startswith("ALERTE PSQ – Gray, 01/12/2026 vers 15 h : faux agents.") and "STOP" in composed


def test_preview_warns_about_a_subscriber_name(db):
    add_people(db)
    target = alerts.preview(db, COMMANDANT_70, gray_alert(text="Cambriolage à la Pharmacie du pont cette nuit"))
    assert any("abonné" in warning or "commerce" in warning for warning in target.warnings)


def test_sent_alerts_are_a_layer_on_the_commanders_map(db):
    from diagnostics import maps
    from diagnostics.maps.alerts import build_alert_map
    from diagnostics.services import reference
    from diagnostics.services.alert_sending import send_alert

    add_people(db)
    alert_id = alerts.create_alert(db, COMMANDANT_70, gray_alert(text="Faux agents `${x}` <b>à Gray</b>"))
    alerts.approve_alert(db, SECOND_70, alert_id)
    send_alert(db, COMMANDANT_70, alert_id)
    frame = alerts.sent_alerts_frame(db, COMMANDANT_70)
    assert list(frame["id"]) == [alert_id]
    assert alerts.sent_alerts_frame(db, COMMANDANT_39).empty
    communes = reference.communes_frame(db)
    base = maps.prepare_base(
        communes, reference.sectors_frame(db), reference.patrol_zones_frame(db), reference.sites_frame(db)
    )
    html = maps.build_review_map(base, "[]", alerts=frame).get_root().render()
    assert f"Alerte n° {alert_id}" in html and "<b>à Gray</b>" not in html and "${x}" not in html
    assert "#f97316" in build_alert_map(communes, area=frame.geometry.iloc[0]).get_root().render()


def test_numbers_never_appear_in_exports_to_partners(db, tmp_path):
    from diagnostics.services.exports import commune_snapshot, export_layer

    add_people(db)
    for layer in ("communes", "sectors", "zones", "sites", "observations"):
        path = tmp_path / f"{layer}.csv"
        export_layer(db, ADMIN_ACTOR, layer, path, "csv")
        assert "612345601" not in path.read_text(encoding="utf-8-sig")
    html = commune_snapshot(db, ADMIN_ACTOR, GRAY[0], "html").decode()
    assert "612345601" not in html and "Bijouterie de l'île" not in html
