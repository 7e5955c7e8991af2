"""Every schema.org term we publish is real (schema.org 30.0) and used within its domain and
range."""

import pytest
import rdflib
from conftest import SCHEMAORG
from rdflib import RDF, RDFS, Literal, URIRef

S = "http://schema.org/"
DOMAIN = URIRef(S + "domainIncludes")
RANGE = URIRef(S + "rangeIncludes")
XSD = "http://www.w3.org/2001/XMLSchema#"
#: Which schema.org data type a literal of an XSD/RDF datatype stands for.
DATATYPE = {
    str(RDF.langString): S + "Text",
    XSD + "string": S + "Text",
    XSD + "gYear": S + "Date",
    XSD + "gYearMonth": S + "Date",
    XSD + "date": S + "Date",
    XSD + "integer": S + "Integer",
}


@pytest.fixture(scope="module")
def vocabulary():
    path = SCHEMAORG / "schemaorg-current-http.ttl"
    if not path.exists():
        pytest.fail(f"schema.org release missing: {path}")
    return rdflib.Graph().parse(path, format="turtle")


@pytest.fixture(scope="module")
def data(built):
    return rdflib.Graph().parse(data=built.files["jitarsa.ttl"].decode(), format="turtle")


def ancestors(vocab, cls) -> set:
    return set(vocab.transitive_objects(URIRef(cls), RDFS.subClassOf))


def schema_types(data, vocab, node) -> set:
    """The schema.org classes of a node, with their superclasses."""
    found = set()
    for t in data.objects(node, RDF.type):
        if str(t).startswith(S):
            found |= ancestors(vocab, t)
    return found


def test_every_schema_class_exists(data, vocabulary):
    used = {o for o in data.objects(None, RDF.type) if str(o).startswith(S)}
    assert used
    for cls in used:
        assert (cls, RDF.type, RDFS.Class) in vocabulary, cls


def test_every_schema_property_exists(data, vocabulary):
    used = {p for p in data.predicates() if str(p).startswith(S)}
    assert URIRef(S + "member") in used
    for prop in used:
        assert (prop, RDF.type, RDF.Property) in vocabulary, prop


def test_every_schema_property_is_used_within_its_domain(data, vocabulary):
    for s, p, _ in data:
        if str(p).startswith(S):
            domains = set(vocabulary.objects(p, DOMAIN))
            assert schema_types(data, vocabulary, s) & domains, (s, p, domains)


def test_every_schema_property_is_used_within_its_range(data, vocabulary):
    for s, p, o in data:
        if not str(p).startswith(S):
            continue
        ranges = set(vocabulary.objects(p, RANGE))
        if isinstance(o, Literal):
            kind = URIRef(DATATYPE[str(o.datatype or RDF.langString)])
            assert ancestors(vocabulary, kind) & ranges, (s, p, o, ranges)
        elif schema_types(data, vocabulary, o):
            assert schema_types(data, vocabulary, o) & ranges, (s, p, o, ranges)
        else:  # an IRI of something outside the dataset: a URL
            assert URIRef(S + "URL") in ranges, (s, p, o, ranges)
