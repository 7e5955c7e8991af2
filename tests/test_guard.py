"""The query guard: SERVICE refused however it is written, a bounded nesting depth, and nothing
refused for merely containing the word (in a string, an IRI, a comment, a name)."""

import contextlib
import socket
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jitarsa.errors import QueryError
from jitarsa.sparql.guard import MAX_NESTING, check


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <http://example.org/sparql> { ?a ?b ?c } }",
        "select * { service silent <http://example.org/sparql> { } }",
        "SELECT * { SERVIC\\u0045 <http://example.org/sparql> { } }",
        "SELECT * { \\U00000053ERVICE <http://example.org/sparql> { } }",
        "SELECT * { ?s ?p schema:a\\# SERVICE <http://example.org/sparql> { } }",
        "SELECT * { ?s ?p ?o FILTER(?o<1)SERVICE#>\n<http://example.org/sparql> { } }",
        "SELECT * { ?s ?p 1.SERVICE <http://example.org/sparql> { } }",
        "SELECT * { ?s ?p ?o}SERVICE?x{}",
    ],
)
def test_service_is_refused_however_it_is_written(query):
    with pytest.raises(QueryError, match="SERVICE"):
        check(query)
    if "#>" in query:  # or a less-than sign and a comment: refused unless spaced
        with pytest.raises(QueryError, match="could be an IRI or a less-than sign"):
            check(query, allow_service=True)
    else:
        assert check(query, allow_service=True) is False


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { ?s a <http://schema.org/Service> }",
        "SELECT * { ?s sd:service ?service . ?x service:y ?z }",
        'SELECT * { ?s ?p "SERVICE <http://example.org/> {}" }',
        "SELECT * { ?s ?p '''\nSERVICE <http://example.org/> {}\n''' }",
        "SELECT * { ?s ?p ?o # SERVICE <http://example.org/> {}\n}",
        "SELECT * { ?s schema:SERVICE ?o ; schema:a-service ?x }",
    ],
)
def test_the_word_alone_is_not_refused(query):
    assert check(query) is False


def test_from_is_found_only_as_a_keyword():
    assert check("SELECT * FROM <http://e/> { }") is True
    assert check("SELECT * FROM NAMED <http://e/> { }") is True
    assert check('SELECT * { ?s schema:from "FROM" . ?from ?p <http://e/FROM> }') is False


def test_nesting_is_counted_outside_strings_and_iris():
    assert check("ASK " + "{" * MAX_NESTING + "}" * MAX_NESTING) is False
    with pytest.raises(QueryError, match=f"more than {MAX_NESTING} deep"):
        check("ASK " + "{" * (MAX_NESTING + 1) + "}" * (MAX_NESTING + 1))
    with pytest.raises(QueryError):
        check("ASK { FILTER(" + "(" * 100 + "1" + ")" * 100 + ") }")
    assert check('ASK { ?s ?p "' + "{" * 1000 + '" }') is False


@pytest.mark.parametrize(
    "query",
    [
        "'''" + "a" * 500_000,
        "'" * 500_000,
        "<" * 500_000,
        "\\u" * 300_000,
        "a." * 250_000,
        "a-" * 250_000,
        "ASK{FILTER(" + "!" * 500_000 + "1)}",
        "<a" * 250_000,
        "?" * 500_000,
        "ASK { FILTER(?a<" + "1+" * 250_000 + "1>0) }",
    ],
    ids=range(10),
)
def test_hostile_lengths_are_checked_in_linear_time(query):
    started = time.monotonic()
    with contextlib.suppress(QueryError):
        check(query)
    assert time.monotonic() - started < 5  # linear: quadratic would take minutes


class Listener:
    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port, self.contacts = self.sock.getsockname()[1], 0
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.contacts += 1
            conn.close()


FRAGMENTS = [
    "SERVICE <URL> { ?a ?b ?c }", "service silent <URL> {}", "SERVIC\\u0045 <URL> {}",
    "\\u0053ERVICE<URL>{}", "SERVICE", "<URL>", "{}", "?s ?p ?o .", "?s schema:a\\# ",
    "# SERVICE\n", '"SERVICE"', "'''x\nSERVICE'''", "<http://e/)SERVICE#>", "FILTER(?o<1)",
    "FILTER(?o > 1)", "BIND(1 AS ?z)", "OPTIONAL {", "}", "{", ".", "?service", "schema:service",
    "<", ">", "#", "(", ")", "\n", " ", "1.", "\\", "'", '"',
]  # fmt: skip


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12))
def test_whatever_the_guard_lets_through_never_contacts_another_host(fragments):
    """A differential test against Oxigraph itself: a query the guard accepts is run, and a
    listener records whether the engine connected to it."""
    import pyoxigraph

    listener = LISTENER
    before = listener.contacts
    url = f"http://127.0.0.1:{listener.port}/sparql"
    query = "SELECT * WHERE { " + " ".join(fragments).replace("URL", url) + " }"
    try:
        check(query)
    except QueryError:
        return
    try:
        result = STORE.query(query, prefixes={"schema": "http://schema.org/"})
        if isinstance(result, pyoxigraph.QuerySolutions):
            list(result)
    except (SyntaxError, OSError, RuntimeError):
        pass
    time.sleep(0.01)
    assert listener.contacts == before, query


def _store():
    """One triple, so a triple pattern before a SERVICE matches and the SERVICE is evaluated."""
    from pyoxigraph import Literal, NamedNode, Quad, Store

    store = Store()
    store.add(Quad(NamedNode("http://e/s"), NamedNode("http://schema.org/a#"), Literal(0)))
    return store


LISTENER = Listener()
STORE = _store()
