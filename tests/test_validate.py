"""`jitarsa validate`: a report for people and the standard SHACL report for programs."""

import json

import rdflib
from click.testing import CliRunner

from jitarsa.cli import cli

BROKEN_BASE = ["--base", "https://example.org/data#"]  # org IRIs no longer end in /org/<id>


def validate(*args):
    return CliRunner().invoke(cli, ["validate", *args], catch_exceptions=False)


def test_text_report_names_record_name_property_and_message_in_both_languages():
    result = validate(*BROKEN_BASE)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    # every organisation (47) and every membership (50) breaks the IRI pattern
    assert lines[-1] == "97 violation(s)."
    mirror = next(line for line in lines if line.startswith("mirror-foundation "))
    assert mirror.startswith("mirror-foundation (มูลนิธิกระจกเงา): An organisation's IRI must end")
    assert "/ IRI ขององค์กรต้องลงท้ายด้วย org/" in mirror


def test_json_report_for_programs():
    result = validate(*BROKEN_BASE, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["conforms"] is False
    mirror = next(
        v
        for v in report["violations"]
        if v["record"] == "mirror-foundation" and v["shape"].endswith("#Organization")
    )
    assert mirror["component"] == "sh:PatternConstraintComponent"
    assert mirror["shape"] == "https://w3id.org/jitarsa/shapes#Organization"
    assert mirror["message_th"].startswith("IRI ขององค์กร")


def test_ttl_report_is_a_standard_shacl_validation_report():
    result = validate(*BROKEN_BASE, "--format", "ttl")
    assert result.exit_code == 1
    graph = rdflib.Graph().parse(data=result.output, format="turtle")
    SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    [report] = graph.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms) == rdflib.Literal(False)
    assert len(list(graph.objects(report, SH.result))) == 97


def test_conforming_data_in_every_format():
    assert validate("--format", "json").output == '{\n  "conforms": true,\n  "violations": []\n}\n'
    ttl = rdflib.Graph().parse(data=validate("--format", "ttl").output, format="turtle")
    assert (None, rdflib.URIRef("http://www.w3.org/ns/shacl#conforms"), rdflib.Literal(True)) in ttl


PROFILE = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix schema: <http://schema.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
<urn:profile:url> a sh:NodeShape ; sh:targetClass org:Organization ;
    sh:property [ sh:path schema:url ; sh:minCount 1 ;
        sh:message "A consumer's profile wants a URL."@en ] .
