"""Which graphs `jitarsa serve` holds, and which of them a query sees.

The served source is N-Quads: jitarsa's own graph (a data folder, the packaged dump, any
triples file) is its default graph, and a quads file (`.nq`, `.trig`, JSON-LD with named
graphs) adds its named graphs. In the store the default graph is held as the named graph of the
dataset's IRI, so that `FROM <…/dataset>` and the protocol's parameters can name it.

A query's dataset (SPARQL 1.1 Protocol §2.1.4, Query §13.2): the protocol's
`default-graph-uri` and `named-graph-uri` when given (they win over the query's FROM and FROM
NAMED; a graph the endpoint does not hold is empty); else the query's own FROM / FROM NAMED;
else the service's: the default graph, with every graph (the dataset's too) as a named graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: The key of the default graph in Served.counts.
DEFAULT = ""


@dataclass(frozen=True)
class Served:
    """The served graphs as N-Quads, the base IRI, the VoID file beside a dump (if any) and
    the number of triples in each graph (DEFAULT for the default graph)."""

    nquads: bytes
    base: str
    void: Path | None
    counts: dict[str, int] = field(default_factory=dict)


def served(data_dir=None, dump=None) -> Served:
    """What `serve` holds for a data folder, the packaged dump or a dump file: an RDF file of
    any format is read whole, named graphs and all (a triples file has none)."""
    from jitarsa.sparql.execute import source_ntriples

    if data_dir is not None or dump is None:
        ntriples, base, void = source_ntriples(data_dir, dump)
        return Served(ntriples, base, void, {DEFAULT: ntriples.count(b"\n")})
    from pyoxigraph import RdfFormat

    from jitarsa.namespaces import DEFAULT_BASE
    from jitarsa.sparql.execute import open_store

    path = Path(dump)
    store = open_store(dump=path)
    counts = {DEFAULT: _count(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")}
    for solution in store.query(
        "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    ):
        counts[solution["g"].value] = int(solution["n"].value)
    nquads = store.dump(format=RdfFormat.N_QUADS)
    assert nquads is not None  # returned when no output file is given
    return Served(nquads, DEFAULT_BASE, path.with_name("void.ttl"), counts)


def _count(store, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)


def load(nquads: bytes, default: str):
    """A store of the served N-Quads, the default graph held as the named graph DEFAULT, and
    the named graphs a query sees by default (that one first)."""
    from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, parse

    name, unnamed = NamedNode(default), DefaultGraph()
    store = Store()
    store.extend(
        Quad(q.subject, q.predicate, q.object, name if q.graph_name == unnamed else q.graph_name)
        for q in parse(nquads, format=RdfFormat.N_QUADS)
    )
    named = [name] + sorted((g for g in store.named_graphs() if g != name), key=str)
    return store, named


def query_dataset(protocol, names_dataset: bool, named: list) -> dict:
    """The keyword arguments of pyoxigraph's Store.query that give a query its dataset:
    PROTOCOL is (default graph IRIs, named graph IRIs) or None, NAMES_DATASET whether the query
    has FROM or FROM NAMED, NAMED the graphs from `load` (the default graph's first)."""
    from pyoxigraph import NamedNode

    if protocol is not None:
        defaults, names = protocol
        return {
            "default_graph": [NamedNode(iri) for iri in defaults],
            "named_graphs": [NamedNode(iri) for iri in names],
        }
    if names_dataset:
        return {}
    return {"default_graph": named[0], "named_graphs": named}
