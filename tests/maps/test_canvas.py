"""The canvas layer's payload: compact arrays, escaped labels, open or treated per status."""

from __future__ import annotations

import pandas as pd

from diagnostics import maps, taxonomy
from tests.maps.test_review import points


def test_the_payload_is_compact_arrays_with_escaped_labels():
    payload = maps.unpack_payload(maps.points_payload(points(4, outside=True)))
    assert payload["n"] == 4 and list(payload["id"]) == [1, 2, 3, 4] and list(payload["sev"]) == [1, 2, 3, 4]
    assert payload["lat"][0] == 4744500 and list(payload["out"]) == [1, 0, 1, 0] and list(payload["cat"]) == [0] * 4
    assert payload["day"][0] == (pd.Timestamp("2026-09-15") - pd.Timestamp("1970-01-01")).days
    assert payload["labels"]["cat"][0] == "Éclairage"
    assert "Nuisances et sentiment d&#x27;insécurité" in payload["labels"]["cat"]  # escaped like every label


def test_the_payload_says_which_statuses_are_open():
    payload = maps.unpack_payload(maps.points_payload(points(2, status="traitee")))
    statuses = list(taxonomy.STATUSES)
    assert payload["open"][statuses.index("nouvelle")] is True
    assert payload["open"][payload["st"][0]] is False  # drawn hollow
