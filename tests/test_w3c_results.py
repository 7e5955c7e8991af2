"""The W3C SPARQL 1.1 result-format tests (CSV, TSV, JSON), run against `jitarsa serve`.

../shared/w3c/sparql11/{csv-tsv-res,json-res}: each test is a query over a small data file and
the answer in one format. The data files are served by one `jitarsa serve --dump` as named
graphs, and each test's query names its data with the protocol's `default-graph-uri`; the answer
is asked for by `Accept`. Answers are compared as solutions: columns by variable name (SPARQL
1.1 defines `SELECT *` as the set of in-scope variables, not their order, and Oxigraph lists
them alphabetically), blank nodes up to renaming, rows in order (every query has ORDER BY).

Known deviations (DEVIATIONS): Oxigraph's store keeps literals of the numeric datatypes by
value, so an answer gives the value's canonical form, not the form of the data: `"1.0E6"` of
`xsd:double` comes back as `"1000000"`, and `"-3"^^xsd:negativeInteger` as `-3` of
`xsd:integer`. jitarsa cannot undo that after the store has it; its own data uses neither
datatype (dates, years and integers are written in their canonical forms).
"""

from __future__ import annotations

import csv
import io
import sys
import urllib.parse
from pathlib import Path

import pytest
from conftest import SHARED, free_port, running, serving_graphs

pytestmark = [pytest.mark.network_service]

SUITES = SHARED / "w3c" / "sparql11"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
QT = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#"
MEDIA = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".srj": "application/sparql-results+json",
}
#: Upstream behaviour that changes a test's answer: the reason, where it is tracked, and the
#: expected answer as the deviation changes it (from, to).
DOUBLE = (
    'Oxigraph keeps xsd:double by value: "1.0E6" is answered as "1000000" '
    "(https://github.com/oxigraph/oxigraph/issues/356)"
)
NEGATIVE = (
    "Oxigraph stores the integer types derived from xsd:integer as xsd:integer: "
    '"-3"^^xsd:negativeInteger is answered as -3 (not yet reported upstream)'
)
XSD = "http://www.w3.org/2001/XMLSchema#"
DEVIATIONS = {
    "csv03": (DOUBLE, [("1.0E6", "1000000")]),
    "tsv03": (
        f"{DOUBLE}; {NEGATIVE}",
        [("1.0e6", f'"1000000"^^<{XSD}double>'), (f'"-3"^^<{XSD}negativeInteger>', "-3")],
    ),
}


def beside(folder: Path, term) -> Path:
    """The file of the suite's folder that a manifest's relative IRI names."""
    return folder / str(term).rsplit("/", 1)[-1]


def read_tests() -> list[dict]:
    import rdflib
    from rdflib.collection import Collection

    tests = []
    for suite in ("csv-tsv-res", "json-res"):
        folder = SUITES / suite
        graph = rdflib.Graph().parse(folder / "manifest.ttl", format="turtle", publicID="")
        mf, qt = rdflib.Namespace(MF), rdflib.Namespace(QT)
        root = next(graph.subjects(rdflib.RDF.type, mf.Manifest))
        for test in Collection(graph, graph.value(root, mf.entries)):
            action = graph.value(test, mf.action)

            tests.append(
                {
                    "name": str(test).rsplit("#", 1)[1],
                    "query": beside(folder, graph.value(action, qt.query)),
                    "data": beside(folder, graph.value(action, qt.data)),
                    "result": beside(folder, graph.value(test, mf.result)),
                }
            )
    return tests


TESTS = read_tests() if SUITES.is_dir() else []


def graph_name(data: Path) -> str:
    return f"http://example.org/w3c/{data.parent.name}/{data.name}"


def test_the_suites_are_complete():
    assert sorted(t["name"] for t in TESTS) == sorted(
        [f"{f}0{n}" for f in ("csv", "tsv") for n in (1, 2, 3)]
        + [f"jsonres0{n}" for n in (1, 2, 3, 4)]
    )


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory) -> int:
    """`jitarsa serve --dump` over every test's data, each file a named graph."""
    graphs = {graph_name(t["data"]): t["data"] for t in TESTS}
    with serving_graphs(graphs, tmp_path_factory.mktemp("results")) as port:
        yield port


