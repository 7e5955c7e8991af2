"""`jitarsa serve` over real HTTP: protocol, results formats, read-only, timeout, concurrency,
and entity IRIs by content negotiation."""

import csv
import http.client
import io
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/jitarsa/org/"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
#: An aggregate over a cross product of the graph with itself four times: 3·10¹⁰ solutions.
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A static site laid out as `jitarsa` pages are (dist/site/org/<id>/index.html)."""
    root = tmp_path_factory.mktemp("web")
    (root / "site" / "org" / "mirror-foundation").mkdir(parents=True)
    (root / "site" / "org" / "mirror-foundation" / "index.html").write_text(
        "<!doctype html><title>มูลนิธิกระจกเงา</title>", "utf-8"
    )
    (root / "site" / "index.html").write_text("<!doctype html><title>jitarsa</title>", "utf-8")
    (root / "site" / "jitarsa.ttl").write_text("<https://w3id.org/jitarsa/> a <#x> .\n", "utf-8")
    (root / "site" / "ontology").mkdir()
    (root / "site" / "ontology" / "index.html").write_text("<!doctype html><title>o</title>")
    (root / "secret.txt").write_text("outside the site", "utf-8")
    return root / "site"


@pytest.fixture(scope="module")
def server(site):
    """`jitarsa serve` on a free port with a 1 s timeout and two query workers."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jitarsa",
            "serve",
            "--port",
            "0",
            "--timeout",
            "1",
            "--workers",
            "2",
            "--site",
            str(site),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    line = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(30)
    if not line or "/sparql" not in line[0]:
        proc.kill()
        pytest.fail(f"serve did not start: {line} {proc.stderr.read()}")
    url = line[0].split()[2]
    port = int(urllib.parse.urlsplit(url).port)
    try:
        yield port, proc.pid
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def request(server, method, path, body=None, headers=None, timeout=30):
    port = server[0]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def get_query(server, query, accept=None):
    path = "/sparql?" + urllib.parse.urlencode({"query": query})
    return request(server, "GET", path, headers={"Accept": accept} if accept else {})


