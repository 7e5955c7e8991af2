"""Choosing the SHACL engine: pySHACL (the reference) for small graphs, the fast engine for
large ones, with the same report.

The shapes (ontology/shapes.ttl unless another shapes graph is given) are the data contract.
"""

from __future__ import annotations

import sys

from jitarsa.resources import shapes_file
from jitarsa.shacl.report import Report, result_order

#: From this many triples on, `engine="auto"` uses the fast engine (jitarsa.shacl._fast): pySHACL
#: takes about 0.5 ms a triple, the fast engine a hundredth of that, with the same results.
FAST_FROM = 2_000
ENGINES = ("auto", "fast", "pyshacl")
#: pySHACL's time a triple of the jitarsa graph, for the cost of a fallback (docs/validation.md).
PYSHACL_SECONDS_PER_TRIPLE = 0.0005


def validate_triples(triples, base: str, engine: str = "auto", shapes=None) -> Report:
    """Validate the triples `graph.triples()` made, with pySHACL or the fast engine, against
    the shapes file `shapes` (the project's shapes.ttl unless given).

    "auto" is pySHACL below FAST_FROM triples and the fast engine from there; the fast engine
    falls back to pySHACL, saying why on stderr, if the shapes use SHACL it does not evaluate.
    "fast" raises ShapesError then. Its report has no RDF report graph (`Report.graph` is
    None): ask for engine="pyshacl" when that is needed."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    from jitarsa.shacl._pyshacl import shapes_graph, to_rdflib, validate_graph

    shapes_path = shapes or shapes_file()
    reference_shapes = shapes_graph(shapes) if shapes else None  # a user's file: readable?
    if engine == "fast" or (engine == "auto" and len(triples) >= FAST_FROM):
        from jitarsa.errors import ShapesError, Unsupported
        from jitarsa.shacl._fast import violations

        try:
            found = sorted(violations(triples, base, shapes_path), key=result_order)
        except Unsupported as why:
            if engine == "fast":
                raise ShapesError(
                    f"the fast engine does not evaluate {why}: "
                    "validate with --engine pyshacl or auto",
                    str(shapes_path),
                ) from None
            seconds = len(triples) * PYSHACL_SECONDS_PER_TRIPLE
            cost = f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"
            print(
                f"jitarsa: the fast SHACL engine does not evaluate {why}; validating "
                f"{len(triples):,} triples with pySHACL instead (about {cost}, "
                "some 100 times slower)",
                file=sys.stderr,
            )
        else:
            return Report(conforms=not found, violations=found, graph=None)
    return validate_graph(to_rdflib(triples), base, reference_shapes)


def validate(data_dir=None, base: str | None = None, engine: str = "auto", shapes=None) -> Report:
    """Load a data folder (the default dataset unless given), build its graph, validate it."""
    from jitarsa.rdf.graph import triples
    from jitarsa.records.load import load_dataset
    from jitarsa.resources import default_data_dir

    dataset = load_dataset(data_dir or default_data_dir(), base=base)
    return validate_triples(triples(dataset), dataset.info.base, engine, shapes)
