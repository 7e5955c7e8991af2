"""The W3C SHACL Core test suite (tests/w3c/shacl-core) against both SHACL engines.

Every `sht:Validate` entry runs through pySHACL and through the fast engine. pySHACL, the
reference, gives the expected report except for the deviations listed in PYSHACL_DEVIATIONS,
each with its reason. The fast engine gives, for every entry, either the expected conforms flag
and the same set of (focus node, path, value, constraint component) results, or raises
Unsupported: a silent wrong answer fails the test. The per-folder table in docs/validation.md is
made from these outcomes (`python tests/test_w3c_shacl.py` rewrites it).
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest
import rdflib
from pyoxigraph import RdfFormat, parse
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from jitarsa.errors import Unsupported
from jitarsa.rdf.graph import Blank, as_graph
from jitarsa.shacl._fast import Data, Engine, Shapes

SUITE = Path(__file__).resolve().parent / "w3c" / "shacl-core"
DOC = Path(__file__).resolve().parent.parent / "docs" / "validation.md"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = rdflib.Namespace("http://www.w3.org/ns/shacl-test#")

#: Entries where pySHACL's report differs from the expected one, and why.
PYSHACL_DEVIATIONS = {
    "property/uniqueLang-002": 'pySHACL reads sh:uniqueLang "1"^^xsd:boolean as true; SHACL '
    "admits only the literal true, so the shape has no uniqueLang constraint",
}


def entries():
    """(id, folder, data file, shapes file, expected conforms, expected results)."""
    out = []
    for path in sorted(SUITE.rglob("*.ttl")):
        if "sht:Validate" not in path.read_text(encoding="utf-8"):
            continue
        graph = rdflib.Graph().parse(path, format="turtle", publicID=path.as_uri())
        for test in sorted(graph.subjects(RDF.type, SHT.Validate)):
            action = graph.value(test, MF.action)
            report = graph.value(test, MF.result)
            results = {_expected(graph, r) for r in graph.objects(report, SH.result)}
            name = f"{path.parent.name}/{str(test).rsplit('/', 1)[-1]}"
            out.append(
                (
                    name,
                    path.parent.name,
                    _file(graph.value(action, SHT.dataGraph)),
                    _file(graph.value(action, SHT.shapesGraph)),
                    graph.value(report, SH.conforms).toPython(),
                    frozenset(results),
                )
            )
    return out


def _file(iri) -> Path:
    return Path(url2pathname(urlparse(str(iri)).path))


def _expected(graph, result) -> tuple:
    return (
        _key(graph.value(result, SH.focusNode)),
        _path_key(graph, graph.value(result, SH.resultPath)),
        _key(graph.value(result, SH.value)),
        str(graph.value(result, SH.sourceConstraintComponent)),
    )


def _key(term):
    """A term as compared: blank nodes all alike (their labels differ between parsers), literals
    as rdflib writes them."""
    if term is None:
        return None
    if isinstance(term, BNode):
        return "_:"
    if isinstance(term, Literal):
        return _literal(str(term), term.language, term.datatype)
    return term.n3()


def _literal(text, lang, datatype) -> str:
    """rdflib's N-Triples form, with a simple literal's xsd:string written out."""
    return Literal(text, lang=lang, datatype=None if lang else (datatype or XSD.string)).n3()


def _path_key(graph, path):
    if path is None or isinstance(path, URIRef):
        return _key(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_key(graph, inverse)
    alternative = graph.value(path, SH.alternativePath)
    if alternative is not None:
        items = rdflib.collection.Collection(graph, alternative)
        return "|".join(_path_key(graph, p) for p in items)
    return "(complex path)"


def _fast_key(value):
    if value is None:
        return None
    if type(value) is tuple:
        text, lang, datatype = value
        return _literal(text, lang, URIRef(datatype) if datatype else None)
    if isinstance(value, Blank):
        return "_:"
    return URIRef(value).n3()


def _fast_path_key(path):
    if path is None:
        return None
    kind, p = path
    if kind == "iri":
        return _fast_key(p.value)
    if kind == "inverse":
        return "^" + _fast_key(p.value)
    return "|".join(_fast_key(q.value) for q in p)


def _triples(path: Path):
    return list(parse(path=str(path), format=RdfFormat.TURTLE, base_iri=path.as_uri()))


def run_fast(data_file: Path, shapes_file: Path):
    """(conforms, results) of the fast engine, or Unsupported raised."""
    shapes_triples = _triples(shapes_file)
    data_triples = shapes_triples if data_file == shapes_file else _triples(data_file)
    shapes = Shapes(shapes_triples)
    engine = Engine(shapes, Data(as_graph(data_triples)), details=False)
    results = {
        (_fast_key(focus), _fast_path_key(path), _fast_key(value), str(SH) + component)
        for focus, path, value, component, _, _ in engine.results()
    }
    return not results, results


def run_pyshacl(data_file: Path, shapes_file: Path):
    import pyshacl

    data = rdflib.Graph().parse(data_file, format="turtle", publicID=data_file.as_uri())
    shapes = rdflib.Graph().parse(shapes_file, format="turtle", publicID=shapes_file.as_uri())
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    top = report.value(None, RDF.type, rdflib.URIRef(str(SH) + "ValidationReport"))
    return bool(conforms), {_expected(report, r) for r in report.objects(top, SH.result)}


ENTRIES = entries()


@cache
def fast_outcome(name: str) -> str:
    """ "pass", "unsupported: why" or "WRONG: what differs"."""
    _, _, data_file, shapes_file, conforms, expected = _entry(name)
    try:
        got_conforms, got = run_fast(data_file, shapes_file)
    except Unsupported as why:
        return f"unsupported: {why}"
    if got_conforms != conforms or got != expected:
        return f"WRONG: conforms {got_conforms}; missing {expected - got}; extra {got - expected}"
    return "pass"


@cache
def pyshacl_outcome(name: str) -> str:
    _, _, data_file, shapes_file, conforms, expected = _entry(name)
    try:
        got_conforms, got = run_pyshacl(data_file, shapes_file)
    except Exception as err:  # pySHACL refuses some shapes graphs outright
        return f"error: {type(err).__name__}: {err}"
    if got_conforms != conforms or got != expected:
        return f"differs: conforms {got_conforms}; missing {expected - got}; extra {got - expected}"
    return "pass"


def _entry(name: str):
    return next(e for e in ENTRIES if e[0] == name)


NAMES = [e[0] for e in ENTRIES]


def test_the_suite_is_all_there():
    assert len(ENTRIES) == 98  # every sht:Validate entry of the suite
    assert {e[1] for e in ENTRIES} == {
        "complex",
        "misc",
        "node",
        "path",
        "property",
        "targets",
        "validation-reports",
    }


@pytest.mark.parametrize("name", NAMES)
def test_fast_engine_is_right_or_refuses(name):
    outcome = fast_outcome(name)
    assert outcome == "pass" or outcome.startswith("unsupported: "), outcome


@pytest.mark.parametrize("name", NAMES)
def test_pyshacl_passes_or_deviates_as_listed(name):
    outcome = pyshacl_outcome(name)
    if name in PYSHACL_DEVIATIONS:
        assert outcome != "pass", f"{name} now passes: remove it from PYSHACL_DEVIATIONS"
    else:
        assert outcome == "pass", outcome


def table() -> str:
    """The per-folder table of docs/validation.md."""
    rows = [
        "| folder | tests | fast: pass | fast: unsupported | pySHACL: pass "
        "| pySHACL: known deviation |",
        "|---|---|---|---|---|---|",
    ]
    folders = sorted({e[1] for e in ENTRIES})
    total = Counter()
    for folder in folders + ["all"]:
        names = [e[0] for e in ENTRIES if folder in (e[1], "all")]
        count = Counter(
            {
                "tests": len(names),
                "fast pass": sum(fast_outcome(n) == "pass" for n in names),
                "fast unsupported": sum(fast_outcome(n).startswith("unsupported") for n in names),
                "pyshacl pass": sum(pyshacl_outcome(n) == "pass" for n in names),
                "pyshacl deviation": sum(n in PYSHACL_DEVIATIONS for n in names),
            }
        )
        if folder == "all":
            count = total
            folder = "**all**"
        else:
            total += count
        rows.append(
            f"| {folder} | {count['tests']} | {count['fast pass']} | {count['fast unsupported']} "
            f"| {count['pyshacl pass']} | {count['pyshacl deviation']} |"
        )
    return "\n".join(rows) + "\n"


def test_zero_silent_wrong_answers_and_the_documented_table(capsys):
    outcomes = Counter(fast_outcome(n).split(":")[0] for n in NAMES)
    with capsys.disabled():
        print(
            f"\nW3C SHACL Core, fast engine: {outcomes['pass']} pass, "
            f"{outcomes['unsupported']} unsupported, {outcomes['WRONG']} silent wrong answers "
            f"of {len(NAMES)}"
        )
    assert outcomes["WRONG"] == 0
    assert outcomes["pass"] >= 60  # the fast engine really evaluates most of the suite
    assert table() in DOC.read_text(encoding="utf-8"), "rerun: python tests/test_w3c_shacl.py"


if __name__ == "__main__":
    text = DOC.read_text(encoding="utf-8")
    start = text.index("| folder | tests |")
    end = text.index("\n\n", start) + 1
    DOC.write_text(text[:start] + table() + text[end:], encoding="utf-8")
    for name in NAMES:
        for engine, outcome in (("fast", fast_outcome(name)), ("pyshacl", pyshacl_outcome(name))):
            if outcome != "pass":
                print(f"{name} [{engine}]: {outcome}")
