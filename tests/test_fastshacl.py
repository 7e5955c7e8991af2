"""The fast SHACL engine reports exactly what pySHACL, the reference, reports.

Compared field by field (focus node, record, name, path, value, component, severity, messages,
source shape), as multisets: on the default data, on graphs broken to hit every constraint
component the shapes use, on random breakages (hypothesis) and on `synth --errors` data.
"""

from collections import Counter
from dataclasses import astuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import Literal, NamedNode, Triple

from jitarsa.namespaces import JITARSA, ORG, OWL, PROV, RDF, SCHEMA, XSD
from jitarsa.rdf.graph import sort_triples, triples
from jitarsa.records.load import load_dataset
from jitarsa.records.synth import synthesize
from jitarsa.shacl._datatypes import PLAIN, well_formed, xsd_types
from jitarsa.shacl.engine import validate_triples

BASE = "https://w3id.org/jitarsa/"
NET = NamedNode(BASE + "org/volunteer-spirit-network")
MIRROR = NamedNode(BASE + "org/mirror-foundation")  # a listed member
THAILAND = NamedNode(BASE + "place/thailand")
BAD = NamedNode(BASE + "org/Not_An-Id")


def n(iri):
    return NamedNode(iri)


FCD = n(BASE + "org/foundation-for-child-development")
MEMBERSHIP = n(BASE + "membership/volunteerspirit-about-vsn/mirror-foundation")

#: Each breaks at least one shape; together they reach every component the shapes use.
ADD = [
    Triple(MIRROR, n(SCHEMA + "name"), Literal("Miroir", language="fr")),
    Triple(MIRROR, n(SCHEMA + "name"), Literal("อีกชื่อ", language="th")),
    Triple(MIRROR, n(JITARSA + "englishNameBasis"), n(JITARSA + "Guess")),
    Triple(MIRROR, n(SCHEMA + "description"), Literal("no language")),
    Triple(MIRROR, n(SCHEMA + "alternateName"), Literal("a\u200bb", language="th")),
    Triple(MIRROR, n(SCHEMA + "url"), Literal("http://example.org/")),
    Triple(MIRROR, n(SCHEMA + "url"), n("ftp://example.org/")),
    Triple(MIRROR, n(OWL + "sameAs"), n("http://example.org/Q1")),
    Triple(MIRROR, n(SCHEMA + "foundingDate"), Literal("2005", datatype=n(XSD + "string"))),
    Triple(FCD, n(SCHEMA + "foundingDate"), Literal("2006", datatype=n(XSD + "gYear"))),
    Triple(MEMBERSHIP, n(JITARSA + "listPosition"), Literal("0", datatype=n(XSD + "integer"))),
    Triple(MEMBERSHIP, n(ORG + "member"), THAILAND),
    Triple(MIRROR, n(SCHEMA + "parentOrganization"), THAILAND),
    Triple(MIRROR, n(JITARSA + "sourcePosition"), Literal("0", datatype=n(XSD + "integer"))),
    Triple(MIRROR, n(JITARSA + "sourceEntry"), Literal("mirror", language="en")),
    Triple(MIRROR, n(ORG + "memberOf"), THAILAND),
    Triple(BAD, n(RDF + "type"), n(ORG + "Organization")),
    Triple(THAILAND, n(SCHEMA + "name"), Literal("Siam", language="en")),
    Triple(NET, n(SCHEMA + "member"), THAILAND),
]
REMOVE = [
    (MIRROR, n(PROV + "wasDerivedFrom")),
    (MIRROR, n(SCHEMA + "memberOf")),
    (MEMBERSHIP, n(ORG + "member")),
    (NET, n(RDF + "type")),
    (NET, n(ORG + "hasMember")),
    (THAILAND, n(SCHEMA + "name")),
    (MEMBERSHIP, n(PROV + "wasDerivedFrom")),
]


@pytest.fixture(scope="module")
def default_graph():
    dataset = load_dataset("data")
    return triples(dataset)


def both(graph, base=BASE):
    fast = validate_triples(graph, base, engine="fast")
    reference = validate_triples(graph, base, engine="pyshacl")
    assert fast.graph is None and reference.graph is not None  # each engine really ran
    return fast, reference


