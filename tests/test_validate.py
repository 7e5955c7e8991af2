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
    # every organisation (46) and every membership (50) breaks the IRI pattern
    assert lines[-1] == "96 violation(s)."
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
    assert len(list(graph.objects(report, SH.result))) == 96


def test_conforming_data_in_every_format():
    assert validate("--format", "json").output == '{\n  "conforms": true,\n  "violations": []\n}\n'
    ttl = rdflib.Graph().parse(data=validate("--format", "ttl").output, format="turtle")
    assert (None, rdflib.URIRef("http://www.w3.org/ns/shacl#conforms"), rdflib.Literal(True)) in ttl
