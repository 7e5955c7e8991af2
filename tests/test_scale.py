"""The scaled pipeline: same bytes as the small path, deterministic synthetic data, quiet pipes.

Timings live in benchmarks/scale.py; these tests check behaviour on small N only.
"""

import hashlib
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jitarsa._util.output import MARKER, marker
from jitarsa._util.progress import Progress
from jitarsa.cli import cli
from jitarsa.errors import RecordError
from jitarsa.publish.build import build, build_files
from jitarsa.rdf.jsonld import dump_chunks, dumps
from jitarsa.records import load as records
from jitarsa.records import yamlfile
from jitarsa.records.synth import QID_OFFSET, synthesize
from jitarsa.records.yamlfile import read_yaml


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MARKER  # jitarsa's bookkeeping, not a published file
    }


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """A synthetic folder large enough to use both processes and the fast SHACL engine."""
    return synthesize(2500, tmp_path_factory.mktemp("synth") / "data", seed=7, per_file=100)


@pytest.mark.slow
def test_streamed_build_writes_the_bytes_the_in_memory_path_renders(synthetic, tmp_path):
    assert len(records.record_files(synthetic)) >= records.PARALLEL_FROM
    in_memory = build_files(synthetic, site=False)
    streamed = build(synthetic, tmp_path / "out", site=False)
    assert in_memory.triple_count == streamed.triple_count > 20_000
    assert tree(tmp_path / "out") == in_memory.files
    assert (tmp_path / "out" / MARKER).read_bytes() == marker(in_memory.files)
    assert streamed.paths == sorted(in_memory.files)


def test_parallel_loading_equals_one_process(synthetic, monkeypatch):
    parallel = records.load_dataset(synthetic)
    monkeypatch.setattr(records, "PARALLEL_FROM", 10**9)
    assert records.load_dataset(synthetic) == parallel


def test_parallel_loading_reports_the_first_error_as_one_process_does(tmp_path, monkeypatch):
    folder = synthesize(
        2000, tmp_path / "broken", seed=2, errors=2, error_kind="record", per_file=100
    )
    part = folder / "organisations" / "part-00005.yaml"
    part.write_text(part.read_text("utf-8").replace("kind: ngo", "kind: club", 1), "utf-8")
    with pytest.raises(RecordError) as parallel:
        records.load_dataset(folder)
    monkeypatch.setattr(records, "PARALLEL_FROM", 10**9)
    with pytest.raises(RecordError) as single:
        records.load_dataset(folder)
    assert str(parallel.value) == str(single.value)
    assert "part-00005.yaml" in str(parallel.value) and "'kind'" in str(parallel.value)


@pytest.mark.slow
def test_default_dataset_output_is_unchanged_by_the_streamed_writer(tmp_path):
    built = build(None, tmp_path / "dist")
    assert tree(tmp_path / "dist") == build_files().files
    assert built.paths == sorted(tree(tmp_path / "dist"))


def test_synth_is_deterministic_for_a_seed(tmp_path):
    def digest(folder):
        return {
            str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.yaml"))
        }

    a = digest(synthesize(1200, tmp_path / "a", seed=5, errors=2))
    assert a == digest(synthesize(1200, tmp_path / "b", seed=5, errors=2))
    assert a != digest(synthesize(1200, tmp_path / "c", seed=6, errors=2))


def test_synthetic_data_says_it_is_synthetic_and_is_realistic(tmp_path):
    folder = synthesize(2000, tmp_path / "s", seed=1)
    dataset = records.load_dataset(folder)
    assert "synthetic" in dataset.info.title["en"].lower()
    assert "สังเคราะห์" in dataset.info.title["th"]
    orgs = [r for r in dataset.records if r.kind not in ("country", "collaboration")]
    assert len(orgs) == 2000
    assert any("\u0e48" in r.name["th"] or "\u0e49" in r.name["th"] for r in orgs)  # tone marks
    assert sum(bool(r.alternate_names) for r in orgs) > 300
    assert sum(r.parent is not None for r in orgs) > 300
    assert any(r.kind == "project" for r in orgs)
    qids = [int(r.wikidata[1:]) for r in orgs if r.wikidata]
    assert 40 < len(qids) < 200 and min(qids) >= QID_OFFSET
    assert all(r.url.startswith("https://example.org/") for r in orgs if r.url)
    assert len(dataset.members) > 100


def test_synth_errors_are_caught(tmp_path):
    from jitarsa.shacl.engine import validate

    report = validate(synthesize(300, tmp_path / "shacl", errors=3))
    assert not report.conforms and {v.record for v in report.violations} >= {
        "broken-00000",
        "broken-00002",
    }
    with pytest.raises(RecordError, match="Wikidata"):
        records.load_dataset(synthesize(300, tmp_path / "rec", errors=1, error_kind="record"))


