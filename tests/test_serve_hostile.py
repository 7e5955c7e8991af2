"""`jitarsa serve` as an attacker and an unlucky client meet it: no request to another host,
no crash of a worker, bounded memory for slow readers, and HTTP as caches expect (issue 11)."""

import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The triples of the published dump the server answers from.
TRIPLES = len((ROOT / "dist" / "jitarsa.nt").read_bytes().splitlines())
HOSTILE = Path(__file__).resolve().parent / "hostile"
DATASET = "https://w3id.org/jitarsa/dataset"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: The graph joined with itself: 179,000 rows, about 60 MB of JSON.
LARGE = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
#: Every status the endpoint documents (docs/sparql.md, SECURITY.md).
STATUSES = {
    *(200, 204, 303, 304),
    *(400, 403, 404, 405, 406, 413, 414, 415, 422, 431),
    *(500, 501, 503, 505),
}
# Real clients and servers in subprocesses: seconds each, so not in the quick loop.
pytestmark = [pytest.mark.network_service, pytest.mark.slow]


def start(*options):
    proc = subprocess.Popen(
        [sys.executable, "-m", "jitarsa", "serve", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    line = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(60)
    if not line or "/sparql" not in line[0]:
        proc.kill()
        pytest.fail(f"serve did not start: {line} {proc.stderr.read()}")
    return proc, int(urllib.parse.urlsplit(line[0].split()[2]).port)


def stop(proc):
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def server():
    proc, port = start(
        "--workers", "2", "--timeout", "5", "--max-answer", "4000000",
        "--idle-timeout", "2", "--write-timeout", "3", "--max-connections", "60",
    )  # fmt: skip
    try:
        yield port, proc.pid
    finally:
        stop(proc)


def request(server, method, path, body=None, headers=None, timeout=30, source="127.0.0.1"):
    """One request on a connection of its own, from the loopback address SOURCE."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", server[0], timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def get_query(server, query, accept=None, **params):
    path = "/sparql?" + urllib.parse.urlencode({"query": query, **params}, doseq=True)
    return request(server, "GET", path, headers={"Accept": accept} if accept else {})


def workers(server_pid) -> set[int]:
    """The server's live query worker processes, from /proc."""
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


def rss(pid) -> int:
    """Resident memory of a process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.contacts = 0
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.contacts += 1
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            conn.close()


def service_queries(port: int) -> list[str]:
    text = (HOSTILE / "service.rq").read_text("utf-8").replace("PORT", str(port))
    return [block.strip() for block in text.split("\n# ---\n")]


# --- No request to another host -------------------------------------------------------------


def test_service_is_refused_and_no_connection_is_made(server):
    listener = Listener()
    before = workers(server[1])
    for query in service_queries(listener.port):
        for send in ("GET", "POST"):
            if send == "GET":
                status, headers, body = get_query(server, query)
            else:
                status, headers, body = request(
                    server, "POST", "/sparql", query.encode(),
                    {"Content-Type": "application/sparql-query"},
                )  # fmt: skip
            assert status == 400, (query, body)
            assert body.decode().count("\n") == 1 and "SERVICE" in body.decode(), body
    time.sleep(0.5)
    assert listener.contacts == 0
    assert workers(server[1]) == before


def test_jitarsa_query_federates_only_with_allow_service():
    listener = Listener()
    query = f"SELECT * {{ SERVICE <http://127.0.0.1:{listener.port}/x> {{ ?a ?b ?c }} }}"
    refused = subprocess.run(
        [sys.executable, "-m", "jitarsa", "query", query],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "--allow-service" in refused.stderr and "Traceback" not in refused.stderr
    assert listener.contacts == 0
    subprocess.run(
        [sys.executable, "-m", "jitarsa", "query", query, "--allow-service"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert listener.contacts >= 1  # the flag really lets the query ask the other endpoint


# --- Deep, pathological and failing queries -------------------------------------------------


@pytest.mark.parametrize("depth", [3_000, 10_000])
def test_deep_nesting_is_a_400_and_no_worker_dies(server, depth):
    before = workers(server[1])
    query = "SELECT * WHERE " + "{" * depth + "}" * depth
    status, _, body = get_query(server, query)
    assert status == 400 and b"nests brackets more than 64 deep" in body
    status, _, body = request(
        server, "POST", "/sparql", ("ASK " + "{(" * depth + ")}" * depth).encode(),
        {"Content-Type": "application/sparql-query"},
    )  # fmt: skip
    assert status == 400
    assert workers(server[1]) == before


@pytest.mark.parametrize("depth", [3_000, 10_000])
def test_deep_nesting_never_crashes_jitarsa_query(depth):
    query = "SELECT * WHERE " + "{" * depth + "}" * depth
    result = subprocess.run(
        [sys.executable, "-m", "jitarsa", "query", query],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result
    assert result.stderr.startswith("Error: the query nests brackets more than 64 deep")


def test_a_long_chain_runs_on_a_large_stack(tmp_path):
    """1,400 UNIONs (9,800 tokens, under the limit) nest nothing and run on the large stack."""
    query = tmp_path / "chain.rq"
    query.write_text("ASK { " + " UNION ".join(["{ ?s schema:nothing ?o }"] * 1_400) + " }")
    result = subprocess.run(
        [sys.executable, "-m", "jitarsa", "query", str(query), "--format", "tsv"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (1, "false\n"), result.stderr[-300:]


def test_an_answer_too_large_is_a_422_and_the_worker_stays(server):
    before = workers(server[1])
    status, _, body = get_query(server, LARGE + " # once")
    assert status == 422, body[:200]
    assert b"larger than 4000000 bytes (--max-answer)" in body
    status, _, _ = get_query(server, "CONSTRUCT { [] ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f }")
    assert status == 422
    assert workers(server[1]) == before
    status, _, _ = get_query(server, COUNT + " # after")
    assert status == 200


# --- HTTP -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/%00", "/%ff", "/org/%C0%80", "/a%0Ab", "/sparql%00"])
def test_undecodable_paths_are_400(server, path):
    status, _, body = request(server, "GET", path)
    assert status == 400 and body.decode().count("\n") == 1


@pytest.mark.parametrize("method", [b"GET", b"POST"])
def test_a_target_that_is_no_url_is_400(server, method):
    raw = socket.create_connection(("127.0.0.1", server[0]), timeout=10)
    with raw:
        raw.sendall(
            method + b" http://[::1/sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
        )
        assert raw.recv(100).startswith(b"HTTP/1.1 400 ")


def test_caching_headers_and_conditional_requests(server):
    import hashlib

    checksum = hashlib.sha256((ROOT / "dist" / "jitarsa.nt").read_bytes()).hexdigest()
    status, headers, body = get_query(server, COUNT, "text/csv")
    assert status == 200
    assert headers["Vary"] == "Accept"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "public, max-age=300"
    etag = headers["ETag"]
    assert etag.startswith('"' + checksum[:32] + "-")
    _, json_headers, _ = get_query(server, COUNT, "application/sparql-results+json")
    assert json_headers["ETag"] != etag  # another representation, another tag
    path = "/sparql?" + urllib.parse.urlencode({"query": COUNT})
    for header in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        status, headers, body = request(
            server, "GET", path, headers={"Accept": "text/csv", "If-None-Match": header}
        )
        assert (status, body) == (304, b""), header
        assert headers["ETag"] == etag and headers["Vary"] == "Accept"
    status, _, _ = request(
        server, "GET", path, headers={"Accept": "text/csv", "If-None-Match": '"other"'}
    )
    assert status == 200
    status, headers, _ = get_query(server, "SELECT * WHERE { ?s ?p }")
    assert status == 400 and headers["Vary"] == "Accept"
    assert headers["Cache-Control"] == "no-store" and "ETag" not in headers
    status, headers, _ = request(server, "GET", "/org/ofc-club", headers={"Accept": "text/turtle"})
    assert headers["Vary"] == "Accept" and headers["ETag"].startswith('"' + checksum[:32])


def test_chunked_bodies_are_read(server):
    conn = http.client.HTTPConnection("127.0.0.1", server[0], timeout=30)
    try:
        chunks = iter([b"SELECT (COUNT(*) AS ?n) ", b"WHERE { ?s ?p ?o }", b" # chunked"])
        conn.request(
            "POST", "/sparql", body=chunks, encode_chunked=True,
            headers={"Content-Type": "application/sparql-query", "Transfer-Encoding": "chunked"},
        )  # fmt: skip
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status == 200, body
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == str(TRIPLES)
    raw = socket.create_connection(("127.0.0.1", server[0]), timeout=10)
    with raw:
        raw.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\n"
        )
        assert raw.recv(100).startswith(b"HTTP/1.1 400 ")


def test_default_graph_uri_and_named_graph_uri(server):
    def count(query, **params):
        status, _, body = get_query(server, query, **params)
        assert status == 200, body
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])

    assert count(COUNT) == TRIPLES
    assert count(COUNT, **{"default-graph-uri": DATASET}) == TRIPLES
    assert count(COUNT, **{"default-graph-uri": "http://example.org/unknown"}) == 0
    named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count(named, **{"named-graph-uri": DATASET}) == TRIPLES
    assert count(named, **{"named-graph-uri": "http://example.org/unknown"}) == 0
    assert count(COUNT, **{"named-graph-uri": DATASET}) == 0  # no default graph given
    # In the query: FROM names the dataset's graph; the protocol's dataset wins over it.
    assert count(f"SELECT (COUNT(*) AS ?n) FROM <{DATASET}> WHERE {{ ?s ?p ?o }}") == TRIPLES
    assert count("SELECT (COUNT(*) AS ?n) FROM <http://example.org/x> WHERE { ?s ?p ?o }") == 0
    assert (
        count(
            "SELECT (COUNT(*) AS ?n) FROM <http://example.org/x> WHERE { ?s ?p ?o }",
            **{"default-graph-uri": DATASET},
        )
        == TRIPLES
    )
    status, _, body = get_query(server, COUNT, **{"default-graph-uri": "not an iri"})
    assert status == 400 and b"Not an absolute IRI" in body
    form = urllib.parse.urlencode({"query": named, "named-graph-uri": DATASET}).encode()
    status, _, body = request(
        server, "POST", "/sparql", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == str(TRIPLES)


# --- Slow and idle clients --------------------------------------------------------------------


def test_an_idle_connection_is_closed(server):
    raw = socket.create_connection(("127.0.0.1", server[0]), timeout=10)
    with raw:
        raw.sendall(b"GET /sparql HTTP/1.1\r\n")  # and nothing more
        started = time.monotonic()
        assert raw.recv(100) == b""  # closed by the server
        assert time.monotonic() - started < 2 + 2


def test_long_queries_never_hold_every_worker(server):
    """Two workers, one kept for quick queries: a second long query is stopped at once."""
    before = workers(server[1])
    answers = {}

    def long(i):
        answers[i] = get_query(server, EXPLOSIVE + f" # {i}")[0]

    first = threading.Thread(target=long, args=(1,))
    first.start()
    time.sleep(1.2)  # past the quick second: the first holds the one worker for long queries
    started = time.monotonic()
    status, _, body = get_query(server, EXPLOSIVE + " # 2")
    assert status == 503 and b"kept for quick queries" in body
    assert time.monotonic() - started < 4  # well before the 5 s timeout
    status, _, _ = get_query(server, COUNT + " # quick, meanwhile")
    assert status == 200
    first.join(30)
    assert answers[1] == 503  # the timeout of 5 s
    deadline = time.monotonic() + 30
    while len(workers(server[1])) < len(before) and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.mark.slow
def test_slow_readers_hold_bounded_memory(server):
    """Twenty clients ask for a 3 MB answer and stop reading: the server holds at most four
    answers of --max-answer (16 MB here), closes them after --write-timeout, and answers
    quick queries all along. Before the limits, each client held its whole answer."""
    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 6000 # "
    assert len(get_query(server, query + "size")[2]) > 2_000_000
    time.sleep(0.5)
    before = rss(server[1])
    clients = []
    for i in range(20):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", server[0]))
        path = "/sparql?" + urllib.parse.urlencode({"query": query + str(i)})
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        clients.append(sock)
    time.sleep(2.0)  # the answers are made; nobody reads them
    held = rss(server[1]) - before
    status, _, _ = get_query(server, COUNT + " # while they stall", timeout=5)
    assert status == 200
    assert held < 30 << 20, f"{held >> 20} MiB held by 20 stalled clients"
    time.sleep(3 + 3)  # --write-timeout, then the watchdog
    closed = 0
    for sock in clients:
        sock.settimeout(5)
        try:
            while sock.recv(1 << 20):
                pass
            closed += 1
        except OSError:
            closed += 1
        sock.close()
    assert closed == 20
    assert rss(server[1]) - before < 12 << 20


def test_too_many_connections_get_503(server):
    socks = [socket.create_connection(("127.0.0.1", server[0])) for _ in range(60)]
    try:
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", server[0]), timeout=5)
        with extra:
            assert extra.recv(100).startswith(b"HTTP/1.1 503 ")
    finally:
        for sock in socks:
            sock.close()
    time.sleep(0.3)
    assert get_query(server, COUNT + " # after the crowd")[0] == 200


# --- Random input -----------------------------------------------------------------------------

_WORDS = [
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "SERVICE", "FILTER", "BIND", "AS",
    "OPTIONAL", "UNION", "MINUS", "GRAPH", "VALUES", "FROM", "NAMED", "LIMIT", "ORDER BY",
    "GROUP BY", "COUNT(*)", "?s", "?p", "?o", "*", "{", "}", "(", ")", "[", "]", ".", ";", ",",
    "<http://127.0.0.1:9/x>", "schema:name", '"x"@th', "'''a'''", "1", "1.5", "#", "\n", "<",
    ">", "=", "!", "^", "/", "|", "\\u0053", "a", " ",
]  # fmt: skip


@pytest.mark.slow
def test_random_sparql_and_bytes_never_crash_a_worker(server):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    before = workers(server[1])
    queries = st.lists(st.sampled_from(_WORDS), max_size=40).map(" ".join) | st.text(max_size=200)

    @settings(
        max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(query=queries, body=st.binary(max_size=300), accept=st.sampled_from(
        [None, "text/csv", "application/sparql-results+xml", "text/turtle", "image/png", "*/*"]
    ))  # fmt: skip
    def probe(query, body, accept):
        status, _, _ = get_query(server, query, accept)
        assert status in STATUSES, (query, status)
        for media in ("application/sparql-query", "application/x-www-form-urlencoded"):
            status, _, _ = request(server, "POST", "/sparql", body, {"Content-Type": media})
            assert status in STATUSES, (body, status)
        raw = socket.create_connection(("127.0.0.1", server[0]), timeout=10)
        with raw:
            raw.sendall(body.replace(b"\r", b"") + b"\r\n\r\n")
            answer = raw.recv(12)
        assert answer == b"" or int(answer[9:12]) in STATUSES, (body, answer)

    probe()
    assert workers(server[1]) == before  # not one worker died or was replaced


def test_files_served_as_they_are_carry_their_own_checksum(server):
    import hashlib

    for path, source in (("/ontology", ROOT / "ontology" / "jitarsa.ttl"),):
        status, headers, body = request(server, "GET", path)
        assert status == 200 and body == source.read_bytes()
        assert headers["ETag"] == '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        status, _, _ = request(server, "GET", path, headers={"If-None-Match": headers["ETag"]})
        assert status == 304


def test_a_refused_body_closes_the_connection(server):
    """A PUT's body is never read: it must not be taken for the next request."""
    raw = socket.create_connection(("127.0.0.1", server[0]), timeout=10)
    with raw:
        smuggled = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n"
        raw.sendall(
            b"PUT /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(smuggled)
            + smuggled
        )
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 405 ") and answer.count(b"HTTP/1.1 ") == 1