def ask(port: int, test: dict) -> tuple[str, bytes]:
    import http.client

    params = urllib.parse.urlencode(
        {
            "query": test["query"].read_text(encoding="utf-8"),
            "default-graph-uri": graph_name(test["data"]),
        }
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "GET", "/sparql?" + params, headers={"Accept": MEDIA[test["result"].suffix]}
        )
        answer = connection.getresponse()
        body = answer.read()
        assert answer.status == 200, body
        return answer.headers["Content-Type"].split(";")[0], body
    finally:
        connection.close()


def solutions(data: bytes, media: str):
    """The answer as (variables, rows of {variable: value}), blank nodes numbered in order of
    appearance; CSV values are text, the others RDF terms."""
    from pyoxigraph import BlankNode, QueryResultsFormat, parse_query_results

    blanks: dict[str, str] = {}

    def blank(label: str) -> str:
        return blanks.setdefault(label, f"_:b{len(blanks)}")

    if media == "text/csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        names, out = rows[0], []
        for row in rows[1:]:
            out.append(
                {
                    n: (blank(v) if v.startswith("_:") else v)
                    for n, v in zip(names, row, strict=True)
                    if v
                }
            )
        return sorted(names), out
    parsed = parse_query_results(data, format=QueryResultsFormat.from_media_type(media))
    if isinstance(parsed, bool) or not hasattr(parsed, "variables"):
        return None, bool(parsed)
    names = [v.value for v in parsed.variables]
    out = []
    for solution in parsed:
        row = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = blank(term.value) if isinstance(term, BlankNode) else term
        out.append(row)
    return sorted(names), out


@pytest.mark.parametrize("test", TESTS, ids=[t["name"] for t in TESTS])
def test_result_format(endpoint, test):
    """The answer equals the expected one; for a listed deviation, it equals the expected one
    as the deviation changes it, and not the expected one itself (so that the test says when
    upstream changes)."""
    media, body = ask(endpoint, test)
    assert media == MEDIA[test["result"].suffix]
    expected = test["result"].read_bytes()
    if test["name"] in DEVIATIONS:
        _, changes = DEVIATIONS[test["name"]]
        assert solutions(body, media) != solutions(expected, media)
        for old, new in changes:
            assert old.encode() in expected
            expected = expected.replace(old.encode(), new.encode())
    assert solutions(body, media) == solutions(expected, media)


def test_a_carriage_return_survives_xml_results(tmp_path):
    """Oxigraph writes a literal's CR raw in XML results, which an XML parser reads as LF:
    jitarsa writes `&#13;` (on serve and in `jitarsa query`)."""
    import xml.etree.ElementTree as ET

    from jitarsa.sparql.execute import execute
    from jitarsa.sparql.results import render

    dump = tmp_path / "cr.nt"
    dump.write_text('<http://e/s> <http://e/p> "a\\rb\\nc" .\n', encoding="utf-8")
    query = "SELECT ?o { ?s ?p ?o }"
    written = execute(query, dump=dump, consume=lambda result: render(result, "xml"))
    assert b"\r" not in written and b"a&#13;b" in written
    literal = ET.fromstring(written).find(".//{http://www.w3.org/2005/sparql-results#}literal")
    assert literal is not None and literal.text == "a\rb\nc"

    port = free_port()
    args = [sys.executable, "-m", "jitarsa", "serve", "--dump", str(dump), "--port", str(port)]
    with running([*args, "--workers", "1", "--site", str(tmp_path)], port):
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        path = "/sparql?" + urllib.parse.urlencode({"query": query})
        connection.request("GET", path, headers={"Accept": "application/sparql-results+xml"})
        body = connection.getresponse().read()
        connection.close()
    assert body.rstrip(b"\n") == written.rstrip(b"\n")
