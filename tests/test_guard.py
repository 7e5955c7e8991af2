"""The query guard: SERVICE refused however it is written, a bounded nesting depth, and nothing
refused for merely containing the word (in a string, an IRI, a comment, a name)."""

import contextlib
import socket
import threading
import time
from pathlib import Path

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


# --- Issue 24: SERVICE as the engine reads it -------------------------------------------------

HOSTILE = Path(__file__).resolve().parent / "hostile"


def glued_spellings(port: int) -> list[str]:
    """The 18 spellings of tests/hostile/service-glued.rq, aimed at PORT."""
    text = (HOSTILE / "service-glued.rq").read_text("utf-8").replace("PORT", str(port))
    return [block.strip() for block in text.split("\n# ---\n")]


def run_in_engine(store, query: str) -> bool:
    """Run QUERY on Oxigraph with no guard; whether it parsed (an evaluation error is fine)."""
    import pyoxigraph

    from jitarsa.namespaces import PREFIXES

    try:
        result = store.query(query, prefixes=PREFIXES)
        if isinstance(result, (pyoxigraph.QuerySolutions, pyoxigraph.QueryTriples)):
            list(result)
    except SyntaxError:
        return False
    except (OSError, RuntimeError):
        pass
    return True


def contacted(listener: Listener, before: int) -> bool:
    time.sleep(0.02)
    return listener.contacts > before


def test_the_glued_spellings_reach_the_engine_and_are_refused():
    """Each spelling really makes Oxigraph connect when nothing stops it (so this test can
    fail), except `SERVIC\\u0045`, which Oxigraph 0.5 does not expand and SPARQL 1.1 does; the
    guard refuses every one."""
    from jitarsa.sparql.execute import open_store

    store = open_store()
    spellings = glued_spellings(LISTENER.port)
    assert len(spellings) == 18
    reached = 0
    for query in spellings:
        with pytest.raises(QueryError, match="SERVICE"):
            check(query)
        before = LISTENER.contacts
        run_in_engine(store, query)
        reached += contacted(LISTENER, before)
        assert contacted(LISTENER, before) or "\\u0045" in query, query
    assert reached == 15


def test_jitarsa_query_refuses_the_glued_spellings_and_connects_nowhere():
    import jitarsa

    before = LISTENER.contacts
    for query in glued_spellings(LISTENER.port):
        with pytest.raises(QueryError, match="SERVICE"):
            jitarsa.query(query)
    assert not contacted(LISTENER, before)


#: Terms of every kind of terminal, for the exhaustive test below.
_KINDS = [
    "16", "+16", "-16", "016", "16.", ".5", "1.5", "1e5", "1.5e-3", "1E+5", "true", "false",
    '"x"', "'x'", '"""x"""', "'''x'''", '"x"@th', '"x"@en-GB', '"a\\"b"', '"1"^^xsd:integer',
    '"1"^^<http://www.w3.org/2001/XMLSchema#integer>', "<http://e/o>", "<http://e/o#x>",
    "<http://e/\\u0041>", "schema:a", "schema:a.b", "schema:a.b.c", "schema:a-b", "schema:a\\#",
    "schema:a%41", "schema:", "schema:a..b", "?o", "$o", "?o1", "_:b", "_:b.c", "_:b.c.d", "[]",
    "[ schema:a 1 ]", "(1 2)",
    # Whole clauses before SERVICE, true for the data, a less-than sign among them.
    "?o FILTER(1<2)", "?o FILTER(1<(2))", "?o FILTER(bound(?o)||1<<http://e/#x>)",
    "?o BIND(1 AS ?x)", "?o FILTER(?o IN(<http://e/o>,<http://e/#x>))", "?o VALUES ?x {1}",
    "?o OPTIONAL{}", "?o {}", "?o FILTER(1<2#>\n)",
]  # fmt: skip
_GLUE_KINDS = ["", " ", "\n", ".", " . ", ";", " ;", "#c\n", "\t", ".."]


def _compare(obj: str, glue: str, keyword: str) -> None:
    """SERVICE written right after OBJ: when Oxigraph (with nothing stopping it) connects to
    the listener, the guard saw a SERVICE; when the guard saw one and the engine could parse
    the query, the engine connected."""
    from pyoxigraph import Store

    from jitarsa.namespaces import PREFIXES
    from jitarsa.sparql.guard import read

    store = Store()
    declared = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    term = obj if not obj.startswith(("?", "$")) else "<http://e/o>"
    with contextlib.suppress(SyntaxError):  # a blank node, a collection: these match anything
        store.update(declared + f"INSERT DATA {{ <http://e/s> <http://e/p> {term} }}")
    url = f"http://127.0.0.1:{LISTENER.port}/x"
    # The subject's variable is longer than any generated one: `?s <p> ?s` would match
    # nothing, and the engine would never reach SERVICE.
    query = (
        f"SELECT * WHERE {{ ?subject <http://e/p> {obj}{glue}{keyword} <{url}> {{ ?a ?b ?c }} }}"
    )
    before = LISTENER.contacts
    parsed = run_in_engine(store, query)
    reached = contacted(LISTENER, before)
    seen = read(query).service
    if reached:
        assert seen, query
    if seen and parsed and not glue.startswith("#"):
        assert reached, query


