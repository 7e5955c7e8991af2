"""Choosing the SHACL engine: the fast engine whenever it evaluates the shapes, else pySHACL
(slower, and deviating from SHACL where docs/validation.md lists), with the same report.

The shapes (ontology/shapes.ttl unless another shapes graph is given) are the data contract;
the data is a data folder's graph or any RDF file (`read_dump`).
"""

from __future__ import annotations

import sys

from jitarsa.resources import shapes_file
from jitarsa.shacl.report import Report, result_order

ENGINES = ("auto", "fast", "pyshacl")
#: pySHACL's time a triple of the jitarsa graph, for the cost of a fallback (docs/validation.md).
PYSHACL_SECONDS_PER_TRIPLE = 0.0005


def validate_triples(triples, base: str, engine: str = "auto", shapes=None) -> Report:
    """Validate the triples `graph.triples()` made (or pyoxigraph triples), with the fast
    engine or pySHACL, against the shapes file `shapes` (the project's shapes.ttl unless given).

    "auto" is the fast engine, falling back to pySHACL, saying why on stderr, if the shapes use
    SHACL it does not evaluate; "fast" raises ShapesError then. The fast engine's report has no
    RDF report graph (`Report.graph` is None): ask for engine="pyshacl" when that is needed."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    from jitarsa.shacl._pyshacl import shapes_graph, to_rdflib, validate_graph

    shapes_path = shapes or shapes_file()
    reference_shapes = shapes_graph(shapes) if shapes else None  # a user's file: readable?
    if engine != "pyshacl":
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
            cost = f"{seconds / 60:.0f} min" if seconds >= 60 else f"{max(seconds, 1):.0f} s"
            print(
                f"jitarsa: the fast SHACL engine does not evaluate {why}; validating "
                f"{len(triples):,} triples with pySHACL instead (about {cost}, "
                "some 30 to 60 times slower)",
                file=sys.stderr,
            )
        except SyntaxError as err:  # pyoxigraph's Turtle parser is stricter than rdflib's
            raise ShapesError(f"is not valid Turtle ({err})", str(shapes_path)) from None
        else:
            return Report(conforms=not found, violations=found, graph=None)
    return validate_graph(to_rdflib(triples), base, reference_shapes)


def read_dump(path) -> list:
    """The triples of an RDF file in any format `serve --dump` reads (by its extension); for
    N-Quads and TriG, those of every graph, merged. DumpError if it cannot be read."""
    from pyoxigraph import Triple, parse

    from jitarsa.errors import DumpError
    from jitarsa.formats import for_path

    try:
        fmt = for_path(path).pyoxigraph()
    except KeyError:
        raise DumpError(
            "unknown RDF format; name the file .ttl, .nt, .jsonld, .nq, .trig or .rdf", path
        ) from None
    try:
        quads = parse(path=str(path), format=fmt)
        found = {Triple(q.subject, q.predicate, q.object) for q in quads}
    except SyntaxError as err:
        raise DumpError(f"not valid RDF: {err}", path) from None
    except OSError as err:
        raise DumpError(f"cannot be read ({err.strerror or err})", path) from None
    if any(isinstance(t.object, Triple) for t in found):
        raise DumpError("holds triple terms (RDF 1.2), which SHACL does not define", path)
    return sorted(found, key=str)  # the same order every run: reports list results in order


def validate(
    data_dir=None, base: str | None = None, engine: str = "auto", shapes=None, dump=None
) -> Report:
    """Validate a data folder's graph (the default dataset unless given), or the RDF file
    `dump` (entity ids in the report relative to `base`, jitarsa's unless given)."""
    if dump is not None:
        from jitarsa.namespaces import DEFAULT_BASE

        return validate_triples(read_dump(dump), base or DEFAULT_BASE, engine, shapes)
    from jitarsa.rdf.graph import triples
    from jitarsa.records.load import load_dataset
    from jitarsa.resources import default_data_dir

    dataset = load_dataset(data_dir or default_data_dir(), base=base)
    return validate_triples(triples(dataset), dataset.info.base, engine, shapes)
