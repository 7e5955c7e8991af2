"""A fast SHACL engine for the core constraints the jitarsa shapes use, read from shapes.ttl.

pySHACL is the reference, but it evaluates one focus node at a time through rdflib and takes
about a minute for 100k organisations. This engine reads the same shapes file, indexes the
triples once by predicate, and evaluates each shape over all its focus nodes with dictionaries
and sets. It knows the components the shapes use (class, datatype, nodeKind, min/maxCount,
minInclusive, pattern, languageIn, uniqueLang, in, equals, or, node, qualifiedValueShape) and
paths (IRI, inverse, alternative); a shapes graph with anything else raises `Unsupported`, and the
caller falls back to pySHACL. tests/test_fastshacl.py proves it reports the same results as
pySHACL (focus node, path, value, component, shape, messages) on the fixtures and synthetic data.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date
from functools import partial

from pyoxigraph import BlankNode, NamedNode, RdfFormat, parse

from jitarsa.errors import Unsupported
from jitarsa.namespaces import RDF, RDFS, SCHEMA, SH, XSD, shorten
from jitarsa.rdf.graph import Blank, as_graph, compact

_TYPE = NamedNode(RDF + "type")
_FIRST, _REST, _NIL = (NamedNode(RDF + n) for n in ("first", "rest", "nil"))
_VIOLATION = NamedNode(SH + "Violation")
_NO_VALUE = object()
#: Constraint parameters this engine evaluates, and shape keys it reads without evaluating.
_PARAMETERS = {
    "class",
    "datatype",
    "nodeKind",
    "minCount",
    "maxCount",
    "minInclusive",
    "pattern",
    "flags",
    "languageIn",
    "uniqueLang",
    "in",
    "equals",
    "or",
    "node",
    "qualifiedValueShape",
    "qualifiedMinCount",
    "qualifiedMaxCount",
}
_SHAPE_KEYS = {
    "path",
    "property",
    "message",
    "severity",
    "deactivated",
    "targetClass",
    "targetSubjectsOf",
    "targetNode",
    "targetObjectsOf",
    "name",
    "description",
    "order",
    "group",
}
_INTEGERS = {
    XSD + n
    for n in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
}
_INTEGER_TEXT = re.compile(r"^[+-]?[0-9]+$")


def _sh(name: str) -> NamedNode:
    return NamedNode(SH + name)


class Shapes:
    """The shapes graph, parsed once: shape → parameter → values."""

    def __init__(self, path):
        self.graph: dict = defaultdict(lambda: defaultdict(list))
        for t in parse(path=str(path), format=RdfFormat.TURTLE):
            self.graph[t.subject][t.predicate].append(t.object)
        targeted = [
            s
            for s, props in self.graph.items()
            if any(
                _sh(k) in props
                for k in ("targetClass", "targetSubjectsOf", "targetNode", "targetObjectsOf")
            )
        ]
        self.top = sorted(targeted, key=str)
        for shape in self.top:
            self._check(shape, reports=True)

    def get(self, shape, name: str) -> list:
        return self.graph.get(shape, {}).get(_sh(name), [])

    def one(self, shape, name: str):
        values = self.get(shape, name)
        return values[0] if values else None

    def items(self, head) -> list:
        out = []
        while head != _NIL:
            out.append(self.one_raw(head, _FIRST))
            head = self.one_raw(head, _REST)
        return out

    def one_raw(self, node, predicate):
        values = self.graph.get(node, {}).get(predicate, [])
        if not values:
            raise Unsupported(f"malformed RDF list at {node}")
        return values[0]

    def _check(self, shape, reports: bool) -> None:
        """Refuse what this engine would evaluate differently from pySHACL."""
        for predicate in self.graph.get(shape, {}):
            name = predicate.value[len(SH) :] if predicate.value.startswith(SH) else None
            if name is not None and name not in _PARAMETERS | _SHAPE_KEYS:
                raise Unsupported(f"sh:{name} on {shape}")
        if reports and not self.get(shape, "message") and self._has_constraints(shape):
            raise Unsupported(f"{shape} has no sh:message (pySHACL would make one up)")
        if self.get(shape, "path"):
            self.path(shape)
        if self.one(shape, "qualifiedValueShapesDisjoint") is not None:
            raise Unsupported("sh:qualifiedValueShapesDisjoint")
        for name in ("or",):
            for head in self.get(shape, name):
                for member in self.items(head):
                    self._check(member, reports=False)
        for name in ("node", "qualifiedValueShape"):
            for member in self.get(shape, name):
                self._check(member, reports=False)
        for prop in self.get(shape, "property"):
            self._check(prop, reports=reports)

    def _has_constraints(self, shape) -> bool:
        return any(_sh(p) in self.graph.get(shape, {}) for p in _PARAMETERS)

    def path(self, shape):
        """`("iri", p)`, `("inverse", p)` or `("alternative", [p, …])`."""
        path = self.one(shape, "path")
        if isinstance(path, NamedNode):
            return ("iri", path)
        inverse = self.one(path, "inversePath")
        if isinstance(inverse, NamedNode):
            return ("inverse", inverse)
        alternative = self.one(path, "alternativePath")
        if alternative is not None:
            members = self.items(alternative)
            if all(isinstance(m, NamedNode) for m in members):
                return ("alternative", tuple(members))
        raise Unsupported(f"path of {shape}")


class Data:
    """The data graph indexed for SHACL: predicate IRI → node → objects.

    Nodes and values are in jitarsa.graph's plain form (an IRI is its text, a literal a tuple),
    which hashes and compares in C: pyoxigraph terms would go through Rust on every lookup."""

    def __init__(self, graph):
        # Values as tuples, not lists: at registry scale most (predicate, node) have one value,
        # and a tuple of one is half the size of a list that was appended to. A node with many
        # values of one predicate (the network's members) collects them in a list first: a
        # tuple grown one value at a time would copy itself each time, quadratic in their count.
        out: dict = defaultdict(dict)
        many: dict = {}
        for s, pairs in graph.statements.items():
            for p, o in pairs:
                by_node = out[p]
                found = by_node.get(s)
                if found is None:
                    by_node[s] = (o,)
                else:
                    values = many.get((p, s))
                    if values is None:
                        values = many[(p, s)] = list(found)
                    values.append(o)
        for (p, s), values in many.items():
            out[p][s] = tuple(values)
        self.out = out
        self._indexes: dict = {}
        self.types = out.get(_TYPE.value, {})
        if RDFS + "subClassOf" in out:
            raise Unsupported("rdfs:subClassOf in the data graph")

    def index(self, path) -> dict:
        """node → its values along `path`, for every node that has any (built once a path)."""
        if path not in self._indexes:
            kind, p = path
            if kind == "iri":
                found = self.out.get(p.value, {})
            elif kind == "inverse":
                found = defaultdict(list)
                for s, objects in self.out.get(p.value, {}).items():
                    for o in objects:
                        found[o].append(s)
            else:  # each node's values along any of the predicates, without repeats
                found = {}
                for q in p:
                    for s, objects in self.out.get(q.value, {}).items():
                        known = found.get(s)
                        found[s] = (
                            objects
                            if known is None
                            else known + tuple(o for o in objects if o not in known)
                        )
            self._indexes[path] = dict(found)
        return self._indexes[path]

    def values(self, node, path) -> list:
        return self.index(path).get(node, [])


def _datatype_ok(v, datatype: str) -> bool:
    if type(v) is not tuple:
        return False
    text, lang, own = v
    if datatype == RDF + "langString":
        return lang is not None
    if lang is not None or own != datatype:
        return False
    if datatype in _INTEGERS:
        return bool(_INTEGER_TEXT.match(text.strip()))
    if datatype == XSD + "date":
        try:
            date.fromisoformat(text)
        except ValueError:
            return False
    return True


def _number(v):
    if type(v) is tuple and v[2] in _INTEGERS and _INTEGER_TEXT.match(v[0]):
        return int(v[0])
    return None


def _text(v) -> str:
    """The lexical form of a literal, an IRI's text, a blank node's label (as pySHACL gives)."""
    if type(v) is tuple:
        return v[0]
    return v[2:] if isinstance(v, Blank) else v


class _Compiled:
    """One shape, read once: its path, severity, checks and property shapes."""

    __slots__ = ("shape", "path", "severity", "checks", "properties", "active")


class Engine:
    """Evaluates the shapes over a data graph; `results()` yields one tuple per SHACL result.

    Each shape is compiled once into a list of (check, relevant): `check(focus, values)` →
    failures as (component, value or _NO_VALUE, nested results), and `relevant(focus nodes,
    nodes with values)` → the focus nodes the check can fail on, found with set operations:
    for most checks only the focus nodes that have values along the path."""

    def __init__(self, shapes: Shapes, data: Data):
        self.shapes, self.data = shapes, data
        self._compiled: dict = {}

    def focus_nodes(self, shape) -> set:
        sh, d = self.shapes, self.data
        found = {compact(n) for n in sh.get(shape, "targetNode")}
        for cls in sh.get(shape, "targetClass"):
            found |= {s for s, classes in d.types.items() if cls.value in classes}
        for p in sh.get(shape, "targetSubjectsOf"):
            found |= set(d.out.get(p.value, {}))
        for p in sh.get(shape, "targetObjectsOf"):
            found |= set(d.index(("inverse", p)))
        return found

    def results(self):
        """(focus, path or None, value or None, component, shape, severity) for every result."""
        for shape in self.shapes.top:
            compiled = self.compile(shape)
            if compiled.active:
                yield from self._shape_results(compiled, self.focus_nodes(shape))

    def _shape_results(self, c: _Compiled, focus_nodes: set):
        if c.path is None:
            index = {focus: [focus] for focus in focus_nodes} if c.checks else {}
        else:
            index = self.data.index(c.path)
        per_value = [
            (check.ok, check.component) for check, _ in c.checks if type(check) is _PerValue
        ]
        if per_value:  # most checks: one pass over the values for all, no call a node
            path, shape, severity = c.path, c.shape, c.severity
            for focus, values in index.items():
                if focus in focus_nodes:
                    for value in values:
                        for ok, component in per_value:
                            if not ok(value):
                                yield (focus, path, value, component, shape, severity)
        present = None  # the focus nodes with values, which most other checks look at
        for check, relevant in c.checks:
            if type(check) is _PerValue:
                continue
            if relevant is not _with_values:
                nodes = relevant(focus_nodes, index.keys())
            else:
                nodes = present = focus_nodes & index.keys() if present is None else present
            for focus in nodes:
                for component, value, details in check(focus, index.get(focus, ())):
                    yield (
                        focus,
                        c.path,
                        None if value is _NO_VALUE else value,
                        component,
                        c.shape,
                        c.severity,
                    )
                    yield from details
        for prop in c.properties:
            if prop.active:
                yield from self._shape_results(prop, focus_nodes)

    def node_results(self, c: _Compiled, node) -> list:
        """Every result of validating `node` against a shape and its property shapes, each
        followed by the results pySHACL nests under it with sh:detail and lists too."""
        if not c.active:
            return []
        values = self.data.values(node, c.path) if c.path else [node]
        out = []
        for check, _ in c.checks:
            for component, value, details in check(node, values):
                out.append(
                    (
                        node,
                        c.path,
                        None if value is _NO_VALUE else value,
                        component,
                        c.shape,
                        c.severity,
                    )
                )
                out += details
        for prop in c.properties:
            out += self.node_results(prop, node)
        return out

    def conforms(self, c: _Compiled, node) -> bool:
        return not self.node_results(c, node)

    def compile(self, shape) -> _Compiled:
        if shape in self._compiled:
            return self._compiled[shape]
        sh = self.shapes
        c = _Compiled()
        self._compiled[shape] = c
        flag = sh.one(shape, "deactivated")
        c.shape, c.active = shape, not (flag is not None and flag.value == "true")
        c.severity = sh.one(shape, "severity") or _VIOLATION
        c.path = sh.path(shape) if sh.get(shape, "path") else None
        c.checks = [
            make(self, shape, parameter)
            for name, make in _CHECKS.items()
            for parameter in sh.get(shape, name)
        ]
        c.properties = [self.compile(p) for p in sh.get(shape, "property")]
        return c


def _with_values(focus_nodes, with_values):
    return focus_nodes & with_values


class _PerValue:
    """A check that fails every value for which `ok(value)` is false."""

    __slots__ = ("component", "ok")

    def __init__(self, component: str, ok):
        self.component, self.ok = component, ok

    def __call__(self, focus, values) -> list:
        return [(self.component, v, ()) for v in values if not self.ok(v)]


def _each(component, ok):
    return _PerValue(component, ok), _with_values


def _min_count(engine, shape, parameter):
    bound = int(parameter.value)

    def relevant(focus_nodes, with_values):
        return (focus_nodes - with_values if bound > 0 else set()) | (
            focus_nodes & with_values if bound > 1 else set()
        )

    return (
        lambda f, values: (
            [("MinCountConstraintComponent", _NO_VALUE, ())] if len(values) < bound else ()
        )
    ), relevant


def _max_count(engine, shape, parameter):
    bound = int(parameter.value)
    return (
        lambda f, values: (
            [("MaxCountConstraintComponent", _NO_VALUE, ())] if len(values) > bound else ()
        )
    ), _with_values


def _class(engine, shape, cls):
    types, name = engine.data.types, cls.value
    return _each("ClassConstraintComponent", lambda v: name in types.get(v, ()))


def _datatype(engine, shape, datatype):
    return _each("DatatypeConstraintComponent", partial(_datatype_ok, datatype=datatype.value))


def _node_kind(engine, shape, kind):
    return _each("NodeKindConstraintComponent", partial(_kind_ok, kind=kind.value[len(SH) :]))


def _min_inclusive(engine, shape, minimum):
    bound = _number(compact(minimum))
    if bound is None:
        raise Unsupported("sh:minInclusive other than an integer")
    return _each(
        "MinInclusiveConstraintComponent", lambda v: (n := _number(v)) is not None and n >= bound
    )


def _pattern(engine, shape, pattern):
    flags = engine.shapes.one(shape, "flags")
    bits = 0
    for letter in flags.value if flags is not None else "":
        bits |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}.get(letter, 0)
    search = re.compile(pattern.value, bits).search

    def ok(v):  # matched against a literal's lexical form or an IRI; a blank node fails
        if type(v) is tuple:
            return search(v[0]) is not None
        return not isinstance(v, Blank) and search(v) is not None

    return _each("PatternConstraintComponent", ok)


def _language_in(engine, shape, head):
    allowed = {item.value.lower() for item in engine.shapes.items(head)}

    def ok(v):
        lang = v[1] if type(v) is tuple else None
        return bool(lang) and (
            "*" in allowed or lang.lower() in allowed or lang.split("-")[0].lower() in allowed
        )

    return _each("LanguageInConstraintComponent", ok)


def _unique_lang(engine, shape, flag):
    def check(focus, values):
        if flag.value != "true":
            return ()
        langs = [v[1].lower() for v in values if type(v) is tuple and v[1]]
        if len(set(langs)) == len(langs):
            return ()  # the usual case, found without counting
        return [
            ("UniqueLangConstraintComponent", _NO_VALUE, ())
            for n in Counter(langs).values()
            if n > 1
        ]

    return check, _with_values


def _in(engine, shape, head):
    allowed = {compact(item) for item in engine.shapes.items(head)}
    return _each("InConstraintComponent", lambda v: v in allowed)


def _equals(engine, shape, p):
    other = engine.data.out.get(p.value, {})

    def check(focus, values):
        mine, theirs = set(values), set(other.get(focus, ()))
        return [
            ("EqualsConstraintComponent", v, ()) for v in list(mine - theirs) + list(theirs - mine)
        ]

    return check, lambda focus_nodes, with_values: focus_nodes & (with_values | other.keys())


def _or(engine, shape, head):
    members = [engine.compile(m) for m in engine.shapes.items(head)]
    return _each("OrConstraintComponent", lambda v: any(engine.conforms(m, v) for m in members))


def _node(engine, shape, other):
    target = engine.compile(other)

    def check(focus, values):
        out = []
        for v in values:
            details = engine.node_results(target, v)
            if details:
                out.append(("NodeConstraintComponent", v, details))
        return out

    return check, _with_values


def _qualified(engine, shape, other):
    target = engine.compile(other)
    low = engine.shapes.one(shape, "qualifiedMinCount")
    high = engine.shapes.one(shape, "qualifiedMaxCount")

    def check(focus, values):
        count = sum(1 for v in values if engine.conforms(target, v))
        out = []
        if high is not None and count > int(high.value):
            out.append(("QualifiedMaxCountConstraintComponent", _NO_VALUE, ()))
        if low is not None and count < int(low.value):
            out.append(("QualifiedMinCountConstraintComponent", _NO_VALUE, ()))
        return out

    if low is not None and int(low.value) > 0:
        return check, lambda focus_nodes, with_values: focus_nodes
    return check, _with_values


#: Constraint parameter → maker of its check, in pySHACL's order of evaluation.
_CHECKS = {
    "minCount": _min_count,
    "maxCount": _max_count,
    "class": _class,
    "datatype": _datatype,
    "nodeKind": _node_kind,
    "minInclusive": _min_inclusive,
    "pattern": _pattern,
    "languageIn": _language_in,
    "uniqueLang": _unique_lang,
    "in": _in,
    "equals": _equals,
    "or": _or,
    "node": _node,
    "qualifiedValueShape": _qualified,
}


#: sh:nodeKind → the kinds of node it admits.
_NODE_KINDS = {
    "IRI": {"IRI"},
    "BlankNode": {"BlankNode"},
    "Literal": {"Literal"},
    "BlankNodeOrIRI": {"BlankNode", "IRI"},
    "BlankNodeOrLiteral": {"BlankNode", "Literal"},
    "IRIOrLiteral": {"IRI", "Literal"},
}


def _kind_ok(v, kind: str) -> bool:
    found = "Literal" if type(v) is tuple else "BlankNode" if isinstance(v, Blank) else "IRI"
    return found in _NODE_KINDS[kind]


def violations(triples, base: str, shapes_path):
    """The SHACL results of `triples` (a jitarsa.graph.Graph or pyoxigraph Triples) as
    `shacl.Violation`s (raises Unsupported to fall back)."""
    from jitarsa.shacl.report import Violation

    shapes = Shapes(shapes_path)
    data = Data(as_graph(triples))
    names = data.out.get(SCHEMA + "name", {})
    for focus, path, value, component, shape, severity in Engine(shapes, data).results():
        messages = {m.language: m.value for m in shapes.get(shape, "message")} or _generic_message(
            shapes, shapes_path, focus, path, component, shape
        )
        focus_text = _text(focus)
        named = {n[1]: n[0] for n in names.get(focus, ()) if type(n) is tuple}
        yield Violation(
            focus=focus_text,
            record=focus_text.rsplit("/", 1)[-1] if focus_text.startswith(base) else None,
            name=named.get("th") or named.get("en"),
            path=None if path is None else _path_text(path),
            value=None if value is None else _text(value),
            component="sh:" + component,
            severity=shorten(severity.value),
            message_en=messages.get("en") or messages.get(None) or "",
            message_th=messages.get("th"),
            shape="(complex path)" if isinstance(shape, BlankNode) else shape.value,
        )


def _generic_message(shapes, shapes_path, focus, path, component, shape) -> dict:
    """pySHACL's own message for a nested result whose shape has no sh:message (cardinality
    only: anything else is Unsupported). Prefixed names as rdflib writes them."""
    import rdflib

    if (
        component not in ("MinCountConstraintComponent", "MaxCountConstraintComponent")
        or path is None
        or path[0] != "iri"
    ):
        raise Unsupported(f"no sh:message for {component} on {shape}")
    bound = int(shapes.one(shape, component[:3].lower() + "Count").value)
    focus_text = (
        rdflib.URIRef(focus).n3(rdflib.Graph().namespace_manager)
        if not isinstance(focus, Blank)
        else focus[2:]
    )
    path_text = rdflib.URIRef(path[1].value).n3(_shapes_namespaces(shapes_path))
    word = "Less" if component.startswith("Min") else "More"
    return {None: f"{word} than {bound} values on {focus_text}->{path_text}"}


def _shapes_namespaces(shapes_path):
    import rdflib

    return rdflib.Graph().parse(shapes_path, format="turtle").namespace_manager


def _path_text(path) -> str:
    kind, p = path
    if kind == "iri":
        return shorten(p.value)
    if kind == "inverse":
        return "^" + shorten(p.value)
    return "(complex path)"