def test_service_after_every_kind_of_token_is_read_as_the_engine_reads_it():
    """Every kind of term, every way of gluing SERVICE after it, against the engine."""
    for obj in _KINDS:
        for glue in _GLUE_KINDS:
            _compare(obj, glue, "SERVICE")


_OBJECTS = st.one_of(
    st.integers(-(10**6), 10**6).map(lambda n: f"{n:+d}" if n % 3 == 0 else str(abs(n))),
    st.decimals(-1000, 1000, places=3, allow_nan=False).map(str),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(lambda f: f"{f:e}"),
    st.from_regex(
        r"schema:[a-z][a-z.\-]{0,6}[a-z]|_:[a-z][a-z.]{0,6}|\?[a-z][a-z0-9]{0,4}", fullmatch=True
    ),
    st.sampled_from(_KINDS),
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    obj=_OBJECTS,
    glue=st.sampled_from(_GLUE_KINDS),
    keyword=st.sampled_from(["SERVICE", "service", "Service"]),
)
def test_service_after_generated_terms_is_read_as_the_engine_reads_it(obj, glue, keyword):
    _compare(obj, glue, keyword)


# --- Issue 24: complexity bounded before parsing, on every path -------------------------------

_TERM = "?s schema:nothing ?o"
#: Eleven kinds of 10,000-term query that segfaulted the interpreter from jitarsa.query().
LONG = {
    "union": "ASK { " + " UNION ".join([f"{{ {_TERM} }}"] * 10_000) + " }",
    "plus": "ASK { FILTER(" + "+".join(["1"] * 10_000) + ") }",
    "or": "ASK { FILTER(" + "||".join(["false"] * 10_000) + ") }",
    "and": "ASK { FILTER(" + "&&".join(["true"] * 10_000) + ") }",
    "path": "ASK { ?s " + "/".join(["schema:nothing"] * 10_000) + " ?o }",
    "optional": "ASK { " + " ".join([f"OPTIONAL {{ {_TERM} }}"] * 10_000) + " }",
    "minus": "ASK { ?s ?p ?o " + " ".join([f"MINUS {{ {_TERM} }}"] * 10_000) + " }",
    "filters": "ASK { ?s ?p ?o " + " ".join(f"FILTER(?o != {i})" for i in range(10_000)) + " }",
    "binds": "ASK { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(10_000)) + " }",
    "objects": "ASK { ?s schema:nothing " + ", ".join(str(i) for i in range(10_000)) + " }",
    "not": "ASK { FILTER(" + "!" * 500_000 + "1) }",
}


@pytest.mark.parametrize("kind", LONG)
def test_long_queries_are_refused_through_the_api_before_they_are_parsed(kind):
    import jitarsa

    started = time.monotonic()
    with pytest.raises(QueryError, match="more than 10,000 tokens|more than 16 operators"):
        jitarsa.query(LONG[kind])
    assert time.monotonic() - started < 5


def test_chains_of_prefix_operators_are_bounded():
    assert check("ASK { FILTER(" + "!" * 16 + "true) }") is False
    for chain in ("!" * 17, "- " * 17, "!-" * 9, "+" * 17):
        with pytest.raises(QueryError, match="more than 16 operators like ! and -"):
            check("ASK { FILTER(" + chain + "1) }")
    with pytest.raises(QueryError, match="more than 16 operators"):
        check("ASK { ?s " + "^" * 17 + "schema:a ?o }")
    with pytest.raises(QueryError, match="more than 16 operators"):  # hidden in a word
        check("ASK { FILTER(true" + "-" * 17 + "1) }")


def test_a_less_than_sign_is_read_as_the_engine_reads_it():
    """`<` after a value in an expression is a comparison, whatever `>` follows: what it
    hides is counted, and a comment or string in it is refused (it could be an IRI too)."""
    with pytest.raises(QueryError, match="more than 64 deep"):
        check("ASK { FILTER(?a<" + "(" * 65 + "1>0" + ")" * 65 + ") }")
    with pytest.raises(QueryError, match="SERVICE"):  # what the engine reads after the comment
        check("ASK { FILTER(?a<1#>'''\n) SERVICE <http://e/> {} '''x''' }")
    with pytest.raises(QueryError, match="could be an IRI or a less-than sign"):
        check("ASK { FILTER(?a<1#>\n) }")
    assert check("ASK { VALUES (?a ?b) { (<http://e/#a> <http://e/#b>) } FILTER(?a < 1) }") is False
    assert check("ASK { ?s <http://e/#p> ?o FILTER(?o = <http://e/#x>) }") is False


def test_a_long_chain_under_the_limit_runs_on_the_large_stack_through_the_api():
    import jitarsa

    query = "ASK { " + " UNION ".join([f"{{ {_TERM} }}"] * 1_400) + " }"  # 9,800 tokens
    assert jitarsa.query(query) is False


def test_a_local_query_past_its_timeout_is_abandoned_through_the_api():
    import jitarsa

    explosive = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    with pytest.raises(QueryError, match="ran longer than 0.5 s"):
        jitarsa.query(explosive, timeout=0.5)
    assert time.monotonic() - started < 3
    assert jitarsa.query("member-count", timeout=30) == [{"members": 40}]
