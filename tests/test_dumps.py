"""The four dumps parse back, with parsers that did not write them, to one and the same graph."""

import hashlib
import json
from pathlib import Path

import pytest
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib.compare import to_isomorphic

from jitarsa._util.output import MARKER
from jitarsa.namespaces import PREFIXES, SCHEMA, XSD

DIST_FILES = ("jitarsa.ttl", "jitarsa.nt", "jitarsa.jsonld", "jitarsa.rdf")


@pytest.fixture(scope="session")
def dist(built, tmp_path_factory) -> Path:
    """The default build written to a scratch folder, as a user downloads it."""
    from jitarsa.publish.build import write_atomic

    return write_atomic(tmp_path_factory.mktemp("dist") / "dist", built.files)


def jsonld_triples(path: Path) -> set[tuple]:
    """The triples of a JSON-LD document read by pyld with no document loader and no base."""
    from pyld import jsonld

    def no_loader(url, options=None):
        raise RuntimeError(f"refused to fetch {url}: the document must read on its own")

    doc = json.loads(path.read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": no_loader})
    return set(rdflib.Graph().parse(data=nquads, format="nt"))


def oxigraph_triples(path: Path) -> set[tuple]:
    import pyoxigraph

    fmt = pyoxigraph.RdfFormat.TURTLE if path.suffix == ".ttl" else pyoxigraph.RdfFormat.N_TRIPLES
    nt = pyoxigraph.serialize(
        pyoxigraph.parse(path=str(path), format=fmt), format=pyoxigraph.RdfFormat.N_TRIPLES
    )
    return set(rdflib.Graph().parse(data=nt.decode("utf-8"), format="nt"))


def test_turtle_and_ntriples_agree_in_rdflib_and_oxigraph(dist, built):
    ttl = rdflib.Graph().parse(dist / "jitarsa.ttl", format="turtle")
    nt = rdflib.Graph().parse(dist / "jitarsa.nt", format="nt")
    assert len(ttl) == built.triple_count
    assert to_isomorphic(ttl) == to_isomorphic(nt)
    assert oxigraph_triples(dist / "jitarsa.ttl") == set(ttl)
    assert oxigraph_triples(dist / "jitarsa.nt") == set(ttl)


def test_jsonld_reads_on_its_own_in_pyld_to_the_ntriples_graph(dist):
    nt = set(rdflib.Graph().parse(dist / "jitarsa.nt", format="nt"))
    assert jsonld_triples(dist / "jitarsa.jsonld") == nt


def test_jsonld_reads_on_its_own_in_rdflib_to_the_ntriples_graph(dist):
    # From a string: no file name for rdflib to take a base from, and nothing to fetch.
    text = (dist / "jitarsa.jsonld").read_text(encoding="utf-8")
    graph = rdflib.Graph().parse(data=text, format="json-ld")
    nt = rdflib.Graph().parse(dist / "jitarsa.nt", format="nt")
    assert set(graph) == set(nt)


def test_the_published_context_is_the_one_the_dump_embeds(dist):
    embedded = json.loads((dist / "jitarsa.jsonld").read_text(encoding="utf-8"))["@context"]
    assert {"@context": embedded} == json.loads((dist / "context.jsonld").read_text("utf-8"))


def test_rdfxml_reads_in_rdflib_and_oxigraph_to_the_ntriples_graph(dist, built):
    import pyoxigraph

    nt = rdflib.Graph().parse(dist / "jitarsa.nt", format="nt")
    xml = rdflib.Graph().parse(dist / "jitarsa.rdf", format="xml")
    assert len(xml) == built.triple_count
    assert set(xml) == set(nt)
    quads = pyoxigraph.parse(path=str(dist / "jitarsa.rdf"), format=pyoxigraph.RdfFormat.RDF_XML)
    again = pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_TRIPLES).decode("utf-8")
    assert set(rdflib.Graph().parse(data=again, format="nt")) == set(nt)