"""


def test_shapes_validates_against_another_profile_with_either_engine(tmp_path):
    shapes = tmp_path / "profile.ttl"
    shapes.write_text(PROFILE, encoding="utf-8")
    reports = {}
    for engine in ("fast", "pyshacl"):
        result = validate("--shapes", str(shapes), "--engine", engine, "--format", "json")
        assert result.exit_code == 1, result.output
        reports[engine] = json.loads(result.output)
    assert reports["fast"] == reports["pyshacl"]
    violations = reports["fast"]["violations"]
    assert violations and {v["message_en"] for v in violations} == {
        "A consumer's profile wants a URL."
    }
    assert {v["component"] for v in violations} == {"sh:MinCountConstraintComponent"}


def test_a_graph_that_conforms_to_another_profile_says_which(tmp_path):
    shapes = tmp_path / "profile.ttl"
    shapes.write_text(PROFILE.replace("sh:minCount 1", "sh:maxCount 1"), encoding="utf-8")
    result = validate("--shapes", str(shapes))
    assert (result.exit_code, result.output) == (
        0,
        f"The graph conforms to the shapes in {shapes}.\n",
    )


def test_engine_fast_refuses_shapes_it_does_not_evaluate(tmp_path):
    shapes = tmp_path / "closed.ttl"
    shapes.write_text(PROFILE.replace("sh:targetClass", "sh:closed true ; sh:targetClass"))
    result = CliRunner().invoke(cli, ["validate", "--shapes", str(shapes), "--engine", "fast"])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {shapes}: the fast engine does not evaluate sh:closed on urn:profile:url: "
        "validate with --engine pyshacl or auto\n"
    )


def test_shapes_that_cannot_be_read(tmp_path):
    missing = CliRunner().invoke(cli, ["validate", "--shapes", str(tmp_path / "none.ttl")])
    assert (missing.exit_code, missing.output) == (
        2,
        f"Error: {tmp_path / 'none.ttl'}: cannot be read (No such file or directory)\n",
    )
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--shapes", str(bad)])
    assert result.exit_code == 2 and result.output.startswith(f"Error: {bad}: is not valid Turtle")


# --- validate --dump: any RDF file ------------------------------------------------------------


def test_dump_validates_each_published_format_as_the_records():
    from conftest import ROOT

    records = validate("--format", "json", "--engine", "fast")
    for name in ("jitarsa.ttl", "jitarsa.nt", "jitarsa.rdf", "jitarsa.jsonld"):
        result = validate("--dump", str(ROOT / "dist" / name), "--format", "json")
        assert (result.exit_code, result.output) == (0, records.output), name


def test_dump_reports_violations_by_record(tmp_path):
    from conftest import ROOT

    broken = tmp_path / "broken.nt"
    broken.write_bytes(
        (ROOT / "dist" / "jitarsa.nt").read_bytes()
        + b"<https://w3id.org/jitarsa/org/mirror-foundation> <http://schema.org/name> "
        + b'"Miroir"@fr .\n'
    )
    result = validate("--dump", str(broken))
    assert result.exit_code == 1
    assert result.output.startswith("mirror-foundation (มูลนิธิกระจกเงา): schema:name: ")
    assert result.output.endswith("1 violation(s).\n")


def test_dump_and_data_cannot_be_given_together(tmp_path):
    result = validate("--dump", str(tmp_path / "x.ttl"), "--data", "data")
    assert result.exit_code == 2
    assert "choose one of --data and --dump" in result.output


def test_a_dump_that_cannot_be_read_is_one_line_and_exit_2(tmp_path):
    cases = {
        "missing.ttl": None,
        "data.txt": "<a:b> <a:c> <a:d> .",
        "bad.ttl": "<a:b> <a:c> .",
        "star.ttl": "<a:b> <a:c> <<( <a:x> <a:y> <a:z> )>> .",
        # A remote JSON-LD context is not fetched: jitarsa works offline.
        "remote.jsonld": '{"@context": "https://schema.org/", "@id": "http://example.org/a"}',
        "latin1.ttl": '<a:b> <a:c> "caf\xe9" .',
    }
    for name, text in cases.items():
        path = tmp_path / name
        if text is not None:
            path.write_text(text, encoding="latin-1" if name == "latin1.ttl" else "utf-8")
        result = CliRunner().invoke(cli, ["validate", "--dump", str(path)])
        assert result.exit_code == 2, (name, result.output)
        assert result.output.startswith(f"Error: {path}: ") and result.output.count("\n") == 1
    assert "unknown RDF format" in validate("--dump", str(tmp_path / "data.txt")).output
    assert "triple terms" in validate("--dump", str(tmp_path / "star.ttl")).output


def test_shapes_either_parser_refuses_are_one_line_and_exit_2(tmp_path):
    """rdflib (for pySHACL) refuses the first, whose message spans lines; only Oxigraph (for
    the fast engine) refuses the second."""
    shapes = tmp_path / "shapes.ttl"
    for text in ['<a:b> <a:c> "x"@en-a_b .', "<a:b> <a:c> <http://exa mple.org/> ."]:
        shapes.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(cli, ["validate", "--shapes", str(shapes)])
        assert result.exit_code == 2, result.output
        assert result.stdout == "" and result.stderr.startswith(f"Error: {shapes}: is not valid")
        assert result.stderr.endswith("\n") and "\n" not in result.stderr[:-1]
