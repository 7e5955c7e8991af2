"""The W3C SPARQL 1.1 Protocol tests, run against `jitarsa serve` over their own data.

../shared/w3c/sparql11/protocol/manifest.ttl describes each test as HTTP requests and the
answer a conforming service gives. The graphs the tests name (data1.nt … data3.nt, under their
`ut:graphData` labels) are written into one N-Quads file, which `jitarsa serve --dump` serves as
named graphs. Every query test must pass. The endpoint is read-only, so each update test must get
its refusal (4xx) for the update request; the requests that would check the update's effect are
not sent. The three Service Description tests run on the same endpoint, in each format offered.
"""

from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest
from conftest import SHARED, serving_graphs

pytestmark = [pytest.mark.network_service]

SUITE = SHARED / "w3c" / "sparql11" / "protocol"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
HTS = "http://www.w3.org/2011/http-statusCodes#"
RESULTS_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
RDF_TYPES = {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"}


def manifest():
    import rdflib

    if not SUITE.is_dir():
        pytest.fail(f"the W3C protocol tests are missing: {SUITE} (copy ../shared beside the repo)")
    graph = rdflib.Graph().parse(SUITE / "manifest.ttl", format="turtle")
    return graph, rdflib.Namespace(MF), rdflib.Namespace(HT)


def read_tests() -> list[dict]:
    """Each test of the manifest, in its order: name, requests, the graphs it names."""
    import rdflib
    from rdflib.collection import Collection

    graph, mf, ht = manifest()
    root = next(graph.subjects(rdflib.RDF.type, mf.Manifest))
    tests = []
    for test in Collection(graph, graph.value(root, mf.entries)):
        action = graph.value(test, mf.action)
        requests = []
        for request in Collection(graph, graph.value(action, ht.requests)):
            headers = {}
            listed = graph.value(request, ht.headers)
            for header in Collection(graph, listed) if listed is not None else []:
                headers[str(graph.value(header, ht.fieldName))] = str(
                    graph.value(header, ht.fieldValue)
                )
            body = graph.value(request, ht.body)
            response = graph.value(request, ht.resp)
            boolean = graph.value(response, mf.expectedBoolean)
            requests.append(
                {
                    "method": str(graph.value(request, ht.methodName)),
                    "path": str(graph.value(request, ht.absolutePath)),
                    "headers": headers,
                    "body": None
                    if body is None
                    else str(graph.value(body, rdflib.URIRef(CNT + "chars"))),
                    "status": {
                        str(s).removeprefix(HTS) for s in graph.objects(response, mf.expectedStatus)
                    },
                    "format": str(graph.value(response, mf.expectedFormat) or ""),
                    "boolean": None if boolean is None else boolean.toPython(),
                }
            )
        data = {}
        for item in graph.objects(test, rdflib.URIRef(UT + "graphData")):
            file = Path(str(graph.value(item, rdflib.URIRef(UT + "graph"))).rsplit("/", 1)[1])
            data[str(graph.value(item, rdflib.RDFS.label))] = SUITE / file
        name = str(test).rsplit("#", 1)[1]
        tests.append({"name": name, "requests": requests, "data": data})
    return tests


TESTS = read_tests() if SUITE.is_dir() else []
QUERY_TESTS = [t for t in TESTS if "update" not in t["name"]]
UPDATE_TESTS = [t for t in TESTS if "update" in t["name"]]


def test_the_suite_is_complete():
    """A guard: the manifest read gives the 20 query and 14 update tests it lists."""
    assert len(TESTS) == 34
    assert len(QUERY_TESTS) == 20 and len(UPDATE_TESTS) == 14
    assert all(t["requests"] for t in TESTS)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory) -> int:
    """`jitarsa serve --dump` over every graph the tests name, as named graphs."""
    graphs = {}
    for test in TESTS:
        graphs.update(test["data"])
    assert len(graphs) == 3
    with serving_graphs(graphs, tmp_path_factory.mktemp("protocol"), workers=2) as port:
        yield port


def send(port: int, request: dict) -> tuple[int, str, bytes]:
    """The request as the manifest writes it, to this endpoint's /sparql."""
    path = request["path"].replace("/sparql/", "/sparql", 1)
    body = request["body"].encode("utf-8") if request["body"] is not None else None
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(request["method"], path, body=body, headers=request["headers"])
        answer = connection.getresponse()
        return answer.status, answer.headers.get("Content-Type", ""), answer.read()
    finally:
        connection.close()


def status_class(status: int) -> str:
    return f"StatusCode{status // 100}xx"


def check_format(request: dict, media: str, body: bytes) -> None:
    from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results

    expected = request["format"]
    if expected in ("boolean", "tabular"):
        assert media in RESULTS_TYPES
        results = parse_query_results(body, format=QueryResultsFormat.from_media_type(media))
        if expected == "boolean":
            assert media == "application/sparql-results+json"
            assert json.loads(body)["boolean"] is bool(results)
            if request["boolean"] is not None:
                assert bool(results) is request["boolean"]
        else:
            assert [v.value for v in results.variables] == ["value"]
    elif expected == "RDF":
        assert media in RDF_TYPES
        fmt = RdfFormat.from_media_type(media)
        assert fmt is not None
        list(parse(body, format=fmt))


@pytest.mark.parametrize("test", QUERY_TESTS, ids=[t["name"] for t in QUERY_TESTS])
def test_query(endpoint, test):
    for request in test["requests"]:
        status, content_type, body = send(endpoint, request)
        assert status_class(status) in request["status"], (status, body[:300])
        if 200 <= status < 300:
            check_format(request, content_type.split(";")[0].strip(), body)