def test_jsonld_is_framed_with_the_network_at_the_root(dist):
    doc = json.loads((dist / "jitarsa.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"]["name"] == {"@id": "schema:name", "@container": "@language"}
    assert doc["id"] == "https://w3id.org/jitarsa/org/volunteer-spirit-network"
    assert doc["name"] == {"th": "เครือข่ายจิตอาสา", "en": "Volunteer Spirit Network"}
    # the article's list in its order, then the members only the network's site lists
    assert [m.get("sourcePosition") for m in doc["member"]] == list(range(1, 29)) + [None] * 12
    assert all(isinstance(m, dict) and m["name"] for m in doc["member"])
    mirror = next(m for m in doc["member"] if m["id"].endswith("/mirror-foundation"))
    assert [(s["listPosition"], s["wasDerivedFrom"]) for s in mirror["org:hasMembership"]] == [
        (3, ["https://th.wikipedia.org/wiki?curid=26361"]),
        (2, ["https://www.volunteerspirit.org/about-vsn/"]),
    ]
    fund = next(m for m in doc["member"] if m["id"].endswith("/thai-fund-foundation"))
    assert {p["name"]["th"] for p in fund["subOrganization"]} == {
        "โครงการเยาวชนอาสา",
        "โครงการส่งเสริมการให้เพื่อสังคม",
    }


def test_ntriples_are_sorted_line_by_line(dist):
    lines = (dist / "jitarsa.nt").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    assert len(lines) == len(set(lines))


def test_no_output_uses_the_https_schema_org_namespace(built):
    for name, data in built.files.items():
        if name != "shapes.ttl":
            assert b"https://schema.org/" not in data, name
    assert b"http://schema.org/" in built.files["jitarsa.ttl"]


def test_checksums_match_the_files(dist):
    lines = (dist / "SHA256SUMS").read_text().splitlines()
    names = {line.split("  ", 1)[1] for line in lines}
    files = {p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file()}
    assert names == files - {"SHA256SUMS", MARKER}  # the marker is bookkeeping, not data
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest


def test_void_dcat_description(dist, built):
    from rdflib import Literal, Namespace, URIRef

    VOID = Namespace("http://rdfs.org/ns/void#")
    DCAT = Namespace("http://www.w3.org/ns/dcat#")
    SPDX = Namespace("http://spdx.org/rdf/terms#")
    g = rdflib.Graph().parse(dist / "void.ttl", format="turtle")
    ds = URIRef("https://w3id.org/jitarsa/dataset")
    assert int(g.value(ds, VOID.triples)) == built.triple_count
    assert int(g.value(ds, VOID.entities)) == 99  # 48 records, 50 memberships, 1 change
    assert g.value(ds, URIRef("http://purl.org/dc/terms/license")) == URIRef(
        "https://creativecommons.org/licenses/by-sa/4.0/"
    )
    assert g.value(ds, DCAT.version) == Literal("1.0.0")
    dumps = set(g.objects(ds, DCAT.distribution))
    assert len(dumps) == 4
    for dump in dumps:
        name = str(dump).rsplit("/", 1)[-1]
        checksum = g.value(g.value(dump, SPDX.checksum), SPDX.checksumValue)
        assert str(checksum) == hashlib.sha256((dist / name).read_bytes()).hexdigest()
        assert int(g.value(dump, DCAT.byteSize)) == (dist / name).stat().st_size
    media = {str(g.value(d, DCAT.mediaType)).rsplit("/media-types/", 1)[1] for d in dumps}
    assert media == {
        "text/turtle",
        "application/n-triples",
        "application/ld+json",
        "application/rdf+xml",
    }


# The writers of jitarsa.dumps against Oxigraph's serialisers, on any text and IRI.
LOCAL_NAMES = st.text(
    st.characters(blacklist_characters='<>"{}|^`\\ ', blacklist_categories=("Cs", "Cc", "Zs")),
    max_size=6,
)
TEXTS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
DATATYPES = st.sampled_from(
    ["integer", "decimal", "double", "boolean", "string", "date", "gYear", "nonNegativeInteger"]
)
NUMBERLIKE = st.sampled_from(
    ["0", "-7", "+01", "1.5", ".5", "-.0", "1e3", "1.E-3", "true", "false", "2567", ""]
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(PREFIXES.values())), LOCAL_NAMES), min_size=1, max_size=4
    ),
    st.lists(
        st.tuples(TEXTS | NUMBERLIKE, DATATYPES, st.sampled_from([None, "th", "en"])), max_size=4
    ),
)
def test_turtle_and_ntriples_writers_write_what_oxigraph_writes(iris, literals):
    from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

    from jitarsa.rdf.dumps import ntriples, turtle, used_prefixes
    from jitarsa.rdf.graph import as_graph, sort_triples

    subject, predicate = NamedNode("https://example.org/a"), NamedNode(SCHEMA + "p")
    objects = []
    for ns, local in iris:
        try:
            objects.append(NamedNode(ns + local))
        except ValueError:  # not an IRI at all
            continue
    objects += [
        Literal(text, language=lang) if lang else Literal(text, datatype=NamedNode(XSD + datatype))
        for text, datatype, lang in literals
    ]
    found = sort_triples(
        {Triple(subject, predicate, o) for o in objects}
        | {Triple(o, predicate, subject) for o in objects if isinstance(o, NamedNode)}
    )
    prefixes = used_prefixes(as_graph(found))
    assert turtle(found) == serialize(found, format=RdfFormat.TURTLE, prefixes=prefixes)
    lines = serialize(found, format=RdfFormat.N_TRIPLES).splitlines(keepends=True)
    assert ntriples(found) == b"".join(sorted(lines))