def workers(server_pid) -> set[int]:
    """The server's query worker processes, from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == server_pid and b"spawn_main" in cmdline and stat[0] != "Z":
            found.add(int(entry.name))
    return found


# --- The protocol and its results formats -------------------------------------------------


def test_get_and_both_posts_answer_the_same(server):
    status, headers, body = get_query(server, COUNT)
    assert status == 200
    assert headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    expected = json.loads(body)
    assert expected["results"]["bindings"][0]["n"]["value"] == "1018"
    form = urllib.parse.urlencode({"query": COUNT})
    for body_, media in (
        (form, "application/x-www-form-urlencoded"),
        (COUNT, "application/sparql-query"),
    ):
        status, _, answer = request(
            server, "POST", "/sparql", body_.encode(), {"Content-Type": media}
        )
        assert (status, json.loads(answer)) == (200, expected)


def test_predeclared_prefixes_and_bad_queries(server):
    status, _, body = get_query(server, 'ASK { ?o schema:name "The Mirror Foundation"@en }')
    assert (status, json.loads(body)["boolean"]) == (200, True)
    status, headers, body = get_query(server, "SELECT * WHERE { ?s ?p }")
    assert status == 400
    assert body.decode().startswith("Bad query: error at 1:")


QUERY = (
    "SELECT ?org ?th WHERE { ?org schema:name ?th ; jitarsa:sourcePosition ?p "
    "FILTER (LANG(?th) = 'th' && ?p <= 2) } ORDER BY ?p"
)
FIRST_TWO = [
    BASE + "centre-for-giving-and-volunteering",
    BASE + "volunteers-for-society-foundation",
]


@pytest.mark.parametrize(
    "media, fmt",
    [
        ("application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "xml"),
        ("text/csv", "csv"),
        ("text/tab-separated-values", "tsv"),
    ],
)
def test_results_formats_by_content_negotiation(server, media, fmt):
    from rdflib.query import Result

    status, headers, body = get_query(server, QUERY, accept=f"{media}, */*;q=0.1")
    assert status == 200
    assert headers["Content-Type"] == f"{media}; charset=utf-8"
    parsed = Result.parse(io.BytesIO(body), format=fmt)
    assert [str(row[0]) for row in parsed] == FIRST_TWO
    if fmt == "json":
        assert [b["org"]["value"] for b in json.loads(body)["results"]["bindings"]] == FIRST_TWO
    if fmt == "xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert [u.text for u in ET.fromstring(body).iter(ns + "uri")] == FIRST_TWO
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode())))
        assert rows[1:] == [
            [FIRST_TWO[0], "ศูนย์ส่งเสริมการให้และการอาสาช่วยเหลือสังคม"],
            [FIRST_TWO[1], "มูลนิธิอาสาสมัครเพื่อสังคม"],
        ]


def test_construct_by_content_negotiation(server):
    import pyoxigraph

    query = f"CONSTRUCT WHERE {{ <{BASE}ofc-club> ?p ?o }}"
    for media in ("text/turtle", "application/n-triples", "application/ld+json") + (
        "application/rdf+xml",
        "application/n-quads",
        "application/trig",
    ):
        status, headers, body = get_query(server, query, accept=media)
        assert status == 200
        assert headers["Content-Type"] == f"{media}; charset=utf-8"
        quads = list(pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.from_media_type(media)))
        assert len(quads) == 10 and {q.subject.value for q in quads} == {BASE + "ofc-club"}
    status, _, _ = get_query(server, query, accept="image/png")
    assert status == 406


def test_service_description_and_void(server):
    import rdflib

    status, headers, body = request(server, "GET", "/sparql")
    assert (status, headers["Content-Type"]) == (200, "text/turtle; charset=utf-8")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = rdflib.URIRef(f"http://127.0.0.1:{server[0]}/sparql")
    assert (endpoint, rdflib.RDF.type, sd.Service) in graph
    assert (endpoint, sd.supportedLanguage, sd.SPARQL11Query) in graph
    triples = list(graph.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#triples")))
    assert [t.toPython() for t in triples] == [1018]
    for path in ("/void", "/.well-known/void"):
        status, headers, body = request(server, "GET", path)
        assert (status, body) == (200, (ROOT / "dist" / "void.ttl").read_bytes())


# --- Read-only ----------------------------------------------------------------------------

UPDATE = "INSERT DATA { <http://example.org/s> <http://example.org/p> <http://example.org/o> }"


def test_updates_are_refused_in_every_form(server):
    answers = [
        request(server, "GET", "/sparql?" + urllib.parse.urlencode({"update": UPDATE})),
        request(
            server,
            "POST",
            "/sparql",
            urllib.parse.urlencode({"update": UPDATE}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        request(
            server,
            "POST",
            "/sparql",
            UPDATE.encode(),
            {"Content-Type": "application/sparql-update"},
        ),
        request(
            server, "POST", "/sparql", UPDATE.encode(), {"Content-Type": "application/sparql-query"}
        ),
        get_query(server, UPDATE),
        request(
            server,
            "PUT",
            "/sparql",
            b"<a:s> <a:p> <a:o> .",
            {"Content-Type": "application/n-triples"},
        ),
        request(server, "DELETE", "/sparql"),
    ]
    assert [status for status, _, _ in answers] == [403, 403, 403, 400, 400, 405, 405]
    _, _, body = get_query(server, COUNT)
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "1018"


# --- Timeout and concurrency --------------------------------------------------------------


@pytest.mark.slow
def test_a_runaway_query_gets_503_and_its_worker_is_killed(server):
    before = workers(server[1])
    assert len(before) == 2
    answer = {}

    def explode():
        answer["started"] = time.monotonic()
        answer["response"] = get_query(server, EXPLOSIVE)
        answer["ended"] = time.monotonic()

    thread = threading.Thread(target=explode)
    thread.start()
    time.sleep(0.2)
    # Meanwhile another client is answered by the other worker (a query not asked before, so
    # not answered from the cache).
    status, _, body = get_query(server, COUNT + " # while the explosive query runs")
    assert status == 200 and thread.is_alive()
    thread.join(30)
    status, _, body = answer["response"]
    assert status == 503
    assert answer["ended"] - answer["started"] < 5
    message = body.decode()
    assert message.startswith("The query ran longer than 1 s and was stopped (worker process ")
    killed = int(message.split("worker process ")[1].split()[0])
    assert killed in before
    assert not Path(f"/proc/{killed}").exists()  # gone and reaped: its CPU is free
    deadline = time.monotonic() + 20
    while len(workers(server[1])) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    after = workers(server[1])
    assert len(after) == 2 and killed not in after
    status, _, _ = get_query(server, COUNT + " # after the replacement")
    assert status == 200


def test_fifty_concurrent_clients_are_all_answered(server):
    def ask(i):
        status, _, body = get_query(
            server, f"SELECT ?p WHERE {{ ?o jitarsa:sourcePosition ?p FILTER (?p = {i % 28 + 1}) }}"
        )
        return status, json.loads(body)["results"]["bindings"][0]["p"]["value"]

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(ask, range(50)))
    assert answers == [(200, str(i % 28 + 1)) for i in range(50)]


# --- Entities and the site ----------------------------------------------------------------


@pytest.mark.parametrize(
    "media", ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
)
def test_entity_iris_dereference_by_content_negotiation(server, media):
    import pyoxigraph

    status, headers, body = request(
        server, "GET", "/org/mirror-foundation", headers={"Accept": media}
    )
    assert status == 200
    assert headers["Content-Type"] == f"{media}; charset=utf-8"
    assert headers["Vary"] == "Accept"
    quads = list(pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.from_media_type(media)))
    names = {q.object.value for q in quads if q.predicate.value == "http://schema.org/name"}
    assert names == {"มูลนิธิกระจกเงา", "The Mirror Foundation"}


def test_entity_json_ld_expands_with_pyld(server):
    from pyld import jsonld

    _, _, body = request(
        server,
        "GET",
        "/org/mind-development-for-health-programme",
        headers={"Accept": "application/ld+json"},
    )
    document = json.loads(body)
    assert document["id"] == BASE + "mind-development-for-health-programme"
    expanded = jsonld.expand(document)
    assert expanded[0]["@id"] == BASE + "mind-development-for-health-programme"
    assert "http://schema.org/Project" in expanded[0]["@type"]
    parent = expanded[0]["http://schema.org/parentOrganization"]
    assert parent == [{"@id": BASE + "sodsri-saridwongse-foundation"}]


def test_entity_html_from_the_site_and_its_fallbacks(server):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    # The IRI sends a browser on to the page's folder, where its relative links resolve.
    status, headers, _ = request(
        server, "GET", "/org/mirror-foundation", headers={"Accept": browser}
    )
    assert (status, headers["Location"]) == (303, "./mirror-foundation/")
    assert headers["Vary"] == "Accept"
    status, headers, body = request(
        server, "GET", "/org/mirror-foundation/", headers={"Accept": browser}
    )
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert "มูลนิธิกระจกเงา" in body.decode()
    # No page for this one in the site: a browser gets Turtle rather than nothing.
    status, headers, _ = request(server, "GET", "/org/ofc-club", headers={"Accept": browser})
    assert (status, headers["Content-Type"]) == (200, "text/turtle; charset=utf-8")
    status, _, _ = request(server, "GET", "/org/no-such-org", headers={"Accept": "text/turtle"})
    assert status == 404
    status, _, _ = request(server, "GET", "/org/mirror-foundation", headers={"Accept": "image/png"})
    assert status == 406


def test_static_site_files_and_no_way_out(server):
    status, headers, body = request(server, "GET", "/")
    assert (status, body) == (200, b"<!doctype html><title>jitarsa</title>")
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/org/../../secret.txt"):
        status, _, body = request(server, "GET", path)
        assert status == 404 and b"outside" not in body, path


def test_hostile_headers_get_answers_not_errors(server):
    import rdflib

    status, _, body = request(server, "GET", "/sparql", headers={"Host": "a b> <c"})
    assert status == 200
    graph = rdflib.Graph().parse(data=body, format="turtle")
    assert rdflib.URIRef(f"http://127.0.0.1:{server[0]}/sparql") in set(graph.subjects())
    status, _, _ = request(
        server,
        "POST",
        "/sparql",
        b"x",
        {"Content-Type": "application/sparql-query", "Content-Length": "-5"},
    )
    assert status == 400  # not a number of bytes: the framing is broken (RFC 9112 §6.3)


def test_ontology_and_cors_preflight(server):
    status, headers, body = request(server, "GET", "/ontology")
    assert (status, body) == (200, (ROOT / "ontology" / "jitarsa.ttl").read_bytes())
    status, headers, _ = request(
        server,
        "OPTIONS",
        "/sparql",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]


def test_jitarsa_query_speaks_to_jitarsa_serve(server):
    import jitarsa

    endpoint = f"http://127.0.0.1:{server[0]}/sparql"
    for name in ("members", "summary", "curation-gaps"):
        assert jitarsa.query(name, endpoint=endpoint) == jitarsa.query(name), name
    assert jitarsa.query("organisation", {"id": "c4pc"}, endpoint=endpoint) == jitarsa.query(
        "organisation", {"id": "c4pc"}
    )


def test_the_pool_keeps_successful_answers_only():
    from jitarsa.resources import default_dump
    from jitarsa.sparql._cache import cache_key
    from jitarsa.sparql.server import Pool

    pool = Pool(default_dump().read_bytes(), size=1, timeout=5, cache=2)
    try:
        first = pool.run("query", COUNT, None)
        assert first.status == 200 and pool.run("query", COUNT, None) is first
        assert pool.run("query", "SELECT * WHERE { ?s ?p }", None).status == 400
        pool.run("query", "ASK {}", None)
        pool.run("query", "ASK { ?s ?p ?o }", None)
        assert list(pool.answers.answers) == [
            cache_key("query", "ASK {}", None, None, None),
            cache_key("query", "ASK { ?s ?p ?o }", None, None, None),
        ]
        # Bounded: the oldest answer gave way; asking again runs the query again.
        again = pool.run("query", COUNT, None)
        assert again == first and again is not first
    finally:
        pool.close()


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "media", "check"),
    [
        ("application/json", "application/json", lambda b: json.loads(b)["boolean"] is True),
        ("application/xml", "application/xml", lambda b: b"<boolean>true</boolean>" in b),
        (
            "application/sparql-results+json, application/json;q=0.9",
            "application/sparql-results+json",
            lambda b: json.loads(b)["boolean"] is True,
        ),
    ],
)
def test_results_under_the_generic_json_and_xml_types(server, accept, media, check):
    """Fuseki and Virtuoso answer SELECT and ASK to `application/json` and `application/xml`;
    the bytes are the W3C results formats'."""
    status, headers, body = get_query(server, "ASK {}", accept)
    assert (status, headers["Content-Type"]) == (200, f"{media}; charset=utf-8")
    assert headers["Vary"] == "Accept" and check(body)
    status, headers, body = get_query(server, "SELECT (1 AS ?one) {}", accept)
    assert status == 200 and headers["Content-Type"].startswith(media)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "text/turtle"),
        ("text/turtle", "text/turtle"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
    ],
)
def test_the_service_description_in_each_format(server, accept, media):
    import rdflib

    headers = {"Accept": accept} if accept else {}
    status, answer, body = request(server, "GET", "/sparql", headers=headers)
    assert (status, answer["Content-Type"]) == (200, f"{media}; charset=utf-8")
    assert answer["Vary"] == "Accept"
    graph = rdflib.Graph().parse(data=body, format=media)
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = rdflib.URIRef(f"http://127.0.0.1:{server[0]}/sparql")
    assert (endpoint, rdflib.RDF.type, sd.Service) in graph
    assert request(server, "GET", "/sparql", headers={"Accept": "image/png"})[0] == 406