def test_synth_command(tmp_path):
    result = CliRunner().invoke(
        cli, ["synth", "50", "--out", str(tmp_path / "d"), "--seed", "3"], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert len(records.load_dataset(tmp_path / "d").records) == 52


@pytest.mark.slow
def test_build_prints_no_progress_when_piped(synthetic, tmp_path):
    import subprocess
    import sys

    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "jitarsa",
            "build",
            "--data",
            str(synthetic),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == b""
    assert b"ETA" not in run.stdout and b"\r" not in run.stdout
    assert run.stdout.decode().startswith("Built ")


def test_progress_draws_on_a_terminal_only(capsys):
    class Terminal:
        def __init__(self):
            self.text = ""

        def isatty(self):
            return True

        def write(self, text):
            self.text += text

        def flush(self):
            pass

    terminal = Terminal()
    with Progress(stream=terminal).stage("load", 4, "files") as stage:
        stage.advance(4)
    assert terminal.text.startswith("\r\x1b[K") and "load" in terminal.text
    assert "100%" in terminal.text and "4/4 files" in terminal.text and "ETA" in terminal.text
    with Progress(enabled=False, stream=terminal).stage("build", 2) as stage:
        stage.advance(2)
    assert "build" not in terminal.text
    assert capsys.readouterr().out == ""


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@pytest.mark.slow
@given(st.dictionaries(st.text(), json_values, max_size=4))
def test_json_writer_equals_json_dumps(value):
    expected = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    assert dumps(value) == expected
    assert b"".join(dump_chunks(value)) == expected.encode("utf-8")


scalars = st.one_of(
    st.sampled_from(
        [
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "n",
            "~",
            "null",
            "010",
            "0o17",
            "0x1F",
            "1_000",
            "1:20",
            "1e3",
            "1.5e3",
            "1.0",
            ".5",
            ".inf",
            "2005-06-30",
            "2005-06",
            "2005",
            "พ.ศ. 2548",
            "=",
            "<<",
            "true",
            "False",
            "-0",
            "+1",
            "2001-12-14t21:59:43.10-05:00",
            "มูลนิธิ",
            "a: b",
            "#x",
            "- x",
        ]
    ),
    st.text(alphabet="abcynoxObBtTfF~0123456789.:-_+eE ", min_size=1, max_size=8),
)


def _yaml_scalar(value: str, quoted: bool) -> str:
    return json.dumps(value, ensure_ascii=False) if quoted else value


@settings(max_examples=500)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["id", "name", "founded", "position", "url"]), scalars, st.booleans()
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda t: t[0],
    ),
    st.booleans(),
)
@pytest.mark.slow
@example([("id", "0x_", False)], False)  # PyYAML resolves it as an int, then cannot convert it
def test_fast_yaml_reads_what_pyyaml_reads(tmp_path_factory, fields, as_list):
    text = "".join(f"{key}: {_yaml_scalar(value, quoted)}\n" for key, value, quoted in fields)
    if as_list:
        text = "- " + text.replace("\n", "\n  ").rstrip() + "\n"
    path = tmp_path_factory.mktemp("y") / "r.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        expected = yaml.load(text, Loader=yamlfile._Loader)  # the reference: dates stay text
    except (yaml.YAMLError, ValueError):
        with pytest.raises(RecordError, match="malformed YAML"):
            read_yaml(path)
        return
    if expected is None:
        return
    got = read_yaml(path)
    assert repr(got) == repr(expected)  # repr: True is not 1, 1.0 is not 1, nan is nan


def test_forked_work_runs_in_another_process_and_returns_its_result_or_error():
    import os

    from jitarsa._util.background import forked

    assert forked(os.getpid)() != os.getpid()
    with pytest.raises(ValueError, match="invalid literal"):
        forked(int, "not a number")()


def test_jitarsa_processes_1_keeps_everything_in_one_process(monkeypatch):
    from jitarsa._util.background import can_fork

    monkeypatch.setenv("JITARSA_PROCESSES", "1")
    assert not can_fork()


def test_background_validation_gives_the_inline_verdict_and_keeps_the_output(tmp_path, monkeypatch):
    from jitarsa.errors import ValidationFailed

    folder = synthesize(300, tmp_path / "bad", errors=3)
    build(None, tmp_path / "out")
    before = tree(tmp_path / "out")
    verdicts = []
    for threshold in (0, 10**9):  # in a second process, then in this one
        monkeypatch.setattr("jitarsa.publish.build.BACKGROUND_FROM", threshold)
        with pytest.raises(ValidationFailed) as failed:
            build(folder, tmp_path / "out", site=False)
        verdicts.append(failed.value.report.violations)
        assert tree(tmp_path / "out") == before
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # nothing left over
    assert verdicts[0] == verdicts[1] and len(verdicts[0]) >= 3


@pytest.mark.slow
@pytest.mark.parametrize("site", [False, True])
def test_background_validation_writes_the_same_bytes(synthetic, tmp_path, monkeypatch, site):

    monkeypatch.setattr("jitarsa.publish.build.BACKGROUND_FROM", 0)
    build(synthetic, tmp_path / "out", site=site)
    assert tree(tmp_path / "out") == build_files(synthetic, site=site).files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no scratch folder is left


