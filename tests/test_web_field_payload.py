"""Reading the field page's sync request: items to the services' drafts, unreadable ones refused."""

from __future__ import annotations

import base64

import pytest

from diagnostics.services import field_sync as sync
from diagnostics.web.field_payload import MAX_ITEMS, PayloadError, items_of

UUID = "6f1d3c1e-8a52-4c3e-9b1a-0d6f2b7e9a10"


def _observation(**overrides) -> dict:
    values = {
        "category": "eclairage",
        "severity": 2,
        "description": "Candélabre éteint",
        "shared_fields": ["description", "inconnu"],
        "geometry": {"type": "Point", "coordinates": [5.5925, 47.4452]},
    }
    return {**values, **overrides}


def test_an_item_becomes_the_drafts_of_the_services():
    diagnostic = {"uuid": UUID, "team_id": "3", "commune_insee": "70279", "place": "Îles", "visited_on": "2026-12-01"}
    photo = base64.b64encode(b"jpeg bytes").decode()
    [item] = items_of(
        {
            "items": [
                {
                    "uuid": UUID,
                    "diagnostic": diagnostic,
                    "observation": _observation(),
                    "photos": [photo, "data:image/jpeg;base64," + photo],
                    "photos_shareable": True,
                }
            ]
        }
    )
    assert isinstance(item, sync.SyncItem)
    assert (item.observation.latitude, item.observation.longitude, item.observation.geometry) == (47.4452, 5.5925, None)
    assert item.observation.shared_fields == ("description",)
    assert item.new_diagnostic.draft.team_id == 3 and item.new_diagnostic.draft.visited_on.isoformat() == "2026-12-01"
    assert item.photos == [b"jpeg bytes", b"jpeg bytes"] and item.photos_shareable is True


def test_a_line_is_kept_as_a_shape():
    line = {"type": "LineString", "coordinates": [[5.59, 47.44], [5.6, 47.45]]}
    [item] = items_of({"items": [{"uuid": UUID, "diagnostic_id": 4, "observation": _observation(geometry=line)}]})
    assert item.observation.geometry.geom_type == "LineString" and item.observation.latitude is None
    assert item.diagnostic_id == 4


@pytest.mark.parametrize(
    "broken",
    [
        {"observation": "texte"},
        {"observation": _observation(geometry={"type": "Circle"})},
        {"observation": _observation(description=12)},
        {"observation": _observation(), "photos": ["pas du base64 !"]},
        {"observation": _observation(), "diagnostic": {"visited_on": "01/12/2026"}},
        {"observation": _observation(severity=True)},
    ],
)
def test_an_unreadable_item_is_refused_alone_in_french(broken):
    [refused, fine] = items_of({"items": [{"uuid": UUID, **broken}, {"uuid": UUID, "observation": _observation()}]})
    assert refused.status == sync.REFUSED and refused.errors["form"].startswith("Observation illisible par le serveur")
    assert isinstance(fine, sync.SyncItem)


def test_a_request_without_items_or_with_too_many_is_refused():
    with pytest.raises(PayloadError):
        items_of({"observations": []})
    with pytest.raises(PayloadError, match="Trop d'observations"):
        items_of({"items": [{}] * (MAX_ITEMS + 1)})
