"""The data dictionary: the ontology's terms and the SHACL shapes, read for people.

Read from ontology/jitarsa.ttl and ontology/shapes.ttl at build time, so the ontology page of
the site cannot drift from the files that define and check the data. A shape's rule is its own
sh:message (or rdfs:comment), in English and Thai; its constraints are listed as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, parse

from jitarsa.namespaces import JITARSA, OWL, RDF, RDFS, SH, XSD, shorten
from jitarsa.records.text import forbidden_character
from jitarsa.resources import ontology_file, shapes_file

TYPE = RDF + "type"
LABEL, COMMENT = RDFS + "label", RDFS + "comment"
#: SHACL parameters that say how a shape is applied rather than what it checks.
STRUCTURE = {TYPE, SH + "property", SH + "path", SH + "message", COMMENT, LABEL}
TARGETS = (SH + "targetClass", SH + "targetNode", SH + "targetSubjectsOf", SH + "targetObjectsOf")


class TurtleFile:
    """A Turtle file as subject → predicate → objects, with RDF lists and paths readable."""

    def __init__(self, path):
        self.by: dict = {}
        for t in parse(path=str(path), format=RdfFormat.TURTLE):
            self.by.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)

    def values(self, node, predicate: str) -> list:
        return self.by.get(node, {}).get(predicate, [])

    def one(self, node, predicate: str):
        found = self.values(node, predicate)
        return found[0] if found else None

    def text(self, node, predicate: str) -> dict[str, str]:
        """Language → text of a property, for the bilingual page."""
        return {
            o.language: o.value
            for o in self.values(node, predicate)
            if getattr(o, "language", None)
        }

    def subjects(self, predicate: str, obj: str) -> list:
        return sorted(
            (
                s
                for s, p in self.by.items()
                if any(getattr(o, "value", None) == obj for o in p.get(predicate, []))
            ),
            key=lambda s: s.value,
        )

    def items(self, node) -> list:
        """The members of an RDF list."""
        out = []
        while node is not None and getattr(node, "value", None) != RDF + "nil":
            out += self.values(node, RDF + "first")
            node = self.one(node, RDF + "rest")
        return out

    def show(self, node) -> str:
        """A term, a list or a SHACL path in SPARQL-like syntax: `^schema:member`, `a | b`."""
        if isinstance(node, Literal):
            if node.datatype.value in (XSD + "integer", XSD + "boolean"):
                return node.value
            return f'"{_visible(node.value)}"' + (f"@{node.language}" if node.language else "")
        if isinstance(node, BlankNode):
            if self.one(node, RDF + "first") is not None:
                return "( " + " ".join(self.show(i) for i in self.items(node)) + " )"
            inverse = self.one(node, SH + "inversePath")
            if inverse is not None:
                return "^" + self.show(inverse)
            alternatives = self.one(node, SH + "alternativePath")
            if alternatives is not None:
                return " | ".join(self.show(i) for i in self.items(alternatives))
            return (
                "[ "
                + " ; ".join(
                    f"{shorten(p)} {', '.join(self.show(o) for o in objs)}"
                    for p, objs in sorted(self.by[node].items())
                )
                + " ]"
            )
        return shorten(node.value)


@dataclass
class Term:
    """A class, property or individual the ontology defines, with its other statements."""

    iri: str
    kind: str
    label: dict[str, str]
    comment: dict[str, str]
    facts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return self.iri.rsplit("#", 1)[-1]

    @property
    def name(self) -> str:
        return shorten(self.iri)


@dataclass
class Shape:
    """A node or property shape: its rule in words, its target or path, its constraints."""

    iri: str  # "" for a blank-node shape
    path: str | None
    rule: dict[str, str]
    constraints: list[tuple[str, str]]
    targets: list[tuple[str, str]]
    properties: list[Shape] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return "shape-" + self.iri.rsplit("#", 1)[-1] if "#" in self.iri else ""

    @property
    def name(self) -> str:
        return shorten(self.iri)


@dataclass
class Dictionary:
    """Everything on the ontology page."""

    comment: dict[str, str]
    label: dict[str, str]
    terms: list[Term]
    axioms: list[tuple[str, str, str]]
    shapes: list[Shape]

    @classmethod
    def load(cls) -> Dictionary:
        onto, shapes = TurtleFile(ontology_file()), TurtleFile(shapes_file())
        ontology_node = onto.subjects(TYPE, OWL + "Ontology")[0]
        terms, axioms = [], []
        named = (s for s in onto.by if isinstance(s, NamedNode) and s != ontology_node)
        for subject in sorted(named, key=lambda s: s.value):
            if subject.value.startswith(JITARSA):
                types = [shorten(o.value) for o in onto.values(subject, TYPE)]
                facts = [
                    (shorten(p), ", ".join(onto.show(o) for o in objs))
                    for p, objs in sorted(onto.by[subject].items())
                    if p not in (TYPE, LABEL, COMMENT, RDFS + "isDefinedBy")
                ]
                terms.append(
                    Term(
                        subject.value,
                        ", ".join(sorted(types)),
                        onto.text(subject, LABEL),
                        onto.text(subject, COMMENT),
                        facts,
                    )
                )
            else:
                axioms += [
                    (shorten(subject.value), shorten(p), onto.show(o))
                    for p, objs in sorted(onto.by[subject].items())
                    for o in objs
                ]
        node_shapes = [cls._shape(shapes, s) for s in shapes.subjects(TYPE, SH + "NodeShape")]
        return cls(
            onto.text(ontology_node, COMMENT),
            onto.text(ontology_node, LABEL),
            terms,
            axioms,
            node_shapes,
        )

    @staticmethod
    def _shape(g: TurtleFile, node) -> Shape:
        constraints = [
            (shorten(p), ", ".join(g.show(o) for o in objs))
            for p, objs in sorted(g.by.get(node, {}).items())
            if p not in STRUCTURE and p not in TARGETS
        ]
        targets = [(shorten(p), g.show(o)) for p in TARGETS for o in g.values(node, p)]
        rule = g.text(node, SH + "message") or g.text(node, COMMENT)
        path = g.one(node, SH + "path")

        def order(shape):  # blank-node ids change from parse to parse; paths do not
            path = g.one(shape, SH + "path")
            return (
                g.show(path) if path is not None else "",
                shape.value if isinstance(shape, NamedNode) else "",
            )

        props = sorted(g.values(node, SH + "property"), key=order)
        return Shape(
            node.value if isinstance(node, NamedNode) else "",
            g.show(path) if path is not None else None,
            rule,
            constraints,
            targets,
            [Dictionary._shape(g, p) for p in props],
        )


def _visible(text: str) -> str:
    """A string with the characters records refuse (controls, invisible ones) written as Turtle
    escapes, as shapes.ttl writes them in jsh:text's pattern: a page shows them, not nothing."""
    return "".join(
        (f"\\u{ord(c):04X}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08X}")
        if forbidden_character(c)
        else c
        for c in text
    )
