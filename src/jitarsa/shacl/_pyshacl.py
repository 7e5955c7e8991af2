"""pySHACL: the data through rdflib (literals as written), results read back into a Report.

It runs when the fast engine refuses the shapes, and for the standard report graph; where it
deviates from SHACL, docs/validation.md lists.
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager

from jitarsa.namespaces import SCHEMA, SH, shorten
from jitarsa.resources import shapes_file
from jitarsa.shacl.report import Report, Violation, result_order


@contextmanager
def _literals_as_written():
    """rdflib parsing with its literal normalisation off: by default it rewrites
    "01"^^xsd:integer as "1", and `sh:in ( 1 )` would then accept it. RDF compares literals
    by their lexical form, and so does SHACL's sh:in and sh:hasValue."""
    import rdflib

    before = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = before


def to_rdflib(triples):
    """An rdflib Graph of a jitarsa graph or pyoxigraph triples, through N-Triples."""
    import rdflib

    from jitarsa.rdf.dumps import ntriples

    with _literals_as_written():
        return rdflib.Graph().parse(data=ntriples(triples).decode("utf-8"), format="nt")


def shapes_graph(path=None):
    """The rdflib graph of a shapes file (the project's unless given); ShapesError if it cannot
    be read as Turtle."""
    import rdflib

    from jitarsa.errors import ShapesError

    path = path or shapes_file()
    try:
        with _literals_as_written():
            return rdflib.Graph().parse(path, format="turtle")
    except OSError as err:
        raise ShapesError(f"cannot be read ({err.strerror})", str(path)) from None
    except Exception as err:  # rdflib's Turtle parser raises several kinds of error
        raise ShapesError(
            f"is not valid Turtle ({' '.join(str(err).split())})", str(path)
        ) from None


def validate_graph(data_graph, base: str, shapes=None) -> Report:
    """Validate an rdflib graph against the shapes (the project's unless given)."""
    import pyshacl
    from pyshacl.errors import ReportableRuntimeError

    from jitarsa.errors import ShapesError

    # pySHACL logs its errors and warns of recursive shapes on stderr, each over several
    # lines: the error is reported once, in one line, below.
    logging.getLogger("pyshacl-validate").disabled = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            conforms, results, _ = pyshacl.validate(
                data_graph,
                shacl_graph=shapes if shapes is not None else shapes_graph(),
                inference="none",
                advanced=True,
                allow_warnings=False,
            )
    except ReportableRuntimeError as err:  # the shapes are not SHACL
        text = " ".join(str(err.message).split())
        raise ShapesError(f"pySHACL cannot use the shapes: {text}") from None
    except Exception as err:  # noqa: BLE001 - its crashes too (NaN against a decimal, a cyclic list)
        text = " ".join(str(err).split())
        raise ShapesError(
            f"pySHACL failed ({type(err).__name__}: {text}): validate with --engine fast or auto"
        ) from None
    violations = sorted(_violations(results, data_graph, base), key=result_order)
    return Report(conforms=bool(conforms), violations=violations, graph=results)


def _violations(results, data_graph, base: str):
    from rdflib import Literal, URIRef
    from rdflib.namespace import SH as RSH

    name = URIRef(SCHEMA + "name")
    for result in results.subjects(RSH.resultSeverity, None):
        focus = results.value(result, RSH.focusNode)
        messages = {
            m.language: str(m)
            for m in results.objects(result, RSH.resultMessage)
            if isinstance(m, Literal)
        }
        names = {n.language: str(n) for n in data_graph.objects(focus, name)}
        path = results.value(result, RSH.resultPath)
        value = results.value(result, RSH.value)
        focus_text = str(focus)
        yield Violation(
            focus=focus_text,
            record=focus_text.rsplit("/", 1)[-1] if focus_text.startswith(base) else None,
            name=names.get("th") or names.get("en"),
            path=_short(path, results) if path is not None else None,
            value=None if value is None else str(value),
            component=_short(results.value(result, RSH.sourceConstraintComponent), results),
            severity=_short(results.value(result, RSH.resultSeverity), results),
            message_en=messages.get("en") or messages.get(None) or "",
            message_th=messages.get("th"),
            shape=_shape(results.value(result, RSH.sourceShape)),
        )


def _short(term, graph) -> str:
    from rdflib import BNode, URIRef

    if isinstance(term, BNode):
        inverse = graph.value(term, URIRef(SH + "inversePath"))
        return f"^{_short(inverse, graph)}" if inverse is not None else "(complex path)"
    return shorten(str(term))


def _shape(term) -> str:
    """A named shape by its full IRI, for programs to match; a blank one as "(complex path)"."""
    from rdflib import BNode

    return "(complex path)" if isinstance(term, BNode) else str(term)
