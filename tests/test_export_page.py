"""Export maire page: commune, period, PNG preview and the three downloads (AppTest)."""

from __future__ import annotations

import datetime as dt

from tests.conftest import GRAY, make_diagnostic, make_observation
from tests.test_app import app, errors, open_page  # noqa: F401  (app is a fixture)


def _downloads(at) -> dict[str, object]:
    return {element.label: element for element in at.main if type(element).__name__ == "DownloadButton"}


def test_the_page_previews_the_png_and_offers_png_pdf_html_and_xlsx(app, db, team_id):  # noqa: F811
    make_observation(db, make_diagnostic(db, team_id))
    open_page(app, "export_maire")
    assert not _downloads(app)  # nothing before a commune is chosen
    app.selectbox(key="export_commune").set_value(GRAY[0]).run()
    app.date_input(key="export_period").set_value((dt.date(2026, 1, 1), dt.date(2026, 12, 31))).run()
    assert not app.exception and not errors(app)
    assert any(type(element).__name__ == "Image" for element in app.main)
    labels = list(_downloads(app))
    assert labels == [
        "Télécharger : Carte (PNG)",
        "Télécharger : Dossier (PDF)",
        "Télécharger : Carte interactive (HTML)",
        "Télécharger : Tableau (Excel)",
    ]


def test_an_unknown_commune_is_a_french_error(app, db, monkeypatch):  # noqa: F811
    from diagnostics.errors import DiagnosticsError
    from diagnostics.services import exports

    def refuse(*args, **kwargs):
        raise DiagnosticsError("Commune inconnue : 70279")

    monkeypatch.setattr(exports, "snapshot_layers", refuse)
    open_page(app, "export_maire")
    app.selectbox(key="export_commune").set_value(GRAY[0]).run()
    assert any("La carte n'a pas pu être produite" in message for message in errors(app))
    assert not app.exception


def test_a_half_picked_period_runs_from_its_first_day(app, db, team_id):  # noqa: F811
    make_observation(db, make_diagnostic(db, team_id))
    open_page(app, "export_maire")
    app.selectbox(key="export_commune").set_value(GRAY[0]).run()
    app.date_input(key="export_period").set_value((dt.date(2026, 1, 1),)).run()
    assert not app.exception and not errors(app) and len(_downloads(app)) == 4


def test_choosing_a_commune_audits_nothing_until_a_file_is_downloaded(app, db, team_id):  # noqa: F811
    from diagnostics.services import audit
    from tests.conftest import ADMIN_ACTOR

    make_observation(db, make_diagnostic(db, team_id))
    open_page(app, "export_maire")
    app.selectbox(key="export_commune").set_value(GRAY[0]).run()
    assert not app.exception and any(type(element).__name__ == "Image" for element in app.main)
    exported = audit.audit_events(db, ADMIN_ACTOR, audit.AuditFilter(actions=("export",)))
    assert exported.empty  # a preview on screen is not an export
