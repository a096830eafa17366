"""What may leave the forces: the redaction rule, on frames (no database)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

from diagnostics.redaction import redact_for_partners, redact_record


def _frame(**overrides) -> gpd.GeoDataFrame:
    rows = {
        "id": [1, 2],
        "category": ["eclairage", "depots"],
        "severity": [3, 1],
        "status": ["nouvelle", "traitee"],
        "description": ["Constat confidentiel", "Constat partageable"],
        "recommendation": ["Remplacer la lampe", "Nettoyer"],
        "place": ["Chez M. Dupont", "Place de la mairie"],
        "author": ["adj.martin", "gpx.durand"],
        "team_name": ["Groupe de contact de Gray", "Brigade de Gray"],
        "diagnostic_id": [10, 11],
        "shareable": [False, True],
    }
    rows.update(overrides)
    return gpd.GeoDataFrame(rows, geometry=[Point(5.59, 47.44), Point(5.6, 47.45)], crs="EPSG:4326")


def test_free_text_and_names_leave_only_when_shareable():
    redacted = redact_for_partners(_frame())
    hidden, shared = redacted.iloc[0], redacted.iloc[1]
    assert (hidden["description"], hidden["place"]) == ("", "")
    assert (shared["description"], shared["place"]) == ("Constat partageable", "Place de la mairie")
    assert "author" not in redacted.columns  # the forces' names never leave, shareable or not


def test_coded_fields_always_leave_and_the_preconisation_only_when_shared():
    redacted = redact_for_partners(_frame())
    assert list(redacted["recommendation"]) == ["", "Nettoyer"]
    assert list(redacted["category"]) == ["eclairage", "depots"] and list(redacted["severity"]) == [3, 1]
    assert redacted.geometry.equals(_frame().geometry) and redacted.crs == "EPSG:4326"


def test_fields_are_shared_one_by_one():
    frame = _frame(shared_fields=["recommendation", "description,place,unknown"], shareable=[True, False])
    redacted = redact_for_partners(frame)
    assert list(redacted["recommendation"]) == ["Remplacer la lampe", ""]
    assert list(redacted["description"]) == ["", "Constat partageable"]
    assert list(redacted["place"]) == ["", "Place de la mairie"]
    assert list(redacted["shared_fields"]) == ["recommendation", "description,place"]
    assert list(redacted["shareable"]) == [True, True]  # the stored choice wins over the old flag


def test_one_record_follows_the_same_rule():
    record = {"description": "D", "recommendation": "R", "partner": "P", "team_name": "T", "shared_fields": "partner"}
    assert redact_record(record) == {**record, "description": "", "recommendation": ""}
    assert redact_record({"description": "D", "shareable": True})["description"] == "D"
    assert redact_record({"description": "D", "shareable": False})["description"] == ""


def test_unlisted_columns_are_dropped():
    redacted = redact_for_partners(_frame())
    assert "team_name" not in redacted and "diagnostic_id" not in redacted


def test_missing_or_odd_flags_are_not_consent():
    for flags in ([None, np.nan], [0, ""], ["false", "non"]):
        redacted = redact_for_partners(_frame(shareable=flags))
        assert list(redacted["description"]) == ["", ""], flags
    without_flag = redact_for_partners(_frame().drop(columns="shareable"))
    assert list(without_flag["description"]) == ["", ""]


def test_the_input_is_left_untouched():
    frame = _frame()
    redact_for_partners(frame)
    assert frame["description"].iloc[0] == "Constat confidentiel" and "team_name" in frame


def test_reference_layers_leave_without_unit_schedule_or_unshared_site_names():
    from shapely.geometry import box

    from diagnostics.redaction import redact_reference_for_partners

    zones = gpd.GeoDataFrame(
        {
            "id": [1, 2],
            "name": ["Groupe VTT de Vesoul", "Zone partagée"],
            "unit": ["Groupe VTT — commissariat", "Police municipale"],
            "kind": ["VTT", "pm"],
            "schedule": ["Lundi–samedi", "Marché du samedi"],
            "approximate": [True, True],
            "shareable": [None, True],
            "internal_note": ["x", "y"],
        },
        geometry=[box(0, 0, 1, 1), box(1, 1, 2, 2)],
        crs="EPSG:4326",
    )
    shared = redact_reference_for_partners("zones", zones)
    assert list(shared["name"]) == ["", "Zone partagée"] and list(shared["unit"]) == ["", "Police municipale"]
    assert list(shared["schedule"]) == ["", "Marché du samedi"] and list(shared["kind"]) == ["", "pm"]
    assert "internal_note" not in shared and len(shared.geometry) == 2  # the zone itself is shown
    sites = gpd.GeoDataFrame(
        {
            "id": [1, 2],
            "name": ["Poste avancé", "Caméra du parking"],
            "kind": ["poste", "camera"],
            "shareable": [False] * 2,
        },
        geometry=[Point(0, 0), Point(1, 1)],
        crs="EPSG:4326",
    )
    # An unshared site leaves without its name; a camera does not leave at all (issue 17).
    assert list(redact_reference_for_partners("sites", sites)["name"]) == [""]


def test_one_partners_view_keeps_its_own_follow_up_only():
    import datetime as dt

    import pandas as pd

    from diagnostics.redaction import redact_decisions_for_partners, redact_for_partner

    frame = pd.DataFrame(
        {
            "id": [1, 2],
            "category": ["eclairage", "tags"],
            "description": ["Guetteur rue des Salines", "Tags"],
            "shared_fields": ["", "description"],
            "author": ["agent.test", "agent.test"],
            "team_name": ["BTA Gray", "BTA Gray"],
            "comment": ["interne", "interne"],
            "partner_id": [7, 8],
            "due_on": [dt.date(2026, 12, 12), dt.date(2026, 12, 13)],
            "partner_answer": ["pris_en_compte", "realise"],
        }
    )
    view = redact_for_partner(frame, 7)
    assert not {"author", "team_name", "comment", "partner_id"} & set(view.columns)
    assert view["description"].tolist() == ["", "Tags"]
    assert view["due_on"].tolist() == [dt.date(2026, 12, 12), None]
    assert view["partner_answer"].tolist() == ["pris_en_compte", None]

    class Decision:
        def __init__(self, partner_id):
            self.partner_id = partner_id

    kept = redact_decisions_for_partners([Decision(7), Decision(None)])
    assert [d.partner_id for d in kept] == [7]
