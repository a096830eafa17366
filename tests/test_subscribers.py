"""Subscribers to the alerts: E.164 numbers, the partners' lists imported all or nothing, STOP for good,
yearly reconfirmation and retention after the opt-out (issue 16)."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from diagnostics.__main__ import main
from diagnostics.alert_models import Subscriber, SubscriberStop
from diagnostics.errors import PermissionDenied, ValidationError
from diagnostics.services import retention, subscribers
from diagnostics.services.subscriber_import import import_subscribers
from diagnostics.services.subscribers import SubscriberDraft, normalise_phone
from tests.conftest import ADMIN_ACTOR, COMMANDANT_70

HEADER = "Raison sociale;Mobile;Métier;Communes;Courriel;Convention;Date de consentement\n"


def write_csv(tmp_path, body: str, name: str = "abonnes.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("typed", "e164"),
    [("06 12 34 56 78", "+33612345678"), ("+33 7 81 23 45 67", "+33781234567"), ("0033612345678", "+33612345678")],
)
def test_numbers_are_stored_in_e164(typed, e164):
    assert normalise_phone(typed) == e164


@pytest.mark.parametrize("typed", ["03 84 75 12 34", "06 12", "bonjour", ""])
def test_landlines_and_garbage_are_refused(typed):
    with pytest.raises(ValueError):
        normalise_phone(typed)


def count(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Subscriber))


def test_import_is_all_or_nothing_and_names_bad_rows(db, tmp_path):
    path = write_csv(
        tmp_path,
        "Bijouterie Martin;06 12 34 56 78;Bijouterie;Gray;;CCI;01/03/2026\n"
        "Pharmacie;03 84 00 00 00;Pharmacie;70279;;CCI;01/03/2026\n"
        "Garage du Lac;06 22 33 44 55;Cordonnerie;Atlantis;;CMA;\n",
    )
    report = import_subscribers(db, ADMIN_ACTOR, path)
    assert [str(row) for row in report.rejected] == [
        "ligne 3 : rejet — « 03 84 00 00 00 » n'est pas un numéro de mobile",
        "ligne 4 : rejet — métier inconnu : « Cordonnerie » ; commune inconnue dans les départements couverts : "
        "« Atlantis »",
    ]
    assert report.written == 0 and count(db) == 0
    assert "rien n'a été écrit" in report.summary()

    kept = import_subscribers(db, ADMIN_ACTOR, path, keep_valid=True)
    assert kept.written == 1 and count(db) == 1


def test_duplicates_by_number_are_merged(db, tmp_path):
    path = write_csv(
        tmp_path,
        "Ferme Duc;06 12 34 56 78;Exploitation agricole;Gray;;Chambre d'agriculture;02/01/2026\n"
        "Ferme Duc;+33612345678;exploitation_agricole;70550;duc@example.fr;;02/01/2026\n",
    )
    dry = import_subscribers(db, ADMIN_ACTOR, path, dry_run=True)
    assert [row.status for row in dry.rows] == ["ajout", "fusion"] and count(db) == 0
    report = import_subscribers(db, ADMIN_ACTOR, path)
    assert report.written == 1
    with db.session() as session:
        row = session.scalar(select(Subscriber))
        assert (row.phone, row.communes, row.email) == ("+33612345678", "70279,70550", "duc@example.fr")
        assert row.convention == "Chambre d'agriculture"
    again = import_subscribers(db, ADMIN_ACTOR, path)  # the same file again: merged into the same row
    assert {row.status for row in again.rows} == {"fusion"} and count(db) == 1


def test_spreadsheet_import_and_drawn_zone(db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Nom", "Téléphone", "Catégorie", "Zone"])
    sheet.append(
        ["Tabac de l'île", "0698765432", "Tabac-presse", "POLYGON((5.58 47.44, 5.60 47.44, 5.60 47.45, 5.58 47.44))"]
    )
    sheet.append(["Sans zone", "0698765433", "Garage", ""])
    path = tmp_path / "abonnes.xlsx"
    book.save(path)
    report = import_subscribers(db, ADMIN_ACTOR, path)
    assert [str(row) for row in report.rejected] == [
        "ligne 3 : rejet — ni commune ni zone : à quel endroit envoyer les alertes ?"
    ]
    assert count(db) == 0
    import_subscribers(db, ADMIN_ACTOR, path, keep_valid=True)
    with db.session() as session:
        assert session.scalar(select(Subscriber.communes)) == ""


def test_stop_is_for_good(db, tmp_path):
    path = write_csv(tmp_path, "Bijouterie Martin;06 12 34 56 78;Bijouterie;Gray;;CCI;01/03/2026\n")
    import_subscribers(db, ADMIN_ACTOR, path)
    assert subscribers.stop_by_admin(db, ADMIN_ACTOR, "06 12 34 56 78") is True
    assert subscribers.stop_by_admin(db, ADMIN_ACTOR, "06 12 34 56 78") is False
    report = import_subscribers(db, ADMIN_ACTOR, path)
    assert "a demandé STOP" in report.rejected[0].message
    with pytest.raises(ValidationError, match="STOP"):
        subscribers.add_subscriber(
            db,
            ADMIN_ACTOR,
            SubscriberDraft("Martin", "0612345678", "bijouterie", dt.date(2026, 1, 1), communes=("70279",)),
        )
    with pytest.raises(PermissionDenied):
        subscribers.stop_by_admin(db, COMMANDANT_70, "06 12 34 56 78")


def test_yearly_reconfirmation_is_flagged(db):
    subscribers.add_subscriber(
        db,
        ADMIN_ACTOR,
        SubscriberDraft("Boulangerie", "0611111111", "boulangerie", dt.date(2025, 1, 10), communes=("70279",)),
    )
    [info] = subscribers.list_subscribers(db, ADMIN_ACTOR, today=dt.date(2026, 1, 9))
    assert not info.to_reconfirm and info.phone_masked.endswith("11") and "61111" not in info.phone_masked
    [info] = subscribers.list_subscribers(db, ADMIN_ACTOR, today=dt.date(2026, 1, 10))
    assert info.to_reconfirm
    subscribers.reconfirm(db, ADMIN_ACTOR, info.id, on=dt.date(2026, 1, 10))
    [info] = subscribers.list_subscribers(db, ADMIN_ACTOR, today=dt.date(2026, 6, 1))
    assert not info.to_reconfirm


def test_purge_deletes_opted_out_subscribers_after_their_retention(db, monkeypatch):
    monkeypatch.setenv("PSQ_SUBSCRIBER_RETENTION_DAYS", "30")
    subscribers.add_subscriber(
        db, ADMIN_ACTOR, SubscriberDraft("Garage", "0622222222", "garage", dt.date(2026, 1, 10), communes=("70279",))
    )
    subscribers.stop_by_admin(db, ADMIN_ACTOR, "0622222222")
    today = dt.date.today()
    soon = retention.purge(db, ADMIN_ACTOR, retention_days=1095, dry_run=False, today=today + dt.timedelta(days=29))
    assert soon.subscribers == 0 and count(db) == 1
    dry = retention.purge(db, ADMIN_ACTOR, retention_days=1095, dry_run=True, today=today + dt.timedelta(days=31))
    assert dry.subscribers == 1 and count(db) == 1 and "abonnés désinscrits à supprimer : 1" in str(dry)
    done = retention.purge(db, ADMIN_ACTOR, retention_days=1095, dry_run=False, today=today + dt.timedelta(days=31))
    assert done.subscribers == 1 and count(db) == 0
    with db.session() as session:  # the number stays blocked, as a hash only
        assert session.scalar(select(func.count()).select_from(SubscriberStop)) == 1


def test_cli_import(db, tmp_path, capsys):
    path = write_csv(
        tmp_path, "Bijouterie Martin;06 12 34 56 78;Bijouterie;Gray;;CCI;01/03/2026\nX;06;Bijouterie;Gray;;;\n"
    )
    assert main(["subscribers", "import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "ligne 2 : ajout" in out and "ligne 3 : rejet" in out and "essai" in out
    assert main(["subscribers", "import", str(path)]) == 1
    assert count(db) == 0
    assert main(["subscribers", "import", str(path), "--keep-valid"]) == 0
    assert count(db) == 1
