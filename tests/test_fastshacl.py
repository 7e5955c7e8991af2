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


def test_auto_uses_the_fast_engine_only_for_large_graphs(default_graph):
    assert validate_triples(default_graph, BASE).graph is not None
