"""One PDF pack per recipient of a cellule's meeting (issue 17), read back as text: the forces' pack
holds everything; a partner's pack never holds an unshared description, a forces' name (team,
author's login) nor an internal comment, only its own observations (or its communes'); every page
names the recipient and the date and says it is confidential; permissions; both backends."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from diagnostics.__main__ import main
from diagnostics.auth import COMMANDANT, Actor
from diagnostics.cellule_models import CelluleAccount, Meeting
from diagnostics.demo_cellules import load_demo_cellules
from diagnostics.errors import NotFound, PermissionDenied
from diagnostics.meeting_pdf import CONFIDENTIAL
from diagnostics.models import AuditEvent, ObservationEvent, Site, Team
from diagnostics.partner_models import Partner
from diagnostics.services import assignments, cellules, decisions, meeting_packs
from diagnostics.services.decisions import DecisionInput
from tests.conftest import (
    ADMIN_ACTOR,
    COMMANDANT_39,
    COMMANDANT_70,
    LONS,
    make_diagnostic,
    make_observation,
    make_partner,
)
from tests.outbox_helpers import make_account, messages
from tests.smtp_server import smtp_server  # noqa: F401  (fixture)

CELLULE = "Cellule de veille de Lons-le-Saunier"
MEETING = dt.date(2026, 12, 2)
ISSUED = dt.date(2026, 12, 1)
SECRET = "Guetteur connu des services rue des Salines"
SHARED = "Tags sur l'abribus de la place"
COMMENT = "Informateur à recontacter avant jeudi"
TEAM = "Groupe de contact de Gray"
LIGHT = "Réparer l'éclairage du hall B"
PATROL = "Patrouilles renforcées le vendredi soir"


def pages_of(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def meeting(db, team_id):
    """The demo cellule of Lons-le-Saunier, a meeting on 02/12/2026 with the mairie and the OPH
    present, a confidential observation assigned to the OPH (with an internal comment) and a
    shared one of the commune."""
    make_partner(db, "Mairie de Lons-le-Saunier", communes=(LONS[0],))
    load_demo_cellules(db, ADMIN_ACTOR)
    with db.session() as session:
        ids = {name: id_ for name, id_ in session.execute(select(Partner.name, Partner.id))}
        session.add(Site(name="Caméra place de la Liberté", kind="camera", commune_insee=LONS[0], geom=_point()))
        session.add(Site(name="Commissariat de Lons-le-Saunier", kind="commissariat", commune_insee=LONS[0],
                         geom=_point()))  # fmt: skip
    present = (ids["Mairie de Lons-le-Saunier"], ids["OPH du Jura"])
    meeting_id = cellules.record_meeting(db, COMMANDANT_39, CELLULE, MEETING, present)
    diagnostic = make_diagnostic(db, team_id, commune=LONS[0], visited_on=dt.date(2026, 11, 27), place="Les Salines")
    secret = make_observation(db, diagnostic, lat=LONS[1], lon=LONS[2], severity=4, description=SECRET,
                              recommendation="Élaguer la haie", shared_fields=("recommendation",))  # fmt: skip
    shared = make_observation(db, diagnostic, lat=LONS[1], lon=LONS[2], description=SHARED,
                              category="degradations", shared_fields=("description",))  # fmt: skip
    assignments.assign(db, ADMIN_ACTOR, secret, ids["OPH du Jura"], today=dt.date(2026, 11, 28))
    with db.session() as session:
        jura_team = session.scalar(select(Team.id).where(Team.department == "39"))
    previous = dt.date(2026, 11, 25)  # the demo's past meeting: its decisions open the agenda
    decisions.record_decision(db, COMMANDANT_39, CELLULE, previous, DecisionInput(LIGHT, MEETING, ids["OPH du Jura"]),
                              today=previous)  # fmt: skip
    decisions.record_decision(db, COMMANDANT_39, CELLULE, previous, DecisionInput(PATROL, MEETING, team_id=jura_team),
                              today=previous)  # fmt: skip
    with db.session() as session:
        session.add(ObservationEvent(observation_id=secret, actor="commandant39.test", kind="comment", comment=COMMENT))
    return meeting_id, ids, secret, shared


def _point():
    from geoalchemy2.shape import from_shape
    from shapely.geometry import Point

    return from_shape(Point(LONS[2], LONS[1]), srid=4326)


def test_the_forces_pack_holds_everything(db, meeting):
    meeting_id, _, secret, shared = meeting
    name, pdf = meeting_packs.build_pack(db, COMMANDANT_39, meeting_id, issued_on=ISSUED)
    assert name == "ordre-du-jour-2026-12-02-forces.pdf"
    text = " ".join(pages_of(pdf))
    everything = (SECRET, SHARED, COMMENT, TEAM, "admin.test", f"N° {secret}", f"N° {shared}", "Caméra place", PATROL)
    for expected in (*everything, LIGHT):
        assert expected in text
    assert "Dossier des forces (complet)" in text and "?" not in text


def test_a_partners_pack_is_redacted(db, meeting):
    meeting_id, ids, secret, shared = meeting
    recipients = meeting_packs.pack_recipients(db, COMMANDANT_39, meeting_id)
    assert [r.name for r in recipients] == ["Forces de sécurité intérieure (gendarmerie, police nationale)",
                                            "Mairie de Lons-le-Saunier", "OPH du Jura"]  # fmt: skip
    assert recipients[2].file_name == "ordre-du-jour-2026-12-02-oph-du-jura.pdf"

    _, pdf = meeting_packs.build_pack(db, COMMANDANT_39, meeting_id, ids["OPH du Jura"], issued_on=ISSUED)
    oph = " ".join(pages_of(pdf))
    assert f"N° {secret} " in oph and "Élaguer la haie" in oph  # its own, with what was shared
    assert f"N° {shared} " not in oph and SHARED not in oph  # not assigned to it, not its commune
    _, pdf = meeting_packs.build_pack(db, COMMANDANT_39, meeting_id, ids["Mairie de Lons-le-Saunier"])
    mairie = " ".join(pages_of(pdf))
    assert f"N° {shared} " in mairie and SHARED in mairie  # the commune's observations, as in the mayors' export
    assert "Commissariat de Lons-le-Saunier" in mairie  # a desk open to the public
    for text in (oph, mairie):
        assert LIGHT in text  # the decisions given to partners, coordination around the table
        for secret_text in (SECRET, COMMENT, TEAM, PATROL, "admin.test", "commandant39.test", "Caméra place", "Auteur"):
            assert secret_text not in text


def test_every_page_names_the_recipient_and_the_date(db, meeting):
    meeting_id, ids, _, _ = meeting
    for partner_id, recipient in ((None, "Forces de sécurité intérieure"), (ids["OPH du Jura"], "OPH du Jura")):
        _, pdf = meeting_packs.build_pack(db, ADMIN_ACTOR, meeting_id, partner_id, issued_on=ISSUED)
        pages = pages_of(pdf)
        for number, page in enumerate(pages, start=1):
            assert CONFIDENTIAL in page and f"Destinataire : {recipient}" in page and "édité le 01/12/2026" in page
            assert f"Page {number}/{len(pages)}" in page


def test_only_the_territorys_commandants_and_absent_partners(db, meeting):
    meeting_id, ids, _, _ = meeting
    for actor in (COMMANDANT_70, Actor(login="agent39", role="agent", departments=("39",))):
        with pytest.raises(PermissionDenied):
            meeting_packs.build_pack(db, actor, meeting_id)
    with pytest.raises(NotFound, match="pas présent"):
        meeting_packs.build_pack(db, COMMANDANT_39, meeting_id, ids["UDAF du Jura"])
    with pytest.raises(NotFound, match="introuvable"):
        meeting_packs.build_pack(db, COMMANDANT_39, 999_999)
    other = Actor(login="commandant39b", role=COMMANDANT, departments=("39",))
    meeting_packs.record_pack_download(db, other, meeting_id, ids["OPH du Jura"])
    with db.session() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.entity == "meeting_pack")).all()
    assert event.action == "export" and event.actor == "commandant39b" and event.entity_id == str(meeting_id)
    assert '"pack": "partenaire"' in event.after and '"partner": "OPH du Jura"' in event.after


def test_packs_sent_through_the_outbox_once(db, meeting, smtp_server, capsys, monkeypatch):  # noqa: F811
    from diagnostics.notify import worker
    from diagnostics.services import schedules  # noqa: F401 - registers the scans now, not into the list below

    # Only what is sent now: the scans of time (the decisions due on the meeting's day recalled
    # from the next day, the observation due on 05/12) would add messages from those days on.
    monkeypatch.setattr(worker, "SCANNERS", [])
    meeting_id, ids, _, _ = meeting
    user_id = make_account(db, COMMANDANT_39, "commandant@gendarmerie.test")
    with db.session() as session:
        cellule_id = session.scalar(select(Meeting.cellule_id).where(Meeting.id == meeting_id))
        session.add(CelluleAccount(cellule_id=cellule_id, user_id=user_id))

    sent = meeting_packs.send_packs(db, COMMANDANT_39, meeting_id, issued_on=ISSUED)
    assert {s.recipient.name: s.queued_to for s in sent} == {
        "Forces de sécurité intérieure (gendarmerie, police nationale)": ("commandant@gendarmerie.test",),
        "Mairie de Lons-le-Saunier": (),  # no contact address: nothing queued
        "OPH du Jura": ("gestion.locative@ophjura.example",),
    }
    assert main(["notify", "run", "--once"]) == 0
    smtp_server.wait_for(4)  # the two packs, and the notices of last time's decisions

    def packs_to(address: str):
        return [mail for mail in smtp_server.to(address) if "Dossier de réunion" in mail.subject]

    [oph] = packs_to("gestion.locative@ophjura.example")
    assert oph.subject == f"[PSQ] Dossier de réunion — {CELLULE} — 02/12/2026"
    assert CONFIDENTIAL in oph.text and SECRET not in oph.text
    [(file_name, content_type, content)] = oph.attachments()
    assert (file_name, content_type) == ("ordre-du-jour-2026-12-02-oph-du-jura.pdf", "application/pdf")
    pages = pages_of(content)
    assert all("Destinataire : OPH du Jura (partenaire) — édité le 01/12/2026" in page for page in pages)
    assert not any(SECRET in page or COMMENT in page or TEAM in page for page in pages)
    [forces] = packs_to("commandant@gendarmerie.test")
    [(file_name, _, content)] = forces.attachments()
    assert file_name == "ordre-du-jour-2026-12-02-forces.pdf" and SECRET in " ".join(pages_of(content))

    def sent_events():
        with db.session() as session:
            statement = select(AuditEvent).where(AuditEvent.entity == "meeting_pack", AuditEvent.action == "send")
            return [json.loads(event.after) for event in session.scalars(statement)]

    events = sent_events()
    assert sorted((e["pack"], e["partner"], tuple(e["recipients"])) for e in events) == [
        ("forces", "Forces de sécurité intérieure (gendarmerie, police nationale)", ("commandant@gendarmerie.test",)),
        ("partenaire", "OPH du Jura", ("gestion.locative@ophjura.example",)),
    ]
    assert all(e["meeting_id"] == meeting_id and e["held_on"] == "2026-12-02" for e in events)

    again = meeting_packs.send_packs(db, COMMANDANT_39, meeting_id, issued_on=ISSUED)  # a retry, a double click
    assert all(s.queued_to == () for s in again)
    assert {s.recipient.name: s.earlier_to for s in again}["OPH du Jura"] == ("gestion.locative@ophjura.example",)
    assert main(["meetings", "send", "--cellule", CELLULE, "--date", "2026-12-02"]) == 0  # and from the shell
    out = capsys.readouterr().out
    assert "Mairie de Lons-le-Saunier : aucune adresse de courriel connue" in out and "0 courriel(s)" in out
    # the shell says where each pack went earlier, the forces' too
    assert "OPH du Jura : déjà envoyé à gestion.locative@ophjura.example" in out
    assert (
        "Forces de sécurité intérieure (gendarmerie, police nationale) : déjà envoyé à commandant@gendarmerie.test"
        in out
    )
    assert main(["notify", "run", "--once"]) == 0
    assert len(smtp_server.received) == 4 and len(sent_events()) == 2
    assert len([m for m in messages(db) if m.kind == "meeting_pack"]) == 2


def test_the_cli_writes_every_pack_of_a_meeting(db, meeting, tmp_path, capsys):
    meeting_id, _, _, _ = meeting
    code = main(["meetings", "prepare", "--cellule", CELLULE, "--date", "2026-12-02", "--out", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    names = sorted(path.name for path in tmp_path.glob("*.pdf"))
    assert names == [
        "ordre-du-jour-2026-12-02-forces.pdf",
        "ordre-du-jour-2026-12-02-mairie-de-lons-le-saunier.pdf",
        "ordre-du-jour-2026-12-02-oph-du-jura.pdf",
    ]
    out = capsys.readouterr().out
    assert f"OPH du Jura : {tmp_path / names[2]}" in out and "3 dossier(s)" in out
    assert SECRET in " ".join(pages_of((tmp_path / names[0]).read_bytes()))
    assert SECRET not in " ".join(pages_of((tmp_path / names[2]).read_bytes()))
    with db.session() as session:
        downloads = session.scalars(
            select(AuditEvent.after).where(AuditEvent.entity == "meeting_pack", AuditEvent.action == "export")
        ).all()
    assert len(downloads) == 3 and all(f'"meeting_id": {meeting_id}' in after for after in downloads)


def test_two_sends_at_once_queue_each_pack_once(db, meeting):
    """A double click on two processes: both transactions read « not queued yet »; the outbox's
    unique key lets one commit, the other finds everything queued and sends nothing."""
    meeting_id, _, _, _ = meeting
    start = threading.Barrier(2)
    results, errors = [], []

    def send():
        start.wait()
        try:
            results.append(meeting_packs.send_packs(db, COMMANDANT_39, meeting_id, issued_on=ISSUED))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    packs = [m for m in messages(db) if m.kind == "meeting_pack"]
    assert [m.recipient for m in packs] == ["gestion.locative@ophjura.example"]
    assert sum(len(s.queued_to) for result in results for s in result) == 1


def test_a_long_period_is_counted_past_the_limit(db, meeting, monkeypatch):
    meeting_id, ids, secret, shared = meeting
    monkeypatch.setattr(meeting_packs, "MAX_OBSERVATIONS", 1)
    for partner_id in (None, ids["Mairie de Lons-le-Saunier"]):
        text = " ".join(pages_of(meeting_packs.build_pack(db, COMMANDANT_39, meeting_id, partner_id)[1]))
        assert f"N° {secret} " in text and f"N° {shared} " not in text  # the gravest first
        assert "… et 1 autre(s), à consulter dans l'application." in text