def same(fast, reference):
    assert Counter(map(astuple, fast.violations)) == Counter(map(astuple, reference.violations))
    assert fast.conforms == reference.conforms


def broken(graph, add=(), remove=()):
    kept = [t for t in graph if (t.subject, t.predicate) not in set(remove)]
    return sort_triples(set(kept) | set(add))


def test_default_data_conforms_in_both(default_graph):
    fast, reference = both(default_graph)
    assert fast.conforms and fast.violations == []
    same(fast, reference)


@pytest.mark.parametrize("triple", ADD, ids=lambda t: f"{t.predicate.value.rsplit('/', 1)[-1]}")
def test_each_added_breakage(default_graph, triple):
    fast, reference = both(broken(default_graph, add=[triple]))
    assert not reference.conforms
    same(fast, reference)


@pytest.mark.parametrize("pair", REMOVE, ids=lambda p: p[1].value.rsplit("/", 1)[-1])
def test_each_removal(default_graph, pair):
    fast, reference = both(broken(default_graph, remove=[pair]))
    assert not reference.conforms
    same(fast, reference)


def test_every_component_is_exercised(default_graph):
    components = set()
    for add, remove in [([t], []) for t in ADD] + [([], [p]) for p in REMOVE]:
        fast = validate_triples(broken(default_graph, add, remove), BASE, engine="fast")
        components |= {v.component for v in fast.violations}
    assert components >= {
        f"sh:{c}ConstraintComponent"
        for c in (
            "MinCount",
            "MaxCount",
            "Class",
            "Datatype",
            "NodeKind",
            "MinInclusive",
            "Pattern",
            "LanguageIn",
            "UniqueLang",
            "In",
            "Equals",
            "Or",
            "Node",
            "QualifiedMinCount",
        )
    }


@pytest.mark.slow
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    add=st.lists(st.sampled_from(ADD), max_size=4, unique=True),
    remove=st.lists(st.sampled_from(REMOVE), max_size=2, unique=True),
)
def test_random_breakages(default_graph, add, remove):
    same(*both(broken(default_graph, add, remove)))


def test_synthetic_data_with_injected_errors(tmp_path):
    folder = synthesize(150, tmp_path / "synth", seed=3, errors=4)
    dataset = load_dataset(folder)
    fast, reference = both(triples(dataset), dataset.info.base)
    assert len(reference.violations) == 6  # 2 empty networks, 2 unlisted members (+ details)
    assert {v.component for v in reference.violations} == {
        "sh:MinCountConstraintComponent",
        "sh:NodeConstraintComponent",
    }
    same(fast, reference)


def test_auto_uses_the_fast_engine_whenever_it_evaluates_the_shapes(default_graph):
    assert validate_triples(default_graph, BASE).graph is None


# --- Silent wrong answers of the engine before it read the whole shapes graph (issue 12) ------

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""


def fast_results(tmp_path, shapes: str, data: str) -> set:
    """(focus, path, value, component) of the fast engine on Turtle shapes and data."""
    from pyoxigraph import RdfFormat, parse

    from jitarsa.shacl._fast import violations

    path = tmp_path / "shapes.ttl"
    path.write_text(PREFIXES + shapes, encoding="utf-8")
    found = violations(list(parse(PREFIXES + data, format=RdfFormat.TURTLE)), BASE, path)
    return {(v.focus, v.path, v.value, v.component) for v in found}


def test_an_implicit_class_target_is_evaluated(tmp_path):
    shapes = """ex:Person a rdfs:Class, sh:NodeShape ;
        sh:property [ sh:path ex:age ; sh:datatype xsd:integer ; sh:message "age"@en ] ."""
    data = 'ex:p a ex:Person ; ex:age "old"^^xsd:integer .'
    assert fast_results(tmp_path, shapes, data) == {
        ("http://example.org/p", "http://example.org/age", "old", "sh:DatatypeConstraintComponent")
    }


