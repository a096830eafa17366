"""Snapshots of a whole département: one file per commune, layers from the one builder, failures counted."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from diagnostics.__main__ import main
from diagnostics.services import snapshot_batch
from diagnostics.services.exports import snapshot_layers
from diagnostics.services.snapshot_batch import export_department
from tests.conftest import GRAY, VESOUL, make_diagnostic, make_observation

N_COMMUNES_70 = 536


@pytest.fixture
def fake_render(monkeypatch):
    """Rendering replaced by a stub (the real one is tested elsewhere): fast, and can fail on demand.

    Workers are forked, so they inherit the patch."""
    failing = set()

    def render(layers, fmt, *, issued_on, period=None):
        insee = layers.commune["insee"].iloc[0]
        if insee in failing:
            raise RuntimeError(f"cannot draw {insee}")
        return f"{fmt}:{insee}:{len(layers.observations)}".encode()

    monkeypatch.setattr(snapshot_batch, "render_snapshot", render)
    return failing


def test_commune_layers_match_the_single_commune_query(db, admin, team_id, monkeypatch, tmp_path):
    make_observation(db, make_diagnostic(db, team_id), description="Secret", shareable=False)
    seen = {}

    def render(layers, fmt, *, issued_on, period=None):
        seen[layers.commune["insee"].iloc[0]] = layers
        return b"x"

    monkeypatch.setattr(snapshot_batch, "render_snapshot", render)
    monkeypatch.setattr(snapshot_batch, "department_communes", lambda *a, **k: [(GRAY[0], "Gray")])
    export_department(db, admin, "70", "png", tmp_path / "out", jobs=1)
    from_batch = seen[GRAY[0]]
    alone = snapshot_layers(db, admin, GRAY[0])
    assert sorted(from_batch.neighbours["insee"]) == sorted(alone.neighbours["insee"])
    assert list(from_batch.observations["id"]) == list(alone.observations["id"])
    assert list(from_batch.observations["description"]) == [""]  # redacted too
    for name in ("sectors", "patrol_zones", "sites"):
        assert sorted(getattr(from_batch, name)["name"]) == sorted(getattr(alone, name)["name"]), name


def test_one_file_per_commune(db, admin, tmp_path, fake_render):
    """The whole département, with two workers."""
    tmp_path = tmp_path / "out"  # the test database lives in tmp_path itself
    seen = []
    report = export_department(
        db, admin, "70", "pdf", tmp_path, jobs=2, on_result=lambda r, done, total: seen.append((done, total))
    )
    files = sorted(tmp_path.iterdir())
    assert len(files) == N_COMMUNES_70 == len(report.results)
    assert report.summary().startswith(
        f"{N_COMMUNES_70} communes : {N_COMMUNES_70} écrite(s), 0 en échec, 0 sans fichier"
    )
    assert seen[-1] == (N_COMMUNES_70, N_COMMUNES_70)
    assert (tmp_path / "diagnostic-surete-70279-gray.pdf").read_bytes() == b"pdf:70279:0"


def test_one_worker_writes_the_same_files(db, admin, tmp_path, fake_render, monkeypatch):
    """In-process rendering (jobs=1), on the first 25 communes and Gray: same names, same bytes."""
    communes = snapshot_batch.department_communes(db, admin, "70")
    some = [*communes[:25], *(c for c in communes if c[0] == GRAY[0])]
    monkeypatch.setattr(snapshot_batch, "department_communes", lambda *a, **k: some)
    report = export_department(db, admin, "70", "pdf", tmp_path / "out", jobs=1)
    assert len(list((tmp_path / "out").iterdir())) == len(some) == len(report.results)
    assert (tmp_path / "out" / "diagnostic-surete-70279-gray.pdf").read_bytes() == b"pdf:70279:0"


def test_failures_are_counted_and_skip_empty_leaves_out_communes_without_observations(
    db, admin, team_id, tmp_path, fake_render
):
    make_observation(db, make_diagnostic(db, team_id))
    make_observation(db, make_diagnostic(db, team_id, commune=VESOUL[0]), lat=VESOUL[1], lon=VESOUL[2], description="x")
    fake_render.add(VESOUL[0])
    tmp_path = tmp_path / "out"
    report = export_department(db, admin, "70", "png", tmp_path, skip_empty=True, jobs=2)
    assert report.count("written") == 1 and report.count("failed") == 1
    assert report.count("skipped") == N_COMMUNES_70 - 2
    assert [p.name for p in tmp_path.iterdir()] == ["diagnostic-surete-70279-gray.png"]
    (failure,) = report.failed
    assert failure.insee == VESOUL[0] and "cannot draw 70550" in failure.error


def test_a_real_batch_renders_pdfs(db, admin, tmp_path, monkeypatch):
    """Two communes only, through the real builder (the whole département is the benchmark's job)."""
    tmp_path = tmp_path / "out"
    two = [("70279", "Gray"), ("70428", "Pusey")]
    monkeypatch.setattr(snapshot_batch, "department_communes", lambda *a, **k: two)
    report = export_department(db, admin, "70", "pdf", tmp_path, jobs=2)
    assert report.count("written") == 2
    for path in tmp_path.iterdir():
        assert len(PdfReader(io.BytesIO(path.read_bytes())).pages) == 2


def test_the_command_line_batch(db_url, db, team_id, tmp_path, capsys, fake_render):
    tmp_path = tmp_path / "out"
    make_observation(db, make_diagnostic(db, team_id))
    code = main(["snapshot", "--department", "70", "--format", "pdf", "--out-dir", str(tmp_path), "--skip-empty"])
    out, err = capsys.readouterr()
    assert code == 0
    assert out.strip().startswith(
        f"{N_COMMUNES_70} communes : 1 écrite(s), 0 en échec, {N_COMMUNES_70 - 1} sans fichier"
    )
    assert f"{N_COMMUNES_70}/{N_COMMUNES_70} (100 %)" in err  # progress without a terminal: plain lines
    fake_render.add(GRAY[0])
    code = main(["snapshot", "--department", "70", "--format", "pdf", "--out-dir", str(tmp_path), "--skip-empty"])
    out, err = capsys.readouterr()
    assert code == 1 and "0 écrite(s), 1 en échec" in out
    assert "échec : 70279 Gray : RuntimeError: cannot draw 70279" in err and "Traceback" not in err
