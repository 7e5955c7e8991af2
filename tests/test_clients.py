"""Clients nobody in this project wrote, on their default settings, against `jitarsa serve` and
the dumps: SPARQLWrapper, rdflib's SPARQLStore, Apache Jena's `rsparql` and `riot` (Debian's
libapache-jena-java), and jsonld.js (tests/js)."""

import json
import subprocess
from pathlib import Path

import jena_shacl
import pytest
import rdflib
from conftest import ROOT, missing, require_program, serving

from jitarsa.records.load import load_dataset

# Real clients and servers in subprocesses: seconds each, so not in the quick loop.
pytestmark = [pytest.mark.network_service, pytest.mark.slow]

ORG = "https://w3id.org/jitarsa/org/"
MIRROR = f"<{ORG}mirror-foundation>"
SELECT = "SELECT (COUNT(?m) AS ?n) WHERE { ?net <http://schema.org/member> ?m }"
ASK = f"ASK {{ {MIRROR} a <http://schema.org/NGO> }}"
CONSTRUCT = f"CONSTRUCT WHERE {{ {MIRROR} ?p ?o }}"
DESCRIBE = f"DESCRIBE {MIRROR}"
DIST = ROOT / "dist"
#: The network's members, as the member-count query answers.
MEMBERS = str(len(load_dataset(ROOT / "data").members))


@pytest.fixture(scope="module")
def endpoint():
    with serving("--workers", "2") as url:
        yield url


@pytest.fixture(scope="module")
def mirror_triples() -> set:
    """The Mirror Foundation's own triples, from the N-Triples dump."""
    graph = rdflib.Graph().parse(DIST / "jitarsa.nt", format="nt")
    return set(graph.triples((rdflib.URIRef(ORG + "mirror-foundation"), None, None)))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_on_its_defaults(endpoint, mirror_triples, method):
    from SPARQLWrapper import SPARQLWrapper

    def ask(query):
        client = SPARQLWrapper(endpoint)  # returnFormat XML, RDF/XML for graphs: the defaults
        client.setMethod(method)
        client.setQuery(query)
        return client.queryAndConvert()

    document = ask(SELECT)  # SPARQL XML results, as a DOM
    assert [n.firstChild.data for n in document.getElementsByTagName("literal")] == [MEMBERS]
    boolean = ask(ASK).getElementsByTagName("boolean")[0].firstChild.data
    assert boolean == "true"
    assert set(ask(CONSTRUCT)) == mirror_triples
    assert set(ask(DESCRIBE)) == mirror_triples


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_rdflib_sparqlstore_on_its_defaults(endpoint, mirror_triples, method):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = rdflib.Graph(SPARQLStore(endpoint, method=method))
    assert [int(row.n) for row in graph.query(SELECT)] == [int(MEMBERS)]
    assert graph.query(ASK).askAnswer is True
    assert set(graph.query(CONSTRUCT).graph) == mirror_triples
    assert set(graph.query(DESCRIBE).graph) == mirror_triples


