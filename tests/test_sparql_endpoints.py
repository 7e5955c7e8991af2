"""`query --endpoint` and `load` against a real Oxigraph server started on 127.0.0.1."""

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import free_port, wait_for_port
from hypothesis import given, settings
from hypothesis import strategies as st

import jitarsa
from jitarsa.cli import cli

TRIPLES = len(
    Path(__file__)
    .resolve()
    .parent.parent.joinpath("dist", "jitarsa.nt")
    .read_text("utf-8")
    .splitlines()
)
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    """A real Oxigraph server (the `oxigraph` package's binary) on a free local port."""
    beside = Path(sys.executable).with_name("oxigraph")
    binary = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if binary is None:
        pytest.fail("the oxigraph server is missing: pip install -e '.[test]'")
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "serve",
            "--location",
            str(tmp_path_factory.mktemp("oxigraph")),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def count(url: str) -> int:
    return jitarsa.query(COUNT_ALL, endpoint=f"{url}/query")[0]["n"]


def test_load_replaces_the_default_graph_and_is_idempotent(oxigraph):
    first = invoke("load", "--endpoint", f"{oxigraph}/store")
    assert first.exit_code == 0
    assert first.output == (
        f"Loaded {TRIPLES} triples into the default graph (HTTP 204 from "
        f"{oxigraph}/store?default).\n"
    )
    assert count(oxigraph) == TRIPLES
    again = invoke("load", "--endpoint", f"{oxigraph}/store")
    assert again.exit_code == 0
    assert count(oxigraph) == TRIPLES


def test_load_into_a_named_graph_replaces_what_was_there(oxigraph, tmp_path):
    graph = "https://w3id.org/jitarsa/graph"
    old = tmp_path / "old.nt"
    old.write_text('<http://example.org/old> <http://example.org/p> "stale" .\n', "utf-8")
    assert (
        invoke(
            "load", "--endpoint", f"{oxigraph}/store", "--graph", graph, "--dump", str(old)
        ).exit_code
        == 0
    )
    result = invoke("load", "--endpoint", f"{oxigraph}/store", "--graph", graph)
    assert result.exit_code == 0
    in_graph = jitarsa.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
        endpoint=f"{oxigraph}/query",
    )
    assert in_graph == [{"n": TRIPLES}]
    stale = jitarsa.query('ASK { GRAPH ?g { ?s ?p "stale" } }', endpoint=f"{oxigraph}/query")
    assert stale is False


def test_query_an_endpoint_with_the_catalogue_and_params(oxigraph):
    invoke("load", "--endpoint", f"{oxigraph}/store")
    result = invoke("query", "member-count", "--endpoint", f"{oxigraph}/query", "--format", "csv")
    assert (result.exit_code, result.stdout_bytes) == (0, b"members\r\n40\r\n")
    rows = jitarsa.query("members", endpoint=f"{oxigraph}/query")
    assert rows == jitarsa.query("members")
    result = invoke(
        "query",
        "organisation",
        "--param",
        "id=mirror-foundation",
        "--endpoint",
        f"{oxigraph}/query",
        "--format",
        "nt",
    )
    assert result.exit_code == 0
    assert (
        result.output
        == invoke(
            "query", "organisation", "--param", "id=mirror-foundation", "--format", "nt"
        ).output
    )
    ask = invoke("query", 'ASK { ?o schema:name "No Such"@en }', "--endpoint", f"{oxigraph}/query")
    assert (ask.exit_code, ask.stdout_bytes) == (1, b"false\n")


def test_a_query_the_endpoint_refuses_is_a_bad_query(oxigraph):
    result = invoke("query", "SELECT * WHERE { ?s ?p }", "--endpoint", f"{oxigraph}/query")
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {oxigraph}/query refused the query (HTTP 400): ")


def test_endpoint_failures_exit_3(oxigraph):
    port = free_port()
    result = invoke("query", "members", "--endpoint", f"http://127.0.0.1:{port}/sparql")
    assert result.exit_code == 3
    assert result.output == (
        f"Error: cannot reach http://127.0.0.1:{port}/sparql: [Errno 111] Connection refused\n"
    )
    result = invoke("load", "--endpoint", f"{oxigraph}/no-store")
    assert result.exit_code == 3
    assert result.output.startswith(f"Error: {oxigraph}/no-store?default answered HTTP 404")


def test_an_endpoint_that_does_not_answer_in_time_exits_3():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        result = invoke(
            "query", "members", "--endpoint", f"http://127.0.0.1:{port}/sparql", "--timeout", "0.3"
        )
    assert result.exit_code == 3
    assert result.output == f"Error: http://127.0.0.1:{port}/sparql did not answer within 0.3 s\n"


def test_bad_endpoint_and_graph_are_usage_errors():
    result = invoke("load", "--endpoint", "localhost:7878/store")
    assert result.exit_code == 2
    result = invoke("load", "--endpoint", "http://127.0.0.1:1/store", "--graph", "not an iri")
    assert (result.exit_code, result.output) == (
        2,
        "Error: --graph 'not an iri' is not an absolute IRI\n",
    )


@settings(max_examples=60, deadline=None)
@given(value=st.text(st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_no_param_value_changes_a_query_sent_to_another_engine(oxigraph, value):
    """The VALUES clause travels as text to the endpoint: Oxigraph reads back the same term."""
    from jitarsa.sparql.execute import execute, python_value
    from jitarsa.sparql.params import parse_term

    rows = execute(
        "SELECT ?v (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?v",
        {"v": value},
        endpoint=f"{oxigraph}/query",
    )
    rows = list(rows)
    term = parse_term(value)
    assert len(rows) == 1
    assert rows[0]["v"] == term or (
        rows[0]["v"].datatype == term.datatype and python_value(rows[0]["v"]) == python_value(term)
    )
