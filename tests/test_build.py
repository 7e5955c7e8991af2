"""`jitarsa build`: what it writes, byte for byte, and what it never does to dist/."""

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from jitarsa.cli import cli

EXPECTED = [
    "SHA256SUMS",
    "context.jsonld",
    "jitarsa.jsonld",
    "jitarsa.nt",
    "jitarsa.rdf",
    "jitarsa.ttl",
    "ontology.ttl",
    "shapes.ttl",
    "void.ttl",
]


def build(*args):
    return CliRunner().invoke(cli, ["build", *args], catch_exceptions=False)


def snapshot(folder: Path) -> dict:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_build_writes_the_published_files(tmp_path):
    result = build("--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "40 members of Volunteer Spirit Network" in result.output
    top = sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_file())
    assert [name for name in EXPECTED if name not in top] == []


@pytest.mark.slow
def test_a_second_build_is_byte_identical(tmp_path):
    assert build("-q", "--out", str(tmp_path / "a")).exit_code == 0
    assert build("-q", "--out", str(tmp_path / "a")).exit_code == 0
    assert build("-q", "--out", str(tmp_path / "b")).exit_code == 0
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_committed_dist_matches_a_fresh_build(tmp_path):
    """dist/ is committed: rebuild it (`jitarsa build`) whenever data, ontology or code change."""
    assert build("-q", "--data", str(ROOT / "data"), "--out", str(tmp_path / "dist")).exit_code == 0
    fresh, committed = snapshot(tmp_path / "dist"), snapshot(ROOT / "dist")
    stale = sorted(
        name for name in fresh.keys() | committed.keys() if fresh.get(name) != committed.get(name)
    )
    assert stale == [], "dist/ is stale: run `jitarsa build` and commit dist/"


def test_a_failed_build_leaves_the_output_exactly_as_it_was(tmp_path, data_dir):
    out = tmp_path / "dist"
    assert build("-q", "--data", str(data_dir), "--out", str(out)).exit_code == 0
    before = snapshot(out)
    stamp = {p: os.stat(out / p).st_mtime_ns for p in before}
    (data_dir / "organisations" / "mirror-foundation.yaml").write_text("id: [broken\n")
    result = build("--data", str(data_dir), "--out", str(out))
    assert result.exit_code == 2
    assert snapshot(out) == before
    assert {p: os.stat(out / p).st_mtime_ns for p in before} == stamp
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_shacl_violation_fails_the_build_with_exit_1_and_writes_nothing(tmp_path):
    """Records can pass their own checks and still break a shape: here the base IRI ends in
    '#', so organisation IRIs no longer end in /org/<id> (jsh:Organization's pattern)."""
    out = tmp_path / "out"
    result = build("--base", "https://example.org/data#", "--out", str(out))
    assert result.exit_code == 1
    assert (
        "mirror-foundation (มูลนิธิกระจกเงา): An organisation's IRI must end in org/" in result.output
    )
    assert result.output.rstrip().endswith("run 'jitarsa validate' for the full report")
    assert not out.exists()


def test_build_refuses_to_replace_a_folder_it_did_not_write(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    result = build("--out", str(precious))
    assert result.exit_code == 4
    assert "did not write" in result.output
    assert (precious / "notes.txt").read_text() == "keep me"


def test_record_by_record_triples_are_the_graph(built):
    """`record_triples`, which the naive pipeline of benchmarks/scale.py builds on, gives the
    same triples as the graph."""
    from jitarsa.rdf.graph import IRIs, record_triples, triples

    dataset = built.dataset
    iri = IRIs(dataset)
    one_by_one = {t for record in dataset.records for t in record_triples(record, dataset, iri)}
    assert one_by_one == set(triples(dataset)) and len(one_by_one) == built.triple_count