def test_a_validating_process_that_dies_is_one_line_and_leaves_the_output(tmp_path, monkeypatch):
    import os

    build(None, tmp_path / "out")
    before = tree(tmp_path / "out")
    monkeypatch.setattr("jitarsa.publish.build.BACKGROUND_FROM", 0)
    monkeypatch.setattr("jitarsa.shacl.engine.validate_triples", lambda *args: os._exit(9))
    result = CliRunner().invoke(cli, ["build", "-q", "--out", str(tmp_path / "out")])
    assert result.exit_code == 4
    assert "process validating the graph stopped (exit code 9" in result.output
    assert "JITARSA_PROCESSES=1" in result.output and "Traceback" not in result.output
    assert tree(tmp_path / "out") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_forked_work_that_ends_without_a_result_raises_stopped():
    import os

    from jitarsa._util.background import forked
    from jitarsa.errors import Stopped

    with pytest.raises(Stopped, match="exit code 3"):
        forked(os._exit, 3)()


def test_streamed_json_ld_frame_writes_what_the_whole_document_writes(synthetic):
    from jitarsa.namespaces import entity_iri
    from jitarsa.rdf.graph import triples
    from jitarsa.rdf.jsonld import Context, frame
    from jitarsa.resources import context_file

    dataset = records.load_dataset(synthetic)
    graph = triples(dataset)
    root = entity_iri(dataset.info.base, "collaboration", dataset.info.network)
    context = Context.from_file(context_file())
    whole = frame(graph, root, context, "context.jsonld")
    streamed = frame(graph, root, context, "context.jsonld", stream=True)
    assert len(whole["@included"]) > 1000
    assert b"".join(dump_chunks(streamed)) == dumps(whole).encode("utf-8")


@pytest.mark.slow
def test_the_benchmarks_naive_pipeline_and_floor_publish_the_builds_graph(tmp_path):
    """benchmarks/scale.py compares like with like: its naive pipeline and its floor, run as the
    benchmark runs them, give the very triples `jitarsa build` publishes."""
    import subprocess
    import sys

    from conftest import ROOT
    from pyoxigraph import RdfFormat, parse

    data = synthesize(60, tmp_path / "data", seed=3)
    built = build(data, tmp_path / "dist", site=False)
    script = str(ROOT / "benchmarks" / "scale.py")
    for mode, source, out in (
        ("--naive", data, "naive"),
        ("--floor", built.out_dir / "jitarsa.nt", "floor"),
    ):
        run = subprocess.run(
            [sys.executable, script, mode, str(source), str(tmp_path / out)],
            capture_output=True,
            timeout=300,
            check=False,
        )
        assert run.returncode == 0, run.stderr.decode()

    def graph(path):
        fmt = RdfFormat.TURTLE if path.suffix == ".ttl" else RdfFormat.N_TRIPLES
        return set(parse(path=str(path), format=fmt))

    expected = graph(built.out_dir / "jitarsa.nt")
    assert len(expected) > 500
    assert graph(tmp_path / "naive" / "jitarsa.nt") == expected
    assert graph(tmp_path / "naive" / "jitarsa.ttl") == expected
    assert graph(tmp_path / "floor" / "floor.nt") == expected


def _scale_benchmark():
    """benchmarks/scale.py as a module (it is a script, not part of the package)."""
    import importlib.util

    from conftest import ROOT

    spec = importlib.util.spec_from_file_location("scale", ROOT / "benchmarks" / "scale.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_reports_the_median_run_and_keeps_every_run():
    scale = _scale_benchmark()
    walls = [70.2, 85.0, 60.1, 90.5, 66.3]
    runs = [
        {"wall": w, "cpu": w + i, "user": w - 1, "sys": 1.0 + i, "mb": 9.0}
        for i, w in enumerate(walls)
    ]
    median = scale.median_run(runs)
    assert median["wall"] == 70.2 and median["sys"] == 1.0
    assert [m["wall"] for m in median["runs"]] == walls
    assert median["runs"][3] == {"wall": 90.5, "user": 89.5, "sys": 4.0}


@pytest.mark.slow
def test_the_benchmark_measures_every_size_in_each_round(tmp_path, capsys):
    """Rounds take the sizes in turn, so that the sizes a growth ratio compares are measured
    under the same conditions of the machine; each run keeps its user and system CPU time."""
    scale = _scale_benchmark()
    rows = scale.measure([30, 60], naive_up_to=0, work=tmp_path, earlier={}, repeat=2)
    rounds = [
        line.split(":")[0] for line in capsys.readouterr().out.splitlines() if "round" in line
    ]
    assert rounds == [
        "round 1 of 2, N=30",
        "round 1 of 2, N=60",
        "round 2 of 2, N=30",
        "round 2 of 2, N=60",
    ]
    for row in rows:
        for key in ("a", "c", "d"):
            assert len(row[key]["runs"]) == 2
            assert all(run["user"] > 0 and run["sys"] >= 0 for run in row[key]["runs"])
    assert [row["triples"] for row in rows][0] < rows[1]["triples"]
    assert {p.name for p in tmp_path.iterdir()} >= {"full-30-1", "full-30-2", "full-60-2"}
