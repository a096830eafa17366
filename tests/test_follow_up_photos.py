"""The commanders' follow-up panel shows the observation's photos (thumbnails, full size on
demand), as Saisie terrain does."""

from __future__ import annotations

import pytest

from diagnostics.io.photos import prepare_photo
from diagnostics.services import photos
from tests.conftest import COMMANDANT_70, make_diagnostic, make_observation
from tests.test_app import app, log_in_as, open_page  # noqa: F401 (fixture)
from tests.test_carte_follow_up import open_observation
from tests.test_photos import jpeg_with_exif


@pytest.fixture
def photo_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PSQ_PHOTO_DIR", str(tmp_path / "photos"))


def test_the_follow_up_shows_the_photos(app, db, team_id, agent, photo_dir):  # noqa: F811
    diagnostic_id = make_diagnostic(db, team_id)
    observation_id = make_observation(db, diagnostic_id)
    prepared = prepare_photo(jpeg_with_exif(gps=False))
    photos.store_photo(db, agent, diagnostic_id, prepared, observation_id=observation_id)
    log_in_as(app, COMMANDANT_70)
    open_page(app, "carte")
    open_observation(app, observation_id)
    assert not app.exception
    assert len(app.get("image")) == 1
    app.toggle(key=f"fu_photos_{observation_id}_full").set_value(True).run()
    assert len(app.get("image")) == 2 and not app.exception