def test_the_base_ontology_and_shapes_negotiate_as_the_static_rules_do(server, site):
    from jitarsa.resources import ontology_file, shapes_file

    turtle = {"Accept": "text/turtle"}
    status, headers, body = request(server, "GET", "/", headers=turtle)
    assert (status, body) == (200, (site / "jitarsa.ttl").read_bytes())
    assert headers["Content-Type"] == "text/turtle; charset=utf-8" and headers["Vary"] == "Accept"
    status, headers, body = request(server, "GET", "/", headers={"Accept": BROWSER})
    assert (status, body) == (200, (site / "index.html").read_bytes())
    for path, source in (("/ontology", ontology_file()), ("/shapes", shapes_file())):
        status, headers, body = request(server, "GET", path, headers=turtle)
        assert (status, body) == (200, source.read_bytes()), path
        status, headers, _ = request(server, "GET", path, headers={"Accept": BROWSER})
        assert (status, headers["Location"], headers["Vary"]) == (303, "./ontology/", "Accept")
    status, _, body = request(server, "GET", "/ontology/", headers={"Accept": BROWSER})
    assert (status, body) == (200, (site / "ontology" / "index.html").read_bytes())


def test_a_body_not_in_utf8_is_refused(server):
    status, _, _ = request(
        server,
        "POST",
        "/sparql",
        body="ASK {}".encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
    )
    assert status == 415


