"""Each SHACL constraint of ontology/shapes.ttl rejects a graph that breaks it (mutation tests)."""

from pathlib import Path

import pytest
import rdflib
import yaml

from jitarsa.namespaces import PREFIXES, SH
from jitarsa.resources import shapes_file
from jitarsa.shacl._pyshacl import shapes_graph, validate_graph

CASES = yaml.safe_load((Path(__file__).parent / "shape_mutations.yaml").read_text("utf-8"))
JSH = "https://w3id.org/jitarsa/shapes#"
BASE = "https://w3id.org/jitarsa/"
PROLOGUE = (
    "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items()) + f"PREFIX n: <{BASE}org/>\n"
)
#: Constraint parameters → the component they belong to (SHACL core, section 4).
PARAMETERS = {
    "class": "Class",
    "datatype": "Datatype",
    "nodeKind": "NodeKind",
    "minCount": "MinCount",
    "maxCount": "MaxCount",
    "minInclusive": "MinInclusive",
    "pattern": "Pattern",
    "languageIn": "LanguageIn",
    "uniqueLang": "UniqueLang",
    "equals": "Equals",
    "in": "In",
    "or": "Or",
    "node": "Node",
    "qualifiedMinCount": "QualifiedMinCount",
}


@pytest.fixture(scope="module")
def published(built):
    return built.files["jitarsa.ttl"].decode("utf-8")


@pytest.fixture(scope="module")
def shapes():
    return shapes_graph()


def mutated(published: str, update: str) -> rdflib.Graph:
    graph = rdflib.Graph().parse(data=published, format="turtle")
    before = set(graph)
    graph.update(PROLOGUE + update)
    assert set(graph) != before, "the mutation changed nothing"
    return graph


def test_the_published_graph_conforms(published, shapes):
    report = validate_graph(rdflib.Graph().parse(data=published, format="turtle"), BASE, shapes)
    assert report.conforms, report.text()


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['shape']}-{c['component']}")
def test_constraint_rejects_its_mutation(case, published, shapes):
    report = validate_graph(mutated(published, case["update"]), BASE, shapes)
    assert not report.conforms
    found = {(v.shape, v.component, v.record) for v in report.violations}
    expected = (
        f"{JSH}{case['shape']}" if not case["shape"].startswith("jsh") else case["shape"],
        f"sh:{case['component']}ConstraintComponent",
        case.get("record"),
    )
    hits = [
        f
        for f in found
        if f[0].endswith("#" + case["shape"])
        and f[1] == expected[1]
        and (case.get("record") is None or f[2] == case["record"])
    ]
    assert hits, f"expected {expected}, got {sorted(map(str, found))}"
    messages = [v for v in report.violations if v.shape.endswith("#" + case["shape"])]
    assert all(v.message_en and v.message_th for v in messages)


def constrained_pairs() -> set[tuple[str, str]]:
    """Every (named shape, constraint component) in shapes.ttl."""
    graph = rdflib.Graph().parse(shapes_file())
    pairs = set()
    for shape in set(graph.subjects()):
        if not str(shape).startswith(JSH):
            continue
        for predicate in graph.predicates(shape, None):
            name = str(predicate)[len(SH) :] if str(predicate).startswith(SH) else None
            if name in PARAMETERS:
                pairs.add((str(shape)[len(JSH) :], PARAMETERS[name]))
    return pairs


def test_every_constraint_has_a_mutation_case():
    pairs = constrained_pairs()
    assert len(pairs) > 30
    covered = {(c["shape"], c["component"]) for c in CASES}
    assert sorted(pairs - covered) == []
    assert sorted(covered - pairs) == []