def test_a_property_shape_inside_a_property_shape_checks_the_values(tmp_path):
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:a ;
        sh:property [ sh:path ex:knows ; sh:message "knows"@en ;
            sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "name"@en ] ] ."""
    data = 'ex:a ex:knows ex:b ; ex:name "A" .'
    assert fast_results(tmp_path, shapes, data) == {
        ("http://example.org/b", "http://example.org/name", None, "sh:MinCountConstraintComponent")
    }


@pytest.mark.parametrize(
    "literal, valid",
    [
        ('" 2"^^xsd:integer', True),  # XSD collapses the whitespace
        ('"2005-01-01Z"^^xsd:date', True),
        ('"2005-01-01+07:00"^^xsd:date', True),
        ('"20050101"^^xsd:date', False),  # Python's date parser takes the compact form
        ('"2005-02-29"^^xsd:date', False),
        ('"yes"^^xsd:boolean', False),
        ('"300"^^xsd:byte', False),
        ('"1e3"^^xsd:decimal', False),
        ('"INF"^^xsd:double', True),
        ('"P1Y2M"^^xsd:duration', True),
    ],
)
def test_literals_are_checked_against_the_xsd_lexical_space(tmp_path, literal, valid):
    datatype = literal.rsplit("^^", 1)[1]
    shapes = f"""ex:S a sh:NodeShape ; sh:targetNode ex:a ;
        sh:property [ sh:path ex:v ; sh:datatype {datatype} ; sh:message "v"@en ] ."""
    found = fast_results(tmp_path, shapes, f"ex:a ex:v {literal} .")
    assert {c for *_, c in found} == (set() if valid else {"sh:DatatypeConstraintComponent"})


@pytest.mark.parametrize(
    "literal, conforms",
    [
        ('"1.5"^^xsd:decimal', True),  # compared on the value space, not as an integer
        ('"1.0E0"^^xsd:double', True),
        ('"0.99"^^xsd:decimal', False),
        ('" 1"^^xsd:integer', True),
        ('"one"^^xsd:integer', False),  # ill-formed: not comparable
        ('"2"', False),  # a string is not comparable with a number
    ],
)
def test_min_inclusive_compares_numbers(tmp_path, literal, conforms):
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:a ;
        sh:property [ sh:path ex:v ; sh:minInclusive 1 ; sh:message "v"@en ] ."""
    assert (fast_results(tmp_path, shapes, f"ex:a ex:v {literal} .") == set()) is conforms


def test_the_fast_engine_refuses_what_it_does_not_evaluate_anywhere(tmp_path):
    from jitarsa.errors import Unsupported

    # sh:closed on a shape no target reaches: once, the engine never looked there.
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:node ex:Inner ; sh:message "s"@en .
        ex:Inner a sh:NodeShape ; sh:closed true ."""
    with pytest.raises(Unsupported, match="sh:closed on http://example.org/Inner"):
        fast_results(tmp_path, shapes, "ex:a ex:v ex:b .")


@pytest.mark.slow
def test_auto_says_on_stderr_why_it_falls_back(tmp_path, capsys):
    shapes = tmp_path / "closed.ttl"
    shapes.write_text(
        PREFIXES + "ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:closed true .",
        encoding="utf-8",
    )
    # Large enough for the estimate of pySHACL's time to be a second.
    a, value = n("http://example.org/a"), n(RDF + "value")
    big = [Triple(a, value, Literal(str(i))) for i in range(2000)]
    report = validate_triples(big, BASE, engine="auto", shapes=shapes)
    assert report.graph is not None  # pySHACL decided
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "sh:closed on http://example.org/S" in err[0]
    assert "pySHACL instead (about 1 s, some 30 to 60 times slower)" in err[0]
    assert not report.conforms  # ex:a has a property the closed shape does not allow


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(sorted(PLAIN)).flatmap(
        lambda datatype: st.tuples(
            st.just(datatype),
            st.from_regex(PLAIN[datatype], fullmatch=True) | st.text(max_size=12),
        )
    )
)
def test_the_fast_path_for_plain_forms_agrees_with_xmlschema(case):
    datatype, text = case
    library = xsd_types()[datatype.rsplit("#", 1)[1]].is_valid(text)
    assert well_formed(text, datatype) == library