def test_entity_iris_answer_rdfxml(endpoint, mirror_triples):
    import urllib.request

    page = endpoint.removesuffix("sparql") + "org/mirror-foundation"
    request = urllib.request.Request(page, headers={"Accept": "application/rdf+xml"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.headers["Content-Type"] == "application/rdf+xml; charset=utf-8"
        graph = rdflib.Graph().parse(data=answer.read(), format="xml")
    assert set(graph) == mirror_triples


# --- Apache Jena (Debian's libapache-jena-java) -------------------------------------------


@pytest.fixture(scope="module")
def jena(tmp_path_factory):
    """Run a Jena command-line class (`arq.rsparql`, `riotcmd.riot`) from Debian's jars."""
    jena_shacl.require()
    classpath = jena_shacl.classpath(tmp_path_factory.mktemp("jena"))

    def run(main: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["java", "-cp", classpath, main, *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )

    return run


@pytest.mark.slow
def test_jena_rsparql_on_its_defaults(endpoint, jena, mirror_triples):
    found = jena("arq.rsparql", "--service", endpoint, SELECT)
    assert found.returncode == 0, found.stderr
    assert [line.split() for line in found.stdout.splitlines() if "|" in line] == [
        ["|", "n", "|"],
        ["|", MEMBERS, "|"],
    ]
    found = jena("arq.rsparql", "--service", endpoint, ASK)
    assert (found.returncode, found.stdout.strip()) == (0, "Ask => Yes")
    for query in (CONSTRUCT, DESCRIBE):
        found = jena("arq.rsparql", "--service", endpoint, query)  # Turtle on stdout
        assert found.returncode == 0, found.stderr
        assert set(rdflib.Graph().parse(data=found.stdout, format="turtle")) == mirror_triples


@pytest.mark.slow
def test_jena_riot_reads_every_dump_but_json_ld_1_1(jena, built):
    for name in ("jitarsa.rdf", "jitarsa.ttl", "jitarsa.nt"):
        found = jena("riotcmd.riot", "--output=ntriples", str(DIST / name))
        assert found.returncode == 0, found.stderr
        assert set(rdflib.Graph().parse(data=found.stdout, format="nt")) == set(
            rdflib.Graph().parse(DIST / "jitarsa.nt", format="nt")
        ), name
    # Debian's Jena 4.5 reads JSON-LD 1.0 only (its 1.1 reader lacks a JSON-P provider): the
    # README says so and points Jena users to the other dumps.
    found = jena("riotcmd.riot", "--syntax=jsonld10", "--count", str(DIST / "jitarsa.jsonld"))
    assert "invalid term definition: 1.1" in found.stderr


# --- jsonld.js -------------------------------------------------------------------------------

JS = ROOT / "tests" / "js"


def jsonld_js(path: Path) -> set:
    """The triples jsonld.js reads from a JSON-LD file, with no document loader and no base."""
    require_program("node")
    if not (JS / "node_modules" / "jsonld").is_dir():
        missing("jsonld.js", "npm ci --prefix tests/js")
    found = subprocess.run(
        ["node", str(JS / "to-nquads.js"), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert found.returncode == 0, found.stderr
    return set(rdflib.Graph().parse(data=found.stdout, format="nt"))


def test_jsonld_js_reads_the_dump_on_its_own():
    expected = set(rdflib.Graph().parse(DIST / "jitarsa.nt", format="nt"))
    assert jsonld_js(DIST / "jitarsa.jsonld") == expected


@pytest.mark.parametrize("kind", ["org", "place"])
def test_jsonld_js_reads_each_entity_document_on_its_own(kind):
    every = rdflib.Graph().parse(DIST / "jitarsa.nt", format="nt")
    pages = sorted((DIST / "site" / kind).glob("*/index.jsonld"))
    assert pages
    for path in pages:
        own = set(
            every.triples((rdflib.URIRef(f"{ORG[:-4]}{kind}/{path.parent.name}"), None, None))
        )
        assert jsonld_js(path) == own, path


@pytest.mark.parametrize("kind", ["org", "place"])
def test_rdflib_reads_each_entity_rdfxml_file(kind):
    """The static site's `index.rdf`, what a static host answers `Accept: application/rdf+xml`
    with (docs/site.md), read by rdflib's RDF/XML parser: the entity's own triples."""
    every = rdflib.Graph().parse(DIST / "jitarsa.nt", format="nt")
    files = sorted((DIST / "site" / kind).glob("*/index.rdf"))
    assert files
    for path in files:
        subject = rdflib.URIRef(f"{ORG[:-4]}{kind}/{path.parent.name}")
        own = set(every.triples((subject, None, None)))
        assert set(rdflib.Graph().parse(path, format="xml")) == own, path


def test_every_page_embeds_json_ld_that_reads_on_its_own(tmp_path):
    """The schema.org JSON-LD in each page: its triples, read by jsonld.js with no loader and
    no base, are triples of the dump, and each page says at least its entity's names."""
    import html.parser

    every = set(rdflib.Graph().parse(DIST / "jitarsa.nt", format="nt"))

    class Scripts(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside, self.found = False, []

        def handle_starttag(self, tag, attrs):
            self.inside = tag == "script" and ("type", "application/ld+json") in attrs

        def handle_endtag(self, tag):
            self.inside = False

        def handle_data(self, data):
            if self.inside:
                self.found.append(data)

    # an entity's page; releases/<version>/ (a release's "what changed" page) is none
    pages = sorted(p for p in (DIST / "site").glob("*/*/index.html") if p.parts[-3] != "releases")
    assert len(pages) == len(load_dataset(ROOT / "data").records)
    for page in pages:
        parser = Scripts()
        parser.feed(page.read_text(encoding="utf-8"))
        assert len(parser.found) == 1, page
        json.loads(parser.found[0])
        script = tmp_path / "page.jsonld"
        script.write_text(parser.found[0], encoding="utf-8")
        triples = jsonld_js(script)
        subject = rdflib.URIRef(f"{ORG[:-4]}{page.parent.parent.name}/{page.parent.name}")
        names = {o for s, p, o in triples if s == subject and str(p) == "http://schema.org/name"}
        assert names, page
        assert triples <= every, page