def test_serve_dump_trig_serves_the_default_and_every_named_graph(tmp_path):
    """A TriG dump's default graph is the endpoint's default graph and each named graph stays
    named; default-graph-uri and named-graph-uri choose among them (Protocol §2.1.4)."""
    from jitarsa.sparql.server import make_server

    dump = tmp_path / "two.trig"
    dump.write_text(
        "<http://e/a> <http://e/p> 1 .\n"
        "<http://e/g1> { <http://e/b> <http://e/p> 2 . <http://e/c> <http://e/p> 3 . }\n"
        "<http://e/g2> { <http://e/d> <http://e/p> 4 . }\n",
        encoding="utf-8",
    )
    server = make_server(port=0, workers=1, dump=str(dump))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = (server.server_address[1], None)

    def values(query: str, **dataset) -> list[str]:
        params = urllib.parse.urlencode({"query": query, **dataset}, doseq=True)
        status, _, body = request(address, "GET", "/sparql?" + params)
        assert status == 200, body
        rows = json.loads(body)["results"]["bindings"]
        return sorted(v["value"] for row in rows for v in row.values())

    try:
        assert values("SELECT ?o { ?s ?p ?o }") == ["1"]
        assert values("SELECT ?g { GRAPH ?g { } }") == [
            "http://e/g1",
            "http://e/g2",
            "https://w3id.org/jitarsa/dataset",
        ]
        assert values("SELECT ?o { GRAPH <http://e/g1> { ?s ?p ?o } }") == ["2", "3"]
        assert values("SELECT ?o { ?s ?p ?o }", **{"default-graph-uri": ["http://e/g2"]}) == ["4"]
        both = {"default-graph-uri": ["http://e/g1", "http://e/g2"]}
        assert values("SELECT ?o { ?s ?p ?o }", **both) == ["2", "3", "4"]
        only_named = {"named-graph-uri": ["http://e/g2"]}
        assert values("SELECT ?o { ?s ?p ?o }", **only_named) == []
        assert values("SELECT ?g { GRAPH ?g { } }", **only_named) == ["http://e/g2"]
        status, _, body = request(address, "GET", "/sparql", headers={"Accept": "text/turtle"})
        assert b"void#triples> 2" in body or b"void:triples 2" in body
    finally:
        server.shutdown()
        server.server_close()
        server.pool.close()
