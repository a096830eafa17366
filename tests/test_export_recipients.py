"""Every export is logged with who, what, the scope and the recipient; the PNG and every page of
the PDF print to whom and when it was issued."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import replace

from pypdf import PdfReader

from diagnostics.__main__ import main
from diagnostics.services import audit, exports
from diagnostics.snapshots.page import commune_map_figure
from diagnostics.snapshots.pdf import render_commune_pdf
from tests.conftest import ADMIN_ACTOR, GRAY, make_diagnostic, make_observation


def _exports(db) -> list[dict]:
    events = audit.audit_events(db, ADMIN_ACTOR, audit.AuditFilter(actions=("export",)))
    return [{**row, "after": json.loads(row["after"] or "{}")} for row in events.to_dict("records")]


def test_a_snapshot_is_logged_with_its_scope_and_recipient(db, team_id):
    make_observation(db, make_diagnostic(db, team_id))
    period = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    exports.commune_snapshot(db, ADMIN_ACTOR, GRAY[0], "pdf", period=period, recipient="  Mairie de   Gray ")
    [event] = _exports(db)
    assert (event["actor"], event["entity"], event["entity_id"]) == (ADMIN_ACTOR.login, "commune", GRAY[0])
    assert event["after"]["recipient"] == "Mairie de Gray"
    assert event["after"]["period"] == ["2026-01-01", "2026-12-31"] and event["after"]["format"] == "pdf"


def test_the_map_page_footer_names_the_recipient_and_the_date(db, team_id):
    make_observation(db, make_diagnostic(db, team_id))
    layers = replace(exports.snapshot_layers(db, ADMIN_ACTOR, GRAY[0]), recipient="Mairie de Gray")
    figure = commune_map_figure(layers, issued_on=dt.date(2026, 12, 2), period=None, dpi=50)
    texts = [text.get_text() for text in figure.texts]
    assert "Édité le 02/12/2026 pour : Mairie de Gray" in texts


def test_layer_exports_and_the_audit_csv_are_logged(db, tmp_path):
    assert main(["export", "sites", "--format", "csv", "--out", str(tmp_path / "s.csv"), "--recipient", "SDIS 70"]) == 0
    audit.audit_csv_export(db, ADMIN_ACTOR, audit.AuditFilter(actor="x"), recipient="DPO")
    events = {event["entity"]: event["after"] for event in _exports(db)}
    assert events["sites"]["recipient"] == "SDIS 70" and events["sites"]["format"] == "csv"
    assert events["audit_events"]["recipient"] == "DPO" and events["audit_events"]["actor"] == "x"


def test_every_page_of_the_pdf_names_the_recipient(db, team_id):
    diagnostic = make_diagnostic(db, team_id)
    for _ in range(3):
        make_observation(db, diagnostic)
    layers = replace(exports.snapshot_layers(db, ADMIN_ACTOR, GRAY[0]), recipient="Mairie de Gray")
    pdf = PdfReader(io.BytesIO(render_commune_pdf(layers, issued_on=dt.date(2026, 12, 2), dpi=50)))
    assert len(pdf.pages) >= 2  # the map, then the list
    for page in pdf.pages:
        assert "pour : Mairie de Gray" in " ".join(page.extract_text().split())