SUBJECTS = st.lists(
    st.sampled_from(
        [
            "https://example.org/a",
            "https://example.org/a-b",
            "https://example.org/a/b",
            "_:b",
            "_:b0",
            "_:b-",
        ]
    ),
    min_size=1,
    max_size=6,
    unique=True,
)


@settings(max_examples=200, deadline=None)
@given(SUBJECTS, st.lists(TEXTS, min_size=1, max_size=3), st.integers(0, 6), st.integers(1, 3))
def test_ntriples_written_in_two_parts_is_the_whole_sorted_dump(subjects, texts, split, chunk):
    from pyoxigraph import BlankNode, Literal, NamedNode, Triple

    from jitarsa.rdf import dumps
    from jitarsa.rdf.graph import as_graph

    predicate = NamedNode(SCHEMA + "name")
    graph = as_graph(
        [
            Triple(
                BlankNode(s[2:]) if s.startswith("_:") else NamedNode(s), predicate, Literal(text)
            )
            for s in subjects
            for text in texts
        ]
    )
    whole = dumps.ntriples(graph)
    lines = whole.splitlines(keepends=True)
    assert lines == sorted(lines)  # byte order, blank-node subjects included
    dumps.CHUNK, saved = chunk, dumps.CHUNK  # parts of several chunks each
    try:
        parts = b"".join(dumps.ntriples_chunks(graph, slice(None, split))) + b"".join(
            dumps.ntriples_chunks(graph, slice(split, None))
        )
    finally:
        dumps.CHUNK = saved
    assert parts == whole


XML_TEXTS = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff").filter(
        lambda c: c in "\t\n\r" or c >= " "
    ),
    max_size=12,
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(sorted(PREFIXES.values())), LOCAL_NAMES), max_size=4),
    st.lists(
        st.tuples(XML_TEXTS | NUMBERLIKE, DATATYPES, st.sampled_from([None, "th", "en"])),
        max_size=4,
    ),
    SUBJECTS,
)
def test_rdfxml_writer_reads_back_in_oxigraph_and_rdflib(iris, literals, subjects):
    """Any IRI as subject, predicate or object, any text XML can carry, blank nodes: the
    RDF/XML reads back to the same graph in two parsers that did not write it."""
    from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse, serialize

    from jitarsa.errors import OutputError
    from jitarsa.rdf.dumps import rdfxml

    nodes = []
    for ns, local in iris:
        try:
            nodes.append(NamedNode(ns + local))
        except ValueError:  # not an IRI at all
            continue
    subjects = [BlankNode(s[2:]) if s.startswith("_:") else NamedNode(s) for s in subjects]
    objects = nodes + [
        Literal(text, language=lang) if lang else Literal(text, datatype=NamedNode(XSD + datatype))
        for text, datatype, lang in literals
    ]
    found = {Triple(s, NamedNode(SCHEMA + "p"), o) for s in subjects for o in objects}
    found |= {Triple(subjects[0], p, subjects[-1]) for p in nodes}
    try:
        data = rdfxml(found)
    except OutputError as err:  # only a predicate that ends in no XML name has no RDF/XML
        assert "does not end in an XML name" in str(err)
        return
    expected = rdflib.Graph().parse(
        data=serialize(found, format=RdfFormat.N_TRIPLES).decode(), format="nt"
    )
    again = serialize(parse(data, format=RdfFormat.RDF_XML), format=RdfFormat.N_TRIPLES)
    assert to_isomorphic(rdflib.Graph().parse(data=again.decode(), format="nt")) == to_isomorphic(
        expected
    )
    assert to_isomorphic(rdflib.Graph().parse(data=data, format="xml")) == to_isomorphic(expected)
