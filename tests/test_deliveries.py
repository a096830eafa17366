"""`deliver`: each commune's mayors get the PDF of the period through the outbox, once; the log and
the audit say so; a real SMTP server on loopback reads what arrived."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from diagnostics.__main__ import main
from diagnostics.auth import MAIRE, Actor
from diagnostics.models import AuditEvent
from diagnostics.services import deliveries
from tests.conftest import ADMIN_ACTOR, GRAY, MAIRE_GRAY, VESOUL, make_diagnostic, make_observation
from tests.outbox_helpers import make_account, messages
from tests.smtp_server import smtp_server  # noqa: F401  (fixture)

SECRET = "Le dealer se tient derrière le kiosque"


def test_parse_period():
    assert deliveries.parse_period("last-month", today=dt.date(2026, 1, 15)) == (
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 31),
    )
    assert deliveries.parse_period("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert deliveries.period_label((dt.date(2026, 11, 1), dt.date(2026, 11, 30))) == "novembre 2026"
    with pytest.raises(ValueError, match="période invalide"):
        deliveries.parse_period("novembre")


def test_deliver_sends_each_mayor_the_pdf_once(db, team_id, smtp_server, capsys):  # noqa: F811
    diagnostic = make_diagnostic(db, team_id, visited_on=dt.date(2026, 11, 10))
    make_observation(db, diagnostic, description=SECRET)
    make_account(db, MAIRE_GRAY, "maire@gray.test")
    make_account(db, Actor(login="maire.vesoul", role=MAIRE, commune_insee=VESOUL[0]), "maire@vesoul.test")

    assert main(["deliver", "--department", "70", "--period", "2026-11", "--skip-empty", "--dry-run"]) == 0
    assert "serait envoyée pour maire@gray.test" in capsys.readouterr().out
    assert messages(db) == []

    assert main(["deliver", "--department", "70", "--period", "2026-11", "--skip-empty"]) == 0
    out = capsys.readouterr().out
    assert f"{GRAY[0]} Gray : carte mise en file d'envoi pour maire@gray.test" in out
    assert "1 carte(s) en file d’envoi" in out
    assert main(["notify", "run", "--once"]) == 0
    [mail] = smtp_server.wait_for(1)
    assert mail.recipients == ["maire@gray.test"]
    assert mail.subject == "[PSQ] Carte mensuelle — Gray — novembre 2026"
    assert SECRET not in mail.text
    [(file_name, content_type, content)] = mail.attachments()
    assert file_name == f"diagnostic-surete-{GRAY[0]}-gray-20261130.pdf" and content_type == "application/pdf"
    assert content.startswith(b"%PDF")
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]
    assert all("pour : Maire de Gray (maire@gray.test)" in text for text in pages)  # every page
    assert not any(SECRET in text for text in pages)  # the mayors' redaction

    assert main(["deliver", "--department", "70", "--period", "2026-11", "--skip-empty"]) == 0
    assert "1 déjà envoyée(s)" in capsys.readouterr().out
    assert main(["notify", "run", "--once"]) == 0
    assert len(smtp_server.received) == 1 and len(messages(db)) == 1

    log = {row["commune_insee"]: row for row in deliveries.delivery_log(db, ADMIN_ACTOR)}
    assert log[GRAY[0]]["outcome"] == "queued" and log[GRAY[0]]["recipients"] == "maire@gray.test"
    assert log[VESOUL[0]]["outcome"] == "skipped_empty"
    with db.session() as session:
        details = session.scalars(select(AuditEvent.detail).where(AuditEvent.entity == "delivery")).all()
    assert any("carte PDF novembre 2026 pour maire@gray.test" in d for d in details)


def test_only_administrators_deliver(db):
    from diagnostics.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        deliveries.deliver_department(db, MAIRE_GRAY, "70", (dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
