"""Mon compte (each account's address and frequency) and Administration › Courriels (the outbox, retry,
the delivery log), through Streamlit's AppTest."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from diagnostics.auth import COMMANDANT
from diagnostics.outbox_models import OutboxMessage
from diagnostics.services import outbox
from tests.conftest import ADMIN_ACTOR, MAIRE_GRAY, app_as
from tests.outbox_helpers import messages, notify_now


def test_each_account_sets_its_address_and_frequency(db):
    app = app_as(MAIRE_GRAY)
    app.switch_page("diagnostics/ui/compte.py").run()
    assert not app.exception and app.title[0].value == "Mon compte"
    app.text_input[0].set_value("pas une adresse")
    app.radio[0].set_value("digest")
    app.button[0].click().run()
    assert "Adresse de courriel invalide" in app.error[0].value
    app.text_input[0].set_value("maire@gray.test")
    app.button[0].click().run()
    assert not app.exception and app.success[0].value == "Préférences enregistrées."
    assert outbox.my_preference(db, MAIRE_GRAY) == outbox.Preference("maire@gray.test", "digest")
    assert [r.label for r in app.radio] == ["Recevoir les messages"]
    assert app.radio[0].options == ["Immédiatement", "Un résumé par jour", "Rien"]


def test_administration_shows_the_outbox_and_retries(db):
    notify_now(db, "due_passed", [outbox.Recipient("a@b.test", COMMANDANT)])
    notify_now(db, "due_passed", [outbox.Recipient("c@d.test", COMMANDANT)])
    with db.session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.recipient == "c@d.test")
            .values(status="failed", attempts=8, last_error="550 5.1.1 No such user",
                    next_attempt_at=dt.datetime(2026, 12, 1, 13, 5))
        )  # fmt: skip
    app = app_as(ADMIN_ACTOR)
    app.switch_page("diagnostics/ui/admin.py").run()
    assert not app.exception
    [table] = [frame.value for frame in app.dataframe if "Destinataire" in frame.value.columns]
    assert set(table["État"]) == {"En attente", "En échec"}
    assert table.loc[table["Destinataire"] == "c@d.test", "Erreur"].item() == "550 5.1.1 No such user"
    assert table.loc[table["Destinataire"] == "a@b.test", "Prochain essai"].item().count("/") == 2
    [retry] = [b for b in app.button if b.label.startswith("Renvoyer")]
    retry.click().run()
    assert "1 message(s) remis en file d'envoi." in [s.value for s in app.success]
    assert {m.status for m in messages(db)} == {"pending"}
