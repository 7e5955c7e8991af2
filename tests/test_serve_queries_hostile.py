"""Issue 24, queries: what the endpoint, `jitarsa query` and `jitarsa.query()` do with SERVICE
spelled as the engine reads it, with queries built to exhaust the parser, and what a query
worker can reach when the guard is set aside (nothing: it has no network)."""

import subprocess
import sys
import time
import urllib.parse

import pytest
from test_guard import LONG, glued_spellings
from test_serve_hostile import ROOT, Listener, get_query, request, start, stop, workers

pytestmark = [pytest.mark.network_service, pytest.mark.slow]

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def server():
    proc, port = start("--workers", "2", "--timeout", "5", "--require-isolation")
    try:
        yield port, proc.pid
    finally:
        stop(proc)


def test_the_glued_spellings_are_refused_over_every_transport(server):
    listener = Listener()
    before = workers(server[1])
    assert len(before) == 2
    for query in glued_spellings(listener.port):
        answers = [
            get_query(server, query),
            request(server, "POST", "/sparql", urllib.parse.urlencode({"query": query}).encode(),
                    {"Content-Type": FORM}),
            request(server, "POST", "/sparql", query.encode(),
                    {"Content-Type": "application/sparql-query"}),
        ]  # fmt: skip
        for status, _, body in answers:
            assert status == 400, (query, body)
            assert body.decode().count("\n") == 1 and "SERVICE" in body.decode(), body
    time.sleep(0.5)
    assert listener.contacts == 0
    assert workers(server[1]) == before


def test_jitarsa_query_refuses_the_glued_spellings():
    listener = Listener()
    for query in glued_spellings(listener.port):
        result = subprocess.run(
            [sys.executable, "-m", "jitarsa", "query", query],
            capture_output=True, text=True, cwd=ROOT, timeout=60,
        )  # fmt: skip
        assert result.returncode == 2, result
        assert result.stderr.startswith("Error: SERVICE") and result.stderr.count("\n") == 1
    assert listener.contacts == 0


@pytest.mark.parametrize("kind", sorted(LONG))
def test_exhausting_queries_are_400_and_no_worker_dies(server, kind):
    before = workers(server[1])
    status, _, body = request(
        server, "POST", "/sparql", LONG[kind].encode(),
        {"Content-Type": "application/sparql-query"},
    )  # fmt: skip
    assert status == 400, body[:200]
    assert b"more than 10,000 tokens" in body or b"more than 16 operators" in body
    assert workers(server[1]) == before


def test_jitarsa_query_refuses_300000_negations(tmp_path):
    query = tmp_path / "not.rq"
    query.write_text("ASK{FILTER(" + "!" * 300_000 + "1)}")
    result = subprocess.run(
        [sys.executable, "-m", "jitarsa", "query", str(query)],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-300:]
    assert result.stderr.startswith("Error: the query chains more than 16 operators like !")
    assert result.stderr.count("\n") == 1


def test_jitarsa_query_abandons_a_local_query_past_its_timeout():
    explosive = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "jitarsa", "query", "--timeout", "1", explosive],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        "Error: the query ran longer than 1 s (--timeout; timeout= from Python) and was "
        "abandoned; ask for less, or allow more time\n"
    )
    assert time.monotonic() - started < 10


def test_serve_says_nothing_about_isolation_when_it_has_it():
    proc, port = start("--workers", "1")
    try:
        assert get_query((port, proc.pid), "ASK {}")[0] == 200
    finally:
        stop(proc)
    assert "network" not in proc.stderr.read()


# --- Isolation: the workers have no network, even past the guard -----------------------------


def _service_query(port: int) -> str:
    return f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/x> {{ ?a ?b ?c }} }}"


def test_with_the_guard_set_aside_an_isolated_worker_connects_nowhere():
    from jitarsa.sparql.server import Pool

    ntriples = (ROOT / "dist" / "jitarsa.nt").read_bytes()
    listener = Listener()
    pool = Pool(ntriples, 1, 10.0, cache=0, isolate=True, allow_service=True)
    try:
        if pool.isolation:
            pytest.skip(f"this system gives no network namespace: {pool.isolation}")
        answer = pool.run("query", _service_query(listener.port), None)
        assert answer.status == 500 and b"unreachable" in answer.body.lower(), answer
    finally:
        pool.close()
    time.sleep(0.3)
    assert listener.contacts == 0
    # The same worker with the network (so this test can fail) does connect.
    pool = Pool(ntriples, 1, 10.0, cache=0, isolate=False, allow_service=True)
    try:
        assert pool.isolation == "not asked for"
        pool.run("query", _service_query(listener.port), None)
    finally:
        pool.close()
    time.sleep(0.3)
    assert listener.contacts >= 1


_NEAR_SERVICE = [
    "SERVICE", "service", "SERVIC\\u0045", "SILENT", "<URL>", "{ ?a ?b ?c }", "16", "+16", "1.5",
    "1e5", "true", '"x"', '"x"@th', "?o", "schema:a", "_:b", "[]", ".", ";", ",", "#c\n", "(",
    ")", "<", ">", "!", "-", "^", "/", "|", "FILTER(", "UNION", "OPTIONAL", " ", "",
]  # fmt: skip


def test_queries_around_service_and_long_chains_never_lose_a_worker(server):
    """Hypothesis writes queries from pieces around the SERVICE keyword, glued or spaced, and
    chains of operators or terms long and short: every answer has a documented status, no
    worker is lost (their PIDs compared) and the listener records nothing."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from test_serve_hostile import STATUSES

    listener = Listener()
    url = f"http://127.0.0.1:{listener.port}/x"
    before = workers(server[1])
    pieces = st.lists(st.sampled_from(_NEAR_SERVICE), max_size=20).map("".join)
    chains = st.tuples(
        st.sampled_from(["!", "- ", "^", "1+", "?s/", "true||", "{}UNION", "OPTIONAL{}"]),
        st.sampled_from([1, 15, 17, 5_000, 20_000, 100_000]),  # under the 1 MiB of a body
    ).map(lambda c: c[0] * c[1])

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(head=pieces, chain=chains, tail=pieces, form=st.sampled_from(["SELECT *", "ASK"]))
    def probe(head, chain, tail, form):
        query = f"{form} WHERE {{ ?s ?p ?o {head} FILTER({chain}1) {tail} }}".replace("URL", url)
        status, _, _ = request(
            server, "POST", "/sparql", query.encode(),
            {"Content-Type": "application/sparql-query"},
        )  # fmt: skip
        assert status in STATUSES, (query[:200], status)

    probe()
    time.sleep(0.5)
    assert listener.contacts == 0
    assert workers(server[1]) == before


# --- An endpoint's answer that breaks while it is written out -------------------------------


def test_an_answer_that_breaks_while_it_is_written_is_one_line():
    """The results are parsed as they are written (now on the query's thread): a term of an
    unknown type halfway through is exit 3 and one line, not a traceback."""
    from test_load_hostile import Store, one_line_exit_3

    def answer(conn):
        body = (
            b'{"head":{"vars":["a"]},"results":{"bindings":[{"a":{"type":"uri","value":'
            b'"http://e/"}},{"a":{"type":"bogus","value":"x"}}]}}'
        )
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )

    store = Store(answer)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "jitarsa", "query", "SELECT * { ?a ?b ?c }", "--format",
             "tsv", "--endpoint", f"http://127.0.0.1:{store.port}/sparql"],
            capture_output=True, text=True, cwd=ROOT, timeout=60,
        )  # fmt: skip
    finally:
        store.close()
    assert "answered with invalid results" in one_line_exit_3(result)
