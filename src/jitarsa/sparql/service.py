"""The SPARQL 1.1 Service Description of `jitarsa serve` (its answer to `GET /sparql`).

It names the endpoint, the query language, every results and RDF format it writes, and its
default dataset: the default graph (held as the named graph of the dataset's IRI, so that it
has a name to give) and each named graph of a quads dump, each with its `void:triples`.
"""

from __future__ import annotations

from collections.abc import Mapping

from jitarsa.formats import RDF_FORMATS
from jitarsa.sparql.dataset import DEFAULT

FORMATS = "http://www.w3.org/ns/formats/"
RESULTS_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV")
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"


def description(endpoint: str, graph: str, counts: Mapping[str, int]) -> list:
    """The description's triples, sorted: ENDPOINT is the URL of /sparql, GRAPH the name of
    the default graph, COUNTS the triples in each graph (jitarsa.sparql.dataset.Served)."""
    from pyoxigraph import Literal, NamedNode, Triple

    from jitarsa.namespaces import SD as sd
    from jitarsa.rdf.graph import sort_triples

    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    service, dataset, default = (NamedNode(endpoint + s) for s in ("", "#dataset", "#graph"))
    triples = [
        Triple(service, rdf_type, NamedNode(sd + "Service")),
        Triple(service, NamedNode(sd + "endpoint"), service),
        Triple(service, NamedNode(sd + "supportedLanguage"), NamedNode(sd + "SPARQL11Query")),
        Triple(service, NamedNode(sd + "defaultDataset"), dataset),
        Triple(dataset, rdf_type, NamedNode(sd + "Dataset")),
        Triple(dataset, NamedNode(sd + "defaultGraph"), default),
    ]
    graphs = [(graph, default, counts.get(DEFAULT, 0))]
    others = sorted(name for name in counts if name not in (DEFAULT, graph))
    for number, name in enumerate(others, start=1):
        graphs.append((name, NamedNode(f"{endpoint}#graph-{number}"), counts[name]))
    for number, (name, node, count) in enumerate(graphs):
        named = NamedNode(endpoint + ("#named-graph" if number == 0 else f"#named-graph-{number}"))
        triples += [
            Triple(dataset, NamedNode(sd + "namedGraph"), named),
            Triple(named, rdf_type, NamedNode(sd + "NamedGraph")),
            Triple(named, NamedNode(sd + "name"), NamedNode(name)),
            Triple(named, NamedNode(sd + "graph"), node),
            Triple(node, rdf_type, NamedNode(sd + "Graph")),
            Triple(node, NamedNode(VOID_TRIPLES), Literal(count)),
        ]
    triples += [
        Triple(service, NamedNode(sd + "resultFormat"), NamedNode(FORMATS + name))
        for name in (*RESULTS_FORMATS, "SPARQL_Results_TSV")
    ]
    triples += [
        Triple(service, NamedNode(sd + "resultFormat"), NamedNode(fmt.iri)) for fmt in RDF_FORMATS
    ]
    return sort_triples(triples)
