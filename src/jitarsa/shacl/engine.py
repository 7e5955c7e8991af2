"""Choosing the SHACL engine: pySHACL (the reference) for small graphs, the fast engine for
large ones, with the same report.

The shapes (ontology/shapes.ttl) are the data contract.
"""

from __future__ import annotations

from jitarsa.resources import shapes_file
from jitarsa.shacl.report import Report, result_order

#: From this many triples on, `engine="auto"` uses the fast engine (jitarsa.shacl._fast): pySHACL
#: takes about 0.5 ms a triple, the fast engine a hundredth of that, with the same results.
FAST_FROM = 2_000
ENGINES = ("auto", "fast", "pyshacl")


def validate_triples(triples, base: str, engine: str = "auto") -> Report:
    """Validate the triples `graph.triples()` made, with pySHACL or the fast engine.

    "auto" is pySHACL below FAST_FROM triples and the fast engine from there; the fast engine
    falls back to pySHACL if the shapes use SHACL it does not evaluate. Its report has no RDF
    report graph (`Report.graph` is None): ask for engine="pyshacl" when that is needed."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "fast" or (engine == "auto" and len(triples) >= FAST_FROM):
        from jitarsa.errors import Unsupported
        from jitarsa.shacl._fast import violations

        try:
            found = sorted(violations(triples, base, shapes_file()), key=result_order)
        except Unsupported:
            pass
        else:
            return Report(conforms=not found, violations=found, graph=None)
    from jitarsa.shacl._pyshacl import to_rdflib, validate_graph

    return validate_graph(to_rdflib(triples), base)


def validate(data_dir=None, base: str | None = None, engine: str = "auto") -> Report:
    """Load a data folder (the default dataset unless given), build its graph, validate it."""
    from jitarsa.rdf.graph import triples
    from jitarsa.records.load import load_dataset
    from jitarsa.resources import default_data_dir

    dataset = load_dataset(data_dir or default_data_dir(), base=base)
    return validate_triples(triples(dataset), dataset.info.base, engine)
