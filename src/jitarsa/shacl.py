"""SHACL validation with pySHACL, the reference engine, and a report for people and programs.

The shapes (ontology/shapes.ttl) are the data contract; each result is tied back to the record
it is about (its id and name), so a curator knows which file to open.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from .namespaces import PREFIXES, SCHEMA, SH
from .resources import shapes_file


@dataclass(frozen=True)
class Violation:
    """One SHACL result, readable without knowing SHACL."""

    focus: str
    record: str | None
    name: str | None
    path: str | None
    value: str | None
    component: str
    severity: str
    message_en: str
    message_th: str | None
    shape: str | None

    def line(self) -> str:
        who = self.record or self.focus
        if self.name:
            who += f" ({self.name})"
        where = f"{self.path}: " if self.path else ""
        text = f"{who}: {where}{self.message_en}"
        if self.value is not None:
            text += f" [value: {self.value}]"
        return text + (f" / {self.message_th}" if self.message_th else "")


@dataclass
class Report:
    """The outcome: conforms or not, the readable violations, and the standard report graph."""

    conforms: bool
    violations: list[Violation]
    graph: object  # rdflib.Graph holding the sh:ValidationReport; None from the fast engine

    def text(self) -> str:
        if self.conforms:
            return "The graph conforms to the jitarsa shapes."
        lines = [v.line() for v in self.violations]
        return "\n".join(lines + [f"{len(lines)} violation(s)."])

    def turtle(self) -> str:
        if self.graph is None:
            raise ValueError("this report came from the fast engine: validate with "
                             "engine='pyshacl' for the SHACL report graph")
        self.graph.namespace_manager.bind("sh", SH)
        for prefix, ns in PREFIXES.items():
            self.graph.namespace_manager.bind(prefix, ns, replace=True)
        return self.graph.serialize(format="turtle")

    def json(self) -> str:
        body = {"conforms": self.conforms, "violations": [asdict(v) for v in self.violations]}
        return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def to_rdflib(triples):
    """An rdflib Graph of a jitarsa graph or pyoxigraph triples, through N-Triples."""
    import rdflib

    from .dumps import ntriples

    return rdflib.Graph().parse(data=ntriples(triples).decode("utf-8"), format="nt")


def shapes_graph():
    import rdflib

    return rdflib.Graph().parse(shapes_file(), format="turtle")


def validate_graph(data_graph, base: str, shapes=None) -> Report:
    """Validate an rdflib graph against the shapes (the project's unless given)."""
    import pyshacl

    conforms, results, _ = pyshacl.validate(
        data_graph, shacl_graph=shapes if shapes is not None else shapes_graph(),
        inference="none", advanced=True, allow_warnings=False)
    violations = sorted(_violations(results, data_graph, base), key=_order)
    return Report(conforms=bool(conforms), violations=violations, graph=results)


#: From this many triples on, `engine="auto"` uses the fast engine (jitarsa.fastshacl): pySHACL
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
        from .fastshacl import Unsupported, violations

        try:
            found = sorted(violations(triples, base, shapes_file()), key=_order)
        except Unsupported:
            pass
        else:
            return Report(conforms=not found, violations=found, graph=None)
    return validate_graph(to_rdflib(triples), base)


def _order(v: Violation) -> tuple:
    return (v.record or v.focus, v.path or "", v.component, v.message_en, v.value or "")


def validate(data_dir=None, base: str | None = None, engine: str = "auto") -> Report:
    """Load a data folder (the default dataset unless given), build its graph, validate it."""
    from .graph import triples
    from .records import load_dataset
    from .resources import default_data_dir

    dataset = load_dataset(data_dir or default_data_dir(), base=base)
    return validate_triples(triples(dataset), dataset.info.base, engine)


def _violations(results, data_graph, base: str):
    from rdflib import Literal, URIRef
    from rdflib.namespace import SH as RSH

    name = URIRef(SCHEMA + "name")
    for result in results.subjects(RSH.resultSeverity, None):
        focus = results.value(result, RSH.focusNode)
        messages = {m.language: str(m) for m in results.objects(result, RSH.resultMessage)
                    if isinstance(m, Literal)}
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
            shape=_short(results.value(result, RSH.sourceShape), results),
        )


def _short(term, graph) -> str:
    from rdflib import BNode, URIRef

    if isinstance(term, BNode):
        inverse = graph.value(term, URIRef(SH + "inversePath"))
        return f"^{_short(inverse, graph)}" if inverse is not None else "(complex path)"
    return short(str(term))


def short(text: str) -> str:
    """An IRI as a compact IRI with the published prefixes (or sh:), else in full."""
    if text.startswith(SH):
        return "sh:" + text[len(SH):]
    for prefix, ns in PREFIXES.items():
        if text.startswith(ns):
            return f"{prefix}:{text[len(ns):]}"
    return text
