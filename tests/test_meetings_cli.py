"""`python -m diagnostics meetings prepare` (issue 17): the forces' agenda PDF of a cellule's
meeting, every page footed with the confidential notice, the recipient and the date; French errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from diagnostics.__main__ import main
from diagnostics.demo_cellules import load_demo_cellules
from diagnostics.meeting_pdf import CONFIDENTIAL, render_agenda_pdf
from diagnostics.services import agenda, assignments
from tests.conftest import ADMIN_ACTOR, LONS, make_diagnostic, make_observation, make_partner

LONS_CELLULE = "Cellule de veille de Lons-le-Saunier"


def test_prepare_writes_the_forces_agenda(db, team_id, tmp_path, capsys):
    partner_id = make_partner(db, "Mairie de Lons-le-Saunier", communes=(LONS[0],))
    load_demo_cellules(db, ADMIN_ACTOR)
    diagnostic_id = make_diagnostic(db, team_id, commune=LONS[0], visited_on=dt.date(2026, 11, 27))
    late = make_observation(db, diagnostic_id, lat=LONS[1], lon=LONS[2], severity=3)
    assignments.assign(db, ADMIN_ACTOR, late, partner_id, today=dt.date(2026, 10, 1))

    code = main(["meetings", "prepare", "--cellule", LONS_CELLULE, "--date", "2026-12-02", "--out", str(tmp_path)])

    assert code == 0, capsys.readouterr().err
    [path] = tmp_path.glob("*.pdf")
    assert path.name == "ordre-du-jour-2026-12-02-forces.pdf"
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]
    text = " ".join(pages)
    assert "Ordre du jour — Cellule de veille de Lons-le-Saunier" in text
    assert "Mairie de Lons-le-Saunier : 1 en retard" in text and "échéance 31/10/2026" in text
    assert "données depuis la réunion précédente du 25/11/2026" in text
    assert "?" not in text  # every character is in the PDF's standard fonts
    for page in pages:
        assert CONFIDENTIAL in page and "Destinataire : Forces de sécurité intérieure" in page


def test_every_page_is_footed_on_a_long_agenda(db):
    load_demo_cellules(db, ADMIN_ACTOR)
    prepared = agenda.prepare_agenda(db, ADMIN_ACTOR, LONS_CELLULE, dt.date(2026, 12, 2))
    long = dataclasses.replace(prepared, new_by_sector={f"Secteur {i}": i for i in range(120)})
    pdf = render_agenda_pdf(long, recipient="Cellule test", issued_on=dt.date(2026, 12, 1))
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert CONFIDENTIAL in page and "Destinataire : Cellule test — édité le 01/12/2026" in page
        assert f"Page {number}/{len(pages)}" in page


def test_unknown_cellule_and_bad_date_are_french_errors(db, tmp_path, capsys):
    code = main(["meetings", "prepare", "--cellule", "Inconnue", "--date", "2026-12-02", "--out", str(tmp_path)])
    assert code == 1 and "Aucune cellule nommée « Inconnue »" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["meetings", "prepare", "--cellule", "X", "--date", "02/12/2026", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert "date invalide" in capsys.readouterr().err
