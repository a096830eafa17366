"""« Cellules de veille » (AppTest): a commandant of the Jura prepares the Lons-le-Saunier cellule,
edits the agenda, records the partners present and a decision, reads the relevé; the partner
concerned sees the decision on « Mes préconisations »; a commandant of the 70 sees no Jura cellule
and a partner cannot open the page (issue 17)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from diagnostics.auth import PARTENAIRE, Actor
from diagnostics.demo_cellules import load_demo_cellules
from diagnostics.models import AuditEvent
from diagnostics.partner_models import Partner
from diagnostics.services import decisions, meeting_agenda
from diagnostics.ui import forms
from tests.conftest import ADMIN_ACTOR, COMMANDANT_39, COMMANDANT_70, app_as
from tests.test_app import errors

PAGE = "diagnostics/ui/cellules.py"
LONS = "Cellule de veille de Lons-le-Saunier"
DAY = dt.date(2026, 12, 2)


def open_page(actor, tab: str | None = None):
    at = app_as(actor).switch_page(PAGE)
    if tab:
        at.session_state["cel_tab"] = tab
    at.session_state["cel_name"] = LONS
    at.session_state[f"cel_day_{LONS}"] = DAY
    return at.run()


def test_prepare_edit_decide_and_the_partner_sees_it(db):
    load_demo_cellules(db, ADMIN_ACTOR)
    with db.session() as session:
        mairie = session.scalar(select(Partner.id).where(Partner.name == "OPH du Jura"))
    at = open_page(COMMANDANT_39)
    assert not at.exception and not errors(at)
    assert at.title[0].value == "Cellules de veille"
    assert at.selectbox(key="cel_name").value == LONS
    assert "Prochaine réunion :" in at.info[0].value
    headings = [m.value for m in at.markdown if m.value.startswith("**")]
    assert headings[0] == "**1. Suivi des décisions de la réunion précédente**"
    next(b for b in at.button if b.label == "Descendre").click().run()  # the decisions go second
    assert "monté" in at.success[0].value or "descendu" in at.success[0].value
    at.text_input(key="cel_point_0_title").input("Fête de quartier")
    next(b for b in at.button if b.label == "Ajouter le point").click().run()
    points = meeting_agenda.agenda_points(db, COMMANDANT_39, LONS, DAY)
    assert [p.section for p in points[:2]] == ["new_observations", "decisions"]
    assert points[-1].title == "Fête de quartier"

    at = open_page(COMMANDANT_39, "Réunion et décisions")
    assert not at.exception and not errors(at)
    at.multiselect[0].set_value(["OPH du Jura"])
    next(b for b in at.button if b.label == "Enregistrer les présents").click().run()
    assert meeting_agenda.partners_present(db, COMMANDANT_39, LONS, DAY) == (mairie,)
    next(b for b in at.button if b.label == "Enregistrer la décision").click().run()  # empty: refused
    assert errors(at) and "Écrivez ce qui a été décidé" in errors(at)[0]
    at.text_area(key="cel_decision_0_text").input("Éclairer le passage des Cordeliers")
    at.selectbox(key="cel_decision_0_who").set_value(f"p{mairie}")
    at.date_input(key="cel_decision_0_due").set_value(DAY + dt.timedelta(days=10))
    next(b for b in at.button if b.label == "Enregistrer la décision").click().run()
    assert not errors(at) and "Décision enregistrée" in at.success[0].value
    [line] = decisions.meeting_decisions(db, COMMANDANT_39, LONS, DAY)
    assert (line.text, line.due_on, line.partner_id) == (
        "Éclairer le passage des Cordeliers",
        dt.date(2026, 12, 12),
        mairie,
    )

    at = open_page(COMMANDANT_39, "Documents")
    next(b for b in at.button if b.label == "Envoyer les dossiers par courriel").click().run()
    assert not errors(at) and "mis dans la file d'envoi" in at.success[0].value
    next(b for b in at.button if b.label == "Envoyer les dossiers par courriel").click().run()
    assert not at.success and "Aucun nouvel envoi" in at.info[-1].value  # a second click sends nothing twice
    assert "OPH du Jura : déjà envoyé à" in at.info[-1].value.replace("\\", "")  # and says to whom it went
    for tab in ("Carte", "Documents"):
        at = open_page(COMMANDANT_39, tab)
        assert not at.exception and not errors(at)
    at = open_page(COMMANDANT_39, "Relevé")
    assert not at.exception and list(at.dataframe[0].value["Décision"]) == [line.text]

    partner = Actor(login="partenaire.lons", role=PARTENAIRE, partner_id=mairie)
    at = app_as(partner).run()
    assert not at.exception
    assert "Éclairer le passage des Cordeliers" in [t.value for t in at.text]
    assert any("échéance 12/12/2026" in c.value for c in at.caption)


def test_other_departments_and_partners_cannot_open_it(db):
    load_demo_cellules(db, ADMIN_ACTOR)
    at = open_page(COMMANDANT_70)
    assert not at.exception and "Aucune cellule de veille" in at.info[0].value
    at = app_as(ADMIN_ACTOR).switch_page(PAGE).run()  # an administrator: every cellule, Dole first
    assert not at.exception and not errors(at)
    assert at.selectbox(key="cel_name").options == ["Cellule de veille de Dole", LONS]
    partner = Actor(login="partenaire.x", role=PARTENAIRE, partner_id=None)
    at = open_page(partner)
    assert not at.exception and not [t for t in at.title if t.value == "Cellules de veille"]
    assert errors(at) == ["La page « Cellules de veille » n'est pas ouverte au rôle Partenaire."]


def _click(at, label: str):
    return next(b for b in at.button if b.label == label).click().run()


def _oph(db) -> int:
    with db.session() as session:
        return session.scalar(select(Partner.id).where(Partner.name == "OPH du Jura"))


def test_a_refused_point_keeps_its_text_and_a_double_click_adds_it_once(db):
    load_demo_cellules(db, ADMIN_ACTOR)
    at = open_page(COMMANDANT_39)
    at.text_area(key="cel_point_0_body").input("Rassemblements le soir devant la salle des fêtes.")
    _click(at, "Ajouter le point")  # no title: refused, the text stays
    assert errors(at) and "intitulé" in errors(at)[0].lower()
    assert at.text_area(key="cel_point_0_body").value == "Rassemblements le soir devant la salle des fêtes."
    at.text_input(key="cel_point_0_title").input("Salle des fêtes")
    _click(at, "Ajouter le point")
    assert not errors(at) and "Point « Salle des fêtes » ajouté." in [s.value for s in at.success]
    _click(at, "Ajouter le point")  # the second click of a double click lands on the fresh form
    assert not errors(at) and "Point « Salle des fêtes » ajouté." in [s.value for s in at.success]
    titles = [p.title for p in meeting_agenda.agenda_points(db, COMMANDANT_39, LONS, DAY)]
    assert titles.count("Salle des fêtes") == 1
    assert at.text_input(key="cel_point_1_title").value == ""  # a fresh form for the next point


def test_a_double_click_on_a_decision_saves_it_once_without_a_false_error(db):
    load_demo_cellules(db, ADMIN_ACTOR)
    oph = _oph(db)
    meeting_agenda.set_partners_present(db, COMMANDANT_39, LONS, DAY, (oph,))
    at = open_page(COMMANDANT_39, "Réunion et décisions")
    at.text_area(key="cel_decision_0_text").input("Réparer la porte du hall C")
    at.selectbox(key="cel_decision_0_who").set_value(f"p{oph}")
    _click(at, "Enregistrer la décision")
    _click(at, "Enregistrer la décision")
    assert not errors(at) and any("Décision enregistrée" in s.value for s in at.success)
    assert [d.text for d in decisions.meeting_decisions(db, COMMANDANT_39, LONS, DAY)] == ["Réparer la porte du hall C"]


def test_a_partner_refused_answer_keeps_its_choice(db):
    load_demo_cellules(db, ADMIN_ACTOR)
    oph = _oph(db)
    meeting_agenda.set_partners_present(db, COMMANDANT_39, LONS, DAY, (oph,))
    values = decisions.DecisionInput(text="Réparer la porte du hall C", due_on=DAY, partner_id=oph)
    decisions.record_decision(db, COMMANDANT_39, LONS, DAY, values)
    [line] = decisions.meeting_decisions(db, COMMANDANT_39, LONS, DAY)
    at = app_as(Actor(login="partenaire.lons", role=PARTENAIRE, partner_id=oph)).run()
    form = f"preco_decision_{line.id}_0"
    at.radio(key=f"{form}_kind").set_value("hors_competence")
    _click(at, "Envoyer la réponse")
    assert errors(at) and "compétence" in errors(at)[0]
    assert at.radio(key=f"{form}_kind").value == "hors_competence"  # not back to « Pris en compte »
    at.text_area(key=f"{form}_comment").input("La porte relève du syndic.")
    _click(at, "Envoyer la réponse")
    assert not errors(at)
    [line] = decisions.meeting_decisions(db, COMMANDANT_39, LONS, DAY)
    assert (line.answer, line.answer_comment) == ("hors_competence", "La porte relève du syndic.")


def test_the_url_keeps_the_cellule_the_date_and_the_tab_and_a_past_date_is_said(db):
    load_demo_cellules(db, ADMIN_ACTOR)
    at = app_as(ADMIN_ACTOR).switch_page(PAGE)  # Dole comes first for an administrator
    at.query_params.update({"cellule": LONS, "date": "2026-11-04", "onglet": "Réunion et décisions"})
    at.run()  # a reload, or a bookmark
    assert not at.exception and not errors(at)
    assert at.selectbox(key="cel_name").value == LONS
    assert at.date_input(key=f"cel_day_{LONS}").value == dt.date(2026, 11, 4)
    assert at.multiselect[0].label == "Partenaires présents"  # the meeting's tab is the one open
    assert at.multiselect[0].proto.select_all == 0  # no English « Select all »
    assert any(w.value.startswith("Cette date est passée : 04/11/2026.") for w in at.warning)
    at.selectbox(key="cel_name").set_value("Cellule de veille de Dole").run()
    assert "Cellule de veille de Dole" in str(at.query_params["cellule"])
    at = app_as(ADMIN_ACTOR).switch_page(PAGE)
    at.query_params.update({"cellule": "Cellule inconnue", "date": "demain"})
    at.run()  # a mangled link: the first cellule, its next meeting
    assert not at.exception and at.selectbox(key="cel_name").value == "Cellule de veille de Dole"


def test_a_second_click_on_a_button_that_acted_does_nothing(db, monkeypatch):
    """The second click of a double click lands on what the first put under the pointer: the point
    moved down into its place, « Rouvrir » where « Marquer comme faite » was. It is ignored, and
    the first click's message stays (the browser test clicks 350 ms apart; here the window is long
    so that a slow machine cannot make it pass by chance)."""
    monkeypatch.setattr(forms, "BUTTON_STRAY_SECONDS", 600.0, raising=False)  # without the guard: fails on the order
    load_demo_cellules(db, ADMIN_ACTOR)
    at = open_page(COMMANDANT_39)
    for _ in range(2):
        next(b for b in at.button if b.label == "Descendre").click().run()
    assert not at.exception and "descendu d'un rang" in at.success[0].value
    points = meeting_agenda.agenda_points(db, COMMANDANT_39, LONS, DAY)
    assert [p.section for p in points[:2]] == ["new_observations", "decisions"]  # moved once, not back

    with db.session() as session:
        mairie = session.scalar(select(Partner.id).where(Partner.name == "OPH du Jura"))
    values = decisions.DecisionInput("Éclairer le passage des Cordeliers", DAY + dt.timedelta(days=10),
                                     partner_id=mairie)  # fmt: skip
    decisions.record_decision(db, COMMANDANT_39, LONS, DAY, values, today=DAY)
    at = open_page(COMMANDANT_39, "Réunion et décisions")
    next(b for b in at.button if b.label == "Marquer comme faite").click().run()
    next(b for b in at.button if b.label == "Rouvrir").click().run()
    assert "Décision marquée comme faite." in at.success[0].value
    [line] = decisions.meeting_decisions(db, COMMANDANT_39, LONS, DAY)
    assert line.state == "done"

    # the partners present: the second submission writes nothing and keeps the message
    at.multiselect[0].set_value(["OPH du Jura"])
    next(b for b in at.button if b.label == "Enregistrer les présents").click().run()
    with db.session() as session:
        written = session.scalar(select(func.count()).where(AuditEvent.entity == "meeting_partners"))
    next(b for b in at.button if b.label == "Enregistrer les présents").click().run()
    assert "1 partenaire(s) présent(s) enregistré(s)." in at.success[0].value
    with db.session() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.entity == "meeting_partners")) == written
