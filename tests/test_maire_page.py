"""Ma commune, the mayor's page (AppTest): their commune only, no unit names, what is asked of the
commune, the exports; the mayor lands there and no longer opens the commanders' map."""

from __future__ import annotations

from diagnostics.services import audit
from diagnostics.services.follow_up import FollowUp, observation_detail, save_follow_up
from tests.conftest import (
    ADMIN_ACTOR,
    COMMANDANT_70,
    MAIRE_GRAY,
    VESOUL,
    app_as,
    make_diagnostic,
    make_observation,
    make_partner,
)
from tests.test_app import errors

UNIT_WORDS = ("Brigade", "Groupe", "BTA", "PSIG", "VTT", "Commissariat", "Gendarmerie")


def _texts(at) -> str:
    parts = [e.value for e in (*at.title, *at.subheader, *at.markdown, *at.caption, *at.info)]
    parts += [str(m.label) + " " + str(m.value) for m in at.metric]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    return "\n".join(str(p) for p in parts)


def _seed(db, team_id) -> dict[str, int]:
    diagnostic = make_diagnostic(db, team_id)
    ids = {
        "secret": make_observation(db, diagnostic, description="Guetteurs au hall B", severity=4),
        "shared": make_observation(
            db, diagnostic, description="Haie à tailler", recommendation="Tailler la haie", shareable=True
        ),
    }
    vesoul = make_diagnostic(db, team_id, commune=VESOUL[0], place="Centre")
    make_observation(db, vesoul, lat=VESOUL[1], lon=VESOUL[2], description="À Vesoul")
    detail = observation_detail(db, COMMANDANT_70, ids["shared"])
    save_follow_up(
        db,
        COMMANDANT_70,
        ids["shared"],
        detail.version,
        FollowUp(status="transmise", partner_id=make_partner(db, "Services techniques de Gray")),
    )
    return ids


def test_the_mayor_lands_on_their_commune_and_reads_it_as_a_partner(db_url, db, team_id):
    ids = _seed(db, team_id)
    at = app_as(MAIRE_GRAY).run()
    assert not at.exception and not errors(at)
    assert at.title[0].value == "Ma commune — Gray"
    observations = at.dataframe[1].value
    assert sorted(observations["N°"]) == sorted(ids.values())  # Gray only, with the forces' N°
    assert sorted(observations["Constat (si communicable)"]) == ["Haie à tailler", "—"]
    requests = at.dataframe[0].value
    assert list(requests["N°"]) == [ids["shared"]] and list(requests["Où en est-on"]) == ["Transmise"]
    assert list(requests["Service désigné"]) == ["Services techniques de Gray"]
    text = _texts(at)
    assert not [word for word in UNIT_WORDS if word in text], text
    assert "Guetteurs" not in text and "Vesoul" not in text
    labels = [b.label for b in at.main if type(b).__name__ == "DownloadButton"]
    assert labels == [
        "Télécharger : Carte (PNG)",
        "Télécharger : Dossier (PDF)",
        "Télécharger : Carte interactive (HTML)",
        "Télécharger : Tableau (Excel)",
    ]
    exported = audit.audit_events(db, ADMIN_ACTOR, audit.AuditFilter(actions=("export",)))
    assert exported.empty  # reading the page and its preview exports nothing


def test_the_mayor_no_longer_opens_the_commanders_map(db_url, db, team_id):
    at = app_as(MAIRE_GRAY).run()
    at.switch_page("diagnostics/ui/carte.py").run()
    assert not at.exception and not at.title
    assert "n'est pas ouverte au rôle" in at.error[0].value