@pytest.mark.parametrize("test", UPDATE_TESTS, ids=[t["name"] for t in UPDATE_TESTS])
def test_update_is_refused(endpoint, test):
    """The update request is refused; a request the manifest sends after it to check the
    update's effect is not sent (nothing was updated)."""
    status, _, body = send(endpoint, test["requests"][0])
    assert 400 <= status < 500, (status, body[:300])
    if test["name"].startswith("update_"):  # a well-formed update: refused as such
        assert status == 403 and b"read-only" in body


def test_a_construct_resolves_relative_iris_against_the_endpoint(endpoint):
    """Queries parse with the endpoint's URL as base (query_content_type_construct's
    `<s>`)."""
    status, _, body = send(
        endpoint,
        {
            "method": "POST",
            "path": "/sparql",
            "headers": {"Content-Type": "application/sparql-query", "Accept": "text/turtle"},
            "body": "CONSTRUCT { <s> <p> 1 } WHERE {}",
        },
    )
    assert status == 200
    assert f"<http://127.0.0.1:{endpoint}/s>".encode() in body


def test_every_graph_of_the_quads_file_is_served(endpoint):
    status, _, body = send(
        endpoint,
        {
            "method": "GET",
            "path": "/sparql?query="
            + "SELECT%20%3Fg%20(COUNT(*)%20AS%20%3Fn)%20%7B%20GRAPH%20%3Fg%20%7B%20%3Fs%20%3Fp%20"
            + "%3Fo%20%7D%20%7D%20GROUP%20BY%20%3Fg%20ORDER%20BY%20%3Fg",
            "headers": {},
            "body": None,
        },
    )
    assert status == 200
    rows = json.loads(body)["results"]["bindings"]
    named = {row["g"]["value"]: int(row["n"]["value"]) for row in rows}
    kasei = "http://kasei.us/2009/09/sparql/data/"
    assert named == {f"{kasei}data{n}.rdf": 1 for n in (1, 2, 3)}
    # The service description counts them too (the default graph is empty).
    status, _, body = send(
        endpoint,
        {"method": "GET", "path": "/sparql", "headers": {"Accept": "text/turtle"}, "body": None},
    )
    from pyoxigraph import RdfFormat, Store

    store = Store()
    store.load(body, format=RdfFormat.TURTLE)
    counts = {
        s["name"].value: int(s["n"].value)
        for s in store.query(
            "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> "
            "SELECT ?name ?n { [] sd:namedGraph [ sd:name ?name ; sd:graph [ "
            "<http://rdfs.org/ns/void#triples> ?n ] ] }"
        )
    }
    assert counts == {"https://w3id.org/jitarsa/dataset": 0} | named


SD = "http://www.w3.org/ns/sparql-service-description#"


def read_service_description_tests() -> list[str]:
    import rdflib
    from rdflib.collection import Collection

    folder = SUITE.parent / "service-description"
    graph = rdflib.Graph().parse(folder / "manifest.ttl", format="turtle")
    root = next(graph.subjects(rdflib.RDF.type, rdflib.URIRef(MF + "Manifest")))
    entries = graph.value(root, rdflib.URIRef(MF + "entries"))
    return [str(t).rsplit("#", 1)[1] for t in Collection(graph, entries)]


@pytest.mark.parametrize("accept", ["text/turtle", "application/rdf+xml", "application/ld+json"])
def test_the_service_description_tests(endpoint, accept):
    """The W3C Service Description tests (../shared/w3c/sparql11/service-description), in each
    format offered: a GET of the endpoint returns RDF (`returns-rdf`), with an `sd:endpoint`
    triple naming the endpoint (`has-endpoint-triple`), shaped as the vocabulary defines its
    terms (`conforms-to-schema`: a service with a query language and a default dataset, whose
    graphs are `sd:Graph`s and whose named graphs each have one IRI name and one graph)."""
    import rdflib

    assert read_service_description_tests() == [
        "has-endpoint-triple",
        "returns-rdf",
        "conforms-to-schema",
    ]
    status, media, body = send(
        endpoint, {"method": "GET", "path": "/sparql", "headers": {"Accept": accept}, "body": None}
    )
    assert status == 200 and media.split(";")[0] == accept
    graph = rdflib.Graph().parse(data=body, format=accept)  # returns-rdf
    sd = rdflib.Namespace(SD)
    url = rdflib.URIRef(f"http://127.0.0.1:{endpoint}/sparql")
    assert (url, sd.endpoint, url) in graph  # has-endpoint-triple
    assert (url, rdflib.RDF.type, sd.Service) in graph
    assert set(graph.objects(url, sd.supportedLanguage)) == {sd.SPARQL11Query}
    formats = set(graph.objects(url, sd.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert all(isinstance(f, rdflib.URIRef) for f in formats)
    dataset = graph.value(url, sd.defaultDataset)
    assert (dataset, rdflib.RDF.type, sd.Dataset) in graph
    assert (graph.value(dataset, sd.defaultGraph), rdflib.RDF.type, sd.Graph) in graph
    named = list(graph.objects(dataset, sd.namedGraph))
    assert len(named) == 4  # the (empty) default graph's name and the three of the tests
    for node in named:
        assert (node, rdflib.RDF.type, sd.NamedGraph) in graph
        names = list(graph.objects(node, sd.name))
        assert len(names) == 1 and isinstance(names[0], rdflib.URIRef)
        graphs = list(graph.objects(node, sd.graph))
        assert len(graphs) == 1 and (graphs[0], rdflib.RDF.type, sd.Graph) in graph
